//! The self-relative security descriptor (MS-DTYP 2.4.6) as AD stores it in
//! `nTSecurityDescriptor`: decode, encode, and nothing else.
//!
//! Written here rather than taken from `windows-sddl` 0.1: that crate parses owner,
//! group and DACL but has no general encoder (only a builder for one RBCD shape), and
//! we must write DACLs back. This codec keeps everything it does not interpret (the
//! order of the four parts, ACE types it does not know, padding after ACEs and ACLs),
//! so a decoded descriptor re-encodes to the same bytes.

use super::{DecodeError, Guid, Sid};

/// ACE types this codec interprets (MS-DTYP 2.4.4.1). Others are kept as opaque bytes.
pub mod ace_type {
    pub const ACCESS_ALLOWED: u8 = 0x00;
    pub const ACCESS_DENIED: u8 = 0x01;
    pub const SYSTEM_AUDIT: u8 = 0x02;
    pub const ACCESS_ALLOWED_OBJECT: u8 = 0x05;
    pub const ACCESS_DENIED_OBJECT: u8 = 0x06;
    pub const SYSTEM_AUDIT_OBJECT: u8 = 0x07;
}

/// ACE flags (MS-DTYP 2.4.4.1).
pub mod ace_flags {
    pub const OBJECT_INHERIT: u8 = 0x01;
    pub const CONTAINER_INHERIT: u8 = 0x02;
    pub const NO_PROPAGATE_INHERIT: u8 = 0x04;
    pub const INHERIT_ONLY: u8 = 0x08;
    pub const INHERITED: u8 = 0x10;
    /// The flags that say where an ACE applies; the rest are bookkeeping.
    pub const INHERITANCE: u8 =
        OBJECT_INHERIT | CONTAINER_INHERIT | NO_PROPAGATE_INHERIT | INHERIT_ONLY;
}

/// Security descriptor control bits (MS-DTYP 2.4.6).
pub mod control {
    pub const DACL_PRESENT: u16 = 0x0004;
    pub const SACL_PRESENT: u16 = 0x0010;
    pub const DACL_AUTO_INHERITED: u16 = 0x0400;
    pub const SACL_AUTO_INHERITED: u16 = 0x0800;
    pub const DACL_PROTECTED: u16 = 0x1000;
    pub const SACL_PROTECTED: u16 = 0x2000;
    pub const SELF_RELATIVE: u16 = 0x8000;
}

const OBJECT_TYPE_PRESENT: u32 = 0x1;
const INHERITED_OBJECT_TYPE_PRESENT: u32 = 0x2;

