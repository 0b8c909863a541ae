//! Effective access: does a principal hold a right on an object, given the object's
//! security descriptor as the DC stored it (inherited ACEs included) and the principal's
//! token? Pure code, the access check of MS-DTYP 2.5.3.2 with an object type list as
//! MS-ADTS 5.1.3.3 builds it for a directory object:
//!
//! | level | node                                           |
//! |-------|------------------------------------------------|
//! | 0     | the object's structural class                  |
//! | 1     | a property set, or an extended/validated right |
//! | 2     | a property (attribute) of that property set    |
//!
//! ACEs are walked in order; the first ACE that applies and names a still-undecided bit
//! decides it (so a Deny placed before an Allow wins, and an Allow before a Deny wins, as
//! Windows does). An ACE applies when it is not inherit-only, its SID is in the token,
//! its object type (if any) is a node on the path from the object's class to the wanted
//! node, and its inherited object type (if any) is the object's class.
//!
//! Not modelled, because the rights checked here never depend on them: the owner's
//! implicit READ_CONTROL/WRITE_DAC, privileges (SeTakeOwnership...), conditional ACEs.

use std::collections::HashSet;

use super::rights::mask;
use super::security::{ace_type, AccessAce, Ace, Acl, Guid, SecurityDescriptor, Sid};

/// SIDs every token of a domain account logged on over the network carries
/// (MS-DTYP 2.4.2.4): Everyone, Network, Authenticated Users, This Organization.
pub const TOKEN_WELL_KNOWN: &[&str] = &["S-1-1-0", "S-1-5-2", "S-1-5-11", "S-1-5-15"];

/// PRINCIPAL_SELF: in an ACE, "the object itself", when the principal is that object.
const PRINCIPAL_SELF: &str = "S-1-5-10";

/// The security context of the principal whose access is checked.
#[derive(Clone, Debug)]
pub struct Token {
    pub principal: Sid,
    sids: HashSet<Sid>,
}

impl Token {
    /// The principal, its groups (as `tokenGroups` lists them) and the well-known SIDs
    /// every network logon carries.
    pub fn new(principal: Sid, groups: impl IntoIterator<Item = Sid>) -> Token {
        let mut sids: HashSet<Sid> = groups.into_iter().collect();
        sids.insert(principal.clone());
        sids.extend(
            TOKEN_WELL_KNOWN
                .iter()
                .map(|s| s.parse().expect("well-known SID")),
        );
        Token { principal, sids }
    }

    pub fn contains(&self, sid: &Sid) -> bool {
        self.sids.contains(sid)
    }
}

/// What is known of the object whose access is checked.
#[derive(Clone, Debug, Default)]
pub struct Object {
    /// objectSid, for PRINCIPAL_SELF (users, groups, computers have one).
    pub sid: Option<Sid>,
    /// The structural class's schemaIDGUID: level 0 of the object type list.
    pub class: Option<Guid>,
}

/// One right, as the access check asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub mask: u32,
    /// An extended right, property set or property (level 1 or 2).
    pub object_type: Option<Guid>,
    /// The property set a property belongs to (its attributeSecurityGUID): level 1.
    pub property_set: Option<Guid>,
}

/// The check's answer for one right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Granted,
    /// The first ACE that decided a wanted bit was a Deny.
    Denied {
        index: usize,
        ace: AccessAce,
    },
    /// No ACE grants these bits (before any Deny of them, there was none either).
    NotGranted {
        missing: u32,
    },
}

impl Verdict {
    pub fn is_granted(&self) -> bool {
        matches!(self, Verdict::Granted)
    }
}

/// Checks one wanted right. A descriptor without a DACL grants everything (MS-DTYP
/// 2.5.3.2: a NULL DACL); an empty DACL grants nothing.
pub fn check(sd: &SecurityDescriptor, object: &Object, token: &Token, wanted: &Wanted) -> Verdict {
    match &sd.dacl {
        None => Verdict::Granted,
        Some(dacl) => check_dacl(dacl, object, token, wanted),
    }
}

