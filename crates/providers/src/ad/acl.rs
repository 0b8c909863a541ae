//! The `ad.acl` resource: from spec entries to ACEs, the difference from a live DACL,
//! and the DACL to write.
//!
//! ACE sets are compared, never bytes: the DC rebuilds inherited ACEs and sets
//! auto-inherit flags itself. Only explicit ACEs are ever added or removed.

use std::collections::{BTreeSet, HashMap};

use hybridctl_core::spec::{AdAcl, Ensure};
use hybridctl_core::{digest, Address, Diagnostic, Diagnostics, Entry};
use serde::{Deserialize, Serialize};

use super::directory::Directory;
use super::rights::{applies_to_words, AppliesTo, APPLIES_TO_FORMS};
use super::security::{ace_flags, ace_to_sddl, ace_type, control, AccessAce, Ace, Guid, Sid};

/// What makes two ACEs the same grant, ignoring bookkeeping flags.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AceKey {
    ace_type: u8,
    flags: u8,
    mask: u32,
    object_type: Option<Guid>,
    inherited_object_type: Option<Guid>,
    sid: Sid,
}

impl AceKey {
    pub fn of(a: &AccessAce) -> AceKey {
        AceKey {
            ace_type: a.ace_type,
            flags: a.flags & ace_flags::INHERITANCE,
            mask: a.mask,
            object_type: a.object_type,
            inherited_object_type: a.inherited_object_type,
            sid: a.sid.clone(),
        }
    }
}

/// One ACE the spec wants present or absent.
#[derive(Clone, Debug)]
pub struct Desired {
    pub ace: AccessAce,
    pub ensure: Ensure,
}

/// Turns the spec's entries into ACEs. Every unknown principal, right, class or
/// "applies to" is reported, each naming what was expected.
pub fn desired(
    spec: &AdAcl,
    address: &Address,
    dir: &Directory,
    principals: &HashMap<String, Result<Sid, String>>,
) -> Result<Vec<Desired>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    for (i, entry) in spec.aces.iter().enumerate() {
        let at = |msg: String| Diagnostic::new(format!("aces[{i}]: {msg}")).at(address);
        let sid = match principals.get(&entry.principal) {
            Some(Ok(sid)) => Some(sid.clone()),
            Some(Err(e)) => {
                diags.push(at(e.clone()).hint("write DOMAIN\\name, a UPN, a SID, or a well-known name such as `Authenticated Users`"));
                None
            }
            None => None,
        };
        let applies = match AppliesTo::parse(&entry.applies_to) {
            Some(a) => Some(a),
            None => {
                diags.push(
                    at(format!("unknown applies_to `{}`", entry.applies_to))
                        .hint(format!("expected one of {APPLIES_TO_FORMS}")),
                );
                None
            }
        };
        let inherited_object_type = match &applies {
            Some(AppliesTo::DescendantsOfClass(class)) => match dir.class_guid(class) {
                Some(g) => Some(g),
                None => {
                    let mut d = at(format!(
                        "no class `{class}` in the schema (in applies_to `{}`)",
                        entry.applies_to
                    ));
                    if let Some(s) = hybridctl_core::suggest::closest(class, dir.class_names()) {
                        d = d.hint(format!("did you mean `Descendant {s} objects`?"));
                    }
                    diags.push(d);
                    None
                }
            },
            _ => None,
        };
        let deny = !entry.deny.is_empty();
        let words = if deny { &entry.deny } else { &entry.allow };
        // Rights without an object type share one ACE; each object type gets its own.
        let mut generic = 0u32;
        let mut by_object: Vec<(Guid, u32)> = Vec::new();
        for w in words {
            match dir.right(w) {
                Ok(r) => match r.object_type {
                    None => generic |= r.mask,
                    Some(g) => match by_object.iter_mut().find(|(o, _)| *o == g) {
                        Some((_, m)) => *m |= r.mask,
                        None => by_object.push((g, r.mask)),
                    },
                },
                Err(e) => diags.push(at(e)),
            }
        }
        let (Some(sid), Some(applies)) = (sid, applies) else {
            continue;
        };
        if matches!(applies, AppliesTo::DescendantsOfClass(_)) && inherited_object_type.is_none() {
            continue;
        }
        let mut grants: Vec<(Option<Guid>, u32)> =
            by_object.into_iter().map(|(g, m)| (Some(g), m)).collect();
        if generic != 0 {
            grants.insert(0, (None, generic));
        }
        for (object_type, mask) in grants {
            let object = object_type.is_some() || inherited_object_type.is_some();
            let ace_type = match (deny, object) {
                (false, false) => ace_type::ACCESS_ALLOWED,
                (true, false) => ace_type::ACCESS_DENIED,
                (false, true) => ace_type::ACCESS_ALLOWED_OBJECT,
                (true, true) => ace_type::ACCESS_DENIED_OBJECT,
            };
            let ace = AccessAce {
                ace_type,
                flags: applies.flags(),
                mask,
                object_type,
                inherited_object_type,
                sid: sid.clone(),
                extra_object_flags: 0,
                trailer: vec![],
            };
            out.push(Desired {
                ace,
                ensure: entry.ensure,
            });
        }
    }
    // The same ACE wanted both present and absent cannot converge.
    let present: BTreeSet<AceKey> = out
        .iter()
        .filter(|d| d.ensure == Ensure::Present)
        .map(|d| AceKey::of(&d.ace))
        .collect();
    for d in out.iter().filter(|d| d.ensure == Ensure::Absent) {
        if present.contains(&AceKey::of(&d.ace)) {
            diags.push(
                Diagnostic::new(format!(
                    "the same ACE is wanted both present and absent: {}",
                    ace_to_sddl(&Ace::Access(d.ace.clone()), None)
                ))
                .at(address),
            );
        }
    }
    diags.into_result(out)
}

