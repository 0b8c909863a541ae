//! SDDL text (MS-DTYP 2.5.1): rendered as Windows' `ConvertSecurityDescriptorToStringSecurityDescriptor`
//! writes it (checked against the Windows pairs Samba collected), and read strictly.
//!
//! Reading accepts what Windows accepts where that is unambiguous (spaces before a field,
//! lower-case letters), and refuses what Windows only tolerates by accident: numbers it
//! clamps or wraps, spaces inside a SID, GUIDs in braces.

use super::conditional;
use super::{
    ace_flags, ace_type, control, AccessAce, Ace, Acl, Guid, GuidParseError, Part,
    SecurityDescriptor, Sid, SidParseError,
};

/// ACE types with their SDDL names. `XU` is 0x0D and `ZA` 0x0B as Windows reads and
/// writes them (MS-DTYP once had the two swapped).
const ACE_TYPES: &[(&str, u8)] = &[
    ("A", ace_type::ACCESS_ALLOWED),
    ("D", ace_type::ACCESS_DENIED),
    ("AU", ace_type::SYSTEM_AUDIT),
    ("AL", 0x03),
    ("OA", ace_type::ACCESS_ALLOWED_OBJECT),
    ("OD", ace_type::ACCESS_DENIED_OBJECT),
    ("OU", ace_type::SYSTEM_AUDIT_OBJECT),
    ("OL", 0x08),
    ("XA", CALLBACK_ALLOWED),
    ("XD", CALLBACK_DENIED),
    ("ZA", CALLBACK_ALLOWED_OBJECT),
    ("XU", CALLBACK_AUDIT),
    ("ML", MANDATORY_LABEL),
    ("RA", RESOURCE_ATTRIBUTE),
    ("SP", 0x13),
];

const CALLBACK_ALLOWED: u8 = 0x09;
const CALLBACK_DENIED: u8 = 0x0A;
const CALLBACK_ALLOWED_OBJECT: u8 = 0x0B;
const CALLBACK_AUDIT: u8 = 0x0D;
const MANDATORY_LABEL: u8 = 0x11;
const RESOURCE_ATTRIBUTE: u8 = 0x12;

/// Types whose body carries object-type GUIDs after the mask (MS-DTYP 2.4.4.1).
fn has_object_fields(t: u8) -> bool {
    matches!(t, 0x05..=0x08 | 0x0B | 0x0C | 0x0F | 0x10)
}

/// Callback types: a condition (or other application data) follows the SID.
fn is_callback(t: u8) -> bool {
    matches!(t, 0x09..=0x10)
}

const ACE_FLAGS: &[(&str, u8)] = &[
    ("OI", ace_flags::OBJECT_INHERIT),
    ("CI", ace_flags::CONTAINER_INHERIT),
    ("NP", ace_flags::NO_PROPAGATE_INHERIT),
    ("IO", ace_flags::INHERIT_ONLY),
    ("ID", ace_flags::INHERITED),
    ("SA", 0x40),
    ("FA", 0x80),
];

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

/// Whole masks Windows names with one alias (file and registry rights) instead of letters.
/// KX equals KR; Windows writes KR.
const MASK_ALIASES: &[(&str, u32)] = &[
    ("FA", 0x001F_01FF),
    ("FR", 0x0012_0089),
    ("FW", 0x0012_0116),
    ("FX", 0x0012_00A0),
    ("KA", 0x000F_003F),
    ("KR", 0x0002_0019),
    ("KW", 0x0002_0006),
    ("KX", 0x0002_0019),
];

/// Mandatory-label policy letters, which replace the others in an `ML` ACE.
const LABEL_LETTERS: &[(&str, u32)] = &[("NW", 0x1), ("NR", 0x2), ("NX", 0x4)];

