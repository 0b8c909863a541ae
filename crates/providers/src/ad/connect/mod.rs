//! The `entra_connect.permissions` resource: the AD DS connector account's ACEs, by Entra
//! Connect feature. The catalogue says what each feature wants; [`expand`] turns it into
//! ACEs per object, resolved by GUID against the live schema; [`plan_object`] compares
//! with a live DACL. Pure; the LDAP calls live in `ad/mod.rs`.
//!
//! Ownership: on every object it names (the scope, the domain root, AdminSDHolder when
//! asked) the resource owns the account's explicit ACEs and nothing else: an ACE of the
//! account no feature wants is removed, other principals' ACEs are never touched. With
//! `restrict_account` it owns the account object's whole DACL, as
//! `Set-ADSyncRestrictedPermissions` does (SELF's ACEs are kept).

pub mod catalogue;

use std::collections::BTreeSet;

use hybridctl_core::spec::{ConnectFeature, EntraConnectPermissions};
use hybridctl_core::validate::ADMIN_SD_HOLDER;
use hybridctl_core::{digest, Entry};
use serde::{Deserialize, Serialize};

use super::acl::{normalize_dn, AceKey, AcePayload, LiveDacl};
use super::directory::Directory;
use super::rights::applies_to_words;
use super::security::{ace_flags, ace_to_sddl, ace_type, control, AccessAce, Ace, Guid, Sid};
use catalogue::{Place, Row, SchemaRef, Trustee, RESTRICTED, SELF_SID};

/// One ACE the resource wants, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Wanted {
    pub ace: AccessAce,
    /// The features that want it (empty for the restricted list).
    pub features: BTreeSet<ConnectFeature>,
    pub sources: Vec<&'static str>,
}

/// What the resource wants on one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectWant {
    pub dn: String,
    /// The account object under `restrict_account`: the whole DACL is owned and protected.
    pub whole: bool,
    pub wanted: Vec<Wanted>,
}

/// Something a feature names that this directory's schema lacks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("feature `{feature}` needs {kind} `{name}`, which this directory's schema and extended rights lack{why}")]
pub struct Missing {
    pub feature: ConnectFeature,
    pub kind: &'static str,
    pub name: &'static str,
    /// ": it comes with ..." when the catalogue knows why.
    pub why: String,
}

/// Finds a catalogue reference in the live directory: by GUID where the catalogue gives
/// one (Samba's display names differ from Windows'), else by LDAP name.
fn resolve(r: SchemaRef, feature: ConnectFeature, dir: &Directory) -> Result<Guid, Missing> {
    let missing = |kind, why: &str| Missing {
        feature,
        kind,
        name: r.name(),
        why: why.to_string(),
    };
    let (found, kind) = match r {
        SchemaRef::ExtendedRight(_, g) => {
            let g: Guid = g.parse().expect("catalogue GUIDs parse");
            (dir.schema.has_right_guid(g).then_some(g), "extended right")
        }
        SchemaRef::Attribute(_, g) => {
            let g: Guid = g.parse().expect("catalogue GUIDs parse");
            (dir.schema.has_attribute_guid(g).then_some(g), "attribute")
        }
        SchemaRef::Class(_, g) => {
            let g: Guid = g.parse().expect("catalogue GUIDs parse");
            (dir.schema.has_class_guid(g).then_some(g), "class")
        }
        SchemaRef::ClassByName(name, why) => {
            return dir
                .schema
                .class_guid(name)
                .ok_or_else(|| missing("class", &format!(": {why}")))
        }
    };
    found.ok_or_else(|| missing(kind, ""))
}

/// The ACE a catalogue row stands for, for `sid`.
fn row_ace(row: &Row, sid: &Sid, dir: &Directory) -> Result<AccessAce, Vec<Missing>> {
    let mut missing = Vec::new();
    let mut get = |r: Option<SchemaRef>| match r.map(|r| resolve(r, row.feature, dir)) {
        None => None,
        Some(Ok(g)) => Some(g),
        Some(Err(m)) => {
            missing.push(m);
            None
        }
    };
    let object_type = get(row.object_type);
    let inherited_object_type = get(row.class);
    if !missing.is_empty() {
        return Err(missing);
    }
    let flags = match (row.place, row.inherit) {
        (Place::Scope, _) => ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY,
        (Place::DomainRoot, true) => ace_flags::CONTAINER_INHERIT,
        (Place::DomainRoot, false) => 0,
    };
    let object = object_type.is_some() || inherited_object_type.is_some();
    Ok(AccessAce {
        ace_type: if object {
            ace_type::ACCESS_ALLOWED_OBJECT
        } else {
            ace_type::ACCESS_ALLOWED
        },
        flags,
        mask: row.mask,
        object_type,
        inherited_object_type,
        sid: sid.clone(),
        extra_object_flags: 0,
        trailer: vec![],
    })
}

