//! `hybridctl export --acl`: each object's explicit ACEs as an `ad.acl` resource in
//! ADUC's words, checked to plan with no changes under the `ad.acl` semantics.
//!
//! Every entry is checked with the same code `plan` uses ([`acl::desired`] and
//! [`acl::diff`]): a word is kept only when it reads back to rights the ACE grants, so
//! the exported spec plans clean by construction. What no word names (an unknown object
//! type, a mask bit without a name, an "applies to" the spec cannot say, an ACE type
//! hybridctl does not manage) goes into a note with the ACE's SDDL instead.

use std::collections::HashMap;

use hybridctl_core::spec::{AceSpec, AdAcl, Ensure, Inheritance, Resource};
use hybridctl_core::{Address, Diagnostic, Diagnostics, Kind};

use super::acl::{self, LiveDacl};
use super::directory::Directory;
use super::rights::{applies_to_words, mask, AppliesTo};
use super::schema::Schema;
use super::security::{ace_flags, ace_to_sddl, control, AccessAce, Ace, SecurityDescriptor, Sid};
use crate::export::{make_unique, name_for_dn, Exported};
use crate::ldap::connection::result_code;
use crate::ldap::{self, first_bin, op_diagnostic, AdSettings, Connection};

/// What `--acl`, `--subtree` and `--principal` asked for.
#[derive(Clone, Debug, Default)]
pub struct AclRequest {
    /// DNs; `{domain}` stands for the domain root.
    pub objects: Vec<String>,
    /// Also every object below each one that has explicit ACEs.
    pub subtree: bool,
    /// Keep only this principal's entries.
    pub principal: Option<String>,
    /// Write `authoritative: true` where the spec can say every explicit ACE of the
    /// principals it names exactly (one entry per ACE); elsewhere `false`, with a note.
    pub authoritative: bool,
}

/// An object's DACL as read.
struct Object {
    dn: String,
    dacl: LiveDacl,
}

