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
            write!(f, "S-{}-0x{:012X}", self.revision, auth)?;
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

impl FromStr for Sid {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a SID (expected S-1-<authority>-<sub>-...)");
        let mut parts = s.split('-');
        if !parts.next().is_some_and(|p| p.eq_ignore_ascii_case("S")) {
            return Err(bad());
        }
        let revision: u8 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let auth_text = parts.next().ok_or_else(bad)?;
        let auth: u64 = match auth_text
            .strip_prefix("0x")
            .or_else(|| auth_text.strip_prefix("0X"))
        {
            Some(hex) => u64::from_str_radix(hex, 16).map_err(|_| bad())?,
            None => auth_text.parse().map_err(|_| bad())?,
        };
        if revision != 1 || auth >> 48 != 0 {
            return Err(bad());
        }
        let sub_authorities = parts
            .map(|p| p.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad())?;
        if sub_authorities.len() > Self::MAX_SUB_AUTHORITIES {
            return Err(bad());
        }
        let mut authority = [0u8; 6];
        authority.copy_from_slice(&auth.to_be_bytes()[2..]);
        Ok(Sid {
            revision,
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
        ] {
            assert!(s.parse::<Sid>().is_err(), "{s}");
        }
        assert!(Sid::decode(&[1, 2, 0, 0, 0, 0, 0, 5, 1, 0]).is_err());
    }
}