fn push(list: &mut Vec<Wanted>, ace: AccessAce, row: &Row) {
    let key = AceKey::of(&ace);
    match list.iter_mut().find(|w| AceKey::of(&w.ace) == key) {
        Some(w) => {
            w.features.insert(row.feature);
            w.sources.push(row.source);
        }
        None => list.push(Wanted {
            ace,
            features: [row.feature].into(),
            sources: vec![row.source],
        }),
    }
}

/// The objects the resource manages and the ACEs it wants on each: the domain root first,
/// then the scope, AdminSDHolder and the account object (`restrict`: its DN and the
/// forest root domain's SID, when `restrict_account` is set). Every missing schema item
/// is reported at once.
pub fn expand(
    spec: &EntraConnectPermissions,
    dir: &Directory,
    account: &Sid,
    restrict: Option<(&str, &Sid)>,
) -> Result<Vec<ObjectWant>, Vec<Missing>> {
    let rows = catalogue::rows(&spec.features, spec.password_writeback_profile);
    let mut missing = Vec::new();
    let mut resolved = Vec::new();
    for row in &rows {
        match row_ace(row, account, dir) {
            Ok(a) => resolved.push((row, a)),
            Err(m) => missing.extend(m),
        }
    }
    if !missing.is_empty() {
        missing.dedup();
        return Err(missing);
    }
    let mut objects: Vec<ObjectWant> = Vec::new();
    let object = |dn: String, objects: &mut Vec<ObjectWant>| -> usize {
        let key = normalize_dn(&dn);
        match objects.iter().position(|o| normalize_dn(&o.dn) == key) {
            Some(i) => i,
            None => {
                objects.push(ObjectWant {
                    dn,
                    whole: false,
                    wanted: Vec::new(),
                });
                objects.len() - 1
            }
        }
    };
    let root = object(dir.domain_dn.clone(), &mut objects);
    let mut scoped: Vec<String> = spec.scope.iter().map(|s| dir.expand_dn(s)).collect();
    if spec.admin_sd_holder {
        scoped.push(dir.expand_dn(ADMIN_SD_HOLDER));
    }
    for (row, ace) in &resolved {
        if row.place == Place::DomainRoot {
            push(&mut objects[root].wanted, ace.clone(), row);
        }
    }
    for dn in scoped {
        let i = object(dn, &mut objects);
        for (row, ace) in &resolved {
            if row.place == Place::Scope {
                push(&mut objects[i].wanted, ace.clone(), row);
            }
        }
    }
    if let (true, Some((dn, forest_root))) = (spec.restrict_account, restrict) {
        let i = object(dn.to_string(), &mut objects);
        objects[i].whole = true;
        objects[i].wanted = restricted(&dir.domain_sid, forest_root);
    }
    Ok(objects)
}

/// `Set-ADSyncRestrictedPermissions`' six ACEs: Domain Admins of the connected domain
/// (the module takes the credential's), Enterprise Admins of the forest root.
pub fn restricted(domain: &Sid, forest_root: &Sid) -> Vec<Wanted> {
    RESTRICTED
        .iter()
        .map(|(who, mask, _)| {
            let sid: Sid = match who {
                Trustee::WellKnown(s) => s.parse().expect("well-known SIDs parse"),
                Trustee::DomainRid(rid) => format!("{domain}-{rid}").parse().expect("SID parses"),
                Trustee::ForestRootRid(rid) => {
                    format!("{forest_root}-{rid}").parse().expect("SID parses")
                }
            };
            Wanted {
                ace: AccessAce {
                    ace_type: ace_type::ACCESS_ALLOWED,
                    flags: 0,
                    mask: *mask,
                    object_type: None,
                    inherited_object_type: None,
                    sid,
                    extra_object_flags: 0,
                    trailer: vec![],
                },
                features: BTreeSet::new(),
                sources: vec!["MOD Set-ADSyncRestrictedPermissions; HOWTO"],
            }
        })
        .collect()
}