/// One access control entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ace {
    /// Allow, deny or audit, with or without object types: what AD ACLs are made of.
    Access(AccessAce),
    /// A type this codec does not interpret (callback, conditional, ...), kept byte for byte.
    Opaque {
        ace_type: u8,
        flags: u8,
        body: Vec<u8>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccessAce {
    pub ace_type: u8,
    pub flags: u8,
    pub mask: u32,
    /// The property, property set, extended right or child class the ACE is about.
    pub object_type: Option<Guid>,
    /// The class of descendant objects the ACE is inherited by.
    pub inherited_object_type: Option<Guid>,
    pub sid: Sid,
    /// Bits of the object-ACE flags field other than the two presence bits (normally 0).
    pub extra_object_flags: u32,
    /// Bytes after the SID within the ACE's declared size (padding, application data).
    pub trailer: Vec<u8>,
}

impl AccessAce {
    pub fn is_object_type(ace_type: u8) -> bool {
        matches!(
            ace_type,
            ace_type::ACCESS_ALLOWED_OBJECT
                | ace_type::ACCESS_DENIED_OBJECT
                | ace_type::SYSTEM_AUDIT_OBJECT
        )
    }

    pub fn is_inherited(&self) -> bool {
        self.flags & ace_flags::INHERITED != 0
    }

    pub fn is_deny(&self) -> bool {
        matches!(
            self.ace_type,
            ace_type::ACCESS_DENIED | ace_type::ACCESS_DENIED_OBJECT
        )
    }

    fn encoded_len(&self) -> usize {
        let object = if Self::is_object_type(self.ace_type) {
            4 + 16
                * (self.object_type.is_some() as usize
                    + self.inherited_object_type.is_some() as usize)
        } else {
            0
        };
        4 + 4 + object + self.sid.encoded_len() + self.trailer.len()
    }

    fn decode(ace_type: u8, flags: u8, body: &[u8]) -> Result<AccessAce, DecodeError> {
        let take = |at: usize, n: usize, what: &'static str| {
            body.get(at..at + n)
                .ok_or_else(|| DecodeError::new(what, at + n, body.len()))
        };
        let mask = u32::from_le_bytes(take(0, 4, "ACE mask")?.try_into().expect("4 bytes"));
        let mut at = 4;
        let (mut object_type, mut inherited_object_type, mut extra_object_flags) = (None, None, 0);
        if Self::is_object_type(ace_type) {
            let object_flags = u32::from_le_bytes(
                take(at, 4, "object ACE flags")?
                    .try_into()
                    .expect("4 bytes"),
            );
            at += 4;
            if object_flags & OBJECT_TYPE_PRESENT != 0 {
                object_type = Guid::from_slice(take(at, 16, "ACE object type")?);
                at += 16;
            }
            if object_flags & INHERITED_OBJECT_TYPE_PRESENT != 0 {
                inherited_object_type =
                    Guid::from_slice(take(at, 16, "ACE inherited object type")?);
                at += 16;
            }
            extra_object_flags =
                object_flags & !(OBJECT_TYPE_PRESENT | INHERITED_OBJECT_TYPE_PRESENT);
        }
        let (sid, used) = Sid::decode(&body[at.min(body.len())..])?;
        let trailer = body[at + used..].to_vec();
        Ok(AccessAce {
            ace_type,
            flags,
            mask,
            object_type,
            inherited_object_type,
            sid,
            extra_object_flags,
            trailer,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.mask.to_le_bytes());
        if Self::is_object_type(self.ace_type) {
            let mut flags = self.extra_object_flags;
            if self.object_type.is_some() {
                flags |= OBJECT_TYPE_PRESENT;
            }
            if self.inherited_object_type.is_some() {
                flags |= INHERITED_OBJECT_TYPE_PRESENT;
            }
            out.extend_from_slice(&flags.to_le_bytes());
            for g in [self.object_type, self.inherited_object_type]
                .into_iter()
                .flatten()
            {
                out.extend_from_slice(&g.0);
            }
        }
        self.sid.encode(out);
        out.extend_from_slice(&self.trailer);
    }
}

impl Ace {
    pub fn as_access(&self) -> Option<&AccessAce> {
        match self {
            Ace::Access(a) => Some(a),
            Ace::Opaque { .. } => None,
        }
    }

    pub fn flags(&self) -> u8 {
        match self {
            Ace::Access(a) => a.flags,
            Ace::Opaque { flags, .. } => *flags,
        }
    }

    pub fn is_inherited(&self) -> bool {
        self.flags() & ace_flags::INHERITED != 0
    }

    fn decode(bytes: &[u8]) -> Result<(Ace, usize), DecodeError> {
        if bytes.len() < 4 {
            return Err(DecodeError::new("ACE header", 4, bytes.len()));
        }
        let (ace_type, flags) = (bytes[0], bytes[1]);
        let size = u16::from_le_bytes([bytes[2], bytes[3]]) as usize;
        if size < 4 || !size.is_multiple_of(4) {
            return Err(DecodeError::invalid(format!(
                "ACE size {size} (must be a multiple of 4, at least 4)"
            )));
        }
        let body = bytes
            .get(4..size)
            .ok_or_else(|| DecodeError::new("ACE body", size, bytes.len()))?;
        let ace = match ace_type {
            ace_type::ACCESS_ALLOWED
            | ace_type::ACCESS_DENIED
            | ace_type::SYSTEM_AUDIT
            | ace_type::ACCESS_ALLOWED_OBJECT
            | ace_type::ACCESS_DENIED_OBJECT
            | ace_type::SYSTEM_AUDIT_OBJECT => {
                Ace::Access(AccessAce::decode(ace_type, flags, body)?)
            }
            _ => Ace::Opaque {
                ace_type,
                flags,
                body: body.to_vec(),
            },
        };
        Ok((ace, size))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        match self {
            Ace::Access(a) => {
                out.extend_from_slice(&[a.ace_type, a.flags, 0, 0]);
                a.encode_body(out);
            }
            Ace::Opaque {
                ace_type,
                flags,
                body,
            } => {
                out.extend_from_slice(&[*ace_type, *flags, 0, 0]);
                out.extend_from_slice(body);
            }
        }
        let size = out.len() - start;
        let size16 = u16::try_from(size).map_err(|_| EncodeError::TooLarge("ACE"))?;
        out[start + 2..start + 4].copy_from_slice(&size16.to_le_bytes());
        Ok(())
    }

    /// The ACE exactly as it is written in an ACL: header, body and any trailing bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out)
    }

    pub fn encoded_len(&self) -> usize {
        match self {
            Ace::Access(a) => a.encoded_len(),
            Ace::Opaque { body, .. } => 4 + body.len(),
        }
    }
}

