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

impl FromStr for Guid {
    type Err = String;

    /// Accepts `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        let t = s.trim().trim_start_matches('{').trim_end_matches('}');
        let groups: Vec<&str> = t.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != 5 || groups.iter().zip(lens).any(|(g, n)| g.len() != n) {
            return Err(bad());
        }
        let hex: String = groups.concat();
        let mut raw = [0u8; 16];
        for (i, byte) in raw.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        // Text order is big-endian; the first three fields are stored little-endian.
        raw[0..4].reverse();
        raw[4..6].reverse();
        raw[6..8].reverse();
        Ok(Guid(raw))
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
        ] {
            assert!(s.parse::<Guid>().is_err(), "{s}");
        }
    }
}