/// A DACL as read, with what the plan needs of it.
#[derive(Clone, Debug)]
pub struct LiveDacl {
    pub control: u16,
    pub aces: Vec<Ace>,
}

impl LiveDacl {
    pub fn explicit(&self) -> impl Iterator<Item = &Ace> {
        self.aces.iter().filter(|a| !a.is_inherited())
    }

    /// Digest of what a plan depends on: the control bits a write keeps (protected,
    /// auto-inherited) and the exact bytes of every explicit ACE, opaque ones included, so
    /// any change to them makes a saved plan stale. Inherited ACEs are left out: the DC
    /// rebuilds them and apply re-reads them right before writing.
    pub fn fingerprint(&self) -> String {
        let kept = self.control & (control::DACL_PROTECTED | control::DACL_AUTO_INHERITED);
        let mut bytes = kept.to_le_bytes().to_vec();
        for a in self.explicit() {
            match a.to_bytes() {
                Ok(ace) => bytes.extend(ace),
                // Only an ACE over 64 KiB fails to encode; none read from a DC can be one.
                Err(_) => bytes.extend(format!("{a:?}").into_bytes()),
            }
        }
        digest::of_bytes(&bytes)
    }
}

/// What to remove and add to make `live` match the spec.
pub fn diff(
    desired: &[Desired],
    authoritative: bool,
    live: &LiveDacl,
) -> (Vec<AccessAce>, Vec<AccessAce>) {
    let explicit: Vec<&AccessAce> = live.explicit().filter_map(Ace::as_access).collect();
    let have: BTreeSet<AceKey> = explicit.iter().map(|a| AceKey::of(a)).collect();
    let want: BTreeSet<AceKey> = desired
        .iter()
        .filter(|d| d.ensure == Ensure::Present)
        .map(|d| AceKey::of(&d.ace))
        .collect();
    let unwanted: BTreeSet<AceKey> = desired
        .iter()
        .filter(|d| d.ensure == Ensure::Absent)
        .map(|d| AceKey::of(&d.ace))
        .collect();
    let owned: BTreeSet<&Sid> = desired.iter().map(|d| &d.ace.sid).collect();

    let mut removes: Vec<AccessAce> = Vec::new();
    let mut removed: BTreeSet<AceKey> = BTreeSet::new();
    for a in &explicit {
        let key = AceKey::of(a);
        let drop = unwanted.contains(&key)
            || (authoritative && owned.contains(&a.sid) && !want.contains(&key));
        if drop && removed.insert(key) {
            removes.push((*a).clone());
        }
    }
    let mut adds: Vec<AccessAce> = Vec::new();
    let mut added: BTreeSet<AceKey> = BTreeSet::new();
    for d in desired.iter().filter(|d| d.ensure == Ensure::Present) {
        let key = AceKey::of(&d.ace);
        if !have.contains(&key) && added.insert(key) {
            adds.push(d.ace.clone());
        }
    }
    (removes, adds)
}

