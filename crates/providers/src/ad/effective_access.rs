//! `ad.effective_access`: a check that never writes. Reads every object in scope (its
//! DACL as the DC stored it, class, adminCount, resultant PSO) and the principal's token,
//! runs the access check of [`super::access`] for each wanted right, and reports each
//! object that fails with a reason a person can act on, grouped by reason.
//!
//! The reading is here (`read`); turning what was read into a plan is pure (`plan`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use hybridctl_core::spec::AdEffectiveAccess;
use hybridctl_core::{digest, Address, Diagnostic, Diagnostics, Entry, ResourcePlan};
use ldap3::{ldap_escape, Scope};

use super::access::{self, Object, Token, Verdict, Wanted};
use super::acl::normalize_dn;
use super::directory::Directory;
use super::schema::Lookups;
use super::security::{ace_to_sddl, control, Ace, Acl, SecurityDescriptor, Sid};
use crate::ldap::connection::{escape_bytes, first, first_bin, result_code, Connection};
use crate::ldap::op_diagnostic;

/// 100-nanosecond intervals in a day (AD stores ages as negative counts of them).
const DAY: i64 = 864_000_000_000;

/// One wanted right: the spec's words and what the access check asks.
#[derive(Clone, Debug)]
pub struct WantedRight {
    pub words: String,
    pub wanted: Wanted,
}

/// What was read of one object in scope.
#[derive(Clone, Debug)]
pub struct ScopeObject {
    pub dn: String,
    /// Shared by the objects whose descriptors are byte-identical.
    pub sd: Arc<SecurityDescriptor>,
    pub object: Object,
    pub admin_count: bool,
    /// The resultant PSO's DN and its minimum password age in days, when one applies.
    pub pso: Option<(String, f64)>,
}

/// Everything `plan` needs, read from the DC.
pub struct Observed {
    pub principal: String,
    pub token: Token,
    pub rights: Vec<WantedRight>,
    pub objects: Vec<ScopeObject>,
    /// DACLs of the objects' ancestors, by normalized DN, with the DN as the DC spells it.
    pub ancestors: HashMap<String, (String, Acl, u16)>,
    /// The domain head's minimum password age, in days.
    pub domain_min_age: f64,
    /// Normalized DNs of objects accepted as exceptions.
    pub accepted: HashSet<String>,
    /// AdminSDHolder's DACL, read when an object in scope has adminCount=1: on Windows,
    /// SDProp stamps it on those objects every hour.
    pub admin_sd_holder: Option<Acl>,
    pub domain_dn: String,
    pub domain_sid: Sid,
}

/// Why an object fails, in words a person can act on. Ordered for the summary.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The nearest ancestor with a protected DACL (inheritance disabled) in the object's path.
    InheritanceDisabled { on: String },
    /// The object's own DACL is protected and adminCount=1.
    ProtectedAccount,
    /// The object's own DACL is protected (not an adminCount=1 account).
    OwnInheritanceDisabled,
    /// An ACE denied it: its SDDL and where it comes from.
    Denied { sddl: String, on: String },
    /// No ACE grants these rights to the principal or its groups.
    NotGranted { rights: String },
    /// The effective minimum password age is above the wanted one.
    PasswordAge { source: String, days: String },
}

impl Reason {
    /// The summary line's words, before the count.
    pub fn summary(&self, principal: &str, wanted_age: u32) -> String {
        match self {
            Reason::InheritanceDisabled { on } => format!(
                "inheritance disabled on {on}: the ACEs above it never reach the objects below; grant on {on} or enable inheritance there"
            ),
            Reason::ProtectedAccount => "protected account (adminCount=1): on Windows AdminSDHolder resets its DACL every hour, and neither it nor the account grants these rights; grant on CN=AdminSDHolder,CN=System or accept it in allow_unreachable".into(),
            Reason::OwnInheritanceDisabled => "inheritance disabled on the object itself; enable inheritance on it or grant on it".into(),
            Reason::Denied { sddl, on } => format!("denied by {sddl} on {on}"),
            Reason::NotGranted { rights } => format!(
                "not granted: no ACE gives {principal} (or a group it is in) {rights}"
            ),
            Reason::PasswordAge { source, days } => format!(
                "{source} has minimum password age {days} day(s), above {wanted_age}"
            ),
        }
    }
}