/// SIDs with a two-letter SDDL alias that does not depend on the domain (Microsoft's
/// "SID Strings" list).
const SID_ALIASES: &[(&str, &str)] = &[
    ("S-1-1-0", "WD"),
    ("S-1-3-0", "CO"),
    ("S-1-3-1", "CG"),
    ("S-1-3-4", "OW"),
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
    ("S-1-5-33", "WR"),
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
    ("S-1-5-32-558", "MU"),
    ("S-1-5-32-559", "LU"),
    ("S-1-5-32-568", "IS"),
    ("S-1-5-32-569", "CY"),
    ("S-1-5-32-573", "ER"),
    ("S-1-5-32-574", "CD"),
    ("S-1-5-32-575", "RA"),
    ("S-1-5-32-576", "ES"),
    ("S-1-5-32-577", "MS"),
    ("S-1-5-32-578", "HA"),
    ("S-1-5-32-579", "AA"),
    ("S-1-5-32-580", "RM"),
    ("S-1-5-84-0-0-0-0-0", "UD"),
    ("S-1-15-2-1", "AC"),
    ("S-1-16-4096", "LW"),
    ("S-1-16-8192", "ME"),
    ("S-1-16-8448", "MP"),
    ("S-1-16-12288", "HI"),
    ("S-1-16-16384", "SI"),
    ("S-1-18-1", "AS"),
    ("S-1-18-2", "SS"),
];

/// Domain-relative aliases: the domain's SID followed by this RID. Forest-root aliases
/// (RO, SA, EA, EK) use the same domain: hybridctl manages one domain.
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
    (522, "CN"),
    (525, "AP"),
    (526, "KA"),
    (527, "EK"),
    (553, "RS"),
];

/// The mask as Windows writes it: nothing for 0, a whole-mask alias (`FA`, `KR`, ...),
/// letters when they cover every bit, else `0x...`.
pub fn mask_to_sddl(mask: u32) -> String {
    letters_or_hex(mask, MASK_LETTERS, true)
}