/// Connects and exports the ACLs `req` names; and warnings for objects nothing could be
/// exported of (an `ad.acl` must hold an entry).
pub async fn acls(
    settings: &AdSettings,
    req: &AclRequest,
) -> Result<(Vec<Exported>, Vec<String>), Diagnostics> {
    let mut conn = Connection::open(settings)
        .await
        .map_err(|e| ldap::connect_diagnostic(e, settings))?;
    let mut dir = Directory::load(&mut conn, settings.base_dn.as_deref())
        .await
        .map_err(|e| {
            Diagnostic::new(format!(
                "reading the domain's names (SID, NetBIOS name) failed: {e}"
            ))
        })?;
    // Export reads every object type on every ACE it finds and tries words for each: the
    // whole schema, not a filtered part (it is not a path a plan takes).
    dir.load_schema(&mut conn).await.map_err(|e| {
        Diagnostic::new(format!(
            "reading the domain's schema and rights failed: {e}"
        ))
    })?;
    let only = match &req.principal {
        None => None,
        Some(name) => {
            let found = dir
                .resolve_principals(&mut conn, std::slice::from_ref(name))
                .await
                .map_err(op_diagnostic)?;
            match found.get(name) {
                Some(Ok(sid)) => Some(sid.clone()),
                Some(Err(e)) => {
                    return Err(Diagnostic::new(format!("--principal: {e}"))
                        .hint("write DOMAIN\\name, a UPN, a SID, or a well-known name such as `Authenticated Users`")
                        .into())
                }
                None => {
                    return Err(Diagnostic::new(format!("--principal {name}: not resolved"))
                        .hint("check the name")
                        .into())
                }
            }
        }
    };
    let objects = read_objects(&mut conn, &dir, req).await?;
    let sids: Vec<Sid> = objects
        .iter()
        .flat_map(|o| {
            o.dacl
                .explicit()
                .filter_map(|a| a.as_access().map(|a| a.sid.clone()))
        })
        .collect();
    dir.describe_sids(&mut conn, &sids)
        .await
        .map_err(op_diagnostic)?;
    // Every principal as export will write it must read back to its SID at plan time.
    let mut principals: HashMap<String, Sid> = HashMap::new();
    for sid in &sids {
        principals.insert(dir.display(sid), sid.clone());
    }
    let names: Vec<String> = principals.keys().cloned().collect();
    let back = dir
        .resolve_principals(&mut conn, &names)
        .await
        .map_err(op_diagnostic)?;
    // A SID that reads back to nothing (an account deleted since the ACE was made) cannot
    // be planned: its ACEs become notes.
    let written: HashMap<Sid, String> = principals
        .iter()
        .filter(|(name, sid)| matches!(back.get(*name), Some(Ok(s)) if s == *sid))
        .map(|(name, sid)| (sid.clone(), name.clone()))
        .collect();

    let mut out = Vec::new();
    let mut names = Vec::new();
    let mut warnings = Vec::new();
    let mut matched = false;
    for (i, o) in objects.iter().enumerate() {
        let named = i < req.objects.len();
        let (aces, mut notes) = entries(&o.dacl, &dir, &written, only.as_ref(), true);
        if aces.is_empty() {
            // Below a named object, one without explicit ACEs is simply not listed.
            if (named && only.is_none()) || !notes.is_empty() {
                let mut w = format!("`{}`: no explicit ACE hybridctl can write", o.dn);
                for n in &notes {
                    w.push_str(&format!("\n  {n}"));
                }
                warnings.push(w + "\n  nothing exported for it");
            }
            continue;
        }
        matched = true;
        let object = spec_dn(&o.dn, &dir.domain_dn);
        // A protected DACL is said as ADUC says it: inheritance disabled.
        let inheritance =
            (o.dacl.control & control::DACL_PROTECTED != 0).then_some(Inheritance::Disabled);
        let mut resource = AdAcl {
            connection: None,
            name: String::new(),
            object: object.clone(),
            authoritative: false,
            inheritance,
            aces,
        };
        if req.authoritative {
            let (exact, exact_notes) = entries(&o.dacl, &dir, &written, only.as_ref(), false);
            let owned = AdAcl {
                connection: None,
                name: String::new(),
                object,
                authoritative: true,
                inheritance,
                aces: exact,
            };
            // Owning a principal means plan removes what the spec does not say: only when
            // every one of their ACEs is said exactly.
            if exact_notes.is_empty() && verify(&owned, &o.dacl, &dir, &written).is_ok() {
                resource = owned;
            } else {
                notes.push(
                    "not authoritative: some explicit ACE here cannot be written exactly (see the notes above), and an authoritative plan would remove it".into(),
                );
            }
        }
        verify(&resource, &o.dacl, &dir, &written)?;
        names.push(name_for_dn(&o.dn, &dir.domain_dn));
        out.push((resource, notes));
    }
    if let (Some(p), false) = (&req.principal, matched) {
        return Err(Diagnostic::new(format!(
            "--principal {p}: no explicit ACE of theirs on {}",
            req.objects.join(", ")
        ))
        .hint(if req.subtree {
            "check the name, or export without --principal to see who has ACEs there"
        } else {
            "check the name, add --subtree to look below, or export without --principal"
        })
        .into());
    }
    make_unique(&mut names);
    let exported = out
        .into_iter()
        .zip(names)
        .map(|((mut r, notes), name)| {
            r.name = name;
            Exported {
                resource: Resource::AdAcl(r),
                notes,
            }
        })
        .collect();
    Ok((exported, warnings))
}

/// `{domain}` for the domain's DN inside `dn`, so the spec serves any copy of the domain.
fn spec_dn(dn: &str, domain_dn: &str) -> String {
    let norm = acl::normalize_dn(dn);
    let domain = acl::normalize_dn(domain_dn);
    if norm == domain {
        return "{domain}".into();
    }
    match norm.strip_suffix(&format!(",{domain}")) {
        // Keep the server's spelling of the RDNs, only the domain part is replaced.
        Some(inner) => {
            let count = inner.split(',').count();
            let rdns: Vec<&str> = dn.split(',').take(count).collect();
            format!("{},{{domain}}", rdns.join(","))
        }
        None => dn.to_string(),
    }
}