/// The verdict for every object: the ones that fail, with their reasons.
pub fn evaluate(o: &Observed, wanted_age: Option<u32>) -> BTreeMap<String, Vec<Reason>> {
    let mut out = BTreeMap::new();
    for obj in &o.objects {
        let mut reasons = Vec::new();
        let mut missing = Vec::new();
        for r in &o.rights {
            match access::check(&obj.sd, &obj.object, &o.token, &r.wanted) {
                Verdict::Granted => {}
                Verdict::Denied { ace, .. } => {
                    let chain = ancestor_chain(&obj.dn, &o.domain_dn, &o.ancestors);
                    let acls: Vec<(&str, &Acl)> =
                        chain.iter().map(|(dn, acl, _)| (*dn, *acl)).collect();
                    let on = if !ace.is_inherited() {
                        "the object itself".to_string()
                    } else {
                        access::inherited_from(&ace, &acls)
                            .map(str::to_string)
                            .unwrap_or_else(|| "an ancestor above the domain head".into())
                    };
                    let reason = Reason::Denied {
                        sddl: ace_to_sddl(&Ace::Access(ace), Some(&o.domain_sid)),
                        on,
                    };
                    if !reasons.contains(&reason) {
                        reasons.push(reason);
                    }
                }
                Verdict::NotGranted { .. } => missing.push(r.words.clone()),
            }
        }
        if !missing.is_empty() {
            reasons.push(not_granted_reason(obj, o, missing));
        }
        // What the account will hold once SDProp has run (Windows): AdminSDHolder's DACL.
        if let (true, Some(holder)) = (obj.admin_count, &o.admin_sd_holder) {
            let holder_grants = o
                .rights
                .iter()
                .all(|r| access::check_dacl(holder, &obj.object, &o.token, &r.wanted).is_granted());
            if !holder_grants && !reasons.contains(&Reason::ProtectedAccount) {
                reasons.push(Reason::ProtectedAccount);
            }
        }
        if let Some(wanted) = wanted_age {
            let (source, days) = match &obj.pso {
                Some((dn, days)) => (format!("resultant PSO {dn}"), *days),
                None => ("the domain's policy".to_string(), o.domain_min_age),
            };
            if days > f64::from(wanted) {
                reasons.push(Reason::PasswordAge {
                    source,
                    days: format_days(days),
                });
            }
        }
        if !reasons.is_empty() && !o.accepted.contains(&normalize_dn(&obj.dn)) {
            out.insert(obj.dn.clone(), reasons);
        }
    }
    out
}

/// Why nothing grants the rights: a protected DACL on the way down is the usual cause.
fn not_granted_reason(obj: &ScopeObject, o: &Observed, missing: Vec<String>) -> Reason {
    if obj.sd.control & control::DACL_PROTECTED != 0 {
        return match obj.admin_count {
            true => Reason::ProtectedAccount,
            false => Reason::OwnInheritanceDisabled,
        };
    }
    let chain = ancestor_chain(&obj.dn, &o.domain_dn, &o.ancestors);
    // The domain head is always "protected" as the top of the tree; only OUs and
    // containers below it can cut inheritance off.
    if let Some((dn, _, _)) = chain
        .iter()
        .filter(|(dn, _, _)| normalize_dn(dn) != normalize_dn(&o.domain_dn))
        .find(|(_, _, c)| c & control::DACL_PROTECTED != 0)
    {
        return Reason::InheritanceDisabled { on: dn.to_string() };
    }
    Reason::NotGranted {
        rights: missing.join(", "),
    }
}

/// The ancestors of `dn` up to and including the domain head, nearest first, that were read.
fn ancestor_chain<'a>(
    dn: &str,
    domain_dn: &str,
    ancestors: &'a HashMap<String, (String, Acl, u16)>,
) -> Vec<(&'a str, &'a Acl, u16)> {
    parents(dn, domain_dn)
        .iter()
        .filter_map(|p| ancestors.get(&normalize_dn(p)))
        .map(|(dn, acl, c)| (dn.as_str(), acl, *c))
        .collect()
}

/// DNs of the parents of `dn` down to `domain_dn` (included), nearest first.
pub fn parents(dn: &str, domain_dn: &str) -> Vec<String> {
    let domain = normalize_dn(domain_dn);
    let mut out = Vec::new();
    let mut rest = dn;
    while let Some(i) = split_rdn(rest) {
        rest = &rest[i + 1..];
        out.push(rest.to_string());
        if normalize_dn(rest) == domain {
            break;
        }
    }
    out
}

/// The index of the comma that ends the first RDN (an escaped `\,` is part of a value).
fn split_rdn(dn: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn format_days(d: f64) -> String {
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.2}")
    }
}

