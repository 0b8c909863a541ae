//! GPT.INI, the file beside a GPO's settings whose `[General] Version=` clients compare
//! with the directory's `versionNumber`.
//!
//! Windows writes it with `WritePrivateProfileString` (MS-GPOL 3.3.5.4 "GPO File System
//! Version Update" reads and rewrites the `Version` key). That function's documentation
//! says it writes Unicode only to a file that already is Unicode, and ANSI otherwise; a
//! file it creates has no BOM. So a GPT.INI without a UTF-16LE BOM is in the ANSI code
//! page of the machine that wrote it (Windows-1252 on Western European systems, so
//! `displayName=Stratégie` holds the byte 0xE9), and the file does not say which code
//! page that was. So this module edits bytes, never text: `Version=` and its digits are
//! ASCII in every Windows ANSI code page (DBCS trail bytes are never line ends, digits
//! or `=`, and never start a line), and every other byte, the display name and line
//! ends included, is written back untouched. A file with a UTF-16 BOM (or UTF-16 NUL
//! pattern) is edited in UTF-16 code units instead.
//!
//! Like the profile API: section and key names are case-insensitive, white space around
//! them and around the value is ignored, there are no trailing comments, and the first
//! `[General]` section and its first `Version` line are the ones read and written.

use super::inf::{sniff, Encoding};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GptIniError {
    #[error(
        "GPT.INI is UTF-16 with an odd number of bytes, so it was cut short; \
         write it again as `[General]` and `Version=<the GPO's versionNumber>`"
    )]
    OddLength,
    #[error(
        "GPT.INI line {line} says `Version={value}`, which is not a number from 0 to 4294967295; \
         set it to the GPO's versionNumber from the directory, then run again"
    )]
    BadVersion { line: usize, value: String },
}

/// The file as code units: bytes for ANSI/UTF-8, UTF-16 units otherwise. Editing units
/// and putting them back the same way keeps every untouched byte.
struct Units {
    encoding: Option<Encoding>,
    bom: Vec<u8>,
    units: Vec<u16>,
}

impl Units {
    fn read(bytes: &[u8]) -> Result<Units, GptIniError> {
        // Text with NULs in no UTF-16 pattern is handled as bytes, like ANSI.
        let encoding = sniff(bytes).filter(|e| is_utf16(*e));
        let bom_len = match encoding {
            Some(Encoding::Utf16LeBom | Encoding::Utf16BeBom) => 2,
            _ => 0,
        };
        let (bom, body) = bytes.split_at(bom_len);
        let units = match encoding {
            None => body.iter().map(|&b| u16::from(b)).collect(),
            Some(e) => {
                if body.len() % 2 != 0 {
                    return Err(GptIniError::OddLength);
                }
                body.chunks_exact(2)
                    .map(|c| match e {
                        Encoding::Utf16LeBom | Encoding::Utf16Le => {
                            u16::from_le_bytes([c[0], c[1]])
                        }
                        _ => u16::from_be_bytes([c[0], c[1]]),
                    })
                    .collect()
            }
        };
        Ok(Units {
            encoding,
            bom: bom.to_vec(),
            units,
        })
    }

    fn write(&self) -> Vec<u8> {
        let mut out = self.bom.clone();
        match self.encoding {
            None => out.extend(self.units.iter().map(|&u| u as u8)),
            Some(Encoding::Utf16LeBom | Encoding::Utf16Le) => {
                out.extend(self.units.iter().flat_map(|u| u.to_le_bytes()))
            }
            Some(_) => out.extend(self.units.iter().flat_map(|u| u.to_be_bytes())),
        }
        out
    }
}

fn is_utf16(e: Encoding) -> bool {
    !matches!(e, Encoding::Utf8 | Encoding::Utf8Bom)
}

/// A line: where its text starts and ends (line end excluded) and where the next starts.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