fn letters_or_hex(mask: u32, letters: &[(&str, u32)], aliases: bool) -> String {
    if mask == 0 {
        return String::new();
    }
    if aliases {
        if let Some((name, _)) = MASK_ALIASES.iter().find(|(_, m)| *m == mask) {
            return (*name).to_string();
        }
    }
    let mut rest = mask;
    let mut out = String::new();
    for (name, bit) in letters {
        if mask & bit != 0 {
            out.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        return format!("0x{mask:x}");
    }
    out
}

/// ACE flags; bits SDDL has no name for are dropped, as Windows drops them.
fn flags_to_sddl(flags: u8) -> String {
    ACE_FLAGS
        .iter()
        .filter(|(_, bit)| flags & bit != 0)
        .map(|(s, _)| *s)
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
    let fields = match ace {
        Ace::Access(a) => Some(Fields {
            ace_type: a.ace_type,
            flags: a.flags,
            mask: a.mask,
            object_type: a.object_type,
            inherited_object_type: a.inherited_object_type,
            sid: a.sid.clone(),
            rest: &a.trailer,
        }),
        Ace::Opaque {
            ace_type,
            flags,
            body,
        } => Fields::split(*ace_type, *flags, body),
    };
    match fields.and_then(|f| f.render(domain)) {
        Some(text) => text,
        // No SDDL exists for this ACE: say so rather than print something that reads back wrong.
        None => {
            let (t, f, len) = (ace_type_of(ace), ace.flags(), ace.encoded_len());
            format!(
                "(0x{t:02x};{};{len} bytes SDDL cannot express)",
                flags_to_sddl(f)
            )
        }
    }
}

/// The parts of an ACE SDDL shows, whatever the codec made of it.
struct Fields<'a> {
    ace_type: u8,
    flags: u8,
    mask: u32,
    object_type: Option<Guid>,
    inherited_object_type: Option<Guid>,
    sid: Sid,
    /// What follows the SID: a callback ACE's condition, a resource ACE's attribute.
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Reads the mask / object / SID layout every SDDL-expressible ACE type shares.
    fn split(ace_type: u8, flags: u8, body: &'a [u8]) -> Option<Fields<'a>> {
        let mask = u32::from_le_bytes(body.get(..4)?.try_into().ok()?);
        let mut at = 4;
        let (mut object_type, mut inherited_object_type) = (None, None);
        if has_object_fields(ace_type) {
            let present = u32::from_le_bytes(body.get(4..8)?.try_into().ok()?);
            at = 8;
            if present & 1 != 0 {
                object_type = Some(Guid::from_slice(body.get(at..)?)?);
                at += 16;
            }
            if present & 2 != 0 {
                inherited_object_type = Some(Guid::from_slice(body.get(at..)?)?);
                at += 16;
            }
        }
        let (sid, used) = Sid::decode(body.get(at..)?).ok()?;
        Some(Fields {
            ace_type,
            flags,
            mask,
            object_type,
            inherited_object_type,
            sid,
            rest: &body[at + used..],
        })
    }

    fn render(&self, domain: Option<&Sid>) -> Option<String> {
        let kind = ACE_TYPES.iter().find(|(_, t)| *t == self.ace_type)?.0;
        let mask = if self.ace_type == MANDATORY_LABEL {
            letters_or_hex(self.mask, LABEL_LETTERS, false)
        } else {
            mask_to_sddl(self.mask)
        };
        let guid = |g: Option<Guid>| g.map(|g| g.to_string()).unwrap_or_default();
        let mut out = format!(
            "({kind};{};{mask};{};{};{}",
            flags_to_sddl(self.flags),
            guid(self.object_type),
            guid(self.inherited_object_type),
            sid_to_sddl(&self.sid, domain)
        );
        if is_callback(self.ace_type) {
            out.push(';');
            out.push_str(&conditional::to_sddl(self.rest, domain)?);
        } else if self.ace_type == RESOURCE_ATTRIBUTE {
            out.push(';');
            out.push_str(&conditional::resource_attribute_to_sddl(self.rest)?);
        }
        out.push(')');
        Some(out)
    }
}

/// A whole descriptor as Windows writes it: `O:`, `G:`, `D:`, `S:`, each only if present.
pub fn to_sddl(sd: &SecurityDescriptor, domain: Option<&Sid>) -> String {
    let mut out = String::new();
    if let Some(o) = &sd.owner {
        out.push_str("O:");
        out.push_str(&sid_to_sddl(o, domain));
    }
    if let Some(g) = &sd.group {
        out.push_str("G:");
        out.push_str(&sid_to_sddl(g, domain));
    }
    let c = sd.control;
    if c & control::DACL_PRESENT != 0 {
        out.push_str("D:");
        acl_to_sddl(&mut out, c, 0, sd.dacl.as_ref(), domain);
    }
    if c & control::SACL_PRESENT != 0 {
        out.push_str("S:");
        acl_to_sddl(&mut out, c, 1, sd.sacl.as_ref(), domain);
    }
    out
}

/// ACL flags: each SACL bit is the DACL bit shifted left once (MS-DTYP 2.4.6).
const ACL_FLAGS: &[(&str, u16)] = &[
    ("P", control::DACL_PROTECTED),
    ("AR", DACL_AUTO_INHERIT_REQ),
    ("AI", control::DACL_AUTO_INHERITED),
];
const DACL_AUTO_INHERIT_REQ: u16 = 0x0100;

fn acl_to_sddl(out: &mut String, c: u16, shift: u16, acl: Option<&Acl>, domain: Option<&Sid>) {
    for (name, bit) in ACL_FLAGS {
        if c & (bit << shift) != 0 {
            out.push_str(name);
        }
    }
    match acl {
        Some(acl) => {
            for ace in &acl.aces {
                out.push_str(&ace_to_sddl(ace, domain));
            }
        }
        // Present but null: everyone has every right.
        None => out.push_str("NO_ACCESS_CONTROL"),
    }
}

/// Why text is not SDDL hybridctl accepts; `at` is the byte offset in the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SDDL at byte {at}: {kind}")]
pub struct SddlError {
    pub at: usize,
    pub kind: SddlErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SddlErrorKind {
    #[error("expected `O:`, `G:`, `D:` or `S:` (upper case, no space before the colon)")]
    Section,
    #[error("`{0}:` appears twice; write each part once")]
    Repeated(char),
    #[error(
        "the ACE is not closed: each ACE is `(type;flags;rights;object;inherited object;SID)`"
    )]
    Unclosed,
    #[error(
        "the ACE has {0} fields; write six: `(type;flags;rights;object;inherited object;SID)`"
    )]
    Fields(usize),
    #[error("unknown ACE type `{0}`; expected one of A, D, AU, AL, OA, OD, OU, OL, XA, XD, ZA, XU, ML, RA, SP")]
    AceType(String),
    #[error("{0}")]
    Condition(&'static str),
    #[error("unknown ACE flags `{0}`; expected OI, CI, NP, IO, ID, SA, FA")]
    AceFlags(String),
    #[error("`{0}` is not an access mask: write rights such as `RPWP`, `GA`, `FA`, or one number (`0x1f01ff` or decimal) that fits 32 bits")]
    Mask(String),
    #[error("object GUIDs are only allowed in object ACEs (OA, OD, OU, OL)")]
    NotObjectAce,
    #[error(transparent)]
    Guid(#[from] GuidParseError),
    #[error(transparent)]
    Sid(#[from] SidParseError),
    #[error(
        "unknown SID alias `{0}`; write a SID as S-1-... or a two-letter alias such as BA, AU, DA"
    )]
    Alias(String),
    #[error("`{0}` stands for a SID of the domain; read this SDDL with the domain's SID")]
    NeedsDomain(String),
}