/// The DACL after removing and adding explicit ACEs, in canonical order: explicit
/// denies, explicit allows, then the inherited ACEs as they were.
pub fn rebuild(aces: &[Ace], removes: &[AccessAce], adds: &[AccessAce]) -> Vec<Ace> {
    let gone: BTreeSet<AceKey> = removes.iter().map(AceKey::of).collect();
    let mut explicit: Vec<Ace> = aces
        .iter()
        .filter(|a| !a.is_inherited())
        .filter(|a| a.as_access().is_none_or(|x| !gone.contains(&AceKey::of(x))))
        .cloned()
        .collect();
    for add in adds {
        let ace = Ace::Access(add.clone());
        if add.is_deny() {
            let at = explicit
                .iter()
                .rposition(|a| a.as_access().is_some_and(AccessAce::is_deny))
                .map_or(0, |i| i + 1);
            explicit.insert(at, ace);
        } else {
            explicit.push(ace);
        }
    }
    explicit.extend(aces.iter().filter(|a| a.is_inherited()).cloned());
    explicit
}

/// How an ACE is shown: ADUC's words, and its SDDL.
pub fn entry(ace: &Ace, dir: &Directory) -> Entry {
    let code = Some(ace_to_sddl(ace, Some(&dir.domain_sid)));
    let Some(a) = ace.as_access() else {
        return Entry {
            text: "ACE of a type hybridctl does not interpret".into(),
            code,
        };
    };
    let verb = match a.ace_type {
        ace_type::ACCESS_ALLOWED | ace_type::ACCESS_ALLOWED_OBJECT => "allow",
        ace_type::ACCESS_DENIED | ace_type::ACCESS_DENIED_OBJECT => "deny",
        _ => "audit",
    };
    let class = a.inherited_object_type.map(|g| dir.class_display(g));
    let text = format!(
        "{verb} {}: {} ({})",
        dir.display(&a.sid),
        dir.right_words(a.mask, a.object_type).join(", "),
        applies_to_words(a.flags, class.as_deref())
    );
    Entry { text, code }
}

/// A planned ACE as it is saved in the plan: exact, and readable in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcePayload {
    pub ace_type: u8,
    pub flags: u8,
    pub mask: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_object_type: Option<String>,
    pub sid: String,
}

impl From<&AccessAce> for AcePayload {
    fn from(a: &AccessAce) -> AcePayload {
        AcePayload {
            ace_type: a.ace_type,
            flags: a.flags,
            mask: a.mask,
            object_type: a.object_type.map(|g| g.to_string()),
            inherited_object_type: a.inherited_object_type.map(|g| g.to_string()),
            sid: a.sid.to_string(),
        }
    }
}

impl TryFrom<&AcePayload> for AccessAce {
    type Error = String;

    fn try_from(p: &AcePayload) -> Result<AccessAce, String> {
        let guid = |g: &Option<String>| g.as_deref().map(str::parse::<Guid>).transpose();
        Ok(AccessAce {
            ace_type: p.ace_type,
            flags: p.flags,
            mask: p.mask,
            object_type: guid(&p.object_type)?,
            inherited_object_type: guid(&p.inherited_object_type)?,
            sid: p.sid.parse()?,
            extra_object_flags: 0,
            trailer: vec![],
        })
    }
}