fn lines(units: &[u16]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < units.len() {
        let (end, next) = match units[start..].iter().position(|&u| u == u16::from(b'\n')) {
            Some(i) => {
                let nl = start + i;
                let end = if nl > start && units[nl - 1] == u16::from(b'\r') {
                    nl - 1
                } else {
                    nl
                };
                (end, nl + 1)
            }
            None => (units.len(), units.len()),
        };
        out.push(Line { start, end, next });
        start = next;
    }
    out
}

fn is_space(u: u16) -> bool {
    u == u16::from(b' ') || u == u16::from(b'\t')
}

fn trim(units: &[u16], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && is_space(units[start]) {
        start += 1;
    }
    while end > start && is_space(units[end - 1]) {
        end -= 1;
    }
    (start, end)
}

fn is_named(units: &[u16], name: &str) -> bool {
    units.len() == name.len()
        && units
            .iter()
            .zip(name.bytes())
            .all(|(&u, b)| u < 0x80 && (u as u8).eq_ignore_ascii_case(&b))
}

/// Where `key`'s value sits in the first `[General]` section, or where a new line for
/// it would go.
enum Place {
    /// The value's units, trimmed, and its line's index.
    Value {
        line: usize,
        start: usize,
        end: usize,
    },
    /// No such key: after this line of the section (its last non-blank one).
    After(usize),
    NoSection,
}

fn find(units: &[u16], lines: &[Line], key: &str) -> Place {
    let mut general: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        let (s, e) = trim(units, l.start, l.end);
        let text = &units[s..e];
        if text.first() == Some(&u16::from(b'[')) {
            if general.is_some() {
                break;
            }
            let close = text.iter().position(|&u| u == u16::from(b']'));
            if let Some(close) = close {
                let (ns, ne) = trim(text, 1, close);
                if is_named(&text[ns..ne], "General") {
                    general = Some(i);
                }
            }
            continue;
        }
        if general.is_none() || text.is_empty() || text[0] == u16::from(b';') {
            continue;
        }
        general = Some(i);
        if let Some(eq) = text.iter().position(|&u| u == u16::from(b'=')) {
            let (ks, ke) = trim(text, 0, eq);
            if is_named(&text[ks..ke], key) {
                let (vs, ve) = trim(units, s + eq + 1, e);
                return Place::Value {
                    line: i,
                    start: vs,
                    end: ve,
                };
            }
        }
    }
    match general {
        Some(i) => Place::After(i),
        None => Place::NoSection,
    }
}

/// The GPO's version as Windows reads it from GPT.INI. A file without `[General]` or
/// without `Version=` is version 0, as for a GPO never edited (callers treat a missing
/// file the same way); a `Version=` that is not a 32-bit unsigned number is an error
/// rather than a guess.
pub fn version(bytes: &[u8]) -> Result<u32, GptIniError> {
    let u = Units::read(bytes)?;
    let lines = lines(&u.units);
    match find(&u.units, &lines, "Version") {
        Place::Value { line, start, end } => {
            let value = &u.units[start..end];
            let text = String::from_utf16_lossy(value);
            let digits = value
                .iter()
                .all(|&c| (u16::from(b'0')..=u16::from(b'9')).contains(&c));
            match text.parse() {
                Ok(v) if digits => Ok(v),
                _ => Err(GptIniError::BadVersion {
                    line: line + 1,
                    value: text,
                }),
            }
        }
        Place::After(_) | Place::NoSection => Ok(0),
    }
}

