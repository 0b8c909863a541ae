//! The `ad.acl` resource: from spec entries to ACEs, the difference from a live DACL,
//! and the DACL to write.
//!
//! ACE sets are compared, never bytes: the DC rebuilds inherited ACEs and sets
//! auto-inherit flags itself. Only explicit ACEs are ever added or removed.
//!
//! # Rights held inside broader ACEs
//!
//! An entry is about the rights of one principal, allowed or denied, in one *scope*:
//! the inheritance flags ("Applies to") and, for `Descendant <class> objects`, the
//! class. Masks are compared bit by bit after generic bits in live ACEs (`GA`, `GR`,
//! `GW`, `GX`) are mapped to the directory rights they stand for ([`mask::specific`]).
//!
//! An explicit ACE *grants* a wanted right when it has the same SID, the same kind
//! (allow or deny; `A` and `OA` are one kind), exactly the same inheritance flags and
//! inherited object type, the wanted bits in its mask, and either the wanted object
//! type or none: an ACE without an object type grants its bits for every property,
//! extended right, validated write and child class (`WP` alone grants
//! `Write pwdLastSet`). Inherited ACEs never count.
//!
//! - `present`: when the explicit ACEs of the scope together grant every wanted bit,
//!   nothing changes (no redundant ACE). Otherwise the entry's ACE is added as written.
//! - `absent`: each explicit ACE of the scope granting any unwanted bit is *narrowed*:
//!   the plan removes it and adds it back without those bits, or only removes it when
//!   nothing is left. Its other rights stay. An absent right without an object type
//!   (`Write all properties`) also narrows ACEs about one object type
//!   (`Write pwdLastSet`).
//! - An absent right about one object type held through an ACE without one (absent
//!   `Write pwdLastSet` under `(A;;WP;;;X)`) is refused: no ACE grants "every property
//!   but one", dropping `WP` would take away more than asked, and a deny is not what the
//!   entry says. The diagnostic names the broader ACE and the two ways out.
//! - Scopes are matched exactly: absent on `This object only` leaves an ACE for `This
//!   object and all descendant objects` alone, `All descendant objects` does not stand
//!   for `Descendant User objects`, and a property set is not taken to grant its
//!   attributes (the directory's property-set membership is not read).
//! - The same bits wanted present and absent in one scope can never converge: error.
//! - `authoritative: true` first removes every explicit ACE of a named principal that is
//!   not exactly one the spec wants present; coverage and narrowing see what is left, so
//!   there a broader ACE is replaced, never taken as covering.
//! - `Creator Owner` / `Creator Group` stand for whoever creates a descendant, so a
//!   present entry for them must be inherit-only; on the object itself the DC stores the
//!   owner's SID instead, and the ACE would be added again on every apply.

use std::collections::{BTreeSet, HashMap};

use hybridctl_core::spec::{AdAcl, Ensure};
use hybridctl_core::{digest, Address, Diagnostic, Diagnostics, Entry};
use serde::{Deserialize, Serialize};

use super::directory::{Directory, PrincipalError};
use super::rights::{applies_to_words, mask, AppliesTo};
use super::schema::Lookups;
use super::security::{ace_flags, ace_to_sddl, ace_type, control, AccessAce, Ace, Guid, Sid};

/// What makes two ACEs the same grant, ignoring bookkeeping flags and how the mask is
/// spelled (generic or specific bits).
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
            mask: mask::specific(a.mask),
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
    /// Index of the spec entry it comes from, for diagnostics.
    pub entry: usize,
}

