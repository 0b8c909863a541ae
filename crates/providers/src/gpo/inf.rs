//! GptTmpl.inf, the security template of a GPO: parsed as lines so that editing one
//! key keeps every other byte of the file as it was (encoding, BOM, line ends, order,
//! comments, spacing).

use std::fmt;

/// How the file was (or will be) stored. Windows writes UTF-16LE with a BOM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16LeBom,
    Utf8Bom,
    Utf8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    text: String,
    /// `\r\n`, `\n`, or empty for a last line without one.
    end: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inf {
    encoding: Encoding,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GptTmpl.inf is not valid text: {0}")]
pub struct InfError(String);

impl Inf {
    /// A new template as Windows writes one: `[Unicode]` and `[Version]` sections.
    pub fn new() -> Inf {
        let text =
            "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n";
        Inf {
            encoding: Encoding::Utf16LeBom,
            lines: split(text),
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Inf, InfError> {
        let (encoding, text) = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
            if rest.len() % 2 != 0 {
                return Err(InfError("UTF-16 text with an odd number of bytes".into()));
            }
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            (
                Encoding::Utf16LeBom,
                String::from_utf16(&units).map_err(|e| InfError(e.to_string()))?,
            )
        } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            (
                Encoding::Utf8Bom,
                String::from_utf8(rest.to_vec()).map_err(|e| InfError(e.to_string()))?,
            )
        } else {
            (
                Encoding::Utf8,
                String::from_utf8(bytes.to_vec()).map_err(|e| InfError(e.to_string()))?,
            )
        };
        Ok(Inf {
            encoding,
            lines: split(&text),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let text = self.to_string();
        match self.encoding {
            Encoding::Utf16LeBom => {
                let mut out = vec![0xFF, 0xFE];
                out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                out
            }
            Encoding::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            Encoding::Utf8 => text.into_bytes(),
        }
    }

    /// The value of `key` in `section` (both case-insensitive), trimmed.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let i = self.find_key(section, key)?;
        Some(split_key(&self.lines[i].text)?.1.trim())
    }

    /// Sets `key` in `section`, keeping the line's spelling and spacing when it exists;
    /// otherwise adds it at the end of the section, creating the section before
    /// `[Version]` when needed.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        if let Some(i) = self.find_key(section, key) {
            let line = &self.lines[i].text;
            let eq = line.find('=').expect("a key line has '='");
            let after = &line[eq + 1..];
            let pad = &after[..after.len() - after.trim_start().len()];
            self.lines[i].text = format!("{}={pad}{value}", &line[..eq]);
            return;
        }
        let end = self.line_end();
        let new = Line {
            text: format!("{key} = {value}"),
            end,
        };
        match self.section_range(section) {
            Some((start, stop)) => {
                // After the section's last non-blank line.
                let at = (start + 1..stop)
                    .rev()
                    .find(|&i| !self.lines[i].text.trim().is_empty())
                    .map_or(start + 1, |i| i + 1);
                self.terminate(at);
                self.lines.insert(at, new);
            }
            None => {
                let at = self
                    .section_range("Version")
                    .map_or(self.lines.len(), |(s, _)| s);
                self.terminate(at);
                self.lines.insert(
                    at,
                    Line {
                        text: format!("[{section}]"),
                        end,
                    },
                );
                self.lines.insert(at + 1, new);
            }
        }
    }

    /// Every `section`/`key`/value, in file order.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let mut section = String::new();
        let mut out = Vec::new();
        for l in &self.lines {
            if let Some(name) = section_name(&l.text) {
                section = name.to_string();
            } else if let Some((k, v)) = split_key(&l.text) {
                out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
            }
        }
        out
    }

    fn line_end(&self) -> &'static str {
        if self.lines.iter().any(|l| l.end == "\n") && !self.lines.iter().any(|l| l.end == "\r\n") {
            "\n"
        } else {
            "\r\n"
        }
    }

    /// Gives the line before `at` a line end, so an inserted line starts on its own line.
    fn terminate(&mut self, at: usize) {
        let end = self.line_end();
        if at > 0 && self.lines[at - 1].end.is_empty() {
            self.lines[at - 1].end = end;
        }
    }

    /// Lines of `section`: its header's index and the index after its last line.
    fn section_range(&self, section: &str) -> Option<(usize, usize)> {
        let start = self
            .lines
            .iter()
            .position(|l| section_name(&l.text).is_some_and(|n| n.eq_ignore_ascii_case(section)))?;
        let stop = (start + 1..self.lines.len())
            .find(|&i| section_name(&self.lines[i].text).is_some())
            .unwrap_or(self.lines.len());
        Some((start, stop))
    }

    fn find_key(&self, section: &str, key: &str) -> Option<usize> {
        let (start, stop) = self.section_range(section)?;
        (start + 1..stop).find(|&i| {
            split_key(&self.lines[i].text).is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        })
    }
}

