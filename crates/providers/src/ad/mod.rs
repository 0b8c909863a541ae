//! Active Directory over LDAP: the `ad.acl`, `ad.password_policy` and
//! `entra_connect.permissions` resource kinds.

pub mod access;
pub mod acl;
pub mod base_schema;
pub mod connect;
pub mod directory;
pub mod effective_access;
pub mod export;
pub mod password_policy;
pub mod rights;
pub mod schema;
pub mod security;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use acl::AcePayload;
use async_trait::async_trait;
use hybridctl_core::spec::{AdAcl, ConnectFeature, EntraConnectPermissions, Inheritance, Resource};
use hybridctl_core::{
    Address, ApplyData, Change, ChangeOp, Diagnostic, Diagnostics, Kind, Provider, ResourcePlan,
};
use ldap3::ldap_escape;
use serde::{Deserialize, Serialize};

use crate::ldap::{self, first_bin, op_diagnostic, AdSettings, Connection, DomainHead};
use acl::LiveDacl;
use connect::catalogue::SchemaRef;
use connect::{ConnectPayload, ConnectTarget, TargetObject};
use directory::Directory;
use rights::AppliesTo;
use schema::Lookups;
use security::{control, AccessAce, Acl, SecurityDescriptor};

/// How many DNs go into one DACL-reading search.
const DN_BATCH: usize = 100;
/// How many DACL-reading searches are in flight at once on the one connection.
const IN_FLIGHT: usize = 4;

pub struct AdProvider {
    settings: Arc<AdSettings>,
    session: Option<Session>,
}

/// The connection and what was learned of the directory, kept for the whole run.
struct Session {
    conn: Connection,
    dir: Directory,
    /// DACLs this run wrote: (normalized DN, fingerprint before, fingerprint after), so a
    /// later resource on the same object can tell our own write from someone else's.
    written: Vec<(String, String, String)>,
}

/// Whether the DACL of `dn` went from `planned` to `now` through this run's writes only.
fn moved_by_this_run(
    written: &[(String, String, String)],
    dn: &str,
    planned: &str,
    now: &str,
) -> bool {
    let dn = acl::normalize_dn(dn);
    let mut at = planned.to_string();
    for (d, before, after) in written {
        if *d == dn && *before == at {
            at = after.clone();
        }
    }
    at == now
}

/// One `ad.acl` change as saved in the plan. Plans made before `inheritance` existed hold
/// only bare ACEs, which still read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum AclChange {
    /// Set the DACL's protected flag (`disabled`) or clear it (`enabled`).
    Inheritance { inheritance: Inheritance },
    /// Shown only: an inherited ACE that goes away with the protected flag.
    Inherited { inherited: AcePayload },
    /// Add or remove this explicit ACE.
    Ace(AcePayload),
}

/// What apply needs to find an `ad.acl` object again; saved in the plan, never shown.
#[derive(Debug, Serialize, Deserialize)]
struct AclTarget {
    dn: String,
}

impl AdProvider {
    pub fn new(settings: Arc<AdSettings>) -> AdProvider {
        AdProvider {
            settings,
            session: None,
        }
    }

    /// The run's session, opened on first use.
    async fn session(&mut self) -> Result<&mut Session, Diagnostic> {
        if self.session.is_none() {
            let mut conn = Connection::open(&self.settings)
                .await
                .map_err(|e| ldap::connect_diagnostic(e, &self.settings))?;
            let dir = Directory::load(&mut conn, self.settings.base_dn.as_deref())
                .await
                .map_err(|e| {
                    Diagnostic::new(format!(
                        "reading the domain's names (SID, NetBIOS name) failed: {e}"
                    ))
                })?;
            self.session = Some(Session {
                conn,
                dir,
                written: Vec::new(),
            });
        }
        Ok(self.session.as_mut().expect("just set"))
    }
}

#[async_trait]
impl Provider for AdProvider {
    fn kinds(&self) -> &'static [Kind] {
        &[
            Kind::AdAcl,
            Kind::AdPasswordPolicy,
            Kind::EntraConnectPermissions,
            Kind::AdEffectiveAccess,
        ]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let session = self.session().await?;
        session
            .dir
            .learn(&mut session.conn, &lookups_of(resources))
            .await
            .map_err(op_diagnostic)?;
        match plan_all(session, resources).await {
            // With only part of the schema read, a name that missed may be the partial
            // read's doing, and a misspelt one has nothing to be compared with: plan again
            // with the whole schema (the error path only).
            Err(_) if !session.dir.schema.is_complete() => {
                tracing::debug!("planning failed with part of the schema; reading all of it");
                session
                    .dir
                    .load_schema(&mut session.conn)
                    .await
                    .map_err(op_diagnostic)?;
                plan_all(session, resources).await
            }
            done => done,
        }
    }

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        let session = self.session().await?;
        let mut dns = Vec::new();
        let mut targets = HashMap::new();
        for p in planned {
            match p.address.kind {
                Kind::AdAcl => dns.push(acl_target(p)?.dn),
                Kind::EntraConnectPermissions => {
                    let t = connect_target(p)?;
                    dns.extend(t.objects.iter().map(|o| o.dn.clone()));
                    targets.insert(p.address.clone(), t);
                }
                _ => {}
            }
        }
        // An ad.acl fingerprint is of explicit ACEs only.
        let keep = match targets.is_empty() {
            true => Keep::Explicit,
            false => Keep::All,
        };
        let live = read_dacls(&mut session.conn, &session.dir, &dns, keep).await?;
        let needs_head = planned
            .iter()
            .any(|p| p.address.kind == Kind::AdPasswordPolicy);
        let head = match needs_head {
            true => Some(
                DomainHead::read(&mut session.conn, &session.dir.domain_dn)
                    .await
                    .map_err(|e| Diagnostic::new(e.to_string()))?,
            ),
            false => None,
        };
        let mut out = Vec::new();
        for p in planned {
            out.push(match p.address.kind {
                Kind::AdAcl => {
                    let dn = acl_target(p)?.dn;
                    match live.get(&acl::normalize_dn(&dn)) {
                        Some((_, l)) => l.fingerprint(),
                        None => {
                            return Err(Diagnostic::new(format!("object `{dn}` no longer exists"))
                                .at(&p.address)
                                .hint("nothing was written; run `hybridctl plan` again")
                                .into())
                        }
                    }
                }
                Kind::EntraConnectPermissions => connect_fingerprint(&targets[&p.address], &live)
                    .map_err(|d| d.at(&p.address))?,
                Kind::AdPasswordPolicy => head.as_ref().expect("read above").fingerprint(),
                other => {
                    return Err(
                        Diagnostic::new(format!("{other} is a check; it never writes"))
                            .at(&p.address)
                            .into(),
                    )
                }
            });
        }
        Ok(out)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let session = self.session().await?;
        match planned.address.kind {
            Kind::AdAcl => apply_acl(session, planned).await,
            Kind::EntraConnectPermissions => apply_connect(session, planned).await,
            Kind::AdPasswordPolicy => {
                password_policy::apply(planned, &mut session.conn, &session.dir.domain_dn).await
            }
            Kind::AdEffectiveAccess => Err(Diagnostic::new(
                "ad.effective_access is a check; it never writes",
            )),
            other => Err(Diagnostic::new(format!(
                "the AD provider does not handle {other}"
            ))),
        }
    }
}