/// [`check`] on a DACL.
pub fn check_dacl(dacl: &Acl, object: &Object, token: &Token, wanted: &Wanted) -> Verdict {
    let path = [object.class, wanted.property_set, wanted.object_type];
    let mut remaining = mask::specific(wanted.mask);
    for (index, ace) in dacl.aces.iter().enumerate() {
        if remaining == 0 {
            break;
        }
        let Ace::Access(a) = ace else { continue };
        if !applies(a, object, token, &path) {
            continue;
        }
        let bits = mask::specific(a.mask) & remaining;
        if bits == 0 {
            continue;
        }
        if a.is_deny() {
            return Verdict::Denied {
                index,
                ace: a.clone(),
            };
        }
        remaining &= !bits;
    }
    match remaining {
        0 => Verdict::Granted,
        missing => Verdict::NotGranted { missing },
    }
}

/// Whether `a` takes part in the check of the node at the end of `path`.
fn applies(a: &AccessAce, object: &Object, token: &Token, path: &[Option<Guid>; 3]) -> bool {
    use super::security::ace_flags::INHERIT_ONLY;
    let allow_or_deny = matches!(
        a.ace_type,
        ace_type::ACCESS_ALLOWED
            | ace_type::ACCESS_DENIED
            | ace_type::ACCESS_ALLOWED_OBJECT
            | ace_type::ACCESS_DENIED_OBJECT
    );
    if !allow_or_deny || a.flags & INHERIT_ONLY != 0 {
        return false;
    }
    let self_sid: Sid = PRINCIPAL_SELF.parse().expect("well-known SID");
    let sid_matches = token.contains(&a.sid)
        || (a.sid == self_sid && object.sid.as_ref() == Some(&token.principal));
    if !sid_matches {
        return false;
    }
    // An object-type ACE is about one node and what lies below it: it counts for the
    // wanted node when it names that node or one of its ancestors.
    let object_type_matches = match a.object_type {
        None => true,
        Some(g) => path.iter().flatten().any(|n| *n == g),
    };
    let inherited_type_matches = match a.inherited_object_type {
        None => true,
        Some(g) => object.class == Some(g),
    };
    object_type_matches && inherited_type_matches
}

