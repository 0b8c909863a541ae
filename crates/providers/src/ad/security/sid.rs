//! Security identifiers (MS-DTYP 2.4.2): binary form and `S-1-5-...` text.

use std::fmt;
use std::str::FromStr;

use super::DecodeError;

/// A SID. Ordered and hashable so ACE sets can be compared without the server's byte order.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    revision: u8,
    authority: [u8; 6],
    sub_authorities: Vec<u32>,
}

impl Sid {
    /// Largest sub-authority count MS-DTYP allows.
    const MAX_SUB_AUTHORITIES: usize = 15;

    /// Decodes a SID from the start of `bytes`; returns it and the bytes it used.
    pub fn decode(bytes: &[u8]) -> Result<(Sid, usize), DecodeError> {
        if bytes.len() < 8 {
            return Err(DecodeError::new("SID header", 8, bytes.len()));
        }
        let revision = bytes[0];
        let count = bytes[1] as usize;
        if revision != 1 || count > Self::MAX_SUB_AUTHORITIES {
            return Err(DecodeError::invalid(format!(
                "SID with revision {revision} and {count} sub-authorities"
            )));
        }
        let len = 8 + 4 * count;
        if bytes.len() < len {
            return Err(DecodeError::new("SID sub-authorities", len, bytes.len()));
        }
        let mut authority = [0u8; 6];
        authority.copy_from_slice(&bytes[2..8]);
        let sub_authorities = bytes[8..len]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok((
            Sid {
                revision,
                authority,
                sub_authorities,
            },
            len,
        ))
    }

    pub fn encoded_len(&self) -> usize {
        8 + 4 * self.sub_authorities.len()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.revision);
        out.push(self.sub_authorities.len() as u8);
        out.extend_from_slice(&self.authority);
        for s in &self.sub_authorities {
            out.extend_from_slice(&s.to_le_bytes());
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }

    /// The last sub-authority: the RID of a domain account.
    pub fn rid(&self) -> Option<u32> {
        self.sub_authorities.last().copied()
    }

    /// The SID without its RID: for an account, its domain's SID.
    pub fn parent(&self) -> Option<Sid> {
        let (_, rest) = self.sub_authorities.split_last()?;
        Some(Sid {
            revision: self.revision,
            authority: self.authority,
            sub_authorities: rest.to_vec(),
        })
    }