/// Every schema name and GUID that planning `resources` looks up before it reads objects.
fn lookups_of(resources: &[&Resource]) -> Lookups {
    let mut l = Lookups::default();
    for r in resources {
        match r {
            Resource::AdAcl(a) => {
                for e in &a.aces {
                    e.allow.iter().chain(&e.deny).for_each(|w| l.right(w));
                    if let Some(AppliesTo::DescendantsOfClass(c)) = AppliesTo::parse(&e.applies_to)
                    {
                        l.class(&c);
                    }
                }
            }
            Resource::AdEffectiveAccess(c) => c.rights.iter().for_each(|w| l.right(w)),
            Resource::EntraConnectPermissions(_) => {
                let rows = connect::catalogue::ROWS
                    .iter()
                    .chain(connect::catalogue::TUTORIAL_EXTRAS);
                for r in rows.flat_map(|r| r.object_type.into_iter().chain(r.class)) {
                    match r {
                        SchemaRef::ExtendedRight(_, g)
                        | SchemaRef::Attribute(_, g)
                        | SchemaRef::Class(_, g) => {
                            l.guid(g.parse().expect("catalogue GUIDs parse"))
                        }
                        SchemaRef::ClassByName(n, _) => l.class(n),
                    }
                }
            }
            _ => {}
        }
    }
    l
}

async fn plan_all(
    session: &mut Session,
    resources: &[&Resource],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let mut acls = Vec::new();
    let mut policies = Vec::new();
    let mut connects = Vec::new();
    let mut checks = Vec::new();
    for r in resources {
        match r {
            Resource::AdAcl(a) => acls.push((r.address(), a)),
            Resource::AdPasswordPolicy(p) => policies.push((r.address(), p)),
            Resource::EntraConnectPermissions(e) => connects.push((r.address(), e)),
            Resource::AdEffectiveAccess(c) => checks.push((r.address(), c)),
            _ => {}
        }
    }
    let mut plans = Vec::new();
    let mut diags = Diagnostics::default();
    for (address, c) in &checks {
        match effective_access::read_and_plan(&mut session.conn, &mut session.dir, address, c).await
        {
            Ok(p) => plans.push(p),
            Err(d) => diags.extend(d),
        }
    }
    // Conflicts with ad.acl resources refuse the connector resource; the problems of
    // every kind are reported together.
    let connect_plans = match connects.is_empty() {
        true => Ok(Vec::new()),
        false => plan_connects(session, &connects, &acls).await,
    };
    let acl_plans = match acls.is_empty() {
        true => Ok(Vec::new()),
        false => plan_acls(session, &acls).await,
    };
    match (acl_plans, connect_plans) {
        (Ok(a), Ok(c)) => plans.extend(a.into_iter().chain(c)),
        (Err(a), Err(c)) => {
            diags.extend(a);
            diags.extend(c);
        }
        (Err(e), _) | (_, Err(e)) => diags.extend(e),
    }
    diags.into_result(())?;
    for (address, c) in &checks {
        let bases: Vec<String> = c
            .scope
            .base
            .as_slice()
            .iter()
            .map(|b| session.dir.expand_dn(b))
            .collect();
        effective_access::note_planned_acls(address, &bases, &mut plans);
    }
    if !policies.is_empty() {
        let head = DomainHead::read(&mut session.conn, &session.dir.domain_dn)
            .await
            .map_err(|e| Diagnostic::new(e.to_string()))?;
        // GPMC's cross-key rules hold for the result: the spec's values over the live ones.
        let mut conflicts = Diagnostics::default();
        for (address, p) in &policies {
            conflicts.extend(password_policy::conflicts(address, p, &head));
        }
        conflicts.into_result(())?;
        for (address, p) in &policies {
            plans.push(password_policy::plan(
                address,
                p,
                &session.dir.domain_dn,
                &head,
            ));
        }
    }
    Ok(plans)
}

/// An entry without the spare capacity formatting left in its strings: a 10,000-object
/// plan holds 400,000 of them.
fn compact(mut e: hybridctl_core::Entry) -> hybridctl_core::Entry {
    e.text.shrink_to_fit();
    if let Some(c) = &mut e.code {
        c.shrink_to_fit();
    }
    e
}

fn acl_target(planned: &ResourcePlan) -> Result<AclTarget, Diagnostic> {
    planned
        .apply_data
        .read()
        .map_err(|e| Diagnostic::new(e.to_string()).at(&planned.address))
}