/// The plan: a no-op when every object passes; a failing check otherwise, with one note
/// per reason (and its count) and one entry per object that fails.
pub fn plan(
    address: &Address,
    spec: &AdEffectiveAccess,
    o: &Observed,
    bases: &[String],
) -> ResourcePlan {
    let failing = evaluate(o, spec.minimum_password_age);
    let wanted_age = spec.minimum_password_age.unwrap_or(0);
    let mut counts: BTreeMap<&Reason, usize> = BTreeMap::new();
    for reasons in failing.values() {
        for r in reasons {
            *counts.entry(r).or_default() += 1;
        }
    }
    let mut notes: Vec<String> = counts
        .iter()
        .map(|(r, n)| format!("{} ({n} object(s))", r.summary(&o.principal, wanted_age)))
        .collect();
    let entries: Vec<Entry> = failing
        .iter()
        .map(|(dn, reasons)| Entry {
            text: dn.clone(),
            code: Some(
                reasons
                    .iter()
                    .map(|r| r.summary(&o.principal, wanted_age))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        })
        .collect();
    let rights: Vec<&str> = o.rights.iter().map(|r| r.words.as_str()).collect();
    let target = format!(
        "{} must hold {} on {} object(s) under {}",
        o.principal,
        rights.join(", "),
        o.objects.len(),
        bases.join(" and ")
    );
    let observed = digest::of_json(
        &failing
            .iter()
            .map(|(dn, rs)| (dn, rs.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    );
    let empty_scope = o.objects.is_empty();
    if empty_scope {
        notes.push(format!(
            "the scope matched no object: check scope.base and scope.filter ({})",
            spec.scope.filter()
        ));
    }
    let p = ResourcePlan::new(address.clone(), target, observed, entries, vec![], vec![])
        .with_notes(notes);
    if failing.is_empty() && !empty_scope {
        p
    } else {
        p.failing()
    }
}

/// On a failing check's plan: which planned `ad.acl` changes touch its scope (an object
/// at, above or below one of its bases), since `apply` evaluates the check again after them.
pub fn note_planned_acls(check: &Address, bases: &[String], plans: &mut [ResourcePlan]) {
    let within = |a: &str, b: &str| a == b || a.ends_with(&format!(",{b}"));
    let touching: Vec<String> = plans
        .iter()
        .filter(|p| p.address.kind == hybridctl_core::Kind::AdAcl && !p.changes.is_empty())
        .filter(|p| {
            let t = normalize_dn(&p.target);
            bases.iter().any(|b| {
                let b = normalize_dn(b);
                within(&t, &b) || within(&b, &t)
            })
        })
        .map(|p| p.address.to_string())
        .collect();
    if touching.is_empty() {
        return;
    }
    if let Some(p) = plans
        .iter_mut()
        .find(|p| &p.address == check && p.action == hybridctl_core::Action::Fail)
    {
        p.notes.push(format!(
            "the check fails now; planned changes of {} touch its scope, and apply evaluates it again after writing them",
            touching.join(", ")
        ));
    }
}

/// Reads what the check needs and plans it. Errors name the spec's key at fault.
pub async fn read_and_plan(
    conn: &mut Connection,
    dir: &mut Directory,
    address: &Address,
    spec: &AdEffectiveAccess,
) -> Result<ResourcePlan, Diagnostics> {
    let mut diags = Diagnostics::default();
    let err = |m: String| Diagnostic::new(m).at(address);

    // The rights, in ad.acl's words.
    let mut rights = Vec::new();
    for words in &spec.rights {
        match dir.schema.right(words) {
            Ok(r) => rights.push(WantedRight {
                words: words.clone(),
                wanted: Wanted {
                    mask: r.mask,
                    object_type: r.object_type,
                    property_set: r.object_type.and_then(|g| dir.schema.property_set_of(g)),
                },
            }),
            Err(e) => diags.push(err(format!("rights: {e}"))),
        }
    }
    // The bases: inside the domain.
    let domain = normalize_dn(&dir.domain_dn);
    let bases: Vec<String> = spec
        .scope
        .base
        .as_slice()
        .iter()
        .map(|b| dir.expand_dn(b))
        .collect();
    for b in &bases {
        let n = normalize_dn(b);
        if !(n == domain || n.ends_with(&format!(",{domain}"))) {
            diags.push(
                err(format!(
                    "scope.base `{b}` is outside the domain {}",
                    dir.domain_dn
                ))
                .hint("give a DN under the domain; `{domain}` stands for the domain root"),
            );
        }
    }
    // The principal and its token.
    let principals = dir
        .resolve_principals(conn, std::slice::from_ref(&spec.principal))
        .await
        .map_err(op_diagnostic)?;
    let sid = match principals.get(&spec.principal) {
        Some(Ok(sid)) => Some(sid.clone()),
        Some(Err(e)) => {
            diags.push(err(format!("principal: {e}")));
            None
        }
        None => None,
    };
    diags.clone().into_result(())?;
    let sid = sid.expect("errors returned above");
    let token = read_token(conn, &dir.domain_dn, &sid)
        .await
        .map_err(|d| d.at(address))?;
    dir.describe_sids(conn, std::slice::from_ref(&sid))
        .await
        .map_err(op_diagnostic)?;
    let principal = dir.display(&sid);

    // The objects in scope, kept as they arrive: objects created alike carry
    // byte-identical descriptors, decoded once and shared, so memory grows with the
    // objects' names, not with their descriptors.
    let mut found: Vec<Found> = Vec::new();
    let mut seen = HashSet::new();
    let mut decoded: HashMap<Vec<u8>, Arc<SecurityDescriptor>> = HashMap::new();
    for b in &bases {
        let keep = |e: ldap3::SearchEntry| {
            if !seen.insert(normalize_dn(&e.dn)) {
                return;
            }
            let sd = match first_bin(&e, "nTSecurityDescriptor") {
                None => Err(None),
                Some(bytes) => match decoded.get(bytes.as_slice()) {
                    Some(sd) => Ok(Arc::clone(sd)),
                    None => SecurityDescriptor::decode(&bytes)
                        .map(|sd| {
                            let sd = Arc::new(sd);
                            decoded.insert(bytes, Arc::clone(&sd));
                            sd
                        })
                        .map_err(|x| Some(x.to_string())),
                },
            };
            found.push(Found {
                class: class_name(&e),
                sid: first_bin(&e, "objectSid")
                    .and_then(|b| Sid::decode(&b).ok())
                    .map(|(s, _)| s),
                admin_count: first(&e, "adminCount").as_deref() == Some("1"),
                pso: first(&e, "msDS-ResultantPSO"),
                sd,
                dn: e.dn,
            });
        };
        let searched = conn
            .search_with_dacl(
                b,
                Scope::Subtree,
                spec.scope.filter(),
                &[
                    "objectClass",
                    "objectSid",
                    "adminCount",
                    "msDS-ResultantPSO",
                ],
                keep,
            )
            .await;
        match searched {
            Ok(()) => {}
            Err(e) if e.result_code() == Some(result_code::NO_SUCH_OBJECT) => {
                diags.push(
                    err(format!("scope.base `{b}` was not found in the directory"))
                        .hint("check the DN; `{domain}` stands for the domain root"),
                );
            }
            Err(e) if e.is_bad_filter() => {
                diags.push(
                    err(format!(
                        "scope.filter `{}` was refused: {e}",
                        spec.scope.filter()
                    ))
                    .hint("write an RFC 4515 filter, e.g. `(&(objectCategory=person)(objectClass=user))`"),
                );
            }
            Err(e) => return Err(op_diagnostic(e).at(address).into()),
        }
    }
    drop(decoded);
    // Their classes, by the name the DC gives.
    let mut classes = Lookups::default();
    found
        .iter()
        .filter_map(|f| f.class.as_deref())
        .for_each(|c| classes.class(c));
    dir.learn(conn, &classes).await.map_err(op_diagnostic)?;
    let mut objects = Vec::with_capacity(found.len());
    for f in found {
        match f.sd {
            Ok(sd) => objects.push(ScopeObject {
                object: Object {
                    sid: f.sid,
                    class: f.class.and_then(|c| dir.schema.class_guid(&c)),
                },
                dn: f.dn,
                sd,
                admin_count: f.admin_count,
                pso: f.pso.map(|dn| (dn, 0.0)),
            }),
            Err(None) => {
                return Err(err(format!(
                    "the DC returned no security descriptor for `{}`",
                    f.dn
                ))
                .hint("hybridctl's account needs Read permissions on every object in scope")
                .into())
            }
            Err(Some(why)) => {
                return Err(err(format!(
                    "cannot read the security descriptor of `{}`: {why}",
                    f.dn
                ))
                .into())
            }
        }
    }
    diags.into_result(())?;

    // Effective minimum password age: the resultant PSO's, else the domain head's.
    let head = conn
        .search(
            &dir.domain_dn,
            Scope::Base,
            "(objectClass=*)",
            &["minPwdAge"],
        )
        .await
        .map_err(op_diagnostic)?;
    let domain_min_age = head
        .first()
        .and_then(|e| first(e, "minPwdAge"))
        .and_then(|v| v.parse::<i64>().ok())
        .map(age_days)
        .ok_or_else(|| err("cannot read the domain head's minPwdAge".into()))?;
    let pso_dns: HashSet<String> = objects
        .iter()
        .filter_map(|o: &ScopeObject| o.pso.as_ref().map(|(dn, _)| dn.clone()))
        .collect();
    let mut pso_age = HashMap::new();
    for dn in pso_dns {
        let e = conn
            .search(
                &dn,
                Scope::Base,
                "(objectClass=*)",
                &["msDS-MinimumPasswordAge"],
            )
            .await
            .map_err(op_diagnostic)?;
        let days = e
            .first()
            .and_then(|e| first(e, "msDS-MinimumPasswordAge"))
            .and_then(|v| v.parse::<i64>().ok())
            .map(age_days)
            .ok_or_else(|| err(format!("cannot read msDS-MinimumPasswordAge of {dn}")))?;
        pso_age.insert(dn, days);
    }
    for o in &mut objects {
        if let Some((dn, days)) = &mut o.pso {
            *days = pso_age[dn.as_str()];
        }
    }

    // Ancestors' DACLs, for protected DACLs on the way down and where a Deny comes from.
    let mut wanted_parents: HashSet<String> = HashSet::new();
    for o in &objects {
        wanted_parents.extend(parents(&o.dn, &dir.domain_dn));
    }
    let ancestors = read_acls(conn, &wanted_parents.into_iter().collect::<Vec<_>>())
        .await
        .map_err(|d| d.at(address))?;

    let admin_sd_holder = match objects.iter().any(|o| o.admin_count) {
        true => {
            let dn = format!("CN=AdminSDHolder,CN=System,{}", dir.domain_dn);
            let mut read = read_acls(conn, std::slice::from_ref(&dn))
                .await
                .map_err(|d| d.at(address))?;
            read.remove(&normalize_dn(&dn)).map(|(_, acl, _)| acl)
        }
        false => None,
    };
    let accepted = accepted(conn, &dir.domain_dn, spec, dir)
        .await
        .map_err(|d| d.at(address))?;
    let observed = Observed {
        principal,
        token,
        rights,
        objects,
        ancestors,
        domain_min_age,
        accepted,
        admin_sd_holder,
        domain_dn: dir.domain_dn.clone(),
        domain_sid: dir.domain_sid.clone(),
    };
    Ok(plan(address, spec, &observed, &bases))
}

/// An object's class by the name the DC gives (the most specific comes last).
fn class_name(e: &ldap3::SearchEntry) -> Option<String> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("objectClass"))
        .and_then(|(_, v)| v.last().cloned())
}

/// What is kept of an object in scope while the search runs.
struct Found {
    dn: String,
    class: Option<String>,
    sid: Option<Sid>,
    admin_count: bool,
    pso: Option<String>,
    /// Shared by every object whose descriptor has the same bytes; `Err(None)` when the
    /// DC returned none, `Err(Some(why))` when it cannot be decoded.
    sd: Result<Arc<SecurityDescriptor>, Option<String>>,
}

/// A negative count of 100-ns intervals as days (`-864000000000` is one day).
fn age_days(v: i64) -> f64 {
    (v.unsigned_abs() as f64) / DAY as f64
}

/// The principal's token: its SID, its groups (`tokenGroups`, read on its own object)
/// and the well-known SIDs of a network logon.
async fn read_token(
    conn: &mut Connection,
    domain_dn: &str,
    sid: &Sid,
) -> Result<Token, Diagnostic> {
    let filter = format!("(objectSid={})", escape_bytes(&sid.to_bytes()));
    let found = conn
        .search(domain_dn, Scope::Subtree, &filter, &["objectClass"])
        .await
        .map_err(op_diagnostic)?;
    let Some(account) = found.first() else {
        // A well-known or foreign SID: no object, no groups to read.
        return Ok(Token::new(sid.clone(), []));
    };
    let e = conn
        .search(
            &account.dn,
            Scope::Base,
            "(objectClass=*)",
            &["tokenGroups"],
        )
        .await
        .map_err(op_diagnostic)?;
    let groups = e
        .first()
        .map(|e| {
            e.bin_attrs
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("tokenGroups"))
                .flat_map(|(_, v)| v.iter())
                .filter_map(|b| Sid::decode(b).ok().map(|(s, _)| s))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if groups.is_empty() {
        return Err(Diagnostic::new(format!(
            "the DC returned no tokenGroups for `{}`",
            account.dn
        ))
        .hint("every account is in at least Domain Users; hybridctl's account needs Read permissions on the principal"));
    }
    Ok(Token::new(sid.clone(), groups))
}

/// DACLs (and control bits) of `dns`, by normalized DN. One that cannot be read is an error.
async fn read_acls(
    conn: &mut Connection,
    dns: &[String],
) -> Result<HashMap<String, (String, Acl, u16)>, Diagnostic> {
    let mut out = HashMap::new();
    for dn in dns {
        let entries = conn.read_dacl_of(dn).await.map_err(op_diagnostic)?;
        let Some(bytes) = entries
            .first()
            .and_then(|e| first_bin(e, "nTSecurityDescriptor"))
        else {
            return Err(Diagnostic::new(format!(
                "the DC returned no security descriptor for `{dn}`"
            ))
            .hint("hybridctl's account needs Read permissions on the OUs above the scope"));
        };
        let sd = SecurityDescriptor::decode(&bytes).map_err(|e| {
            Diagnostic::new(format!(
                "cannot read the security descriptor of `{dn}`: {e}"
            ))
        })?;
        out.insert(
            normalize_dn(dn),
            (
                dn.clone(),
                sd.dacl.unwrap_or_else(|| Acl::new(vec![])),
                sd.control,
            ),
        );
    }
    Ok(out)
}

/// Normalized DNs of the objects `allow_unreachable` accepts: each DN, and the members
/// (nested too) of each group named.
async fn accepted(
    conn: &mut Connection,
    domain_dn: &str,
    spec: &AdEffectiveAccess,
    dir: &Directory,
) -> Result<HashSet<String>, Diagnostic> {
    let mut out = HashSet::new();
    for dn in &spec.allow_unreachable {
        let dn = dir.expand_dn(dn);
        out.insert(normalize_dn(&dn));
        // LDAP_MATCHING_RULE_IN_CHAIN: members of the group, nested groups included.
        let filter = format!("(memberOf:1.2.840.113556.1.4.1941:={})", ldap_escape(&dn));
        for e in conn
            .search(domain_dn, Scope::Subtree, &filter, &["objectClass"])
            .await
            .map_err(op_diagnostic)?
        {
            out.insert(normalize_dn(&e.dn));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::rights::mask;
    use crate::ad::security::sddl;

    const DOMAIN_SID: &str = "S-1-5-21-1-2-3";
    const CONNECTOR: &str = "S-1-5-21-1-2-3-1105";
    const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    const RESET: &str = "00299570-246d-11d0-a768-00aa006e0529";
    const DOMAIN: &str = "DC=lab,DC=test";

    fn sd(text: &str) -> SecurityDescriptor {
        sddl::parse(text, Some(&DOMAIN_SID.parse().unwrap())).unwrap()
    }

    fn obj(dn: &str, sddl: &str, admin: bool) -> ScopeObject {
        ScopeObject {
            dn: dn.into(),
            sd: Arc::new(sd(sddl)),
            object: Object {
                sid: None,
                class: USER.parse().ok(),
            },
            admin_count: admin,
            pso: None,
        }
    }

    fn observed(objects: Vec<ScopeObject>, ancestors: &[(&str, &str)]) -> Observed {
        Observed {
            principal: "LAB\\MSOL".into(),
            token: Token::new(CONNECTOR.parse().unwrap(), []),
            rights: vec![WantedRight {
                words: "Reset password".into(),
                wanted: Wanted {
                    mask: mask::CONTROL_ACCESS,
                    object_type: RESET.parse().ok(),
                    property_set: None,
                },
            }],
            objects,
            ancestors: ancestors
                .iter()
                .map(|(dn, text)| {
                    let s = sd(text);
                    (
                        normalize_dn(dn),
                        (dn.to_string(), s.dacl.unwrap(), s.control),
                    )
                })
                .collect(),
            domain_min_age: 0.0,
            accepted: HashSet::new(),
            admin_sd_holder: None,
            domain_dn: DOMAIN.into(),
            domain_sid: DOMAIN_SID.parse().unwrap(),
        }
    }

    #[test]
    fn each_failing_object_gets_the_reason_a_person_can_act_on() {
        let grant_inherited = format!("D:AI(OA;CIID;CR;{RESET};{USER};{CONNECTOR})");
        let root = format!("D:(OA;CI;CR;{RESET};{USER};{CONNECTOR})");
        let o = observed(
            vec![
                obj("CN=ok,OU=Corp,DC=lab,DC=test", &grant_inherited, false),
                obj(
                    "CN=blocked,OU=Legacy,OU=Corp,DC=lab,DC=test",
                    "D:AI(A;;RC;;;AU)",
                    false,
                ),
                obj("CN=admin,OU=Corp,DC=lab,DC=test", "D:PAI(A;;RC;;;AU)", true),
                obj(
                    "CN=denied,OU=Corp,DC=lab,DC=test",
                    &format!(
                        "D:AI(OD;;CR;{RESET};;{CONNECTOR})(OA;CIID;CR;{RESET};{USER};{CONNECTOR})"
                    ),
                    false,
                ),
                obj(
                    "CN=nothing,OU=Corp,DC=lab,DC=test",
                    "D:AI(A;;RC;;;AU)",
                    false,
                ),
            ],
            &[
                ("OU=Legacy,OU=Corp,DC=lab,DC=test", "D:PAI(A;;RC;;;AU)"),
                ("OU=Corp,DC=lab,DC=test", "D:AI(A;;RC;;;AU)"),
                ("DC=lab,DC=test", &root),
            ],
        );
        let failing = evaluate(&o, None);
        assert!(!failing.contains_key("CN=ok,OU=Corp,DC=lab,DC=test"));
        assert_eq!(
            failing["CN=blocked,OU=Legacy,OU=Corp,DC=lab,DC=test"],
            [Reason::InheritanceDisabled {
                on: "OU=Legacy,OU=Corp,DC=lab,DC=test".into()
            }]
        );
        assert_eq!(
            failing["CN=admin,OU=Corp,DC=lab,DC=test"],
            [Reason::ProtectedAccount]
        );
        assert_eq!(
            failing["CN=denied,OU=Corp,DC=lab,DC=test"],
            [Reason::Denied {
                sddl: format!("(OD;;CR;{RESET};;{CONNECTOR})"),
                on: "the object itself".into()
            }]
        );
        assert!(matches!(
            &failing["CN=nothing,OU=Corp,DC=lab,DC=test"][..],
            [Reason::NotGranted { .. }]
        ));
        let spec: AdEffectiveAccess = serde_json::from_str(
            r#"{"name": "w", "principal": "x", "rights": ["Reset password"], "scope": {"base": "{domain}"}}"#,
        )
        .unwrap();
        let address: Address = "ad.effective_access.w".parse().unwrap();
        let p = plan(&address, &spec, &o, &["DC=lab,DC=test".into()]);
        assert_eq!(p.action, hybridctl_core::Action::Fail);
        assert_eq!(p.before.len(), 4);
        assert!(
            p.notes.iter().any(|n| n
                .starts_with("inheritance disabled on OU=Legacy,OU=Corp,DC=lab,DC=test")
                && n.ends_with("(1 object(s))")),
            "{:?}",
            p.notes
        );
        // Accepting them all makes the check pass.
        let mut all = o;
        all.accepted = all.objects.iter().map(|x| normalize_dn(&x.dn)).collect();
        let p = plan(&address, &spec, &all, &["DC=lab,DC=test".into()]);
        assert_eq!(p.action, hybridctl_core::Action::NoOp);
    }

    #[test]
    fn an_inherited_deny_names_the_ancestor_it_comes_from() {
        let deny = format!("(OD;CI;CR;{RESET};;{CONNECTOR})");
        let o = observed(
            vec![obj(
                "CN=u,OU=Helpdesk,DC=lab,DC=test",
                &format!("D:AI(OD;CIID;CR;{RESET};;{CONNECTOR})(A;;GA;;;{CONNECTOR})"),
                false,
            )],
            &[
                ("OU=Helpdesk,DC=lab,DC=test", &format!("D:AI{deny}")),
                ("DC=lab,DC=test", "D:(A;;RC;;;AU)"),
            ],
        );
        let failing = evaluate(&o, None);
        assert_eq!(
            failing["CN=u,OU=Helpdesk,DC=lab,DC=test"],
            [Reason::Denied {
                sddl: format!("(OD;CIID;CR;{RESET};;{CONNECTOR})"),
                on: "OU=Helpdesk,DC=lab,DC=test".into()
            }]
        );
    }

    #[test]
    fn the_effective_minimum_password_age_is_the_psos_else_the_domains() {
        let grant = format!("D:AI(A;;GA;;;{CONNECTOR})");
        let mut with_pso = obj("CN=a,DC=lab,DC=test", &grant, false);
        with_pso.pso = Some(("CN=Admins-PSO".into(), 1.0));
        let plain = obj("CN=b,DC=lab,DC=test", &grant, false);
        let mut o = observed(vec![with_pso, plain], &[("DC=lab,DC=test", "D:")]);
        let failing = evaluate(&o, Some(0));
        assert_eq!(
            failing["CN=a,DC=lab,DC=test"],
            [Reason::PasswordAge {
                source: "resultant PSO CN=Admins-PSO".into(),
                days: "1".into()
            }]
        );
        assert!(!failing.contains_key("CN=b,DC=lab,DC=test"));
        assert!(evaluate(&o, None).is_empty());
        o.domain_min_age = 2.0;
        assert_eq!(evaluate(&o, Some(1)).len(), 1);
        assert_eq!(evaluate(&o, Some(2)).len(), 0);
    }

    #[test]
    fn a_protected_account_fails_unless_admin_sd_holder_grants_it() {
        // Its DACL grants today (inheritance on, as Samba leaves it), but on Windows
        // SDProp replaces it with AdminSDHolder's, which does not.
        let grant = format!("D:AI(OA;CIID;CR;{RESET};{USER};{CONNECTOR})");
        let mut o = observed(
            vec![
                obj("CN=admin,DC=lab,DC=test", &grant, true),
                obj("CN=plain,DC=lab,DC=test", &grant, false),
            ],
            &[("DC=lab,DC=test", "D:")],
        );
        o.admin_sd_holder = sd("D:PAI(A;;RC;;;AU)").dacl;
        let failing = evaluate(&o, None);
        assert_eq!(failing.len(), 1);
        assert_eq!(
            failing["CN=admin,DC=lab,DC=test"],
            [Reason::ProtectedAccount]
        );
        o.admin_sd_holder = sd(&format!("D:PAI(OA;;CR;{RESET};;{CONNECTOR})")).dacl;
        assert!(evaluate(&o, None).is_empty());
    }

    #[test]
    fn an_empty_scope_is_not_a_pass() {
        let o = observed(vec![], &[]);
        let spec: AdEffectiveAccess = serde_json::from_str(
            r#"{"name": "w", "principal": "x", "rights": ["Reset password"], "scope": {"base": "{domain}"}}"#,
        )
        .unwrap();
        let p = plan(&"ad.effective_access.w".parse().unwrap(), &spec, &o, &[]);
        assert_eq!(p.action, hybridctl_core::Action::Fail);
        assert!(p.notes[0].contains("matched no object"), "{:?}", p.notes);
    }

    #[test]
    fn a_failing_check_names_the_planned_acl_changes_in_its_scope() {
        let change = |target: &str, name: &str| {
            ResourcePlan::new(
                format!("ad.acl.{name}").parse().unwrap(),
                target.into(),
                String::new(),
                vec![],
                vec![],
                vec![hybridctl_core::Change {
                    op: hybridctl_core::ChangeOp::Add,
                    entry: Entry {
                        text: "x".into(),
                        code: None,
                    },
                    payload: serde_json::Value::Null,
                }],
            )
        };
        let check: Address = "ad.effective_access.w".parse().unwrap();
        let failing = ResourcePlan::new(
            check.clone(),
            "t".into(),
            String::new(),
            vec![],
            vec![],
            vec![],
        )
        .failing();
        let mut plans = vec![
            failing,
            change("DC=lab,DC=test", "root"),
            change("OU=Legacy,OU=Corp,DC=lab,DC=test", "legacy"),
            change("OU=Other,DC=lab,DC=test", "other"),
        ];
        note_planned_acls(&check, &["OU=Corp,DC=lab,DC=test".into()], &mut plans);
        assert_eq!(
            plans[0].notes,
            ["the check fails now; planned changes of ad.acl.root, ad.acl.legacy touch its scope, and apply evaluates it again after writing them"]
        );
    }

    #[test]
    fn parents_walk_up_to_the_domain_head() {
        assert_eq!(
            parents("CN=a\\,b,OU=X,DC=lab,DC=test", DOMAIN),
            ["OU=X,DC=lab,DC=test", "DC=lab,DC=test"]
        );
        assert_eq!(age_days(-864_000_000_000), 1.0);
    }
}