/// The named objects, then (with `--subtree`) those below them, parents first.
async fn read_objects(
    conn: &mut Connection,
    dir: &Directory,
    req: &AclRequest,
) -> Result<Vec<Object>, Diagnostics> {
    let mut out: Vec<Object> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut below = Vec::new();
    let mut diags = Diagnostics::default();
    for wanted in &req.objects {
        let dn = dir.expand_dn(wanted);
        let entries = match conn.read_dacl_of(&dn).await {
            Ok(e) => e,
            Err(e) if e.result_code() == Some(result_code::NO_SUCH_OBJECT) => {
                diags.push(
                    Diagnostic::new(format!("--acl {wanted}: no object `{dn}` in the directory"))
                        .hint(format!(
                            "check the DN; `{{domain}}` stands for {}",
                            dir.domain_dn
                        )),
                );
                continue;
            }
            Err(e) => return Err(op_diagnostic(e).into()),
        };
        for e in entries {
            let o = decode(&e.dn, first_bin(&e, "nTSecurityDescriptor"))?;
            if seen.insert(acl::normalize_dn(&o.dn)) {
                out.push(o);
            }
        }
        if req.subtree {
            let entries = conn
                .read_dacls(&dn, "(objectClass=*)")
                .await
                .map_err(op_diagnostic)?;
            for e in entries {
                below.push(decode(&e.dn, first_bin(&e, "nTSecurityDescriptor"))?);
            }
        }
    }
    diags.into_result(())?;
    // Parents before children, siblings by name: the order of a tree, the same every run.
    below.sort_by_key(|o| {
        let norm = acl::normalize_dn(&o.dn);
        norm.rsplit(',').map(str::to_string).collect::<Vec<_>>()
    });
    for o in below {
        if seen.insert(acl::normalize_dn(&o.dn)) {
            out.push(o);
        }
    }
    Ok(out)
}

fn decode(dn: &str, bytes: Option<Vec<u8>>) -> Result<Object, Diagnostic> {
    let bytes = bytes.ok_or_else(|| {
        Diagnostic::new(format!("the DC returned no security descriptor for `{dn}`"))
            .hint("hybridctl's account needs Read permissions on the objects it exports")
    })?;
    let sd = SecurityDescriptor::decode(&bytes).map_err(|e| {
        Diagnostic::new(format!(
            "cannot read the security descriptor of `{dn}`: {e}"
        ))
    })?;
    Ok(Object {
        dn: dn.to_string(),
        dacl: LiveDacl {
            control: sd.control,
            aces: sd.dacl.map(|d| d.aces).unwrap_or_default(),
        },
    })
}

/// One ACE in the spec's words: the entry (when any right has a name) and a note with
/// its SDDL (when some right or its scope has none).
struct Translated {
    entry: Option<AceSpec>,
    note: Option<String>,
}

/// The object's explicit ACEs as entries in the order of the DACL, and notes for what has
/// no words. `merge`: one entry per principal, allow/deny and scope; otherwise one per ACE
/// (what `authoritative` needs: each wanted ACE exactly as it is), and an ACE with a
/// right left unnamed is a note only.
fn entries(
    dacl: &LiveDacl,
    dir: &Directory,
    written: &HashMap<Sid, String>,
    only: Option<&Sid>,
    merge: bool,
) -> (Vec<AceSpec>, Vec<String>) {
    let mut merged: Vec<AceSpec> = Vec::new();
    let mut notes = Vec::new();
    for ace in dacl.explicit() {
        if let (Some(sid), Some(a)) = (only, ace.as_access()) {
            if &a.sid != sid {
                continue;
            }
        }
        if only.is_some() && ace.as_access().is_none() {
            continue;
        }
        let t = translate(ace, dir, written);
        if !merge && t.note.is_some() {
            notes.extend(t.note);
            continue;
        }
        notes.extend(t.note);
        let Some(e) = t.entry else { continue };
        if !merge {
            merged.push(e);
            continue;
        }
        match merged.iter_mut().find(|m| {
            m.principal == e.principal
                && m.applies_to == e.applies_to
                && m.allow.is_empty() == e.allow.is_empty()
        }) {
            Some(m) => {
                for w in e.allow.iter().chain(&e.deny) {
                    let list = if e.allow.is_empty() {
                        &mut m.deny
                    } else {
                        &mut m.allow
                    };
                    if !list.iter().any(|x| x.eq_ignore_ascii_case(w)) {
                        list.push(w.clone());
                    }
                }
            }
            None => merged.push(e),
        }
    }
    (merged, notes)
}