/// Whether the resource owns an explicit ACE of `sid` on this object.
fn owns(whole: bool, account: &Sid, sid: &Sid) -> bool {
    match whole {
        true => sid.to_string() != SELF_SID,
        false => sid == account,
    }
}

/// What to change on one object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectPlan {
    pub removes: Vec<AccessAce>,
    pub adds: Vec<Wanted>,
    /// Turn the DACL's protected flag on (restricted account object).
    pub protect: bool,
    /// Inherited ACEs that go away when the DACL is protected (not copied).
    pub dropped_inherited: Vec<Ace>,
}

impl ObjectPlan {
    pub fn is_empty(&self) -> bool {
        self.removes.is_empty() && self.adds.is_empty() && !self.protect
    }
}

/// Compares what the resource wants on an object with its live DACL: owned ACEs no
/// feature wants are removed (every copy), wanted ones missing are added.
pub fn plan_object(want: &ObjectWant, account: &Sid, live: &LiveDacl) -> ObjectPlan {
    let keys: BTreeSet<AceKey> = want.wanted.iter().map(|w| AceKey::of(&w.ace)).collect();
    let mut have = BTreeSet::new();
    let mut removes = Vec::new();
    for a in live.explicit().filter_map(Ace::as_access) {
        if !owns(want.whole, account, &a.sid) {
            continue;
        }
        let key = AceKey::of(a);
        if keys.contains(&key) {
            have.insert(key);
        } else if !removes.iter().any(|r| AceKey::of(r) == key) {
            removes.push(a.clone());
        }
    }
    let adds = want
        .wanted
        .iter()
        .filter(|w| !have.contains(&AceKey::of(&w.ace)))
        .cloned()
        .collect();
    let protect = want.whole && live.control & control::DACL_PROTECTED == 0;
    let dropped_inherited = match protect {
        true => live
            .aces
            .iter()
            .filter(|a| a.is_inherited())
            .cloned()
            .collect(),
        false => vec![],
    };
    ObjectPlan {
        removes,
        adds,
        protect,
        dropped_inherited,
    }
}

/// What a plan of one object depends on: the control bits a write keeps and the explicit
/// ACEs the resource owns there. Other principals' ACEs are left out, so an `ad.acl` on
/// the same object writing first does not make this plan stale.
pub fn fingerprint(live: &LiveDacl, whole: bool, account: &Sid) -> String {
    if whole {
        return live.fingerprint();
    }
    let kept = live.control & (control::DACL_PROTECTED | control::DACL_AUTO_INHERITED);
    let mut bytes = kept.to_le_bytes().to_vec();
    for a in live.explicit() {
        if a.as_access().is_some_and(|x| &x.sid == account) {
            bytes.extend(
                a.to_bytes()
                    .unwrap_or_else(|_| format!("{a:?}").into_bytes()),
            );
        }
    }
    digest::of_bytes(&bytes)
}

/// The explicit ACEs the resource owns on an object, as shown in before/after.
pub fn owned<'a>(
    aces: impl Iterator<Item = &'a Ace> + 'a,
    whole: bool,
    account: &'a Sid,
) -> impl Iterator<Item = &'a Ace> + 'a {
    aces.filter(move |a| !a.is_inherited())
        .filter(move |a| a.as_access().is_some_and(|x| owns(whole, account, &x.sid)))
}

/// How an ACE is shown: the object, ADUC's words, the features that want it, and SDDL.
pub fn entry(
    dn: &str,
    ace: &Ace,
    features: Option<&BTreeSet<ConnectFeature>>,
    dir: &Directory,
) -> Entry {
    let shown = super::acl::entry(ace, dir);
    let why = match features {
        Some(f) if !f.is_empty() => format!(
            " [{}]",
            f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
        ),
        Some(_) => " [restrict_account]".to_string(),
        None => " [wanted by no feature of this resource]".to_string(),
    };
    Entry {
        text: format!("{dn}: {}{why}", shown.text),
        code: shown.code,
    }
}