async fn plan_acls(
    session: &mut Session,
    acls: &[(Address, &AdAcl)],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let Session { conn, dir, .. } = session;

    let names: Vec<String> = acls
        .iter()
        .flat_map(|(_, a)| a.aces.iter().map(|e| e.principal.clone()))
        .collect();
    let principals = dir
        .resolve_principals(conn, &names)
        .await
        .map_err(op_diagnostic)?;

    let mut diags = Diagnostics::default();
    let mut wanted = Vec::new();
    for (address, spec) in acls {
        match acl::desired(spec, address, dir, &principals) {
            Ok(d) => wanted.push(Some(d)),
            Err(e) => {
                diags.extend(e);
                wanted.push(None);
            }
        }
    }
    let dns: Vec<String> = acls.iter().map(|(_, a)| dir.expand_dn(&a.object)).collect();
    // One object, one resource: two would each plan against the ACL the other changes.
    let mut owner: HashMap<String, &Address> = HashMap::new();
    for ((address, _), dn) in acls.iter().zip(&dns) {
        if let Some(first) = owner.insert(acl::normalize_dn(dn), address) {
            diags.push(
                Diagnostic::new(format!("`{dn}` is also managed by {first}"))
                    .at(address)
                    .hint("put all ACEs of one object in one ad.acl resource"),
            );
        }
    }
    drop(owner);
    // Inherited ACEs are shown only where inheritance is disabled.
    let keep = match acls
        .iter()
        .any(|(_, a)| a.inheritance == Some(Inheritance::Disabled))
    {
        true => Keep::All,
        false => Keep::Explicit,
    };
    let mut live = read_dacls(conn, dir, &dns, keep).await?;
    diags.extend(not_found(
        &live,
        dir,
        acls.iter().zip(&dns).map(|((address, spec), dn)| {
            (address, dn.as_str(), format!("object: {}", spec.object))
        }),
    ));
    diags.into_result(())?;
    // The object types of the ACEs the plan shows (`keep` left out inherited ones unless
    // inheritance is disabled), looked up by GUID: a search the DC cannot index.
    let shown = live.values().flat_map(|(_, l)| &l.aces);
    dir.learn(conn, &acl::lookups_of_aces(shown))
        .await
        .map_err(op_diagnostic)?;

    // Each SID once (10,000 objects hold the same few principals).
    let sids: BTreeSet<&security::Sid> = live
        .values()
        .flat_map(|(_, l)| l.explicit().filter_map(|a| a.as_access().map(|a| &a.sid)))
        .chain(principals.values().filter_map(|r| r.as_ref().ok()))
        .collect();
    let sids: Vec<security::Sid> = sids.into_iter().cloned().collect();
    dir.describe_sids(conn, &sids)
        .await
        .map_err(op_diagnostic)?;

    let mut plans = Vec::with_capacity(acls.len());
    let mut refused = Diagnostics::default();
    // 10,000 objects carry the same few ACEs: each is put in words once.
    let mut worded: HashMap<security::Ace, hybridctl_core::Entry> = HashMap::new();
    for (((address, spec), dn), desired) in acls.iter().zip(&dns).zip(wanted) {
        // Taken out of the map: each DACL is freed once its plan is made, so a large plan
        // never holds all DACLs and all plans at once. Present: not_found() said so above.
        let Some((dn_read, live)) = live.remove(&acl::normalize_dn(dn)) else {
            continue;
        };
        let live = &live;
        let desired = desired.expect("errors returned above");
        // `inheritance: disabled` with `authoritative`: the spec owns the whole DACL, so
        // explicit ACEs of principals it does not name go too.
        let (others, rest) = match (spec.inheritance, spec.authoritative) {
            (Some(Inheritance::Disabled), true) => {
                let (others, rest) = acl::split_unowned(&desired, live);
                (others, Cow::Owned(rest))
            }
            _ => (Vec::new(), Cow::Borrowed(live)),
        };
        let (removes, adds) = match acl::diff(&desired, spec.authoritative, &rest) {
            Ok((r, a)) => (others.into_iter().chain(r).collect::<Vec<_>>(), a),
            Err(rs) => {
                rs.iter()
                    .for_each(|r| refused.push(r.diagnostic(address, dir)));
                continue;
            }
        };
        let protected = live.control & control::DACL_PROTECTED != 0;
        let protect = match spec.inheritance {
            Some(Inheritance::Disabled) if !protected => Some(true),
            Some(Inheritance::Enabled) if protected => Some(false),
            _ => None,
        };
        let mut entries = |aces: &mut dyn Iterator<Item = &security::Ace>| {
            aces.map(|a| match worded.get(a) {
                Some(e) => e.clone(),
                None => {
                    let e = compact(acl::entry(a, dir));
                    worded.insert(a.clone(), e.clone());
                    e
                }
            })
            .collect::<Vec<_>>()
        };
        let mut changes = Vec::new();
        let mut before = Vec::new();
        let mut after_entries = Vec::new();
        if let Some(i) = spec.inheritance {
            let dropped: Vec<&security::Ace> = match protect {
                Some(true) => live.aces.iter().filter(|a| a.is_inherited()).collect(),
                _ => Vec::new(),
            };
            before.push(connect::inheritance_entry("", live.control, None));
            before.extend(dropped.iter().map(|a| {
                let shown = acl::entry(a, dir);
                hybridctl_core::Entry {
                    text: format!("inherited: {}", shown.text),
                    code: shown.code,
                }
            }));
            let now = match i {
                Inheritance::Disabled => live.control | control::DACL_PROTECTED,
                Inheritance::Enabled => live.control & !control::DACL_PROTECTED,
            };
            after_entries.push(connect::inheritance_entry(
                "",
                now,
                Some(dropped.len()).filter(|n| *n > 0),
            ));
            if let Some(p) = protect {
                let text = match p {
                    true => format!("disable inheritance (protected DACL): the {} inherited ACE(s) go away and are NOT copied as explicit ACEs", dropped.len()),
                    false => "enable inheritance: the parent's inheritable ACEs apply again (the DC adds them)".to_string(),
                };
                changes.push(Change {
                    op: ChangeOp::Set,
                    entry: hybridctl_core::Entry {
                        text,
                        code: Some(if p { "D:P" } else { "D:" }.into()),
                    },
                    payload: serde_json::to_value(AclChange::Inheritance { inheritance: i })
                        .expect("payload serializes"),
                });
                for a in dropped.iter().filter_map(|a| a.as_access()) {
                    let shown = acl::entry(&security::Ace::Access(a.clone()), dir);
                    changes.push(Change {
                        op: ChangeOp::Remove,
                        entry: hybridctl_core::Entry {
                            text: format!("inherited, goes away: {}", shown.text),
                            code: shown.code,
                        },
                        payload: serde_json::to_value(AclChange::Inherited {
                            inherited: AcePayload::from(a),
                        })
                        .expect("payload serializes"),
                    });
                }
            }
        }
        for (op, list) in [(ChangeOp::Remove, &removes), (ChangeOp::Add, &adds)] {
            for a in list {
                changes.push(Change {
                    op,
                    entry: acl::entry(&security::Ace::Access(a.clone()), dir),
                    payload: serde_json::to_value(AcePayload::from(a)).expect("payload serializes"),
                });
            }
        }
        before.extend(entries(&mut live.explicit()));
        match spec.inheritance.is_none() && removes.is_empty() && adds.is_empty() {
            // Nothing changes: after is before (the common case of a large plan).
            true => after_entries = before.clone(),
            false => {
                let after = acl::rebuild(&live.aces, &removes, &adds);
                after_entries.extend(entries(&mut after.iter().filter(|a| !a.is_inherited())))
            }
        }
        let apply_data = ApplyData::new(&AclTarget {
            dn: dn_read.clone(),
        });
        plans.push(
            ResourcePlan::new(
                address.clone(),
                dn_read,
                live.fingerprint(),
                before,
                after_entries,
                changes,
            )
            .with_apply_data(apply_data),
        );
    }
    refused.into_result(plans)
}

