//! A spec file's bytes to text: UTF-8, with or without a byte order mark. Editors on
//! Windows save UTF-8 with a BOM (accepted) or UTF-16 (refused with a hint, as serde_yaml
//! reads only UTF-8 here).

use thiserror::Error;

/// The largest spec file read: 16 MiB. Real specs are a few KB; the cap keeps a
/// mistaken or hostile file from being read into memory whole. Checked from the
/// file's metadata before reading it.
pub const MAX_SPEC_BYTES: u64 = 16 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("the file is UTF-16 ({0}); hybridctl reads specs in UTF-8")]
    Utf16(&'static str),
    #[error("{line}:{column}: byte 0x{byte:02X} is not valid UTF-8")]
    NotUtf8 {
        line: usize,
        column: usize,
        byte: u8,
    },
}

impl DecodeError {
    pub fn hint(&self) -> &'static str {
        match self {
            DecodeError::Utf16(_) => {
                "save the file as UTF-8 (in Notepad: Save As, Encoding: UTF-8)"
            }
            DecodeError::NotUtf8 { .. } => "save the file as UTF-8",
        }
    }
}

/// The text of a spec file: its UTF-8 BOM, if any, removed.
pub fn decode(bytes: &[u8]) -> Result<&str, DecodeError> {
    if let Some(which) = utf16(bytes) {
        return Err(DecodeError::Utf16(which));
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let (good, bad) = bytes.split_at(e.valid_up_to());
        // `good` is valid UTF-8, so counting its characters after the last newline gives the column.
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let column = good.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        DecodeError::NotUtf8 {
            line,
            column,
            byte: bad[0],
        }
    })
}

/// Which UTF-16 the bytes are, by BOM or, without one, by the NUL bytes that ASCII
/// text has in every other position.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some("little-endian, with a byte order mark"),
        [0xFE, 0xFF, ..] => return Some("big-endian, with a byte order mark"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(64)];
    if head.len() < 2 {
        return None;
    }
    let pairs = head.len() / 2;
    let nul_at = |odd: usize| {
        head.chunks_exact(2)
            .filter(|p| p[odd] == 0 && p[1 - odd] != 0)
            .count()
    };
    // Most pairs with one NUL on the same side: ASCII text in UTF-16.
    if nul_at(1) * 4 >= pairs * 3 {
        Some("little-endian")
    } else if nul_at(0) * 4 >= pairs * 3 {
        Some("big-endian")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(b"version: 1\n"), Ok("version: 1\n"));
        assert_eq!(decode(b"\xEF\xBB\xBFversion: 1\n"), Ok("version: 1\n"));
        assert_eq!(decode(b""), Ok(""));
    }

    #[test]
    fn utf16_is_recognised_with_or_without_bom() {
        let text = "version: 1\nresources: []\n";
        let le_bom = [&[0xFF, 0xFE][..], &utf16le(text)].concat();
        let be_bom = [&[0xFE, 0xFF][..], &utf16be(text)].concat();
        assert!(matches!(decode(&le_bom), Err(DecodeError::Utf16(w)) if w.starts_with("little")));
        assert!(matches!(decode(&be_bom), Err(DecodeError::Utf16(w)) if w.starts_with("big")));
        assert!(
            matches!(decode(&utf16le(text)), Err(DecodeError::Utf16(w)) if w == "little-endian")
        );
        assert!(matches!(decode(&utf16be(text)), Err(DecodeError::Utf16(w)) if w == "big-endian"));
    }

    #[test]
    fn a_bad_byte_is_located() {
        assert_eq!(
            decode(b"version: 1\nname: caf\xE9\n"),
            Err(DecodeError::NotUtf8 {
                line: 2,
                column: 10,
                byte: 0xE9
            })
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFa: \xC3\xA9\xFF")
                .unwrap_err()
                .to_string(),
            "1:5: byte 0xFF is not valid UTF-8"
        );
    }
}