/// Reads SDDL into a descriptor laid out as Windows' `ConvertStringSecurityDescriptorToSecurityDescriptor`
/// lays it out (SACL, DACL, owner, group; ACL revision 4 only when an ACL holds object ACEs),
/// so it encodes to the same bytes. `domain` resolves domain-relative aliases such as `DA`.
pub fn parse(text: &str, domain: Option<&Sid>) -> Result<SecurityDescriptor, SddlError> {
    let mut p = Reader {
        s: text.as_bytes(),
        at: 0,
        domain,
    };
    let mut sd = SecurityDescriptor {
        revision: 1,
        sbz1: 0,
        control: control::SELF_RELATIVE,
        owner: None,
        group: None,
        sacl: None,
        dacl: None,
        layout: vec![Part::Sacl, Part::Dacl, Part::Owner, Part::Group],
    };
    let mut seen = Vec::new();
    loop {
        p.spaces();
        let Some(&tag) = p.s.get(p.at) else { break };
        if !matches!(tag, b'O' | b'G' | b'D' | b'S') || p.s.get(p.at + 1) != Some(&b':') {
            return Err(p.err(SddlErrorKind::Section));
        }
        if seen.contains(&tag) {
            return Err(p.err(SddlErrorKind::Repeated(tag as char)));
        }
        seen.push(tag);
        p.at += 2;
        p.spaces();
        match tag {
            b'O' => sd.owner = Some(p.section_sid()?),
            b'G' => sd.group = Some(p.section_sid()?),
            b'D' => {
                let (flags, acl) = p.acl()?;
                sd.control |= flags | control::DACL_PRESENT;
                sd.dacl = acl;
            }
            _ => {
                let (flags, acl) = p.acl()?;
                sd.control |= (flags << 1) | control::SACL_PRESENT;
                sd.sacl = acl;
            }
        }
    }
    Ok(sd)
}

struct Reader<'a> {
    s: &'a [u8],
    at: usize,
    domain: Option<&'a Sid>,
}