/// Turns the spec's entries into ACEs. Every unknown principal, right, class or
/// "applies to" is reported, each naming what was expected.
pub fn desired(
    spec: &AdAcl,
    address: &Address,
    dir: &Directory,
    principals: &HashMap<String, Result<Sid, PrincipalError>>,
) -> Result<Vec<Desired>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    for (i, entry) in spec.aces.iter().enumerate() {
        let at = |msg: String| Diagnostic::new(format!("aces[{i}]: {msg}")).at(address);
        let sid = match principals.get(&entry.principal) {
            Some(Ok(sid)) => Some(sid.clone()),
            Some(Err(e)) => {
                diags.push(at(e.to_string()).hint("write DOMAIN\\name, a UPN, a SID, or a well-known name such as `Authenticated Users`"));
                None
            }
            None => None,
        };
        let applies = match AppliesTo::parse(&entry.applies_to) {
            Some(a) => Some(a),
            None => {
                diags.push(
                    at(format!("unknown applies_to `{}`", entry.applies_to)).hint(format!(
                        "expected one of {}",
                        hybridctl_core::validate::applies_to_forms()
                    )),
                );
                None
            }
        };
        let inherited_object_type = match &applies {
            Some(AppliesTo::DescendantsOfClass(class)) => match dir.schema.class_guid(class) {
                Some(g) => Some(g),
                None => {
                    let mut d = at(format!(
                        "no class `{class}` in the schema (in applies_to `{}`)",
                        entry.applies_to
                    ));
                    if let Some(s) =
                        hybridctl_core::suggest::closest(class, dir.schema.class_names())
                    {
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
            match dir.schema.right(w) {
                Ok(r) => match r.object_type {
                    None => generic |= r.mask,
                    Some(g) => match by_object.iter_mut().find(|(o, _)| *o == g) {
                        Some((_, m)) => *m |= r.mask,
                        None => by_object.push((g, r.mask)),
                    },
                },
                Err(e) => diags.push(at(e.to_string())),
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
                entry: i,
            });
        }
    }
    for problem in check(&out) {
        diags.push(problem.diagnostic(dir).at(address));
    }
    diags.into_result(out)
}

const CREATOR_OWNER: &str = "S-1-3-0";
const CREATOR_GROUP: &str = "S-1-3-1";

/// An entry that can never be applied as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("aces[{entry}]: {sid} in an ACE that applies to the object itself")]
    CreatorOnObject { entry: usize, sid: Sid, flags: u8 },
    #[error("aces[{present}] wants rights (mask 0x{mask:x}) that aces[{absent}] wants absent")]
    Conflict {
        present: usize,
        absent: usize,
        mask: u32,
        object_type: Option<Guid>,
    },
}

impl EntryError {
    fn diagnostic(&self, dir: &Directory) -> Diagnostic {
        match self {
            EntryError::CreatorOnObject { entry, sid, flags } => {
                let name = if sid.to_string() == CREATOR_OWNER {
                    "Creator Owner"
                } else {
                    "Creator Group"
                };
                Diagnostic::new(format!(
                    "aces[{entry}]: `{name}` stands for whoever creates a descendant object, so it only means something in an ACE that applies to descendants; \
                     with `{}` the DC stores the object's owner in its place and every apply would add the ACE again",
                    applies_to_words(*flags, None)
                ))
                .hint("use `All descendant objects` or `Descendant <class> objects`")
            }
            EntryError::Conflict {
                present,
                absent,
                mask: bits,
                object_type,
            } => {
                let words = dir.schema.right_words(*bits, *object_type).join(", ");
                let hint = if *bits == mask::READ_CONTROL {
                    "`Read` and `Write` both include `Read permissions`: to take write access away \
                     and keep read, make `Write all properties, All validated writes` absent instead of `Write`"
                } else {
                    "take the right out of one of the two entries"
                };
                Diagnostic::new(format!(
                    "aces[{present}] wants {words} present and aces[{absent}] wants it absent, for the same principal and applies_to: no ACL satisfies both"
                ))
                .hint(hint)
            }
        }
    }
}

/// Entries that cannot converge: creator placeholders on the object itself, and the same
/// bits wanted present and absent in one scope.
pub fn check(desired: &[Desired]) -> Vec<EntryError> {
    let mut out = Vec::new();
    let mut creators = BTreeSet::new();
    for d in desired.iter().filter(|d| d.ensure == Ensure::Present) {
        let sid = d.ace.sid.to_string();
        if (sid == CREATOR_OWNER || sid == CREATOR_GROUP)
            && d.ace.flags & ace_flags::INHERIT_ONLY == 0
            && creators.insert(d.entry)
        {
            out.push(EntryError::CreatorOnObject {
                entry: d.entry,
                sid: d.ace.sid.clone(),
                flags: d.ace.flags,
            });
        }
    }
    let (present, absent): (Vec<&Desired>, Vec<&Desired>) =
        desired.iter().partition(|d| d.ensure == Ensure::Present);
    for p in &present {
        for a in &absent {
            let objects_meet = p.ace.object_type.is_none()
                || a.ace.object_type.is_none()
                || p.ace.object_type == a.ace.object_type;
            let bits = p.ace.mask & a.ace.mask;
            if Scope::of(&p.ace) == Scope::of(&a.ace) && objects_meet && bits != 0 {
                out.push(EntryError::Conflict {
                    present: p.entry,
                    absent: a.entry,
                    mask: bits,
                    object_type: p.ace.object_type.or(a.ace.object_type),
                });
            }
        }
    }
    out
}

/// Who an ACE is for, allow or deny, and where it applies: what must agree for one ACE
/// to grant what another wants.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Scope<'a> {
    deny: bool,
    flags: u8,
    inherited_object_type: Option<Guid>,
    sid: &'a Sid,
}