/// The protected-DACL state of an object as a before/after line (`prefix` is `"<dn>: "`
/// or empty); `dropped` inherited ACEs that go away with it are counted, since they are
/// not copied.
pub fn inheritance_entry(prefix: &str, control_bits: u16, dropped: Option<usize>) -> Entry {
    let text = match (control_bits & control::DACL_PROTECTED != 0, dropped) {
        (true, Some(n)) => format!(
            "{prefix}inheritance disabled (protected DACL): the {n} inherited ACE(s) are gone, NOT copied as explicit ACEs"
        ),
        (true, None) => format!("{prefix}inheritance disabled (protected DACL)"),
        (false, _) => format!("{prefix}inheritance enabled"),
    };
    Entry { text, code: None }
}

/// The words for a catalogue row, for notes, in the directory's names where it has them:
/// `Change Password (Descendant User objects) on each scope object`.
pub fn row_words(row: &Row, dir: &Directory) -> String {
    let guid = |r: SchemaRef| match r {
        SchemaRef::ExtendedRight(_, g) | SchemaRef::Attribute(_, g) | SchemaRef::Class(_, g) => {
            g.parse::<Guid>().ok()
        }
        SchemaRef::ClassByName(n, _) => dir.schema.class_guid(n),
    };
    let right = match row.object_type {
        Some(r) => match guid(r) {
            Some(g) => dir.schema.right_words(row.mask, Some(g)).join(", "),
            None => r.name().to_string(),
        },
        None => dir.schema.right_words(row.mask, None).join(", "),
    };
    let class = row.class.map(|c| match guid(c) {
        Some(g) => dir.schema.class_display(g),
        None => c.name().to_string(),
    });
    let flags = match (row.place, row.inherit) {
        (Place::Scope, _) => ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY,
        (Place::DomainRoot, true) => ace_flags::CONTAINER_INHERIT,
        (Place::DomainRoot, false) => 0,
    };
    let place = match row.place {
        Place::Scope => "on each scope object",
        Place::DomainRoot => "on the domain root",
    };
    format!(
        "{right} ({}) {place}",
        applies_to_words(flags, class.as_deref())
    )
}

/// A change as saved in the plan: exact, per object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConnectPayload {
    /// Add or remove this explicit ACE.
    Ace { dn: String, ace: AcePayload },
    /// Set the DACL's protected flag.
    Protect { dn: String, protect: bool },
    /// Shown only: an inherited ACE that goes away with `Protect`; apply does not read it.
    Inherited { dn: String, inherited: AcePayload },
}

/// What apply needs to find the objects again; saved in the plan, never shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectTarget {
    pub account: String,
    pub objects: Vec<TargetObject>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetObject {
    pub dn: String,
    pub whole: bool,
}

/// The resource's fingerprint over all its objects.
pub fn combined(parts: &[(String, String)]) -> String {
    let text: String = parts
        .iter()
        .map(|(dn, fp)| format!("{}={fp}\n", normalize_dn(dn)))
        .collect();
    digest::of_bytes(text.as_bytes())
}