impl Reader<'_> {
    fn err(&self, kind: SddlErrorKind) -> SddlError {
        SddlError { at: self.at, kind }
    }

    fn spaces(&mut self) {
        while self.s.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        &self.s[self.at..]
    }

    /// An owner or group: `S-1-...` up to the next section, or a two-letter alias.
    fn section_sid(&mut self) -> Result<Sid, SddlError> {
        let rest = self.rest();
        let len = if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"S-") {
            let mut n = 2 + rest[2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'-' | b'x' | b'X'))
                .count();
            // `D` is a hex digit: in `...-512D:` it starts the DACL.
            if n > 2 && rest[n - 1] == b'D' && rest.get(n) == Some(&b':') {
                n -= 1;
            }
            n
        } else {
            2.min(rest.len())
        };
        let token = String::from_utf8_lossy(&rest[..len]).into_owned();
        let sid = self.sid(&token)?;
        self.at += len;
        self.spaces();
        Ok(sid)
    }

    fn sid(&self, token: &str) -> Result<Sid, SddlError> {
        if token.len() > 2 {
            return token.parse().map_err(|e| self.err(SddlErrorKind::Sid(e)));
        }
        let alias = token.to_ascii_uppercase();
        if let Some((sid, _)) = SID_ALIASES.iter().find(|(_, a)| *a == alias) {
            return Ok(sid.parse().expect("alias table holds valid SIDs"));
        }
        let Some((rid, _)) = RID_ALIASES.iter().find(|(_, a)| *a == alias) else {
            return Err(self.err(SddlErrorKind::Alias(token.to_string())));
        };
        let domain = self
            .domain
            .ok_or_else(|| self.err(SddlErrorKind::NeedsDomain(alias.clone())))?;
        let text = format!("{domain}-{rid}");
        text.parse().map_err(|e| self.err(SddlErrorKind::Sid(e)))
    }

    /// ACL flags and ACEs. `NO_ACCESS_CONTROL` is a null ACL (present, no list).
    fn acl(&mut self) -> Result<(u16, Option<Acl>), SddlError> {
        let mut flags = 0u16;
        loop {
            let rest = self.rest();
            let Some((name, bit)) = ACL_FLAGS
                .iter()
                .find(|(n, _)| rest.starts_with(n.as_bytes()))
            else {
                break;
            };
            flags |= bit;
            self.at += name.len();
        }
        if self.rest().starts_with(b"NO_ACCESS_CONTROL") {
            self.at += "NO_ACCESS_CONTROL".len();
            return Ok((flags, None));
        }
        self.spaces();
        let mut aces = Vec::new();
        while self.s.get(self.at) == Some(&b'(') {
            aces.push(self.ace()?);
            self.spaces();
        }
        let revision = if aces.iter().any(|a| has_object_fields(ace_type_of(a))) {
            super::ACL_REVISION_DS
        } else {
            2
        };
        Ok((
            flags,
            Some(Acl {
                revision,
                aces,
                padding: Vec::new(),
            }),
        ))
    }

    fn ace(&mut self) -> Result<Ace, SddlError> {
        let open = self.at;
        let body_start = open + 1;
        // The six plain fields hold neither `;` nor `)`; a callback or resource attribute
        // ACE has a seventh that may hold both, and is read by its own grammar.
        let mut fields = Vec::new();
        let mut start = body_start;
        let mut i = body_start;
        let end = loop {
            match self.s.get(i) {
                None => return Err(self.err(SddlErrorKind::Unclosed)),
                Some(b';') => {
                    fields.push((start, &self.s[start..i]));
                    start = i + 1;
                    if fields.len() == 6 {
                        break None;
                    }
                }
                Some(b')') => {
                    fields.push((start, &self.s[start..i]));
                    break Some(i);
                }
                Some(_) => {}
            }
            i += 1;
        };
        let field_err = |at: usize, kind| SddlError { at, kind };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        // A space may precede any field, as Windows allows; no field may contain one.

        let (at0, f0) = fields[0];
        let (n, t) = lead(f0);
        let kind = ACE_TYPES
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(t))
            .map(|(_, v)| *v)
            .ok_or_else(|| field_err(at0 + n, SddlErrorKind::AceType(text(t))))?;
        let seventh = is_callback(kind) || kind == RESOURCE_ATTRIBUTE;
        if fields.len() != 6 || seventh == end.is_some() {
            return Err(field_err(
                open,
                SddlErrorKind::Fields(fields.len() + usize::from(end.is_none())),
            ));
        }

        let (at1, f1) = fields[1];
        let (n, f) = lead(f1);
        let flags = read_ace_flags(f)
            .ok_or_else(|| field_err(at1 + n, SddlErrorKind::AceFlags(text(f))))?;

        let (at2, f2) = fields[2];
        let (n, m) = lead(f2);
        let letters = if kind == MANDATORY_LABEL {
            LABEL_LETTERS
        } else {
            MASK_LETTERS
        };
        let mask = read_mask(m, letters, kind != MANDATORY_LABEL)
            .ok_or_else(|| field_err(at2 + n, SddlErrorKind::Mask(text(m))))?;

        let mut guids = [None, None];
        for (slot, (at, f)) in guids.iter_mut().zip([fields[3], fields[4]]) {
            // An all-space field is empty; otherwise the GUID must stand alone.
            if f.iter().all(|b| *b == b' ') {
                continue;
            }
            if !has_object_fields(kind) {
                return Err(field_err(at, SddlErrorKind::NotObjectAce));
            }
            let g = Guid::parse_plain(&text(f)).map_err(|e| field_err(at, e.into()))?;
            *slot = Some(g);
        }

        let (at5, f5) = fields[5];
        let (n, s) = lead(f5);
        // After an alias Windows allows trailing spaces, after a numeric SID it does not.
        let s = if s.len() > 2 && s.iter().skip(2).all(|b| *b == b' ') {
            &s[..2]
        } else {
            s
        };
        self.at = at5 + n;
        let sid = self.sid(&text(s))?;
        let mut coda = Vec::new();
        match end {
            Some(close) => self.at = close + 1,
            None => {
                let rest = std::str::from_utf8(&self.s[start..])
                    .map_err(|_| field_err(start, SddlErrorKind::Unclosed))?;
                let domain = self.domain;
                let read = if kind == RESOURCE_ATTRIBUTE {
                    conditional::resource_attribute_from_sddl(rest)
                } else {
                    let sid = |t: &str| {
                        let r = Reader {
                            s: t.as_bytes(),
                            at: 0,
                            domain,
                        };
                        r.sid(t).ok()
                    };
                    conditional::from_sddl(rest, &sid)
                };
                let (bytes, used) =
                    read.map_err(|e| field_err(start + e.at, SddlErrorKind::Condition(e.what)))?;
                coda = bytes;
                self.at = start + used;
                self.spaces();
                if self.s.get(self.at) != Some(&b')') {
                    return Err(self.err(SddlErrorKind::Unclosed));
                }
                self.at += 1;
            }
        }

        let [object_type, inherited_object_type] = guids;
        let ace = AccessAce {
            ace_type: kind,
            flags,
            mask,
            object_type,
            inherited_object_type,
            sid,
            extra_object_flags: 0,
            trailer: Vec::new(),
        };
        Ok(match kind {
            ace_type::ACCESS_ALLOWED
            | ace_type::ACCESS_DENIED
            | ace_type::SYSTEM_AUDIT
            | ace_type::ACCESS_ALLOWED_OBJECT
            | ace_type::ACCESS_DENIED_OBJECT
            | ace_type::SYSTEM_AUDIT_OBJECT => Ace::Access(ace),
            // Same layout, but the codec keeps these types as bytes: build the bytes.
            _ => {
                let mut body = opaque_body(&ace);
                body.extend(coda);
                // ACEs are whole multiples of four bytes.
                while !body.len().is_multiple_of(4) {
                    body.push(0);
                }
                Ace::Opaque {
                    ace_type: kind,
                    flags,
                    body,
                }
            }
        })
    }
}