impl Default for Inf {
    fn default() -> Inf {
        Inf::new()
    }
}

impl fmt::Display for Inf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            f.write_str(&l.text)?;
            f.write_str(l.end)?;
        }
        Ok(())
    }
}

fn split(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(i) => {
                let (body, end) = if i > 0 && rest.as_bytes()[i - 1] == b'\r' {
                    (&rest[..i - 1], "\r\n")
                } else {
                    (&rest[..i], "\n")
                };
                lines.push(Line {
                    text: body.to_string(),
                    end,
                });
                rest = &rest[i + 1..];
            }
            None => {
                lines.push(Line {
                    text: rest.to_string(),
                    end: "",
                });
                rest = "";
            }
        }
    }
    lines
}

fn section_name(line: &str) -> Option<&str> {
    let t = line.trim();
    t.strip_prefix('[')?.strip_suffix(']')
}

fn split_key(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    if t.starts_with(';') || t.starts_with('[') {
        return None;
    }
    line.split_once('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Default Domain Policy template as Windows Server writes it.
    const WINDOWS: &[u8] = include_bytes!("../../tests/fixtures/inf/default-domain-policy.inf");

    #[test]
    fn real_template_round_trips_byte_for_byte() {
        let inf = Inf::decode(WINDOWS).unwrap();
        assert_eq!(inf.encoding, Encoding::Utf16LeBom);
        assert_eq!(inf.encode(), WINDOWS);
        assert_eq!(inf.get("system access", "minimumpasswordage"), Some("1"));
        assert_eq!(inf.get("Kerberos Policy", "MaxTicketAge"), Some("10"));
    }

    #[test]
    fn set_changes_one_value_and_keeps_the_rest() {
        let mut inf = Inf::decode(WINDOWS).unwrap();
        inf.set("System Access", "MinimumPasswordAge", "0");
        let before = Inf::decode(WINDOWS).unwrap().to_string();
        let after = inf.to_string();
        assert_eq!(
            after,
            before.replace("MinimumPasswordAge = 1\r\n", "MinimumPasswordAge = 0\r\n")
        );
        assert_eq!(
            Inf::decode(&inf.encode())
                .unwrap()
                .get("System Access", "MinimumPasswordAge"),
            Some("0")
        );
    }

    #[test]
    fn new_keys_and_sections_go_in_place() {
        let mut inf = Inf::new();
        inf.set("System Access", "MinimumPasswordAge", "0");
        inf.set("System Access", "LockoutBadCount", "10");
        inf.set("Kerberos Policy", "MaxTicketAge", "10");
        assert_eq!(
            inf.to_string(),
            "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordAge = 0\r\nLockoutBadCount = 10\r\n\
             [Kerberos Policy]\r\nMaxTicketAge = 10\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"
        );
        assert_eq!(&inf.encode()[..4], &[0xFF, 0xFE, b'[', 0]);
    }

    #[test]
    fn utf8_and_missing_final_newline_survive() {
        let text = b"[System Access]\nMinimumPasswordAge=3";
        let mut inf = Inf::decode(text).unwrap();
        assert_eq!(inf.encode(), text);
        inf.set("System Access", "LockoutBadCount", "5");
        assert_eq!(
            inf.to_string(),
            "[System Access]\nMinimumPasswordAge=3\nLockoutBadCount = 5\n"
        );
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Arbitrary bytes never panic; whatever decodes re-encodes to the same bytes.
            #[test]
            fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                if let Ok(inf) = Inf::decode(&bytes) {
                    prop_assert_eq!(inf.encode(), bytes);
                }
            }

            /// Any text round-trips and survives edits.
            #[test]
            fn arbitrary_text(text in "[\\[\\]a-zA-Z =;\r\n0-9-]{0,200}", key in "[A-Za-z]{1,8}", v in "[0-9]{1,4}") {
                let mut inf = Inf::decode(text.as_bytes()).unwrap();
                prop_assert_eq!(inf.encode(), text.as_bytes());
                inf.set("System Access", &key, &v);
                let again = Inf::decode(&inf.encode()).unwrap();
                prop_assert_eq!(again.get("System Access", &key), Some(v.as_str()));
            }
        }
    }
}