/// The SDDL of an ACE (for tests and notes).
pub fn sddl(ace: &AccessAce, domain: &Sid) -> String {
    ace_to_sddl(&Ace::Access(ace.clone()), Some(domain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::rights::mask::*;

    const A: &str = "S-1-5-21-1-2-3-1104";
    const B: &str = "S-1-5-21-1-2-3-1105";

    fn ace(sid: &str, mask: u32, flags: u8) -> AccessAce {
        AccessAce {
            ace_type: ace_type::ACCESS_ALLOWED,
            flags,
            mask,
            object_type: None,
            inherited_object_type: None,
            sid: sid.parse().unwrap(),
            extra_object_flags: 0,
            trailer: vec![],
        }
    }

    fn want(aces: Vec<AccessAce>, whole: bool) -> ObjectWant {
        ObjectWant {
            dn: "DC=lab".into(),
            whole,
            wanted: aces
                .into_iter()
                .map(|ace| Wanted {
                    ace,
                    features: [ConnectFeature::BasicRead].into(),
                    sources: vec![],
                })
                .collect(),
        }
    }

    fn live(aces: Vec<AccessAce>, control: u16) -> LiveDacl {
        LiveDacl {
            control,
            aces: aces.into_iter().map(Ace::Access).collect(),
        }
    }

    use crate::ad::schema::{RightEntry, Schema, SchemaEntry};
    use catalogue::{ROWS, TUTORIAL_EXTRAS};
    use hybridctl_core::spec::WritebackProfile;

    const ROOT: &str = "DC=lab,DC=example,DC=test";

    /// A schema with everything the catalogue names by GUID (as Samba's base schema has),
    /// and no Exchange classes.
    fn directory() -> Directory {
        let mut objects = Vec::new();
        let mut rights = Vec::new();
        for r in ROWS.iter().chain(TUTORIAL_EXTRAS) {
            for s in [r.object_type, r.class].into_iter().flatten() {
                match s {
                    SchemaRef::ExtendedRight(n, g) => rights.push(RightEntry {
                        cn: n.into(),
                        display_name: None,
                        guid: g.parse().unwrap(),
                        valid_accesses: CONTROL_ACCESS,
                    }),
                    SchemaRef::Attribute(n, g) | SchemaRef::Class(n, g) => {
                        objects.push(SchemaEntry {
                            ldap_name: n.into(),
                            cn: n.into(),
                            guid: g.parse().unwrap(),
                            is_class: matches!(s, SchemaRef::Class(..)),
                            property_set: None,
                        })
                    }
                    SchemaRef::ClassByName(..) => {}
                }
            }
        }
        Directory::for_tests(ROOT, "S-1-5-21-1-2-3", Schema::new(objects, rights))
    }

    fn connect(
        features: Vec<ConnectFeature>,
        scope: &[&str],
        holder: bool,
    ) -> EntraConnectPermissions {
        EntraConnectPermissions {
            connection: None,
            connections: None,
            name: "c".into(),
            account: "LAB\\MSOL_1".into(),
            features,
            password_writeback_profile: WritebackProfile::Tutorial,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            admin_sd_holder: holder,
            restrict_account: false,
        }
    }

    #[test]
    fn root_rights_stay_on_the_root_and_the_rest_follow_the_scope() {
        let dir = directory();
        let a: Sid = A.parse().unwrap();
        let ou = "OU=Sync,{domain}";
        let spec = connect(
            vec![
                ConnectFeature::BasicRead,
                ConnectFeature::PasswordHashSync,
                ConnectFeature::PasswordWriteback,
            ],
            &[ou],
            true,
        );
        let objects = expand(&spec, &dir, &a, None).unwrap();
        let dns: Vec<&str> = objects.iter().map(|o| o.dn.as_str()).collect();
        let holder = format!("CN=AdminSDHolder,CN=System,{ROOT}");
        assert_eq!(dns, [ROOT, &format!("OU=Sync,{ROOT}"), &holder]);
        // Root: Get-Changes (basic_read and password_hash_sync, once), Get-Changes-All, Unexpire.
        let root = &objects[0].wanted;
        assert_eq!(root.len(), 3);
        let both: BTreeSet<_> =
            [ConnectFeature::BasicRead, ConnectFeature::PasswordHashSync].into();
        assert_eq!(root[0].features, both);
        assert_eq!(root[0].sources.len(), 2);
        assert!(root.iter().all(|w| w.ace.inherited_object_type.is_none()));
        // The OU and AdminSDHolder: 7 reads and 4 writeback ACEs, all inherit-only for a class.
        for o in &objects[1..] {
            assert_eq!(o.wanted.len(), 11, "{}", o.dn);
            assert!(o.wanted.iter().all(|w| w.ace.flags
                == ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY
                && w.ace.inherited_object_type.is_some()));
        }
        // With the domain root as the scope, the root gets both kinds.
        let spec = connect(vec![ConnectFeature::BasicRead], &["{domain}"], false);
        let objects = expand(&spec, &dir, &a, None).unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].wanted.len(), 8);
    }

    #[test]
    fn what_the_schema_lacks_is_named_with_why() {
        let dir = directory();
        let a: Sid = A.parse().unwrap();
        let spec = connect(
            vec![
                ConnectFeature::BasicRead,
                ConnectFeature::ExchangeMailPublicFolder,
            ],
            &["{domain}"],
            false,
        );
        let missing = expand(&spec, &dir, &a, None).unwrap_err();
        assert_eq!(missing.len(), 1);
        let text = missing[0].to_string();
        assert!(
            text.starts_with("feature `exchange_mail_public_folder` needs class `publicFolder`"),
            "{text}"
        );
        assert!(text.contains("Exchange schema"), "{text}");
        // A base-schema item missing (a directory without the device class) is named too.
        let empty = Directory::for_tests(ROOT, "S-1-5-21-1-2-3", Schema::new(vec![], vec![]));
        let missing = expand(
            &connect(vec![ConnectFeature::PasswordHashSync], &["{domain}"], false),
            &empty,
            &a,
            None,
        )
        .unwrap_err();
        assert_eq!(missing.len(), 2);
        assert!(missing[0]
            .to_string()
            .contains("extended right `Replicating Directory Changes"));
    }

    #[test]
    fn only_the_accounts_explicit_aces_are_owned() {
        let a: Sid = A.parse().unwrap();
        let keep = ace(A, READ_PROP, 0);
        let stray = ace(A, WRITE_PROP, 0);
        let other = ace(B, WRITE_PROP, 0);
        let inherited = ace(A, DELETE, ace_flags::INHERITED);
        let l = live(
            vec![keep.clone(), stray.clone(), stray.clone(), other, inherited],
            0,
        );
        let p = plan_object(&want(vec![keep, ace(A, READ_CONTROL, 0)], false), &a, &l);
        assert_eq!(p.removes, vec![stray]);
        assert_eq!(p.adds.len(), 1);
        assert_eq!(p.adds[0].ace, ace(A, READ_CONTROL, 0));
        assert!(!p.protect && p.dropped_inherited.is_empty());
        // No features: every explicit ACE of the account goes.
        let p = plan_object(&want(vec![], false), &a, &l);
        assert_eq!(p.removes.len(), 2);
    }

    #[test]
    fn a_whole_dacl_keeps_self_and_protects() {
        let a: Sid = A.parse().unwrap();
        let own = ace(SELF_SID, READ_PROP, 0);
        let other = ace(B, WRITE_PROP, 0);
        let inherited = ace(B, READ, ace_flags::INHERITED | ace_flags::CONTAINER_INHERIT);
        let l = live(vec![own, other.clone(), inherited.clone()], 0);
        let w = ObjectWant {
            dn: "CN=x".into(),
            whole: true,
            wanted: restricted(
                &"S-1-5-21-1-2-3".parse().unwrap(),
                &"S-1-5-21-9-9-9".parse().unwrap(),
            ),
        };
        let p = plan_object(&w, &a, &l);
        assert_eq!(p.removes, vec![other]);
        assert_eq!(p.adds.len(), 6);
        let sids: Vec<String> = p.adds.iter().map(|w| w.ace.sid.to_string()).collect();
        assert!(sids.contains(&"S-1-5-21-9-9-9-519".to_string()), "{sids:?}");
        assert!(sids.contains(&"S-1-5-21-1-2-3-512".to_string()), "{sids:?}");
        assert!(p.protect);
        assert_eq!(p.dropped_inherited, vec![Ace::Access(inherited)]);
        // Already protected: nothing about inheritance.
        let l = live(vec![], control::DACL_PROTECTED);
        assert!(!plan_object(&w, &a, &l).protect);
    }

    #[test]
    fn the_fingerprint_ignores_other_principals() {
        let a: Sid = A.parse().unwrap();
        let mine = ace(A, READ_PROP, 0);
        let l1 = live(vec![mine.clone()], 0);
        let l2 = live(vec![mine, ace(B, WRITE_PROP, 0)], 0);
        assert_eq!(fingerprint(&l1, false, &a), fingerprint(&l2, false, &a));
        assert_ne!(fingerprint(&l1, true, &a), fingerprint(&l2, true, &a));
        let l3 = live(vec![], 0);
        assert_ne!(fingerprint(&l1, false, &a), fingerprint(&l3, false, &a));
    }

    #[test]
    fn payloads_read_back_as_the_variant_written() {
        let p = AcePayload::from(&ace(A, READ_PROP, 0));
        for c in [
            ConnectPayload::Ace {
                dn: "x".into(),
                ace: p.clone(),
            },
            ConnectPayload::Protect {
                dn: "x".into(),
                protect: true,
            },
            ConnectPayload::Inherited {
                dn: "x".into(),
                inherited: p.clone(),
            },
        ] {
            let json = serde_json::to_value(&c).unwrap();
            assert_eq!(serde_json::from_value::<ConnectPayload>(json).unwrap(), c);
        }
    }
}