async fn apply_acl(session: &mut Session, planned: &ResourcePlan) -> Result<(), Diagnostic> {
    let Session { conn, dir, written } = session;
    let dn = acl_target(planned)?.dn;
    // Re-read right before writing: never overwrite a change made since the plan.
    let live = read_dacls(conn, dir, std::slice::from_ref(&dn), Keep::All)
        .await
        .map_err(|mut d| d.0.remove(0))?;
    let Some((_, live)) = live.get(&acl::normalize_dn(&dn)) else {
        return Err(Diagnostic::new(format!("object `{dn}` no longer exists"))
            .hint("run `hybridctl plan` again"));
    };
    if live.fingerprint() != planned.observed
        && !moved_by_this_run(written, &dn, &planned.observed, &live.fingerprint())
    {
        return Err(Diagnostic::new(format!(
                "saved plan is stale: the ACL of `{dn}` changed since the plan was made; nothing was written to it"
            ))
            .hint("run `hybridctl plan` again and review the new plan"));
    }
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    let mut inheritance = None;
    for c in &planned.changes {
        let change: AclChange = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!("the plan holds an ACE hybridctl cannot read: {e}"))
        })?;
        let payload = match change {
            AclChange::Ace(p) => p,
            AclChange::Inheritance { inheritance: i } => {
                inheritance = Some(i);
                continue;
            }
            // Shown only: the inherited ACEs go with the protected flag.
            AclChange::Inherited { .. } => continue,
        };
        let ace = AccessAce::try_from(&payload).map_err(|e| Diagnostic::new(e.to_string()))?;
        match c.op {
            ChangeOp::Add => adds.push(ace),
            ChangeOp::Remove | ChangeOp::Set => removes.push(ace),
        }
    }
    let mut aces = acl::rebuild(&live.aces, &removes, &adds);
    let mut ctl = live.control & (control::DACL_PROTECTED | control::DACL_AUTO_INHERITED);
    match inheritance {
        Some(Inheritance::Disabled) => {
            // A protected DACL inherits nothing; the inherited ACEs are not written back.
            ctl |= control::DACL_PROTECTED;
            aces.retain(|a| !a.is_inherited());
        }
        Some(Inheritance::Enabled) => ctl &= !control::DACL_PROTECTED,
        None => {}
    }
    let sd = SecurityDescriptor::with_dacl(ctl, Acl::new(aces));
    let bytes = sd
        .encode()
        .map_err(|e| Diagnostic::new(format!("cannot encode the new DACL of `{dn}`: {e}")))?;
    tracing::info!(dn = %dn, removes = removes.len(), adds = adds.len(), "writing DACL");
    conn.write_dacl(&dn, bytes).await.map_err(op_diagnostic)?;
    Ok(())
}

/// Each `(address, DN, the spec's words that named it)` whose DN the directory does not
/// have, as a diagnostic pointing at those words.
fn not_found<'a>(
    live: &HashMap<String, (String, LiveDacl)>,
    dir: &Directory,
    wanted: impl IntoIterator<Item = (&'a Address, &'a str, String)>,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for (address, dn, named_by) in wanted {
        if !live.contains_key(&acl::normalize_dn(dn)) {
            diags.push(
                Diagnostic::new(format!("object `{dn}` was not found in the directory"))
                    .at(address)
                    .hint(format!(
                        "check `{named_by}`; `{{domain}}` stands for {}",
                        dir.domain_dn
                    )),
            );
        }
    }
    diags
}

/// Which ACEs [`read_dacls`] keeps of each DACL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every ACE: what a write rebuilds from, or shows as going away.
    All,
    /// Explicit ACEs only: all a plan compares and shows unless inheritance is disabled.
    /// Inherited ACEs are most of a DACL (every inheritable ACE above the object), so this
    /// keeps a 10,000-object plan's memory down.
    Explicit,
}