fn translate(ace: &Ace, dir: &Directory, written: &HashMap<Sid, String>) -> Translated {
    let sddl = ace_to_sddl(ace, Some(&dir.domain_sid)).replace(['\r', '\n'], " ");
    let not_exported = |why: &str| Translated {
        entry: None,
        note: Some(format!("not exported ({why}): {sddl}")),
    };
    let Some(a) = ace.as_access() else {
        return not_exported("an ACE type hybridctl does not manage");
    };
    let deny = match a.ace_type {
        t if t == super::security::ace_type::ACCESS_ALLOWED
            || t == super::security::ace_type::ACCESS_ALLOWED_OBJECT =>
        {
            false
        }
        t if t == super::security::ace_type::ACCESS_DENIED
            || t == super::security::ace_type::ACCESS_DENIED_OBJECT =>
        {
            true
        }
        _ => return not_exported("an ACE type hybridctl does not manage"),
    };
    let applies_to = match applies_to_of(a, &dir.schema) {
        Ok(words) => words,
        Err(words) => {
            return not_exported(&format!("its scope, `{words}`, has no applies_to form"))
        }
    };
    let Some(principal) = written.get(&a.sid).cloned() else {
        return not_exported(&format!(
            "its principal {} resolves to no account (deleted?), so plan could not read it back",
            a.sid
        ));
    };
    let (words, left) = words_for(a, &dir.schema);
    if words.is_empty() {
        return not_exported("no right in it has a name hybridctl can write back");
    }
    let note = (left != 0).then(|| {
        format!(
            "partly exported ({} of it has no name): {sddl}",
            super::security::mask_to_sddl(left)
        )
    });
    let entry = AceSpec {
        principal,
        allow: if deny { vec![] } else { words.clone() },
        deny: if deny { words } else { vec![] },
        applies_to: applies_to.into(),
        ensure: Ensure::Present,
    };
    Translated {
        entry: Some(entry),
        note,
    }
}

/// ADUC's "Applies to" for `a`, when it reads back to exactly its flags and class;
/// otherwise `Err` with the words ADUC would show.
fn applies_to_of(a: &AccessAce, schema: &Schema) -> Result<String, String> {
    let class = a.inherited_object_type.map(|g| schema.class_display(g));
    let words = applies_to_words(a.flags, class.as_deref());
    let exact = AppliesTo::parse(&words).is_some_and(|p| {
        p.flags() == a.flags & ace_flags::INHERITANCE
            && match &p {
                AppliesTo::DescendantsOfClass(c) => schema.class_guid(c) == a.inherited_object_type,
                _ => a.inherited_object_type.is_none(),
            }
    });
    if exact {
        Ok(words)
    } else {
        Err(words)
    }
}

/// Words for the rights `a` grants that read back to rights it grants, and the bits left
/// without a word. ADUC's names first; where they fail, the GUID forms.
fn words_for(a: &AccessAce, schema: &Schema) -> (Vec<String>, u32) {
    let have = mask::specific(a.mask);
    let mut words = Vec::new();
    let mut named = 0u32;
    let mut candidates = schema.right_words(have, a.object_type);
    if let Some(g) = a.object_type {
        candidates.extend([
            format!("Read {g}"),
            format!("Write {g}"),
            format!("Create {g} objects"),
            format!("Delete {g} objects"),
            g.to_string(),
        ]);
    }
    for w in candidates {
        let Ok(r) = schema.right(&w) else {
            continue;
        };
        let grants = r.object_type == a.object_type && r.mask != 0 && have & r.mask == r.mask;
        // A word is worth writing when it names bits no earlier word named.
        if grants && r.mask & !named != 0 {
            named |= r.mask;
            words.push(w);
        }
    }
    (words, have & !named)
}

/// The promise, checked before anything is written: planning the resource against the
/// DACL it came from changes nothing.
fn verify(
    r: &AdAcl,
    dacl: &LiveDacl,
    dir: &Directory,
    written: &HashMap<Sid, String>,
) -> Result<(), Diagnostic> {
    let address = Address::new(Kind::AdAcl, "export");
    let principals: HashMap<String, Result<Sid, _>> = written
        .iter()
        .map(|(sid, name)| (name.clone(), Ok(sid.clone())))
        .collect();
    let bug = |what: String| {
        Diagnostic::new(format!(
            "export of `{}` would not plan clean ({what}); this is a bug in hybridctl",
            r.object
        ))
        .hint("export the object with --principal to narrow it down, and report it")
    };
    let desired = acl::desired(r, &address, dir, &principals).map_err(|d| bug(d.to_string()))?;
    match acl::diff(&desired, r.authoritative, dacl) {
        Ok((removes, adds)) if removes.is_empty() && adds.is_empty() => Ok(()),
        Ok((removes, adds)) => Err(bug(format!(
            "{} removal(s), {} addition(s)",
            removes.len(),
            adds.len()
        ))),
        Err(refusals) => Err(bug(format!("{} refusal(s)", refusals.len()))),
    }
}