/// GPT.INI with `Version=version` and every other byte as it was: the digits of the
/// existing `Version=` line are replaced; a `[General]` without one gets a line after
/// its last; a file without `[General]` gets the section at its end; no file is
/// `[General]\r\nVersion=N\r\n`. A UTF-16 file cut short (odd length) is written anew,
/// since it could not be edited in place.
pub fn with_version(existing: Option<&[u8]>, version: u32) -> Vec<u8> {
    let fresh = || format!("[General]\r\nVersion={version}\r\n").into_bytes();
    let Some(bytes) = existing else {
        return fresh();
    };
    let Ok(mut u) = Units::read(bytes) else {
        return fresh();
    };
    let digits: Vec<u16> = version.to_string().bytes().map(u16::from).collect();
    let lines = lines(&u.units);
    let eol: Vec<u16> = match lines.iter().find(|l| l.next > l.end) {
        Some(l) => u.units[l.end..l.next].to_vec(),
        None => "\r\n".bytes().map(u16::from).collect(),
    };
    let line_of = |text: &str| -> Vec<u16> {
        let mut l: Vec<u16> = text.bytes().map(u16::from).collect();
        l.extend(&eol);
        l
    };
    match find(&u.units, &lines, "Version") {
        Place::Value { start, end, .. } => {
            u.units.splice(start..end, digits);
        }
        Place::After(i) => {
            let mut new = Vec::new();
            let l = lines[i];
            if l.next == l.end {
                new.extend(&eol);
            }
            new.extend(line_of(&format!("Version={version}")));
            u.units.splice(l.next..l.next, new);
        }
        Place::NoSection => {
            let mut new = Vec::new();
            if lines.last().is_some_and(|l| l.next == l.end) {
                new.extend(&eol);
            }
            new.extend(line_of("[General]"));
            new.extend(line_of(&format!("Version={version}")));
            u.units.extend(new);
        }
    }
    u.write()
}

/// `displayName` from `[General]`, decoded as Windows would show it: UTF-16 when the
/// file is; otherwise UTF-8 when the bytes are valid UTF-8 (ASCII, or a file written by
/// a non-Windows tool), else Windows-1252, the ANSI code page of Western European
/// Windows. Other code pages cannot be told apart from the bytes alone.
pub fn display_name(bytes: &[u8]) -> Option<String> {
    let u = Units::read(bytes).ok()?;
    let lines = lines(&u.units);
    let Place::Value { start, end, .. } = find(&u.units, &lines, "displayName") else {
        return None;
    };
    let mut value = &u.units[start..end];
    // The profile API drops quotes around a value.
    if value.len() >= 2 && value[0] == u16::from(b'"') && value[value.len() - 1] == value[0] {
        value = &value[1..value.len() - 1];
    }
    Some(match u.encoding {
        Some(_) => String::from_utf16_lossy(value),
        None => {
            let bytes: Vec<u8> = value.iter().map(|&b| b as u8).collect();
            String::from_utf8(bytes.clone())
                .unwrap_or_else(|_| bytes.iter().map(|&b| windows_1252(b)).collect())
        }
    })
}