/// Reads the DACLs of `dns`, batched; keyed by normalized DN, with the DN as the server
/// spells it. Each batch is decoded as it arrives, so only one batch of raw entries is
/// held at a time.
async fn read_dacls(
    conn: &mut Connection,
    dir: &Directory,
    dns: &[String],
    keep: Keep,
) -> Result<HashMap<String, (String, LiveDacl)>, Diagnostics> {
    let domain = acl::normalize_dn(&dir.domain_dn);
    let (inside, outside): (Vec<&String>, Vec<&String>) = dns
        .iter()
        .partition(|dn| acl::normalize_dn(dn).ends_with(&domain));
    let mut out = HashMap::with_capacity(dns.len());
    let mut chunks = inside.chunks(DN_BATCH);
    let mut pending = VecDeque::new();
    loop {
        while pending.len() < IN_FLIGHT {
            let Some(chunk) = chunks.next() else { break };
            let filter: String = chunk
                .iter()
                .map(|dn| format!("(distinguishedName={})", ldap_escape(dn.as_str())))
                .collect();
            // At most DN_BATCH entries: no paging needed (Samba's costs more than the search).
            pending
                .push_back(conn.spawn_read_dacls_unpaged(&dir.domain_dn, &format!("(|{filter})")));
        }
        let Some(batch) = pending.pop_front() else {
            break;
        };
        let entries = batch
            .await
            .map_err(|e| Diagnostic::new(format!("reading DACLs stopped: {e}")))?
            .map_err(op_diagnostic)?;
        for e in entries {
            insert_dacl(&mut out, e, keep)?;
        }
    }
    for dn in outside {
        // Outside the domain partition (e.g. configuration): read it directly. Only "no
        // such object" means absent; any other failure is an error, never "absent".
        match conn.read_dacl_of(dn).await {
            Ok(entries) => {
                for e in entries {
                    insert_dacl(&mut out, e, keep)?;
                }
            }
            Err(e) if e.result_code() == Some(ldap::connection::result_code::NO_SUCH_OBJECT) => {}
            Err(e) => return Err(op_diagnostic(e).into()),
        }
    }
    Ok(out)
}

/// Decodes the DACL of one search entry into `out`.
fn insert_dacl(
    out: &mut HashMap<String, (String, LiveDacl)>,
    mut e: ldap3::SearchEntry,
    keep: Keep,
) -> Result<(), Diagnostic> {
    // Taken, not copied: the entry is dropped right after.
    let bytes = e
        .bin_attrs
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("nTSecurityDescriptor"))
        .and_then(|(_, v)| v.pop())
        .or_else(|| first_bin(&e, "nTSecurityDescriptor"));
    let Some(bytes) = bytes else {
        return Err(Diagnostic::new(format!(
            "the DC returned no security descriptor for `{}`",
            e.dn
        ))
        .hint("hybridctl's account needs Read permissions on the objects it manages"));
    };
    let sd = SecurityDescriptor::decode(&bytes).map_err(|err| {
        Diagnostic::new(format!(
            "cannot read the security descriptor of `{}`: {err}",
            e.dn
        ))
    })?;
    let all = sd.dacl.map(|d| d.aces).unwrap_or_default();
    let aces = match keep {
        Keep::All => all,
        // A Vec of its own, exactly as long: shrinking the decoded one in place would leave
        // a hole per object that the next object's (larger) decode cannot reuse.
        Keep::Explicit => {
            let mut explicit = Vec::with_capacity(all.iter().filter(|a| !a.is_inherited()).count());
            explicit.extend(all.into_iter().filter(|a| !a.is_inherited()));
            explicit
        }
    };
    out.insert(
        acl::normalize_dn(&e.dn),
        (
            e.dn,
            LiveDacl {
                control: sd.control,
                aces,
            },
        ),
    );
    Ok(())
}

// ---- entra_connect.permissions ------------------------------------------------------------

fn connect_target(planned: &ResourcePlan) -> Result<ConnectTarget, Diagnostic> {
    planned
        .apply_data
        .read()
        .map_err(|e| Diagnostic::new(e.to_string()).at(&planned.address))
}

fn connect_fingerprint(
    t: &ConnectTarget,
    live: &HashMap<String, (String, LiveDacl)>,
) -> Result<String, Diagnostic> {
    let account: security::Sid = t
        .account
        .parse()
        .map_err(|e| Diagnostic::new(format!("the plan's account SID does not read: {e}")))?;
    let mut parts = Vec::new();
    for o in &t.objects {
        let Some((_, l)) = live.get(&acl::normalize_dn(&o.dn)) else {
            return Err(
                Diagnostic::new(format!("object `{}` no longer exists", o.dn))
                    .hint("nothing was written; run `hybridctl plan` again"),
            );
        };
        parts.push((o.dn.clone(), connect::fingerprint(l, o.whole, &account)));
    }
    Ok(connect::combined(&parts))
}

const ADMIN_SD_HOLDER_NOTE: &str = "admin_sd_holder: the same ACEs go on CN=AdminSDHolder. Why one would: protected accounts and groups (adminCount=1: Domain Admins, Administrators, krbtgt, ...) do not inherit from the domain root; SDProp resets their DACL from AdminSDHolder every 60 minutes, so without this the connector cannot write back passwords or attributes of admin accounts. \
Why Microsoft no longer does it by default: since Entra Connect 2.0.3.0 the ADSyncConfig cmdlets skip AdminSDHolder \"following Windows security guidance\" (`-SkipAdminSdHolders` became opt-in `-IncludeAdminSdHolders`, which Microsoft's page calls \"not recommended\"): a connector account that can reset admins' passwords is a path to Domain Admin.";

/// The notes of a plan: what the other password writeback profile would change, AdminSDHolder.
fn connect_notes(spec: &EntraConnectPermissions, dir: &Directory) -> Vec<String> {
    let mut notes = Vec::new();
    if spec.features.contains(&ConnectFeature::PasswordWriteback) {
        let (other, rows, verb) =
            connect::catalogue::other_profile(spec.password_writeback_profile);
        let words: Vec<String> = rows.iter().map(|r| connect::row_words(r, dir)).collect();
        notes.push(format!(
            "password_writeback_profile: {}; the `{}` profile {verb} {}. `module` is what Set-ADSyncPasswordWritebackPermissions grants; `tutorial` is the SSPR writeback tutorial's list (Unexpire Password keeps \"must change password at next logon\" from being set after a reset; Authenticated Users already hold it on a default domain root)",
            spec.password_writeback_profile.as_str(),
            other.as_str(),
            words.join(" and ")
        ));
    }
    if spec.admin_sd_holder {
        notes.push(ADMIN_SD_HOLDER_NOTE.to_string());
    }
    notes
}

