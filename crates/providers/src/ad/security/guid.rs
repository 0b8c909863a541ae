//! GUIDs as AD stores them: the first three fields little-endian (MS-DTYP 2.3.4.2).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    pub fn from_slice(b: &[u8]) -> Option<Guid> {
        Some(Guid(b.get(..16)?.try_into().ok()?))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Text that is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a GUID: write 32 hex digits as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (optionally in one pair of braces), without spaces")]
pub struct GuidParseError(String);

impl Guid {
    /// Exactly `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: the only form SDDL allows.
    pub fn parse_plain(s: &str) -> Result<Guid, GuidParseError> {
        let bad = || GuidParseError(s.to_string());
        let b = s.as_bytes();
        if b.len() != 36 {
            return Err(bad());
        }
        let mut nibbles = [0u8; 32];
        let mut n = 0;
        for (i, c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if *c != b'-' {
                    return Err(bad());
                }
                continue;
            }
            nibbles[n] = (*c as char).to_digit(16).ok_or_else(bad)? as u8;
            n += 1;
        }
        let mut raw = [0u8; 16];
        for (i, byte) in raw.iter_mut().enumerate() {
            *byte = nibbles[2 * i] << 4 | nibbles[2 * i + 1];
        }
        // Text order is big-endian; the first three fields are stored little-endian.
        raw[0..4].reverse();
        raw[4..6].reverse();
        raw[6..8].reverse();
        Ok(Guid(raw))
    }
}

impl FromStr for Guid {
    type Err = GuidParseError;

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, or the same in one pair of braces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let inner = match s.strip_prefix('{') {
            Some(rest) => rest
                .strip_suffix('}')
                .ok_or_else(|| GuidParseError(s.to_string()))?,
            None => s,
        };
        Guid::parse_plain(inner).map_err(|_| GuidParseError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_password_guid_round_trips() {
        let g: Guid = "00299570-246d-11d0-a768-00aa006e0529".parse().unwrap();
        assert_eq!(g.0[..4], [0x70, 0x95, 0x29, 0x00]);
        assert_eq!(g.to_string(), "00299570-246d-11d0-a768-00aa006e0529");
        assert_eq!(
            "{00299570-246D-11D0-A768-00AA006E0529}"
                .parse::<Guid>()
                .unwrap(),
            g
        );
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "00299570246d11d0a76800aa006e0529",
            "0029957-0246d-11d0-a768-00aa006e0529",
            "zz299570-246d-11d0-a768-00aa006e0529",
            "{{00299570-246d-11d0-a768-00aa006e0529}}",
            "{00299570-246d-11d0-a768-00aa006e0529",
            "00299570-246d-11d0-a768-00aa006e0529}",
            " 00299570-246d-11d0-a768-00aa006e0529",
            "00299570-246d-11d0-a768-00aa006e0529 ",
            "+0299570-246d-11d0-a768-00aa006e0529",
            "0029957+-246d-11d0-a768-00aa006e0529",
            "00299570-246d-11d0-a76800-aa006e0529",
            "00299570-246d-11d0-a768-00aa006e05290",
            "00299570_246d_11d0_a768_00aa006e0529",
            "00299570-246d-11d0-a768-00aa006e052é",
        ] {
            assert!(s.parse::<Guid>().is_err(), "{s}");
        }
        assert!(Guid::parse_plain("{00299570-246d-11d0-a768-00aa006e0529}").is_err());
    }
}