/// Canonical form of a DN for matching what the server returns with what the spec says.
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ace(t: u8, flags: u8, mask: u32, sid: &str) -> AccessAce {
        AccessAce {
            ace_type: t,
            flags,
            mask,
            object_type: None,
            inherited_object_type: None,
            sid: sid.parse().unwrap(),
            extra_object_flags: 0,
            trailer: vec![],
        }
    }

    fn live(aces: Vec<AccessAce>) -> LiveDacl {
        LiveDacl {
            control: 0,
            aces: aces.into_iter().map(Ace::Access).collect(),
        }
    }

    const A: &str = "S-1-5-21-1-2-3-1104";
    const B: &str = "S-1-5-21-1-2-3-1105";

    #[test]
    fn present_aces_are_added_once_and_never_duplicated() {
        let want = ace(ace_type::ACCESS_ALLOWED, 0, 0x100, A);
        let d = vec![
            Desired {
                ace: want.clone(),
                ensure: Ensure::Present,
            },
            Desired {
                ace: want.clone(),
                ensure: Ensure::Present,
            },
        ];
        let (rm, add) = diff(&d, false, &live(vec![]));
        assert!(rm.is_empty());
        assert_eq!(add, vec![want.clone()]);
        let (rm, add) = diff(&d, false, &live(vec![want]));
        assert!(rm.is_empty() && add.is_empty());
    }

    #[test]
    fn inherited_copies_do_not_count_as_present() {
        let want = ace(ace_type::ACCESS_ALLOWED, 0, 0x100, A);
        let inherited = ace(ace_type::ACCESS_ALLOWED, ace_flags::INHERITED, 0x100, A);
        let (_, add) = diff(
            &[Desired {
                ace: want,
                ensure: Ensure::Present,
            }],
            false,
            &live(vec![inherited]),
        );
        assert_eq!(add.len(), 1);
    }

    #[test]
    fn absent_and_authoritative_remove_only_explicit_aces_of_named_principals() {
        let keep = ace(ace_type::ACCESS_ALLOWED, 0, 0x10, A);
        let stray = ace(ace_type::ACCESS_ALLOWED, 0, 0x20, A);
        let other = ace(ace_type::ACCESS_ALLOWED, 0, 0x20, B);
        let inherited = ace(ace_type::ACCESS_ALLOWED, ace_flags::INHERITED, 0x20, A);
        let l = live(vec![keep.clone(), stray.clone(), other.clone(), inherited]);
        let d = [Desired {
            ace: keep.clone(),
            ensure: Ensure::Present,
        }];
        assert_eq!(diff(&d, false, &l), (vec![], vec![]));
        assert_eq!(diff(&d, true, &l), (vec![stray.clone()], vec![]));
        let d = [Desired {
            ace: other.clone(),
            ensure: Ensure::Absent,
        }];
        assert_eq!(diff(&d, false, &l), (vec![other], vec![]));
    }

    #[test]
    fn rebuild_keeps_canonical_order() {
        let deny_old = ace(ace_type::ACCESS_DENIED, 0, 0x20, B);
        let allow_old = ace(ace_type::ACCESS_ALLOWED, 0, 0x10, B);
        let inherited = ace(ace_type::ACCESS_ALLOWED, ace_flags::INHERITED, 0x10, A);
        let deny_new = ace(ace_type::ACCESS_DENIED, 0, 0x8, A);
        let allow_new = ace(ace_type::ACCESS_ALLOWED, 0, 0x100, A);
        let aces: Vec<Ace> = [deny_old.clone(), allow_old.clone(), inherited.clone()]
            .into_iter()
            .map(Ace::Access)
            .collect();
        let out = rebuild(&aces, &[allow_old], &[allow_new.clone(), deny_new.clone()]);
        let expect: Vec<Ace> = [deny_old, deny_new, allow_new, inherited]
            .into_iter()
            .map(Ace::Access)
            .collect();
        assert_eq!(out, expect);
    }

    #[test]
    fn payload_round_trips() {
        let mut a = ace(
            ace_type::ACCESS_ALLOWED_OBJECT,
            ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY,
            0x100,
            A,
        );
        a.object_type = Some("00299570-246d-11d0-a768-00aa006e0529".parse().unwrap());
        a.inherited_object_type = Some("bf967aba-0de6-11d0-a285-00aa003049e2".parse().unwrap());
        let p = AcePayload::from(&a);
        let json = serde_json::to_string(&p).unwrap();
        let back: AcePayload = serde_json::from_str(&json).unwrap();
        assert_eq!(AccessAce::try_from(&back).unwrap(), a);
    }

    #[test]
    fn dns_normalize() {
        assert_eq!(
            normalize_dn("OU=Staff, OU = Corp,DC=Lab"),
            "ou=staff,ou=corp,dc=lab"
        );
    }
}