async fn plan_connects(
    session: &mut Session,
    connects: &[(Address, &EntraConnectPermissions)],
    acls: &[(Address, &AdAcl)],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let Session { conn, dir, .. } = session;
    let names: Vec<String> = connects
        .iter()
        .map(|(_, c)| c.account.clone())
        .chain(
            acls.iter()
                .flat_map(|(_, a)| a.aces.iter().map(|e| e.principal.clone())),
        )
        .collect();
    let principals = dir
        .resolve_principals(conn, &names)
        .await
        .map_err(op_diagnostic)?;

    let mut diags = Diagnostics::default();
    let mut expanded = Vec::new();
    for (address, spec) in connects {
        let sid = match principals.get(&spec.account) {
            Some(Ok(sid)) => sid.clone(),
            Some(Err(e)) => {
                diags.push(
                    Diagnostic::new(format!("account: {e}"))
                        .at(address)
                        .hint("write the connector account as DOMAIN\\name, a UPN or a SID"),
                );
                continue;
            }
            None => continue,
        };
        let restrict = match spec.restrict_account {
            false => None,
            true => {
                let found = conn
                    .search(
                        &dir.domain_dn,
                        ldap3::Scope::Subtree,
                        &format!("(objectSid={sid})"),
                        &["objectSid"],
                    )
                    .await
                    .map_err(op_diagnostic)?;
                let Some(e) = found.first() else {
                    diags.push(
                        Diagnostic::new(format!(
                            "restrict_account: no object with the account's SID {sid} in {}",
                            dir.domain_dn
                        ))
                        .at(address)
                        .hint("the account must live in the connected domain"),
                    );
                    continue;
                };
                let root = forest_root_sid(conn, dir).await?;
                Some((e.dn.clone(), root))
            }
        };
        let objects = match connect::expand(
            spec,
            dir,
            &sid,
            restrict.as_ref().map(|(dn, root)| (dn.as_str(), root)),
        ) {
            Ok(o) => o,
            Err(missing) => {
                for m in missing {
                    diags.push(Diagnostic::new(m.to_string()).at(address).hint(format!(
                        "extend the schema (or use a forest that has it), or take `{}` out of `features`",
                        m.feature
                    )));
                }
                continue;
            }
        };
        // ad.acl on the same objects: the account's ACEs there belong to this resource.
        for (acl_address, a) in acls {
            let dn = acl::normalize_dn(&dir.expand_dn(&a.object));
            let Some(o) = objects.iter().find(|o| acl::normalize_dn(&o.dn) == dn) else {
                continue;
            };
            if o.whole {
                diags.push(
                    Diagnostic::new(format!(
                        "`{}` is the connector account's object, whose whole DACL {address} owns (restrict_account)",
                        a.object
                    ))
                    .at(acl_address)
                    .hint("take this ad.acl out, or set restrict_account: false"),
                );
                continue;
            }
            for (i, e) in a.aces.iter().enumerate() {
                if principals.get(&e.principal).and_then(|r| r.as_ref().ok()) != Some(&sid) {
                    continue;
                }
                let what = match (a.authoritative, e.deny.is_empty()) {
                    (true, _) => "an authoritative entry for",
                    (false, false) => "a deny for",
                    (false, true) => "an entry for",
                };
                diags.push(
                    Diagnostic::new(format!(
                        "aces[{i}] is {what} the connector account `{}` on `{}`, whose ACEs there {address} manages",
                        e.principal, a.object
                    ))
                    .at(acl_address)
                    .hint(format!(
                        "the account's permissions on that object belong to {address}: change its features, or take the entry out of this ad.acl"
                    )),
                );
            }
        }
        diags.extend(denies_below(
            address,
            &sid,
            &objects,
            acls,
            dir,
            &principals,
        ));
        expanded.push((address, *spec, sid, objects));
    }
    diags.into_result(())?;

    let dns: Vec<String> = expanded
        .iter()
        .flat_map(|(_, _, _, objs)| objs.iter().map(|o| o.dn.clone()))
        .collect();
    let live = read_dacls(conn, dir, &dns, Keep::All).await?;
    not_found(
        &live,
        dir,
        expanded.iter().flat_map(|(address, spec, _, objs)| {
            objs.iter()
                .map(move |o| (*address, o.dn.as_str(), format!("scope: {:?}", spec.scope)))
        }),
    )
    .into_result(())?;
    dir.learn(
        conn,
        &acl::lookups_of_aces(live.values().flat_map(|(_, l)| &l.aces)),
    )
    .await
    .map_err(op_diagnostic)?;
    let sids: Vec<_> = live
        .values()
        .flat_map(|(_, l)| {
            l.aces
                .iter()
                .filter_map(|a| a.as_access().map(|a| a.sid.clone()))
                .collect::<Vec<_>>()
        })
        .chain(expanded.iter().map(|(_, _, s, _)| s.clone()))
        .collect();
    dir.describe_sids(conn, &sids)
        .await
        .map_err(op_diagnostic)?;

    let mut plans = Vec::new();
    for (address, spec, sid, objs) in expanded {
        let mut before = Vec::new();
        let mut after = Vec::new();
        let mut changes = Vec::new();
        let mut parts = Vec::new();
        let mut targets = Vec::new();
        let mut notes = connect_notes(spec, dir);
        for o in &objs {
            let (dn, l) = &live[&acl::normalize_dn(&o.dn)];
            let features = |a: &security::Ace| {
                a.as_access().and_then(|x| {
                    o.wanted
                        .iter()
                        .find(|w| acl::AceKey::of(&w.ace) == acl::AceKey::of(x))
                        .map(|w| &w.features)
                })
            };
            let p = connect::plan_object(o, &sid, l);
            parts.push((dn.clone(), connect::fingerprint(l, o.whole, &sid)));
            targets.push(TargetObject {
                dn: dn.clone(),
                whole: o.whole,
            });
            if o.whole {
                before.push(connect::inheritance_entry(
                    &format!("{dn}: "),
                    l.control,
                    None,
                ));
                if !p.dropped_inherited.is_empty() {
                    before.extend(p.dropped_inherited.iter().map(|a| {
                        let shown = acl::entry(a, dir);
                        hybridctl_core::Entry {
                            text: format!("{dn}: inherited: {}", shown.text),
                            code: shown.code,
                        }
                    }));
                }
                let now = l.control | control::DACL_PROTECTED;
                after.push(connect::inheritance_entry(
                    &format!("{dn}: "),
                    now,
                    Some(p.dropped_inherited.len()).filter(|n| *n > 0),
                ));
            }
            before.extend(
                connect::owned(l.aces.iter(), o.whole, &sid)
                    .map(|a| connect::entry(dn, a, features(a), dir)),
            );
            if p.protect {
                changes.push(Change {
                    op: ChangeOp::Set,
                    entry: hybridctl_core::Entry {
                        text: format!(
                            "{dn}: disable inheritance (protected DACL): the {} inherited ACE(s) below go away and are NOT copied as explicit ACEs",
                            p.dropped_inherited.len()
                        ),
                        code: Some("D:P".into()),
                    },
                    payload: serde_json::to_value(ConnectPayload::Protect {
                        dn: dn.clone(),
                        protect: true,
                    })
                    .expect("payload serializes"),
                });
                for a in p.dropped_inherited.iter().filter_map(|a| a.as_access()) {
                    let shown = acl::entry(&security::Ace::Access(a.clone()), dir);
                    changes.push(Change {
                        op: ChangeOp::Remove,
                        entry: hybridctl_core::Entry {
                            text: format!("{dn}: inherited, goes away: {}", shown.text),
                            code: shown.code,
                        },
                        payload: serde_json::to_value(ConnectPayload::Inherited {
                            dn: dn.clone(),
                            inherited: AcePayload::from(a),
                        })
                        .expect("payload serializes"),
                    });
                }
                notes.push(format!(
                    "restrict_account: inheritance is disabled on `{dn}` as Set-ADSyncRestrictedPermissions does; the {} inherited ACE(s) listed as removed are not kept as explicit copies",
                    p.dropped_inherited.len()
                ));
            }
            for r in &p.removes {
                changes.push(Change {
                    op: ChangeOp::Remove,
                    entry: connect::entry(dn, &security::Ace::Access(r.clone()), None, dir),
                    payload: serde_json::to_value(ConnectPayload::Ace {
                        dn: dn.clone(),
                        ace: AcePayload::from(r),
                    })
                    .expect("payload serializes"),
                });
            }
            for w in &p.adds {
                changes.push(Change {
                    op: ChangeOp::Add,
                    entry: connect::entry(
                        dn,
                        &security::Ace::Access(w.ace.clone()),
                        Some(&w.features),
                        dir,
                    ),
                    payload: serde_json::to_value(ConnectPayload::Ace {
                        dn: dn.clone(),
                        ace: AcePayload::from(&w.ace),
                    })
                    .expect("payload serializes"),
                });
            }
            let adds: Vec<AccessAce> = p.adds.iter().map(|w| w.ace.clone()).collect();
            let rebuilt = acl::rebuild(&l.aces, &p.removes, &adds);
            after.extend(
                connect::owned(rebuilt.iter(), o.whole, &sid)
                    .map(|a| connect::entry(dn, a, features(a), dir)),
            );
        }
        let target = objs
            .iter()
            .map(|o| o.dn.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        plans.push(
            ResourcePlan::new(
                address.clone(),
                target,
                connect::combined(&parts),
                before,
                after,
                changes,
            )
            .with_notes(notes)
            .with_apply_data(ApplyData::new(&ConnectTarget {
                account: sid.to_string(),
                objects: targets,
            })),
        );
    }
    Ok(plans)
}

/// The forest root domain's SID (Enterprise Admins is its RID 519), from the rootDSE.
/// "Could not read" is an error, never the connected domain's SID.
async fn forest_root_sid(
    conn: &mut Connection,
    dir: &Directory,
) -> Result<security::Sid, Diagnostics> {
    let unreadable = |what: &str| -> Diagnostics {
        Diagnostic::new(format!(
            "restrict_account: cannot read {what} for Enterprise Admins"
        ))
        .hint("hybridctl's account needs to read the rootDSE and the forest root domain's head")
        .into()
    };
    let root_dse = conn
        .search(
            "",
            ldap3::Scope::Base,
            "(objectClass=*)",
            &["rootDomainNamingContext"],
        )
        .await
        .map_err(op_diagnostic)?;
    let root_dn = root_dse
        .first()
        .and_then(|e| ldap::first(e, "rootDomainNamingContext"))
        .ok_or_else(|| unreadable("the rootDSE's rootDomainNamingContext"))?;
    if acl::normalize_dn(&root_dn) == acl::normalize_dn(&dir.domain_dn) {
        return Ok(dir.domain_sid.clone());
    }
    let head = conn
        .search(
            &root_dn,
            ldap3::Scope::Base,
            "(objectClass=*)",
            &["objectSid"],
        )
        .await
        .map_err(op_diagnostic)?;
    head.first()
        .and_then(|e| first_bin(e, "objectSid"))
        .and_then(|b| security::Sid::decode(&b).ok())
        .map(|(s, _)| s)
        .ok_or_else(|| unreadable(&format!("the objectSid of `{root_dn}`")))
}

/// `ad.acl` denies for the connector account on objects below the ones a resource grants
/// on, taking away what a feature passes down: a deny on a descendant wins over the
/// inherited allow, so the feature would silently not work there.
fn denies_below(
    address: &Address,
    account: &security::Sid,
    objects: &[connect::ObjectWant],
    acls: &[(Address, &AdAcl)],
    dir: &Directory,
    principals: &HashMap<String, Result<security::Sid, directory::PrincipalError>>,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for (acl_address, a) in acls {
        let dn = acl::normalize_dn(&dir.expand_dn(&a.object));
        let above: Vec<&connect::ObjectWant> = objects
            .iter()
            .filter(|o| dn.ends_with(&format!(",{}", acl::normalize_dn(&o.dn))))
            .collect();
        if above.is_empty() {
            continue;
        }
        // Errors in the entries are ad.acl's to report.
        let Ok(desired) = acl::desired(a, acl_address, dir, principals) else {
            continue;
        };
        for d in desired.iter().filter(|d| {
            d.ensure == hybridctl_core::spec::Ensure::Present
                && d.ace.is_deny()
                && &d.ace.sid == account
        }) {
            let hit = above.iter().find_map(|o| {
                o.wanted
                    .iter()
                    .find(|w| {
                        w.ace.flags & security::ace_flags::CONTAINER_INHERIT != 0
                            && rights::mask::specific(w.ace.mask)
                                & rights::mask::specific(d.ace.mask)
                                != 0
                            && (w.ace.object_type.is_none()
                                || d.ace.object_type.is_none()
                                || w.ace.object_type == d.ace.object_type)
                            && (d.ace.inherited_object_type.is_none()
                                || w.ace.inherited_object_type.is_none()
                                || d.ace.inherited_object_type == w.ace.inherited_object_type)
                    })
                    .map(|w| (o, w))
            });
            if let Some((o, w)) = hit {
                let shown = acl::entry(&security::Ace::Access(w.ace.clone()), dir);
                let features: Vec<&str> = w.features.iter().map(|f| f.as_str()).collect();
                diags.push(
                    Diagnostic::new(format!(
                        "aces[{}] denies the connector account on `{}`, below `{}` where {address} grants `{}` [{}]",
                        d.entry,
                        a.object,
                        o.dn,
                        shown.text,
                        features.join(", ")
                    ))
                    .at(acl_address)
                    .hint("a deny on a descendant wins over the inherited allow, so the feature would not work there: take the deny out, or leave that object out of the resource's scope"),
                );
            }
        }
    }
    diags
}

async fn apply_connect(session: &mut Session, planned: &ResourcePlan) -> Result<(), Diagnostic> {
    let Session { conn, dir, written } = session;
    let target = connect_target(planned)?;
    let dns: Vec<String> = target.objects.iter().map(|o| o.dn.clone()).collect();
    // Re-read right before writing: never overwrite a change made since the plan.
    let live = read_dacls(conn, dir, &dns, Keep::All)
        .await
        .map_err(|mut d| d.0.remove(0))?;
    if connect_fingerprint(&target, &live)? != planned.observed {
        return Err(Diagnostic::new(
            "saved plan is stale: the connector account's ACEs changed since the plan was made; nothing was written",
        )
        .hint("run `hybridctl plan` again and review the new plan"));
    }
    let mut payloads = Vec::new();
    for c in &planned.changes {
        let p: ConnectPayload = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!(
                "the plan holds a change hybridctl cannot read: {e}"
            ))
        })?;
        payloads.push((c.op, p));
    }
    for o in &target.objects {
        let mut removes = Vec::new();
        let mut adds = Vec::new();
        let mut protect = false;
        for (op, p) in &payloads {
            match p {
                ConnectPayload::Ace { dn, ace } if *dn == o.dn => {
                    let ace =
                        AccessAce::try_from(ace).map_err(|e| Diagnostic::new(e.to_string()))?;
                    match op {
                        ChangeOp::Add => adds.push(ace),
                        ChangeOp::Remove | ChangeOp::Set => removes.push(ace),
                    }
                }
                ConnectPayload::Protect { dn, protect: true } if *dn == o.dn => protect = true,
                _ => {}
            }
        }
        if removes.is_empty() && adds.is_empty() && !protect {
            continue;
        }
        let (_, l) = &live[&acl::normalize_dn(&o.dn)];
        let mut aces = acl::rebuild(&l.aces, &removes, &adds);
        let mut ctl = l.control & (control::DACL_PROTECTED | control::DACL_AUTO_INHERITED);
        if protect {
            // A protected DACL inherits nothing: the inherited ACEs are not written back.
            ctl |= control::DACL_PROTECTED;
            aces.retain(|a| !a.is_inherited());
        }
        let bytes = SecurityDescriptor::with_dacl(ctl, Acl::new(aces))
            .encode()
            .map_err(|e| {
                Diagnostic::new(format!("cannot encode the new DACL of `{}`: {e}", o.dn))
            })?;
        tracing::info!(dn = %o.dn, removes = removes.len(), adds = adds.len(), protect, "writing DACL");
        conn.write_dacl(&o.dn, bytes).await.map_err(op_diagnostic)?;
        let after = read_dacls(conn, dir, std::slice::from_ref(&o.dn), Keep::All)
            .await
            .map_err(|mut d| d.0.remove(0))?;
        if let Some((_, a)) = after.get(&acl::normalize_dn(&o.dn)) {
            written.push((acl::normalize_dn(&o.dn), l.fingerprint(), a.fingerprint()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(dn: &str, sd: &[u8]) -> ldap3::SearchEntry {
        ldap3::SearchEntry {
            dn: dn.to_string(),
            attrs: HashMap::new(),
            bin_attrs: HashMap::from([("nTSecurityDescriptor".to_string(), vec![sd.to_vec()])]),
        }
    }

    #[test]
    fn keeping_only_explicit_aces_changes_no_fingerprint() {
        let sd = include_bytes!("../../tests/fixtures/sd/user-full.bin");
        let dn = "CN=Someone,OU=Staff,DC=lab,DC=example,DC=test";
        let (mut all, mut explicit) = (HashMap::new(), HashMap::new());
        insert_dacl(&mut all, entry(dn, sd), Keep::All).unwrap();
        insert_dacl(&mut explicit, entry(dn, sd), Keep::Explicit).unwrap();
        let key = acl::normalize_dn(dn);
        let (read_dn, all) = &all[&key];
        let (_, explicit) = &explicit[&key];
        assert_eq!(read_dn, dn);
        assert!(
            all.aces.iter().any(|a| a.is_inherited()),
            "the fixture inherits ACEs"
        );
        assert!(explicit.aces.iter().all(|a| !a.is_inherited()));
        assert_eq!(
            explicit.aces.len(),
            all.aces.iter().filter(|a| !a.is_inherited()).count()
        );
        // Plan and observe may read with different `Keep`s: the fingerprint is the same.
        assert_eq!(explicit.fingerprint(), all.fingerprint());
        assert_eq!(explicit.control, all.control);
    }

    #[test]
    fn an_entry_without_a_descriptor_is_an_error_never_an_empty_dacl() {
        let mut out = HashMap::new();
        let e = ldap3::SearchEntry {
            dn: "OU=x,DC=lab".into(),
            attrs: HashMap::new(),
            bin_attrs: HashMap::new(),
        };
        let err = insert_dacl(&mut out, e, Keep::Explicit).unwrap_err();
        assert!(err.to_string().contains("no security descriptor"), "{err}");
        assert!(out.is_empty());
    }
}