/// `--password-policy`: the domain head's password and lockout policy as
/// `ad.password_policy`, every setting the head holds in GPMC's units.
pub async fn password_policy(settings: &AdSettings) -> Result<Exported, Diagnostics> {
    let mut conn = Connection::open(settings)
        .await
        .map_err(|e| ldap::connect_diagnostic(e, settings))?;
    let domain_dn = settings
        .base_dn
        .clone()
        .unwrap_or_else(|| conn.root.default_nc.clone());
    let head = ldap::DomainHead::read(&mut conn, &domain_dn)
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    Ok(password_policy_of(&head))
}

/// The domain head's values as a resource; a value that is not a whole number of GPMC's
/// units (or out of GPMC's range) is a note, never rounded.
pub fn password_policy_of(head: &ldap::DomainHead) -> Exported {
    use hybridctl_core::password_settings as policy;
    use hybridctl_core::spec::{AccountLockoutPolicy, AdPasswordPolicy, PasswordPolicy};
    let mut p = PasswordPolicy::default();
    let mut l = AccountLockoutPolicy::default();
    let mut notes = Vec::new();
    let address = Address::new(Kind::AdPasswordPolicy, "export");
    for s in policy::ALL {
        let Some(raw) = head.values.get(s.ad_attribute) else {
            continue;
        };
        match s.from_ad(*raw) {
            Some(v) if policy::check_ranges(&address, &[(s, v)]).0.is_empty() => {
                crate::gpo::export::set(s, v, &mut p, &mut l)
            }
            _ => notes.push(format!(
                "not exported: {} = {raw} is not a value GPMC can set for {}",
                s.ad_attribute, s.label
            )),
        }
    }
    Exported {
        resource: Resource::AdPasswordPolicy(AdPasswordPolicy {
            connection: None,
            name: "domain".into(),
            password_policy: (p != PasswordPolicy::default()).then_some(p),
            account_lockout_policy: (l != AccountLockoutPolicy::default()).then_some(l),
        }),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{RightEntry, SchemaEntry};
    use super::super::security::{ace_type, Guid};
    use super::*;

    const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    const RESET: &str = "00299570-246d-11d0-a768-00aa006e0529";
    const UNKNOWN: &str = "0badc0de-1234-4321-8765-0123456789ab";
    const CI: u8 = ace_flags::CONTAINER_INHERIT;
    const IO: u8 = ace_flags::INHERIT_ONLY;

    fn g(s: &str) -> Guid {
        s.parse().unwrap()
    }

    fn schema() -> Schema {
        Schema::new(
            vec![
                SchemaEntry {
                    ldap_name: "pwdLastSet".into(),
                    cn: "Pwd-Last-Set".into(),
                    guid: g(PWD_LAST_SET),
                    is_class: false,
                    property_set: None,
                },
                SchemaEntry {
                    ldap_name: "user".into(),
                    cn: "User".into(),
                    guid: g(USER),
                    is_class: true,
                    property_set: None,
                },
            ],
            vec![RightEntry {
                cn: "User-Force-Change-Password".into(),
                display_name: Some("Reset Password".into()),
                guid: g(RESET),
                valid_accesses: mask::CONTROL_ACCESS,
            }],
        )
    }

    fn ace(flags: u8, m: u32, object: Option<&str>, inherited: Option<&str>) -> AccessAce {
        AccessAce {
            ace_type: if object.is_some() || inherited.is_some() {
                ace_type::ACCESS_ALLOWED_OBJECT
            } else {
                ace_type::ACCESS_ALLOWED
            },
            flags,
            mask: m,
            object_type: object.map(g),
            inherited_object_type: inherited.map(g),
            sid: "S-1-5-11".parse().unwrap(),
            extra_object_flags: 0,
            trailer: vec![],
        }
    }

    #[test]
    fn rights_are_named_only_when_they_read_back() {
        let s = schema();
        let words = |a: AccessAce| words_for(&a, &s);
        assert_eq!(
            words(ace(0, mask::READ | mask::WRITE_DAC, None, None)),
            (
                vec!["Read".to_string(), "Modify permissions".to_string()],
                0
            )
        );
        // Generic bits count as what they stand for.
        assert_eq!(
            words(ace(0, mask::GENERIC_ALL, None, None)),
            (vec!["Full control".to_string()], 0)
        );
        assert_eq!(
            words(ace(
                0,
                mask::READ_PROP | mask::WRITE_PROP,
                Some(PWD_LAST_SET),
                None
            ))
            .0,
            ["Read pwdLastSet", "Write pwdLastSet"]
        );
        assert_eq!(
            words(ace(0, mask::CONTROL_ACCESS, Some(RESET), None)).0,
            ["Reset Password"]
        );
        // A bit no word covers is left over, never guessed.
        assert_eq!(
            words(ace(0, mask::READ_PROP | 0x0100_0000, None, None)),
            (vec!["Read all properties".to_string()], 0x0100_0000)
        );
        // CR on an attribute: "All extended rights" would grant it for every object type.
        assert_eq!(
            words(ace(
                0,
                mask::CONTROL_ACCESS | mask::READ_PROP,
                Some(PWD_LAST_SET),
                None
            )),
            (vec!["Read pwdLastSet".to_string()], mask::CONTROL_ACCESS)
        );
        // An object type the schema does not know has no words at all.
        assert_eq!(
            words(ace(0, mask::READ_PROP, Some(UNKNOWN), None)),
            (vec![], mask::READ_PROP)
        );
    }

    #[test]
    fn the_guid_form_when_the_name_means_something_else() {
        // A property set whose name is also an attribute's: `Read pwdLastSet` would read
        // back as the property set, so the attribute's ACE is written by GUID.
        let set = "4c164200-20c0-11d0-a768-00aa006e0529";
        let s = Schema::new(
            vec![SchemaEntry {
                ldap_name: "pwdLastSet".into(),
                cn: "Pwd-Last-Set".into(),
                guid: g(PWD_LAST_SET),
                is_class: false,
                property_set: None,
            }],
            vec![RightEntry {
                cn: "Shadow".into(),
                display_name: Some("pwdLastSet".into()),
                guid: g(set),
                valid_accesses: mask::READ_PROP | mask::WRITE_PROP,
            }],
        );
        let a = ace(0, mask::READ_PROP, Some(PWD_LAST_SET), None);
        assert_eq!(words_for(&a, &s), (vec![format!("Read {PWD_LAST_SET}")], 0));
    }

    #[test]
    fn applies_to_only_when_the_spec_can_say_it() {
        let s = schema();
        assert_eq!(
            applies_to_of(&ace(CI | IO, mask::READ_PROP, None, Some(USER)), &s),
            Ok("Descendant User objects".to_string())
        );
        assert_eq!(
            applies_to_of(&ace(CI, mask::READ_PROP, None, None), &s),
            Ok("This object and all descendant objects".to_string())
        );
        // ADUC can say these; the spec cannot.
        assert_eq!(
            applies_to_of(&ace(CI, mask::READ_PROP, None, Some(USER)), &s),
            Err("This object and descendant User objects".to_string())
        );
        assert!(applies_to_of(
            &ace(ace_flags::OBJECT_INHERIT, mask::READ_PROP, None, None),
            &s
        )
        .is_err());
        assert!(applies_to_of(&ace(CI | IO, mask::READ_PROP, None, Some(UNKNOWN)), &s).is_err());
    }

    #[test]
    fn dn_keeps_its_spelling_with_domain_replaced() {
        let d = "DC=lab,DC=example,DC=com";
        assert_eq!(spec_dn("DC=lab,DC=example,DC=com", d), "{domain}");
        assert_eq!(
            spec_dn("OU=Staff,OU=Corp,DC=lab,DC=example,DC=com", d),
            "OU=Staff,OU=Corp,{domain}"
        );
        assert_eq!(
            spec_dn("CN=Extended-Rights,CN=Configuration,DC=other", d),
            "CN=Extended-Rights,CN=Configuration,DC=other"
        );
    }
}