    fn authority_value(&self) -> u64 {
        self.authority
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.authority_value();
        if auth >> 32 == 0 {
            write!(f, "S-{}-{}", self.revision, auth)?;
        } else {
            // As Windows writes it: upper-case hex, no padding.
            write!(f, "S-{}-0x{:X}", self.revision, auth)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why text is not a SID. Each says what was wrong so the user can fix the spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SidParseError {
    #[error("`{0}` is not a SID: it must start with `S-1-` (write S-1-<authority>-<sub>-..., e.g. S-1-5-32-544)")]
    Prefix(String),
    #[error("`{0}` is not a SID: only revision 1 exists (write S-1-...)")]
    Revision(String),
    #[error("`{text}` is not a SID: `{part}` is not a valid {what} (decimal digits without sign, spaces or leading zeros{hex})")]
    Number {
        text: String,
        part: String,
        what: &'static str,
        hex: &'static str,
    },
    #[error("`{0}` is not a SID: it has more than 15 sub-authorities")]
    TooLong(String),
}

/// Windows' limit: 48 bits of identifier authority.
const MAX_AUTHORITY: u64 = (1 << 48) - 1;

/// A decimal number as Windows writes it: digits only, no sign, no leading zero, fits in `max`.
fn strict_decimal(part: &str, max: u64) -> Option<u64> {
    let digits_only = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (part.len() > 1 && part.starts_with('0')) {
        return None;
    }
    part.parse::<u64>().ok().filter(|v| *v <= max)
}

impl FromStr for Sid {
    type Err = SidParseError;

    /// `S-1-<authority>-<sub>...`: the authority in decimal or `0x` and 1 to 12 hex digits
    /// (below 2^48 either way), up to 15 decimal sub-authorities that each fit 32 bits.
    /// Nothing else: no signs, spaces, leading zeros or empty parts.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let number = |part: &str, what: &'static str, hex: &'static str| SidParseError::Number {
            text: s.to_string(),
            part: part.to_string(),
            what,
            hex,
        };
        let mut parts = s.split('-');
        if !matches!(parts.next(), Some("S" | "s")) {
            return Err(SidParseError::Prefix(s.to_string()));
        }
        match parts.next() {
            Some("1") => {}
            Some(r) if strict_decimal(r, u64::MAX).is_some() => {
                return Err(SidParseError::Revision(s.to_string()))
            }
            _ => return Err(SidParseError::Prefix(s.to_string())),
        }
        let auth_text = parts.next().unwrap_or("");
        let hex_form = "; or 0x and up to 12 hex digits";
        let auth = match auth_text
            .strip_prefix("0x")
            .or_else(|| auth_text.strip_prefix("0X"))
        {
            Some(hex)
                if (1..=12).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                u64::from_str_radix(hex, 16)
                    .map_err(|_| number(auth_text, "identifier authority", hex_form))?
            }
            Some(_) => return Err(number(auth_text, "identifier authority", hex_form)),
            None => strict_decimal(auth_text, MAX_AUTHORITY)
                .ok_or_else(|| number(auth_text, "identifier authority", hex_form))?,
        };
        debug_assert!(auth <= MAX_AUTHORITY);
        let sub_authorities = parts
            .map(|p| {
                strict_decimal(p, u64::from(u32::MAX))
                    .map(|v| v as u32)
                    .ok_or_else(|| number(p, "sub-authority", ", at most 4294967295"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if sub_authorities.len() > Self::MAX_SUB_AUTHORITIES {
            return Err(SidParseError::TooLong(s.to_string()));
        }
        let mut authority = [0u8; 6];
        authority.copy_from_slice(&auth.to_be_bytes()[2..]);
        Ok(Sid {
            revision: 1,
            authority,
            sub_authorities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_round_trip() {
        let sid: Sid = "S-1-5-21-3370533924-1225725878-2411089856-1104"
            .parse()
            .unwrap();
        let bytes = sid.to_bytes();
        let (back, used) = Sid::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(back, sid);
        assert_eq!(
            back.to_string(),
            "S-1-5-21-3370533924-1225725878-2411089856-1104"
        );
        assert_eq!(sid.rid(), Some(1104));
        assert_eq!(
            sid.parent().unwrap().to_string(),
            "S-1-5-21-3370533924-1225725878-2411089856"
        );
    }

    #[test]
    fn well_known_sid_bytes() {
        let sid: Sid = "S-1-5-11".parse().unwrap();
        assert_eq!(sid.to_bytes(), [1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0]);
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "S-1",
            "S-2-5-11",
            "X-1-5-11",
            "S-1-5-x",
            "S-1-281474976710656-1",
            "S-1-05-21-1-2",
            "S-01-5-21",
            "S-1-5-021",
            "S-1-5-+21",
            "S-1-5--21",
            "S-1-5-21-",
            "S-1-+5-21",
            "S-1-5-21 ",
            " S-1-5-21",
            "S-1-5- 21",
            "S-1-5-4294967296",
            "S-1-0x-1",
            "S-1-0x1000000000000-1",
            "S-1-0x0000000000001-1",
            "S-1-5-0x15",
            "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
        ] {
            assert!(s.parse::<Sid>().is_err(), "{s}");
        }
        assert!(matches!(
            "S-2-5".parse::<Sid>(),
            Err(SidParseError::Revision(_))
        ));
        assert!(Sid::decode(&[1, 2, 0, 0, 0, 0, 0, 5, 1, 0]).is_err());
    }

    #[test]
    fn accepts_every_form_windows_writes() {
        for (text, shown) in [
            ("S-1-5", "S-1-5"),
            ("S-1-0-0", "S-1-0-0"),
            ("s-1-5-32-544", "S-1-5-32-544"),
            ("S-1-4294967295-1", "S-1-4294967295-1"),
            ("S-1-0x5-32", "S-1-5-32"),
            ("S-1-0X12A05F200-30-40", "S-1-0x12A05F200-30-40"),
            ("S-1-5000000000-30-40", "S-1-0x12A05F200-30-40"),
            ("S-1-0xFFFFFFFFFFFF", "S-1-0xFFFFFFFFFFFF"),
            ("S-1-5-4294967295", "S-1-5-4294967295"),
            (
                "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15",
                "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15",
            ),
        ] {
            let sid: Sid = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(sid.to_string(), shown);
            assert_eq!(sid.to_string().parse::<Sid>().unwrap(), sid);
        }
    }
}