/// One Windows-1252 byte as a char; the five bytes it leaves undefined map to the C1
/// control of the same value, as Windows' own conversion does.
fn windows_1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(u32::from(HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}'),
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_corpus::corpus;

    /// Repro `gpt-ini-ansi.ini`: a Windows-1252 display name made the file unreadable,
    /// and apply replaced the whole file with two lines.
    #[test]
    fn ansi_file_keeps_every_byte_but_the_version() {
        let bytes = corpus("repro/gpt-ini-ansi.ini");
        assert_eq!(version(&bytes), Ok(65537));
        assert_eq!(
            display_name(&bytes).as_deref(),
            Some("Stratégie de sécurité")
        );
        let out = with_version(Some(&bytes), 65538);
        let at = bytes.windows(5).position(|w| w == b"65537").unwrap();
        let expected = [&bytes[..at], b"65538", &bytes[at + 5..]].concat();
        assert_eq!(out, expected);
        assert_eq!(version(&out), Ok(65538));
        // A shorter and a longer number: only the digits move.
        let out = with_version(Some(&bytes), 7);
        assert_eq!(out.len(), bytes.len() - 4);
        assert_eq!(version(&out), Ok(7));
        assert_eq!(display_name(&out), display_name(&bytes));
    }

    #[test]
    fn utf8_file_and_lf_line_ends() {
        let bytes = "[General]\nversion = 3\ndisplayName=Política\n".as_bytes();
        assert_eq!(version(bytes), Ok(3));
        assert_eq!(display_name(bytes).as_deref(), Some("Política"));
        assert_eq!(
            with_version(Some(bytes), 4),
            "[General]\nversion = 4\ndisplayName=Política\n".as_bytes()
        );
    }

    #[test]
    fn missing_line_section_or_file() {
        assert_eq!(with_version(None, 1), b"[General]\r\nVersion=1\r\n");
        assert_eq!(with_version(Some(b""), 1), b"[General]\r\nVersion=1\r\n");
        assert_eq!(version(b""), Ok(0));

        let no_version = b"[General]\r\ndisplayName=A\r\n\r\n[Other]\r\nVersion=9\r\n";
        assert_eq!(version(no_version), Ok(0));
        assert_eq!(
            with_version(Some(no_version), 2),
            b"[General]\r\ndisplayName=A\r\nVersion=2\r\n\r\n[Other]\r\nVersion=9\r\n"
        );

        let no_section = b"[Other]\nX=1";
        assert_eq!(
            with_version(Some(no_section), 2),
            b"[Other]\nX=1\n[General]\nVersion=2\n"
        );
        let unterminated = b"[General]\r\ndisplayName=A";
        assert_eq!(
            with_version(Some(unterminated), 2),
            b"[General]\r\ndisplayName=A\r\nVersion=2\r\n"
        );
    }

    #[test]
    fn a_version_that_is_not_a_number_is_an_error() {
        for v in ["abc", "-1", "4294967296", "1 2", "+3"] {
            let text = format!("[General]\r\nVersion={v}\r\n");
            assert_eq!(
                version(text.as_bytes()),
                Err(GptIniError::BadVersion {
                    line: 2,
                    value: v.to_string()
                })
            );
            // Apply can still repair it, replacing only that value.
            assert_eq!(
                with_version(Some(text.as_bytes()), 5),
                b"[General]\r\nVersion=5\r\n"
            );
        }
    }

    #[test]
    fn first_general_section_and_first_version_line() {
        let bytes = b"[general]\r\nVersion = 1 \r\nVersion=2\r\n[General]\r\nVersion=3\r\n";
        assert_eq!(version(bytes), Ok(1));
        assert_eq!(
            with_version(Some(bytes), 10),
            b"[general]\r\nVersion = 10 \r\nVersion=2\r\n[General]\r\nVersion=3\r\n"
        );
    }

    #[test]
    fn utf16_file_is_edited_in_utf16() {
        let text = "[General]\r\nVersion=5\r\ndisplayName=Stratégie\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for bytes in [[&[0xFF, 0xFE][..], &le].concat(), le.clone()] {
            assert_eq!(version(&bytes), Ok(5));
            assert_eq!(display_name(&bytes).as_deref(), Some("Stratégie"));
            let out = with_version(Some(&bytes), 12);
            let want: Vec<u8> = text
                .replace("Version=5", "Version=12")
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
            assert_eq!(out, [&bytes[..bytes.len() - le.len()], &want].concat());
        }
        assert_eq!(version(&[0xFF, 0xFE, b'[']), Err(GptIniError::OddLength));
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            /// Arbitrary bytes never panic, and setting a version then reading it back
            /// gives that version, with at most the version line added.
            #[test]
            fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200), v in any::<u32>()) {
                let _ = version(&bytes);
                let _ = display_name(&bytes);
                let out = with_version(Some(&bytes), v);
                prop_assert_eq!(version(&out), Ok(v));
                prop_assert_eq!(with_version(Some(&out), v), out);
            }

            /// Every byte outside the `Version=` value survives.
            #[test]
            fn other_bytes_survive(
                before in proptest::collection::vec(any::<u8>().prop_filter("no line end", |b| *b != b'\n' && *b != 0), 0..40),
                old in any::<u32>(),
                v in any::<u32>(),
            ) {
                let mut bytes = b"[General]\r\ndisplayName=".to_vec();
                bytes.extend(&before);
                bytes.extend(format!("\r\nVersion={old}\r\n").as_bytes());
                let out = with_version(Some(&bytes), v);
                let want = [&bytes[..bytes.len() - old.to_string().len() - 2], v.to_string().as_bytes(), b"\r\n"].concat();
                prop_assert_eq!(out, want);
            }
        }
    }
}