/// Leading spaces: how many, and the field after them.
fn lead(b: &[u8]) -> (usize, &[u8]) {
    let n = b.iter().take_while(|c| **c == b' ').count();
    (n, &b[n..])
}

fn ace_type_of(a: &Ace) -> u8 {
    match a {
        Ace::Access(a) => a.ace_type,
        Ace::Opaque { ace_type, .. } => *ace_type,
    }
}

fn opaque_body(a: &AccessAce) -> Vec<u8> {
    let mut out = a.mask.to_le_bytes().to_vec();
    if has_object_fields(a.ace_type) {
        let present =
            u32::from(a.object_type.is_some()) | u32::from(a.inherited_object_type.is_some()) << 1;
        out.extend_from_slice(&present.to_le_bytes());
        for g in [a.object_type, a.inherited_object_type]
            .into_iter()
            .flatten()
        {
            out.extend_from_slice(&g.0);
        }
    }
    a.sid.encode(&mut out);
    out
}

fn read_ace_flags(f: &[u8]) -> Option<u8> {
    let mut flags = 0;
    for pair in f.chunks(2) {
        let (_, bit) = ACE_FLAGS
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(pair))?;
        flags |= bit;
    }
    Some(flags)
}

/// Rights letters (spaces allowed between them, as Windows allows, but not after), or one
/// number: `0x` hex, or decimal without leading zeros, that fits 32 bits.
fn read_mask(m: &[u8], letters: &[(&str, u32)], aliases: bool) -> Option<u32> {
    if m.first().is_some_and(u8::is_ascii_digit) {
        let t = std::str::from_utf8(m).ok()?;
        return match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(hex)
                if !hex.is_empty()
                    && hex.len() <= 8
                    && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                u32::from_str_radix(hex, 16).ok()
            }
            Some(_) => None,
            None if t == "0" => Some(0),
            None if !t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok(),
            None => None,
        };
    }
    if m.last() == Some(&b' ') {
        return None;
    }
    let mut mask = 0;
    let mut i = 0;
    while i < m.len() {
        if m[i] == b' ' {
            i += 1;
            continue;
        }
        let pair = m.get(i..i + 2)?;
        let named = letters
            .iter()
            .chain(if aliases { MASK_ALIASES } else { &[] })
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(pair))?;
        mask |= named.1;
        i += 2;
    }
    Some(mask)
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
        assert_eq!(mask_to_sddl(0), "");
        assert_eq!(mask_to_sddl(0x1F01FF), "FA");
        assert_eq!(mask_to_sddl(0xF003F), "KA");
        assert_eq!(mask_to_sddl(0x20019), "KR");
        assert_eq!(mask_to_sddl(0x1200A9), "0x1200a9");
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
        for (rid, alias) in [(522, "CN"), (526, "KA"), (527, "EK")] {
            let sid: Sid = format!("S-1-5-21-1-2-3-{rid}").parse().unwrap();
            assert_eq!(sid_to_sddl(&sid, Some(&domain)), alias);
        }
        for (sid, alias) in [
            ("S-1-3-4", "OW"),
            ("S-1-5-32-579", "AA"),
            ("S-1-5-32-576", "ES"),
        ] {
            assert_eq!(sid_to_sddl(&sid.parse().unwrap(), None), alias);
        }
    }

    #[test]
    fn reads_and_writes_back() {
        let domain: Sid = "S-1-5-21-1-2-3".parse().unwrap();
        let text = "O:DAG:DUD:PAI(OA;CIIO;RP;4c164200-20c0-11d0-a768-00aa006e0529;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)(A;;;;;WD)S:(AU;SAFA;KA;;;WD)(ML;;NWNR;;;LW)";
        let sd = parse(text, Some(&domain)).unwrap();
        let again = SecurityDescriptor::decode(&sd.encode().unwrap()).unwrap();
        assert_eq!(to_sddl(&again, Some(&domain)), text);
    }

    #[test]
    fn refuses_what_windows_only_tolerates() {
        for bad in [
            "D:(A;;GA;;;S-1-3-4294967296-3-4)",
            "D:(A;;0x123456789;;;WD)",
            "D:(A;;-99;;;WD)",
            "D:(A;;010;;;WD)",
            "O:S- 1- 2-3",
            "D:(A;;GA;;{f30e3bbf-9ff0-11d1-b603-0000f80367c1};WD)",
            "D:(A;;GA;;;DA)",
            "D:(A;;GA;;;WD)(",
            "D:(XA;;GA;;;WD)",
            "D:(A;;GA;;;WD;(Member_of{SID(WD)}))",
            "D:(XA;;GA;;;WD;(Member_of{SID(WD)})",
        ] {
            assert!(parse(bad, None).is_err(), "{bad}");
        }
        assert_eq!(
            parse("D:(A;;GA;;;DA)", None).unwrap_err().kind,
            SddlErrorKind::NeedsDomain("DA".into())
        );
    }
}