/// An access control list: DACL or SACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acl {
    pub revision: u8,
    pub aces: Vec<Ace>,
    /// Bytes between the last ACE and the ACL's declared size.
    pub padding: Vec<u8>,
}

/// ACL revision for ACLs that hold object ACEs (MS-DTYP 2.4.5).
pub const ACL_REVISION_DS: u8 = 4;

impl Acl {
    pub fn new(aces: Vec<Ace>) -> Acl {
        Acl {
            revision: ACL_REVISION_DS,
            aces,
            padding: Vec::new(),
        }
    }

    fn decode(bytes: &[u8]) -> Result<Acl, DecodeError> {
        if bytes.len() < 8 {
            return Err(DecodeError::new("ACL header", 8, bytes.len()));
        }
        let revision = bytes[0];
        let size = u16::from_le_bytes([bytes[2], bytes[3]]) as usize;
        let count = u16::from_le_bytes([bytes[4], bytes[5]]) as usize;
        let body = bytes
            .get(..size)
            .ok_or_else(|| DecodeError::new("ACL", size, bytes.len()))?;
        if size < 8 {
            return Err(DecodeError::invalid(format!("ACL size {size}")));
        }
        let mut at = 8;
        // The count is untrusted: never reserve more than the bytes could hold.
        let mut aces = Vec::with_capacity(count.min(size / 8));
        for _ in 0..count {
            let (ace, used) = Ace::decode(&body[at..])?;
            aces.push(ace);
            at += used;
        }
        Ok(Acl {
            revision,
            aces,
            padding: body[at..].to_vec(),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let count =
            u16::try_from(self.aces.len()).map_err(|_| EncodeError::TooLarge("ACL entry count"))?;
        out.extend_from_slice(&[self.revision, 0, 0, 0]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        for ace in &self.aces {
            ace.encode(out)?;
        }
        out.extend_from_slice(&self.padding);
        let size = u16::try_from(out.len() - start).map_err(|_| EncodeError::TooLarge("ACL"))?;
        out[start + 2..start + 4].copy_from_slice(&size.to_le_bytes());
        Ok(())
    }
}

/// The four parts a self-relative descriptor may point to, in the order they are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Owner,
    Group,
    Sacl,
    Dacl,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityDescriptor {
    pub revision: u8,
    pub sbz1: u8,
    pub control: u16,
    pub owner: Option<Sid>,
    pub group: Option<Sid>,
    pub sacl: Option<Acl>,
    pub dacl: Option<Acl>,
    /// The order the parts were laid out in; Samba and Windows differ, and round-tripping keeps it.
    pub layout: Vec<Part>,
}

const HEADER_LEN: usize = 20;

impl SecurityDescriptor {
    /// A descriptor carrying only a DACL, as written with the SD-flags control set to DACL.
    pub fn with_dacl(control: u16, dacl: Acl) -> SecurityDescriptor {
        SecurityDescriptor {
            revision: 1,
            sbz1: 0,
            control: control | control::DACL_PRESENT | control::SELF_RELATIVE,
            owner: None,
            group: None,
            sacl: None,
            dacl: Some(dacl),
            layout: vec![Part::Dacl],
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<SecurityDescriptor, DecodeError> {
        if bytes.len() < HEADER_LEN {
            return Err(DecodeError::new(
                "security descriptor header",
                HEADER_LEN,
                bytes.len(),
            ));
        }
        let revision = bytes[0];
        if revision != 1 {
            return Err(DecodeError::invalid(format!(
                "security descriptor revision {revision}"
            )));
        }
        let control = u16::from_le_bytes([bytes[2], bytes[3]]);
        if control & control::SELF_RELATIVE == 0 {
            return Err(DecodeError::invalid(
                "security descriptor is not self-relative".into(),
            ));
        }
        let offset = |i: usize| {
            u32::from_le_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize
        };
        let (o_owner, o_group, o_sacl, o_dacl) = (offset(0), offset(1), offset(2), offset(3));
        let at = |o: usize, what: &'static str| {
            if o < HEADER_LEN || o >= bytes.len() {
                Err(DecodeError::invalid(format!(
                    "{what} offset {o} outside the {} byte descriptor",
                    bytes.len()
                )))
            } else {
                Ok(&bytes[o..])
            }
        };
        let owner = if o_owner != 0 {
            Some(Sid::decode(at(o_owner, "owner")?)?.0)
        } else {
            None
        };
        let group = if o_group != 0 {
            Some(Sid::decode(at(o_group, "group")?)?.0)
        } else {
            None
        };
        let sacl = if control & control::SACL_PRESENT != 0 && o_sacl != 0 {
            Some(Acl::decode(at(o_sacl, "SACL")?)?)
        } else {
            None
        };
        let dacl = if control & control::DACL_PRESENT != 0 && o_dacl != 0 {
            Some(Acl::decode(at(o_dacl, "DACL")?)?)
        } else {
            None
        };
        let mut placed: Vec<(usize, Part)> = [
            (o_owner, Part::Owner, owner.is_some()),
            (o_group, Part::Group, group.is_some()),
            (o_sacl, Part::Sacl, sacl.is_some()),
            (o_dacl, Part::Dacl, dacl.is_some()),
        ]
        .into_iter()
        .filter(|(_, _, present)| *present)
        .map(|(o, p, _)| (o, p))
        .collect();
        placed.sort_by_key(|(o, _)| *o);
        Ok(SecurityDescriptor {
            revision,
            sbz1: bytes[1],
            control,
            owner,
            group,
            sacl,
            dacl,
            layout: placed.into_iter().map(|(_, p)| p).collect(),
        })
    }

    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = vec![0u8; HEADER_LEN];
        out[0] = self.revision;
        out[1] = self.sbz1;
        out[2..4].copy_from_slice(&self.control.to_le_bytes());
        // Parts not named in the layout (set by a caller) go after those that are, in MS-DTYP order.
        let mut order = self.layout.clone();
        for p in [Part::Owner, Part::Group, Part::Sacl, Part::Dacl] {
            if !order.contains(&p) {
                order.push(p);
            }
        }
        for part in order {
            let at = out.len();
            let (slot, written) = match part {
                Part::Owner => (0, self.owner.as_ref().map(|s| s.encode(&mut out)).is_some()),
                Part::Group => (1, self.group.as_ref().map(|s| s.encode(&mut out)).is_some()),
                Part::Sacl => (
                    2,
                    self.sacl
                        .as_ref()
                        .map(|a| a.encode(&mut out))
                        .transpose()?
                        .is_some(),
                ),
                Part::Dacl => (
                    3,
                    self.dacl
                        .as_ref()
                        .map(|a| a.encode(&mut out))
                        .transpose()?
                        .is_some(),
                ),
            };
            if written {
                let off =
                    u32::try_from(at).map_err(|_| EncodeError::TooLarge("security descriptor"))?;
                out[4 + 4 * slot..8 + 4 * slot].copy_from_slice(&off.to_le_bytes());
            }
        }
        Ok(out)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the {0} is too large to encode")]
    TooLarge(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &[(&str, &[u8])] = &[
        (
            "domain-root-dacl",
            include_bytes!("../../../tests/fixtures/sd/domain-root-dacl.bin"),
        ),
        (
            "domain-root-full",
            include_bytes!("../../../tests/fixtures/sd/domain-root-full.bin"),
        ),
        (
            "ou-staff-full",
            include_bytes!("../../../tests/fixtures/sd/ou-staff-full.bin"),
        ),
        (
            "user-full",
            include_bytes!("../../../tests/fixtures/sd/user-full.bin"),
        ),
        (
            "user-dacl",
            include_bytes!("../../../tests/fixtures/sd/user-dacl.bin"),
        ),
        (
            "adminsdholder-full",
            include_bytes!("../../../tests/fixtures/sd/adminsdholder-full.bin"),
        ),
    ];

    #[test]
    fn real_descriptors_round_trip_byte_for_byte() {
        for (name, bytes) in FIXTURES {
            let sd = SecurityDescriptor::decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                sd.dacl.as_ref().is_some_and(|d| !d.aces.is_empty()),
                "{name}: no DACL"
            );
            assert_eq!(&sd.encode().unwrap(), bytes, "{name} did not round-trip");
        }
    }

    #[test]
    fn dacl_only_reads_carry_no_owner_group_or_sacl() {
        let sd = SecurityDescriptor::decode(FIXTURES[0].1).unwrap();
        assert!(sd.owner.is_none() && sd.group.is_none() && sd.sacl.is_none());
        assert_eq!(sd.layout, vec![Part::Dacl]);
    }

    #[test]
    fn a_built_dacl_decodes_back() {
        let ace = Ace::Access(AccessAce {
            ace_type: ace_type::ACCESS_ALLOWED_OBJECT,
            flags: ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY,
            mask: 0x100,
            object_type: Some("00299570-246d-11d0-a768-00aa006e0529".parse().unwrap()),
            inherited_object_type: Some("bf967aba-0de6-11d0-a285-00aa003049e2".parse().unwrap()),
            sid: "S-1-5-21-1-2-3-1104".parse().unwrap(),
            extra_object_flags: 0,
            trailer: vec![],
        });
        let sd = SecurityDescriptor::with_dacl(
            control::DACL_AUTO_INHERITED,
            Acl::new(vec![ace.clone()]),
        );
        let bytes = sd.encode().unwrap();
        let back = SecurityDescriptor::decode(&bytes).unwrap();
        assert_eq!(back.dacl.unwrap().aces, vec![ace]);
        assert_eq!(
            back.control,
            control::DACL_AUTO_INHERITED | control::DACL_PRESENT | control::SELF_RELATIVE
        );
    }

    #[test]
    fn truncations_of_real_descriptors_are_errors_not_panics() {
        for (_, bytes) in FIXTURES {
            for cut in 0..bytes.len() {
                let _ = SecurityDescriptor::decode(&bytes[..cut]);
            }
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Arbitrary bytes never panic the decoder, and whatever decodes re-encodes and decodes the same.
            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                if let Ok(sd) = SecurityDescriptor::decode(&bytes) {
                    if let Ok(again) = sd.encode() {
                        prop_assert_eq!(SecurityDescriptor::decode(&again).unwrap(), sd);
                    }
                }
            }

            /// Real descriptors with one byte changed never panic either.
            #[test]
            fn mutated_real_descriptors_never_panic(i in 0usize..2060, v in any::<u8>()) {
                let mut bytes = include_bytes!("../../../tests/fixtures/sd/domain-root-dacl.bin").to_vec();
                bytes[i % 2060] = v;
                let _ = SecurityDescriptor::decode(&bytes);
            }
        }
    }
}