impl Scope<'_> {
    /// `None` for ACE types that grant and deny nothing (audit).
    fn of(a: &AccessAce) -> Option<Scope<'_>> {
        let deny = match a.ace_type {
            ace_type::ACCESS_ALLOWED | ace_type::ACCESS_ALLOWED_OBJECT => false,
            ace_type::ACCESS_DENIED | ace_type::ACCESS_DENIED_OBJECT => true,
            _ => return None,
        };
        Some(Scope {
            deny,
            flags: a.flags & ace_flags::INHERITANCE,
            inherited_object_type: a.inherited_object_type,
            sid: &a.sid,
        })
    }
}

/// The bits `a` grants (or denies) in `scope` for `object_type`.
fn grants(a: &AccessAce, scope: &Scope, object_type: Option<Guid>) -> u32 {
    if Scope::of(a).as_ref() != Some(scope) {
        return 0;
    }
    match a.object_type {
        None => mask::specific(a.mask),
        Some(g) if Some(g) == object_type => mask::specific(a.mask),
        Some(_) => 0,
    }
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

/// An absent right about one object type that an explicit ACE without an object type
/// grants: narrowing cannot take it out (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("aces[{entry}]: {} cannot be made absent: {} grants it for every object type", ace_to_sddl(&Ace::Access(wanted.clone()), None), ace_to_sddl(&Ace::Access(broader.clone()), None))]
pub struct Refusal {
    pub entry: usize,
    pub wanted: AccessAce,
    pub broader: AccessAce,
}

impl Refusal {
    pub fn diagnostic(&self, address: &Address, dir: &Directory) -> Diagnostic {
        let wanted = dir
            .schema
            .right_words(self.wanted.mask, self.wanted.object_type)
            .join(", ");
        let broad = dir
            .schema
            .right_words(mask::specific(self.broader.mask) & self.wanted.mask, None)
            .join(", ");
        let verb = if self.wanted.is_deny() {
            "denied"
        } else {
            "granted"
        };
        let shown = entry(&Ace::Access(self.broader.clone()), dir);
        Diagnostic::new(format!(
            "aces[{}]: `{wanted}` cannot be made absent: it is {verb} by the broader explicit ACE `{}` {}, \
             which covers every object type, and no ACE can cover all of them but one",
            self.entry,
            shown.text,
            shown.code.unwrap_or_default()
        ))
        .at(address)
        .hint(format!(
            "make `{broad}` absent (and list what should stay as present entries), \
             or keep the broad ACE and add a `deny` entry if blocking `{wanted}` is what you mean"
        ))
    }
}

/// What to remove and add to make `live` match the spec (see the module doc): narrowed
/// ACEs appear as the old one removed and the narrowed one added.
pub fn diff(
    desired: &[Desired],
    authoritative: bool,
    live: &LiveDacl,
) -> Result<(Vec<AccessAce>, Vec<AccessAce>), Vec<Refusal>> {
    let want: BTreeSet<AceKey> = desired
        .iter()
        .filter(|d| d.ensure == Ensure::Present)
        .map(|d| AceKey::of(&d.ace))
        .collect();
    let absent: Vec<&Desired> = desired
        .iter()
        .filter(|d| d.ensure == Ensure::Absent)
        .collect();
    let owned: BTreeSet<&Sid> = desired.iter().map(|d| &d.ace.sid).collect();

    let mut removes: Vec<AccessAce> = Vec::new();
    let mut adds: Vec<AccessAce> = Vec::new();
    let mut refusals = Vec::new();
    // The explicit ACEs once removals and narrowing are done: what `present` is checked against.
    let mut kept: Vec<AccessAce> = Vec::new();
    let mut seen: BTreeSet<AceKey> = BTreeSet::new();
    for a in live.explicit().filter_map(Ace::as_access) {
        let key = AceKey::of(a);
        // Copies of one ACE are one grant: removing it removes every copy.
        if !seen.insert(key.clone()) {
            continue;
        }
        if authoritative && owned.contains(&a.sid) && !want.contains(&key) {
            removes.push(a.clone());
            continue;
        }
        let Some(scope) = Scope::of(a) else {
            kept.push(a.clone());
            continue;
        };
        let mine = || {
            absent
                .iter()
                .filter(|d| Scope::of(&d.ace).as_ref() == Some(&scope))
        };
        let strip = mine()
            .filter(|d| d.ace.object_type.is_none() || d.ace.object_type == a.object_type)
            .fold(0, |m, d| m | d.ace.mask);
        let had = mask::specific(a.mask);
        let left = had & !strip;
        if a.object_type.is_none() {
            for d in mine().filter(|d| d.ace.object_type.is_some() && left & d.ace.mask != 0) {
                refusals.push(Refusal {
                    entry: d.entry,
                    wanted: d.ace.clone(),
                    broader: a.clone(),
                });
            }
        }
        if left == had {
            kept.push(a.clone());
            continue;
        }
        removes.push(a.clone());
        if left != 0 {
            // Only what a plan payload carries, so plan and apply write the same ACE.
            let narrowed = AccessAce {
                mask: left,
                extra_object_flags: 0,
                trailer: vec![],
                ..a.clone()
            };
            adds.push(narrowed.clone());
            kept.push(narrowed);
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    for d in desired.iter().filter(|d| d.ensure == Ensure::Present) {
        let Some(scope) = Scope::of(&d.ace) else {
            continue;
        };
        let held = kept
            .iter()
            .fold(0, |m, a| m | grants(a, &scope, d.ace.object_type));
        if d.ace.mask & !held != 0 {
            adds.push(d.ace.clone());
            kept.push(d.ace.clone());
        }
    }
    Ok((removes, adds))
}

/// For a spec that owns the whole DACL: the explicit ACEs of principals it does not name
/// (to remove), and the DACL without them (for [`diff`]).
pub fn split_unowned(desired: &[Desired], live: &LiveDacl) -> (Vec<AccessAce>, LiveDacl) {
    let named: BTreeSet<&Sid> = desired.iter().map(|d| &d.ace.sid).collect();
    let mut gone: Vec<AccessAce> = Vec::new();
    let mut rest = Vec::new();
    for a in &live.aces {
        match a.as_access() {
            Some(x) if !a.is_inherited() && !named.contains(&x.sid) => {
                if !gone.iter().any(|g| AceKey::of(g) == AceKey::of(x)) {
                    gone.push(x.clone());
                }
            }
            _ => rest.push(a.clone()),
        }
    }
    (
        gone,
        LiveDacl {
            control: live.control,
            aces: rest,
        },
    )
}

/// `a` when it is one of the ACEs being removed.
fn removed<'a>(gone: &BTreeSet<AceKey>, a: &'a Ace) -> Option<&'a AccessAce> {
    a.as_access().filter(|x| gone.contains(&AceKey::of(x)))
}

/// Same principal, type, scope and object types: a narrowed ACE replaces such a one in place.
fn same_slot(a: &AccessAce, b: &AccessAce) -> bool {
    a.ace_type == b.ace_type
        && a.flags & ace_flags::INHERITANCE == b.flags & ace_flags::INHERITANCE
        && a.object_type == b.object_type
        && a.inherited_object_type == b.inherited_object_type
        && a.sid == b.sid
}

/// The DACL after removing and adding explicit ACEs, in canonical order: explicit
/// denies, explicit allows, then the inherited ACEs as they were. An added ACE that
/// replaces a removed one of the same slot takes its place; an ACE already present is
/// never added again, whatever the plan says, so a DACL never grows duplicates.
pub fn rebuild(aces: &[Ace], removes: &[AccessAce], adds: &[AccessAce]) -> Vec<Ace> {
    let gone: BTreeSet<AceKey> = removes.iter().map(AceKey::of).collect();
    let mut present: BTreeSet<AceKey> = aces
        .iter()
        .filter(|a| !a.is_inherited() && removed(&gone, a).is_none())
        .filter_map(Ace::as_access)
        .map(AceKey::of)
        .collect();
    let mut pending: Vec<&AccessAce> = adds
        .iter()
        .filter(|a| present.insert(AceKey::of(a)))
        .collect();
    let mut explicit: Vec<Ace> = Vec::new();
    for a in aces.iter().filter(|a| !a.is_inherited()) {
        match removed(&gone, a) {
            None => explicit.push(a.clone()),
            Some(x) => {
                if let Some(i) = pending.iter().position(|p| same_slot(p, x)) {
                    explicit.push(Ace::Access(pending.remove(i).clone()));
                }
            }
        }
    }
    for add in pending {
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
/// The object types and classes `aces` name: what the schema must hold to show them in
/// ADUC's words (seen GUIDs: the base schema may name them without a search).
pub fn lookups_of_aces<'a>(aces: impl IntoIterator<Item = &'a Ace>) -> Lookups {
    let mut l = Lookups::default();
    for a in aces.into_iter().filter_map(Ace::as_access) {
        a.object_type
            .into_iter()
            .chain(a.inherited_object_type)
            .for_each(|g| l.seen(g));
    }
    l
}

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
    let class = a.inherited_object_type.map(|g| dir.schema.class_display(g));
    let text = format!(
        "{verb} {}: {} ({})",
        dir.display(&a.sid),
        dir.schema.right_words(a.mask, a.object_type).join(", "),
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

/// A saved ACE that does not read back: the plan was edited or is from elsewhere.
#[derive(Debug, thiserror::Error)]
#[error("the plan holds an ACE hybridctl cannot read ({0})")]
pub struct AcePayloadError(String);

impl TryFrom<&AcePayload> for AccessAce {
    type Error = AcePayloadError;

    fn try_from(p: &AcePayload) -> Result<AccessAce, AcePayloadError> {
        let bad = |e: &dyn std::fmt::Display| AcePayloadError(e.to_string());
        let guid = |g: &Option<String>| {
            g.as_deref()
                .map(str::parse::<Guid>)
                .transpose()
                .map_err(|e| bad(&e))
        };
        Ok(AccessAce {
            ace_type: p.ace_type,
            flags: p.flags,
            mask: p.mask,
            object_type: guid(&p.object_type)?,
            inherited_object_type: guid(&p.inherited_object_type)?,
            sid: p.sid.parse().map_err(|e| bad(&e))?,
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
    use crate::ad::rights::mask::*;

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

    fn object(t: u8, flags: u8, mask: u32, object_type: &str, sid: &str) -> AccessAce {
        AccessAce {
            object_type: Some(object_type.parse().unwrap()),
            ..ace(t, flags, mask, sid)
        }
    }

    fn live(aces: Vec<AccessAce>) -> LiveDacl {
        LiveDacl {
            control: 0,
            aces: aces.into_iter().map(Ace::Access).collect(),
        }
    }

    fn present(ace: AccessAce) -> Desired {
        Desired {
            ace,
            ensure: Ensure::Present,
            entry: 0,
        }
    }

    fn absent(ace: AccessAce) -> Desired {
        Desired {
            ace,
            ensure: Ensure::Absent,
            entry: 0,
        }
    }

    type Changes = (Vec<AccessAce>, Vec<AccessAce>);

    fn changes(d: &[Desired], authoritative: bool, l: &LiveDacl) -> Changes {
        diff(d, authoritative, l).expect("no refusal")
    }

    const A: &str = "S-1-5-21-1-2-3-1104";
    const B: &str = "S-1-5-21-1-2-3-1105";
    const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    const USER_CLASS: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    const ALLOW: u8 = ace_type::ACCESS_ALLOWED;
    const ALLOW_OBJECT: u8 = ace_type::ACCESS_ALLOWED_OBJECT;
    const DENY: u8 = ace_type::ACCESS_DENIED;
    const CI: u8 = ace_flags::CONTAINER_INHERIT;
    const CIIO: u8 = ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY;
    /// `LCSWRPWPLORC`: the Helpdesk grant.
    const HELPDESK: u32 =
        LIST_CHILDREN | SELF_WRITE | READ_PROP | WRITE_PROP | LIST_OBJECT | READ_CONTROL;

    #[test]
    fn present_aces_are_added_once_and_never_duplicated() {
        let want = ace(ALLOW, 0, 0x100, A);
        let d = vec![present(want.clone()), present(want.clone())];
        let (rm, add) = changes(&d, false, &live(vec![]));
        assert!(rm.is_empty());
        assert_eq!(add, vec![want.clone()]);
        let (rm, add) = changes(&d, false, &live(vec![want]));
        assert!(rm.is_empty() && add.is_empty());
    }

    #[test]
    fn inherited_copies_do_not_count_as_present() {
        let want = ace(ALLOW, 0, 0x100, A);
        let inherited = ace(ALLOW, ace_flags::INHERITED, 0x100 | WRITE_PROP, A);
        let (_, add) = changes(&[present(want)], false, &live(vec![inherited]));
        assert_eq!(add.len(), 1);
    }

    #[test]
    fn absent_and_authoritative_remove_only_explicit_aces_of_named_principals() {
        let keep = ace(ALLOW, 0, 0x10, A);
        let stray = ace(ALLOW, 0, 0x20, A);
        let other = ace(ALLOW, 0, 0x20, B);
        let inherited = ace(ALLOW, ace_flags::INHERITED, 0x20, A);
        let l = live(vec![keep.clone(), stray.clone(), other.clone(), inherited]);
        let d = [present(keep.clone())];
        assert_eq!(changes(&d, false, &l), (vec![], vec![]));
        assert_eq!(changes(&d, true, &l), (vec![stray.clone()], vec![]));
        let d = [absent(other.clone())];
        assert_eq!(changes(&d, false, &l), (vec![other], vec![]));
    }

    #[test]
    fn present_within_a_broader_ace_of_the_same_scope_adds_nothing() {
        let broad = ace(ALLOW, CI, HELPDESK, A);
        let l = live(vec![broad]);
        // `Write`, and `Write pwdLastSet` (WP with no GUID grants every property).
        assert_eq!(
            changes(&[present(ace(ALLOW, CI, WRITE, A))], false, &l),
            (vec![], vec![])
        );
        let pwd = object(ALLOW_OBJECT, CI, WRITE_PROP, PWD_LAST_SET, A);
        assert_eq!(changes(&[present(pwd)], false, &l), (vec![], vec![]));
        // Another scope, principal or kind is not covered.
        for other in [
            ace(ALLOW, 0, WRITE, A),
            ace(ALLOW, CI, WRITE, B),
            ace(DENY, CI, WRITE, A),
        ] {
            assert_eq!(
                changes(&[present(other.clone())], false, &l),
                (vec![], vec![other])
            );
        }
        // A GUID ACE does not grant the right for every object type.
        let l = live(vec![object(ALLOW_OBJECT, CI, WRITE_PROP, PWD_LAST_SET, A)]);
        let all = ace(ALLOW, CI, WRITE_PROP, A);
        assert_eq!(
            changes(&[present(all.clone())], false, &l),
            (vec![], vec![all])
        );
        // Rights spread over several ACEs of the scope count together.
        let l = live(vec![
            ace(ALLOW, 0, READ_PROP, A),
            ace(ALLOW, 0, WRITE_PROP, A),
        ]);
        let both = ace(ALLOW, 0, READ_PROP | WRITE_PROP, A);
        assert_eq!(changes(&[present(both)], false, &l), (vec![], vec![]));
    }

    #[test]
    fn absent_narrows_a_broader_allow_and_keeps_its_other_rights() {
        let broad = ace(ALLOW, CI, HELPDESK, A);
        let l = live(vec![broad.clone()]);
        let (rm, add) = changes(&[absent(ace(ALLOW, CI, WRITE, A))], false, &l);
        assert_eq!(rm, vec![broad]);
        assert_eq!(
            add,
            vec![ace(ALLOW, CI, LIST_CHILDREN | READ_PROP | LIST_OBJECT, A)]
        );
        // Another scope is left alone.
        assert_eq!(
            changes(&[absent(ace(ALLOW, 0, WRITE, A))], false, &l),
            (vec![], vec![])
        );
    }

    #[test]
    fn absent_delete_subtree_narrows_a_deny_of_delete_and_delete_subtree() {
        let deny = ace(DENY, CI, DELETE | DELETE_TREE, A);
        let l = live(vec![ace(ALLOW, 0, READ, B), deny.clone()]);
        let (rm, add) = changes(&[absent(ace(DENY, CI, DELETE_TREE, A))], false, &l);
        assert_eq!(rm, vec![deny]);
        assert_eq!(add, vec![ace(DENY, CI, DELETE, A)]);
    }

    #[test]
    fn narrowing_to_nothing_only_removes() {
        let wp = ace(ALLOW, 0, WRITE_PROP, A);
        let (rm, add) = changes(
            &[absent(ace(ALLOW, 0, WRITE, A))],
            false,
            &live(vec![wp.clone()]),
        );
        assert_eq!((rm, add), (vec![wp], vec![]));
    }

    #[test]
    fn absent_rights_of_several_entries_narrow_one_ace_once() {
        let full = ace(ALLOW, 0, FULL_CONTROL, A);
        let d = [
            absent(ace(ALLOW, 0, DELETE, A)),
            absent(ace(ALLOW, 0, DELETE_TREE, A)),
        ];
        let (rm, add) = changes(&d, false, &live(vec![full.clone()]));
        assert_eq!(rm, vec![full]);
        assert_eq!(
            add,
            vec![ace(ALLOW, 0, FULL_CONTROL & !(DELETE | DELETE_TREE), A)]
        );
    }

    #[test]
    fn absent_rights_about_object_types() {
        let pwd_rw = object(ALLOW_OBJECT, 0, READ_PROP | WRITE_PROP, PWD_LAST_SET, A);
        let l = live(vec![pwd_rw.clone()]);
        // `Write pwdLastSet` absent: the same GUID's ACE loses WP.
        let d = [absent(object(ALLOW_OBJECT, 0, WRITE_PROP, PWD_LAST_SET, A))];
        let (rm, add) = changes(&d, false, &l);
        assert_eq!(rm, vec![pwd_rw.clone()]);
        assert_eq!(
            add,
            vec![object(ALLOW_OBJECT, 0, READ_PROP, PWD_LAST_SET, A)]
        );
        // `Write all properties` absent takes WP off ACEs about one property too.
        let (rm, add) = changes(&[absent(ace(ALLOW, 0, WRITE_PROP, A))], false, &l);
        assert_eq!(rm, vec![pwd_rw]);
        assert_eq!(
            add,
            vec![object(ALLOW_OBJECT, 0, READ_PROP, PWD_LAST_SET, A)]
        );
        // The inherited object type is part of the scope.
        let mut for_users = object(ALLOW_OBJECT, CIIO, WRITE_PROP, PWD_LAST_SET, A);
        for_users.inherited_object_type = Some(USER_CLASS.parse().unwrap());
        let l = live(vec![ace(ALLOW, CIIO, WRITE_PROP, A)]);
        assert_eq!(
            changes(&[absent(for_users.clone())], false, &l),
            (vec![], vec![])
        );
        assert_eq!(
            changes(&[present(for_users.clone())], false, &l),
            (vec![], vec![for_users])
        );
    }

    #[test]
    fn absent_attribute_inside_a_grant_for_every_attribute_is_refused() {
        let broad = ace(ALLOW, 0, READ_PROP | WRITE_PROP, A);
        let pwd = object(ALLOW_OBJECT, 0, WRITE_PROP, PWD_LAST_SET, A);
        let l = live(vec![broad.clone()]);
        let mut d = absent(pwd.clone());
        d.entry = 3;
        assert_eq!(
            diff(&[d.clone()], false, &l),
            Err(vec![Refusal {
                entry: 3,
                wanted: pwd,
                broader: broad,
            }])
        );
        // Unless the spec also takes the broad right away: then it is simply narrowed.
        let (rm, add) = changes(&[d, absent(ace(ALLOW, 0, WRITE_PROP, A))], false, &l);
        assert_eq!(rm.len(), 1);
        assert_eq!(add, vec![ace(ALLOW, 0, READ_PROP, A)]);
        // A broad ACE without the bit is no reason to refuse.
        let l = live(vec![ace(ALLOW, 0, READ_PROP, A)]);
        let d = absent(object(ALLOW_OBJECT, 0, WRITE_PROP, PWD_LAST_SET, A));
        assert_eq!(changes(&[d], false, &l), (vec![], vec![]));
    }

    #[test]
    fn generic_bits_are_compared_as_the_rights_they_stand_for() {
        let ga = ace(ALLOW, 0, GENERIC_ALL, A);
        let l = live(vec![ga.clone()]);
        assert_eq!(
            changes(&[present(ace(ALLOW, 0, READ, A))], false, &l),
            (vec![], vec![])
        );
        assert_eq!(
            changes(&[present(ace(ALLOW, 0, FULL_CONTROL, A))], true, &l),
            (vec![], vec![])
        );
        let (rm, add) = changes(&[absent(ace(ALLOW, 0, DELETE, A))], false, &l);
        assert_eq!(rm, vec![ga]);
        assert_eq!(add, vec![ace(ALLOW, 0, FULL_CONTROL & !DELETE, A)]);
        let gw = ace(ALLOW, 0, GENERIC_WRITE | GENERIC_READ, A);
        let (_, add) = changes(
            &[absent(ace(ALLOW, 0, WRITE_PROP, A))],
            false,
            &live(vec![gw]),
        );
        assert_eq!(add, vec![ace(ALLOW, 0, READ | SELF_WRITE, A)]);
    }

    #[test]
    fn authoritative_replaces_a_broader_ace_instead_of_taking_it_as_covering() {
        let broad = ace(ALLOW, 0, READ_PROP | WRITE_PROP, A);
        let want = ace(ALLOW, 0, READ_PROP, A);
        let l = live(vec![broad.clone()]);
        assert_eq!(
            changes(&[present(want.clone())], false, &l),
            (vec![], vec![])
        );
        assert_eq!(
            changes(&[present(want.clone())], true, &l),
            (vec![broad], vec![want])
        );
    }

    fn with_entry(mut d: Desired, entry: usize) -> Desired {
        d.entry = entry;
        d
    }

    #[test]
    fn creator_owner_must_be_inherit_only() {
        let co = "S-1-3-0";
        let on_object = with_entry(present(ace(ALLOW, CI, READ, co)), 2);
        assert_eq!(
            check(&[on_object]),
            vec![EntryError::CreatorOnObject {
                entry: 2,
                sid: co.parse().unwrap(),
                flags: CI,
            }]
        );
        assert!(matches!(
            check(&[present(ace(ALLOW, 0, READ, "S-1-3-1"))])[..],
            [EntryError::CreatorOnObject { .. }]
        ));
        assert_eq!(check(&[present(ace(ALLOW, CIIO, READ, co))]), vec![]);
        // Taking such an ACE away is harmless.
        assert_eq!(check(&[absent(ace(ALLOW, CI, READ, co))]), vec![]);
    }

    #[test]
    fn overlapping_present_and_absent_rights_in_one_scope_are_an_error() {
        let read = with_entry(present(ace(ALLOW, 0, READ, A)), 0);
        let write = with_entry(absent(ace(ALLOW, 0, WRITE, A)), 1);
        assert_eq!(
            check(&[read.clone(), write.clone()]),
            vec![EntryError::Conflict {
                present: 0,
                absent: 1,
                mask: READ_CONTROL,
                object_type: None,
            }]
        );
        // Present `Write pwdLastSet` and absent `Write all properties` cannot both hold.
        let pwd = with_entry(
            present(object(ALLOW_OBJECT, 0, WRITE_PROP, PWD_LAST_SET, A)),
            2,
        );
        let all = with_entry(absent(ace(ALLOW, 0, WRITE_PROP, A)), 3);
        assert_eq!(check(&[pwd, all]).len(), 1);
        // Different scopes or principals do not meet.
        let elsewhere = with_entry(absent(ace(ALLOW, CI, WRITE, A)), 4);
        let other = with_entry(absent(ace(ALLOW, 0, WRITE, B)), 5);
        assert_eq!(check(&[read, elsewhere, other]), vec![]);
    }

    #[test]
    fn rebuild_keeps_canonical_order() {
        let deny_old = ace(DENY, 0, 0x20, B);
        let allow_old = ace(ALLOW, 0, 0x10, B);
        let inherited = ace(ALLOW, ace_flags::INHERITED, 0x10, A);
        let deny_new = ace(DENY, 0, 0x8, A);
        let allow_new = ace(ALLOW, 0, 0x100, A);
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
    fn rebuild_never_adds_an_ace_that_is_already_there() {
        let have = ace(ALLOW, CI, READ, A);
        let aces = vec![Ace::Access(have.clone())];
        // Whatever the plan says: twice in one plan, or already on the object.
        let same_as_generic = ace(ALLOW, CI, GENERIC_READ, A);
        let out = rebuild(&aces, &[], &[have.clone(), same_as_generic, have.clone()]);
        assert_eq!(out, aces);
        let new = ace(ALLOW, 0, DELETE, A);
        let out = rebuild(&aces, &[], &[new.clone(), new.clone()]);
        assert_eq!(out, vec![Ace::Access(have), Ace::Access(new)]);
    }

    #[test]
    fn a_narrowed_ace_takes_the_place_of_the_one_it_replaces() {
        let first = ace(ALLOW, 0, READ, B);
        let broad = ace(ALLOW, CI, HELPDESK, A);
        let last = ace(ALLOW, 0, DELETE, B);
        let l = live(vec![first.clone(), broad, last.clone()]);
        let (rm, add) = changes(&[absent(ace(ALLOW, CI, WRITE, A))], false, &l);
        let out = rebuild(&l.aces, &rm, &add);
        let narrowed = ace(ALLOW, CI, LIST_CHILDREN | READ_PROP | LIST_OBJECT, A);
        assert_eq!(
            out,
            [first, narrowed, last]
                .into_iter()
                .map(Ace::Access)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn payload_round_trips() {
        let mut a = ace(ALLOW_OBJECT, CIIO, 0x100, A);
        a.object_type = Some("00299570-246d-11d0-a768-00aa006e0529".parse().unwrap());
        a.inherited_object_type = Some(USER_CLASS.parse().unwrap());
        let p = AcePayload::from(&a);
        let json = serde_json::to_string(&p).unwrap();
        let back: AcePayload = serde_json::from_str(&json).unwrap();
        assert_eq!(AccessAce::try_from(&back).unwrap(), a);
    }

    #[test]
    fn owning_the_whole_dacl_removes_other_principals_explicit_aces_only() {
        let mine = ace(ALLOW, 0, READ, A);
        let other = ace(ALLOW, 0, WRITE, B);
        let inherited = ace(ALLOW, ace_flags::INHERITED, READ, B);
        let l = live(vec![mine.clone(), other.clone(), other.clone(), inherited]);
        let (gone, rest) = split_unowned(&[present(mine)], &l);
        assert_eq!(gone, vec![other]);
        assert_eq!(rest.aces.len(), 2);
    }

    #[test]
    fn dns_normalize() {
        assert_eq!(
            normalize_dn("OU=Staff, OU = Corp,DC=Lab"),
            "ou=staff,ou=corp,dc=lab"
        );
    }
}
