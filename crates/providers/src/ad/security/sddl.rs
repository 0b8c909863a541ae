//! SDDL text (MS-DTYP 2.5.1) for showing ACEs to people, in the form `samba-tool dsacl get`
//! and Windows print, so a plan can be checked against either.

use super::{ace_flags, ace_type, AccessAce, Ace, Sid};

/// Access-mask letters, in the order Windows writes them.
const MASK_LETTERS: &[(&str, u32)] = &[
    ("CC", 0x0000_0001),
    ("DC", 0x0000_0002),
    ("LC", 0x0000_0004),
    ("SW", 0x0000_0008),
    ("RP", 0x0000_0010),
    ("WP", 0x0000_0020),
    ("DT", 0x0000_0040),
    ("LO", 0x0000_0080),
    ("CR", 0x0000_0100),
    ("SD", 0x0001_0000),
    ("RC", 0x0002_0000),
    ("WD", 0x0004_0000),
    ("WO", 0x0008_0000),
    ("GA", 0x1000_0000),
    ("GX", 0x2000_0000),
    ("GW", 0x4000_0000),
    ("GR", 0x8000_0000),
];

/// SIDs with a two-letter SDDL alias that does not depend on the domain.
const SID_ALIASES: &[(&str, &str)] = &[
    ("S-1-1-0", "WD"),
    ("S-1-3-0", "CO"),
    ("S-1-3-1", "CG"),
    ("S-1-5-2", "NU"),
    ("S-1-5-4", "IU"),
    ("S-1-5-6", "SU"),
    ("S-1-5-7", "AN"),
    ("S-1-5-9", "ED"),
    ("S-1-5-10", "PS"),
    ("S-1-5-11", "AU"),
    ("S-1-5-12", "RC"),
    ("S-1-5-18", "SY"),
    ("S-1-5-19", "LS"),
    ("S-1-5-20", "NS"),
    ("S-1-5-32-544", "BA"),
    ("S-1-5-32-545", "BU"),
    ("S-1-5-32-546", "BG"),
    ("S-1-5-32-547", "PU"),
    ("S-1-5-32-548", "AO"),
    ("S-1-5-32-549", "SO"),
    ("S-1-5-32-550", "PO"),
    ("S-1-5-32-551", "BO"),
    ("S-1-5-32-552", "RE"),
    ("S-1-5-32-554", "RU"),
    ("S-1-5-32-555", "RD"),
    ("S-1-5-32-556", "NO"),
];

/// Domain-relative aliases: the domain's SID followed by this RID.
const RID_ALIASES: &[(u32, &str)] = &[
    (498, "RO"),
    (500, "LA"),
    (501, "LG"),
    (512, "DA"),
    (513, "DU"),
    (514, "DG"),
    (515, "DC"),
    (516, "DD"),
    (517, "CA"),
    (518, "SA"),
    (519, "EA"),
    (520, "PA"),
    (553, "RS"),
];

/// `CCDCLC...` for masks the letters cover exactly, `0x...` otherwise.
pub fn mask_to_sddl(mask: u32) -> String {
    let mut rest = mask;
    let mut out = String::new();
    for (letters, bit) in MASK_LETTERS {
        if mask & bit != 0 {
            out.push_str(letters);
            rest &= !bit;
        }
    }
    if rest != 0 || mask == 0 {
        return format!("0x{mask:x}");
    }
    out
}

fn flags_to_sddl(flags: u8) -> String {
    [
        (ace_flags::OBJECT_INHERIT, "OI"),
        (ace_flags::CONTAINER_INHERIT, "CI"),
        (ace_flags::NO_PROPAGATE_INHERIT, "NP"),
        (ace_flags::INHERIT_ONLY, "IO"),
        (ace_flags::INHERITED, "ID"),
        (0x40, "SA"),
        (0x80, "FA"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, s)| *s)
    .collect()
}

/// The SID's alias where it has one (using `domain` for domain-relative ones), else `S-1-...`.
pub fn sid_to_sddl(sid: &Sid, domain: Option<&Sid>) -> String {
    let text = sid.to_string();
    if let Some((_, alias)) = SID_ALIASES.iter().find(|(s, _)| *s == text) {
        return (*alias).to_string();
    }
    if let (Some(domain), Some(rid)) = (domain, sid.rid()) {
        if sid.parent().as_ref() == Some(domain) {
            if let Some((_, alias)) = RID_ALIASES.iter().find(|(r, _)| *r == rid) {
                return (*alias).to_string();
            }
        }
    }
    text
}

/// One ACE in SDDL, e.g. `(OA;CIIO;CR;00299570-...;bf967aba-...;S-1-5-21-...-1104)`.
pub fn ace_to_sddl(ace: &Ace, domain: Option<&Sid>) -> String {
    match ace {
        Ace::Access(a) => access_ace_to_sddl(a, domain),
        Ace::Opaque {
            ace_type,
            flags,
            body,
        } => {
            format!(
                "(0x{ace_type:02x};{};{} opaque bytes)",
                flags_to_sddl(*flags),
                body.len()
            )
        }
    }
}

fn access_ace_to_sddl(a: &AccessAce, domain: Option<&Sid>) -> String {
    let kind = match a.ace_type {
        ace_type::ACCESS_ALLOWED => "A",
        ace_type::ACCESS_DENIED => "D",
        ace_type::SYSTEM_AUDIT => "AU",
        ace_type::ACCESS_ALLOWED_OBJECT => "OA",
        ace_type::ACCESS_DENIED_OBJECT => "OD",
        ace_type::SYSTEM_AUDIT_OBJECT => "OU",
        _ => "?",
    };
    let guid = |g: Option<super::Guid>| g.map(|g| g.to_string()).unwrap_or_default();
    format!(
        "({kind};{};{};{};{};{})",
        flags_to_sddl(a.flags),
        mask_to_sddl(a.mask),
        guid(a.object_type),
        guid(a.inherited_object_type),
        sid_to_sddl(&a.sid, domain)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::security::SecurityDescriptor;

    #[test]
    fn masks() {
        assert_eq!(mask_to_sddl(0x100), "CR");
        assert_eq!(mask_to_sddl(0xF01FF), "CCDCLCSWRPWPDTLOCRSDRCWDWO");
        assert_eq!(mask_to_sddl(0x20094), "LCRPLORC");
        assert_eq!(mask_to_sddl(0x0020_0000), "0x200000");
    }

    #[test]
    fn renders_real_domain_root_like_samba() {
        let sd = SecurityDescriptor::decode(include_bytes!(
            "../../../tests/fixtures/sd/domain-root-dacl.bin"
        ))
        .unwrap();
        let first = &sd.dacl.unwrap().aces[0];
        // The first ACE samba-tool dsacl get prints for a new domain's root.
        assert_eq!(
            ace_to_sddl(first, None),
            "(OA;CIIO;RP;4c164200-20c0-11d0-a768-00aa006e0529;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)"
        );
    }

    #[test]
    fn domain_relative_aliases() {
        let domain: Sid = "S-1-5-21-1-2-3".parse().unwrap();
        let da: Sid = "S-1-5-21-1-2-3-512".parse().unwrap();
        assert_eq!(sid_to_sddl(&da, Some(&domain)), "DA");
        assert_eq!(sid_to_sddl(&da, None), "S-1-5-21-1-2-3-512");
    }
}