/// Where an inherited ACE came from: the nearest ancestor (listed nearest first) whose
/// DACL holds an explicit ACE with the same type, rights, object types and principal
/// that its children inherit. `None` when no listed ancestor has it (it came from
/// further up, or it is explicit).
pub fn inherited_from<'a>(ace: &AccessAce, ancestors: &[(&'a str, &Acl)]) -> Option<&'a str> {
    use super::security::ace_flags::{CONTAINER_INHERIT, OBJECT_INHERIT};
    if !ace.is_inherited() {
        return None;
    }
    ancestors.iter().find_map(|(dn, acl)| {
        acl.aces
            .iter()
            .filter_map(Ace::as_access)
            .any(|p| {
                !p.is_inherited()
                    && p.flags & (CONTAINER_INHERIT | OBJECT_INHERIT) != 0
                    && p.ace_type == ace.ace_type
                    && p.mask == ace.mask
                    && p.sid == ace.sid
                    && p.object_type == ace.object_type
                    && p.inherited_object_type == ace.inherited_object_type
            })
            .then_some(*dn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::security::sddl;

    const DOMAIN: &str = "S-1-5-21-1-2-3";
    const CONNECTOR: &str = "S-1-5-21-1-2-3-1105";
    const HELPDESK: &str = "S-1-5-21-1-2-3-1200";
    const USER_SID: &str = "S-1-5-21-1-2-3-1300";
    // GUIDs as MS-ADTS lists them.
    const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    const COMPUTER: &str = "bf967a86-0de6-11d0-a285-00aa003049e2";
    const RESET: &str = "00299570-246d-11d0-a768-00aa006e0529";
    const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    const ACCOUNT_RESTRICTIONS: &str = "4c164200-20c0-11d0-a768-00aa006e0529";
    const LOCKOUT_TIME: &str = "28630ebf-41d5-11d1-a9c1-0000f80367c1";

    fn g(s: &str) -> Guid {
        s.parse().unwrap()
    }

    fn sd(text: &str) -> SecurityDescriptor {
        sddl::parse(text, Some(&DOMAIN.parse().unwrap())).unwrap()
    }

    fn token(groups: &[&str]) -> Token {
        Token::new(
            CONNECTOR.parse().unwrap(),
            groups.iter().map(|s| s.parse().unwrap()),
        )
    }

    fn user() -> Object {
        Object {
            sid: Some(USER_SID.parse().unwrap()),
            class: Some(g(USER)),
        }
    }

    fn reset() -> Wanted {
        Wanted {
            mask: mask::CONTROL_ACCESS,
            object_type: Some(g(RESET)),
            property_set: None,
        }
    }

    fn write_pwd_last_set() -> Wanted {
        Wanted {
            mask: mask::WRITE_PROP,
            object_type: Some(g(PWD_LAST_SET)),
            property_set: Some(g(ACCOUNT_RESTRICTIONS)),
        }
    }

    fn verdict(text: &str, groups: &[&str], wanted: Wanted) -> Verdict {
        check(&sd(text), &user(), &token(groups), &wanted)
    }

    #[test]
    fn an_allow_for_the_exact_right_grants_it() {
        let text = format!("D:(OA;;CR;{RESET};;{CONNECTOR})");
        assert_eq!(verdict(&text, &[], reset()), Verdict::Granted);
        // Another extended right grants nothing.
        let other = format!("D:(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;{CONNECTOR})");
        assert_eq!(
            verdict(&other, &[], reset()),
            Verdict::NotGranted {
                missing: mask::CONTROL_ACCESS
            }
        );
    }

    #[test]
    fn rights_for_the_class_the_property_set_or_everything_cover_the_node_below() {
        for ace in [
            format!("(A;;CR;;;{CONNECTOR})"),
            format!("(OA;;CR;{USER};;{CONNECTOR})"),
            format!("(A;;GA;;;{CONNECTOR})"),
        ] {
            assert!(
                verdict(&format!("D:{ace}"), &[], reset()).is_granted(),
                "{ace}"
            );
        }
        let set = format!("D:(OA;;WP;{ACCOUNT_RESTRICTIONS};;{CONNECTOR})");
        assert!(verdict(&set, &[], write_pwd_last_set()).is_granted());
        // A right for another class, or for the property set's sibling, does not.
        let computer = format!("D:(OA;;CR;{COMPUTER};;{CONNECTOR})");
        assert!(!verdict(&computer, &[], reset()).is_granted());
        let sibling = format!("D:(OA;;WP;{LOCKOUT_TIME};;{CONNECTOR})");
        assert!(!verdict(&sibling, &[], write_pwd_last_set()).is_granted());
        // Read is not write.
        let read = format!("D:(OA;;RP;{PWD_LAST_SET};;{CONNECTOR})");
        assert!(!verdict(&read, &[], write_pwd_last_set()).is_granted());
    }

    #[test]
    fn a_deny_before_the_allow_wins_and_one_after_it_does_not() {
        let deny = format!("(OD;;CR;{RESET};;{CONNECTOR})");
        let allow = format!("(OA;;CR;{RESET};;{CONNECTOR})");
        match verdict(&format!("D:{deny}{allow}"), &[], reset()) {
            Verdict::Denied { index: 0, ace } => assert!(ace.is_deny()),
            v => panic!("{v:?}"),
        }
        assert!(verdict(&format!("D:{allow}{deny}"), &[], reset()).is_granted());
        // A deny of everything on the property set denies the property below it.
        let set_deny = format!("D:(OD;;WP;{ACCOUNT_RESTRICTIONS};;WD)(A;;GA;;;{CONNECTOR})");
        assert!(matches!(
            verdict(&set_deny, &[], write_pwd_last_set()),
            Verdict::Denied { index: 0, .. }
        ));
        // A deny of another right does not get in the way.
        let other = format!("D:(OD;;WP;{LOCKOUT_TIME};;{CONNECTOR})(A;;GA;;;{CONNECTOR})");
        assert!(verdict(&other, &[], write_pwd_last_set()).is_granted());
    }

    #[test]
    fn groups_and_well_known_sids_of_the_token_count() {
        let via_group = format!("D:(OA;;CR;{RESET};;{HELPDESK})");
        assert!(!verdict(&via_group, &[], reset()).is_granted());
        assert!(verdict(&via_group, &[HELPDESK], reset()).is_granted());
        for wk in ["WD", "AU"] {
            let text = format!("D:(OA;;CR;{RESET};;{wk})");
            assert!(verdict(&text, &[], reset()).is_granted(), "{wk}");
        }
        let deny_group = format!("D:(OD;;CR;{RESET};;{HELPDESK})(A;;GA;;;AU)");
        assert!(matches!(
            verdict(&deny_group, &[HELPDESK], reset()),
            Verdict::Denied { .. }
        ));
    }

    #[test]
    fn principal_self_is_the_object_only_when_the_principal_is_the_object() {
        let text = format!("D:(OA;;CR;{RESET};;PS)");
        assert!(!verdict(&text, &[], reset()).is_granted());
        let me = Object {
            sid: Some(CONNECTOR.parse().unwrap()),
            class: Some(g(USER)),
        };
        assert!(check(&sd(&text), &me, &token(&[]), &reset()).is_granted());
    }

    #[test]
    fn inherit_only_aces_and_other_classes_inherited_object_types_are_skipped() {
        let io = format!("D:(OA;CIIO;CR;{RESET};;{CONNECTOR})");
        assert!(!verdict(&io, &[], reset()).is_granted());
        let for_users = format!("D:(OA;CIID;CR;{RESET};{USER};{CONNECTOR})");
        assert!(verdict(&for_users, &[], reset()).is_granted());
        let for_computers = format!("D:(OA;CIID;CR;{RESET};{COMPUTER};{CONNECTOR})");
        assert!(!verdict(&for_computers, &[], reset()).is_granted());
    }

    #[test]
    fn null_and_empty_dacls() {
        let no_dacl = SecurityDescriptor::decode(&sd("O:DA").encode().unwrap()).unwrap();
        assert!(no_dacl.dacl.is_none());
        assert!(check(&no_dacl, &user(), &token(&[]), &reset()).is_granted());
        assert!(!verdict("D:", &[], reset()).is_granted());
    }

    #[test]
    fn every_wanted_bit_must_be_granted() {
        let text = format!("D:(A;;RP;;;{CONNECTOR})");
        let both = Wanted {
            mask: mask::READ_PROP | mask::WRITE_PROP,
            object_type: None,
            property_set: None,
        };
        assert_eq!(
            verdict(&text, &[], both),
            Verdict::NotGranted {
                missing: mask::WRITE_PROP
            }
        );
    }

    #[test]
    fn real_user_descriptor_from_the_lab() {
        let sd =
            SecurityDescriptor::decode(include_bytes!("../../tests/fixtures/sd/user-full.bin"))
                .unwrap();
        // A new user's DACL lets Account Operators (BUILTIN, S-1-5-32-548) do
        // everything, and nobody outside its groups reset a password.
        let operators = Token::new(
            "S-1-5-21-9-9-9-1000".parse().unwrap(),
            ["S-1-5-32-548".parse().unwrap()],
        );
        assert!(check(&sd, &user(), &operators, &reset()).is_granted());
        let nobody = Token::new("S-1-5-21-9-9-9-1001".parse().unwrap(), []);
        assert!(!check(&sd, &user(), &nobody, &reset()).is_granted());
        // Everyone may change (not reset) a password: ACE for User-Change-Password.
        let change = Wanted {
            mask: mask::CONTROL_ACCESS,
            object_type: Some(g("ab721a53-1e2f-11d0-9819-00aa0040529b")),
            property_set: None,
        };
        assert!(check(&sd, &user(), &nobody, &change).is_granted());
    }

    #[test]
    fn the_ancestor_an_inherited_ace_came_from() {
        let root = sd(&format!("D:(OA;CI;CR;{RESET};{USER};{CONNECTOR})"));
        let ou = sd(&format!("D:(OA;CIID;CR;{RESET};{USER};{CONNECTOR})"));
        let inherited = match &sd(&format!("D:(OA;ID;CR;{RESET};{USER};{CONNECTOR})"))
            .dacl
            .unwrap()
            .aces[0]
        {
            Ace::Access(a) => a.clone(),
            _ => unreachable!(),
        };
        let ancestors = [
            ("OU=X", ou.dacl.as_ref().unwrap()),
            ("DC=root", root.dacl.as_ref().unwrap()),
        ];
        assert_eq!(inherited_from(&inherited, &ancestors), Some("DC=root"));
        assert_eq!(inherited_from(&inherited, &ancestors[..1]), None);
    }
}
