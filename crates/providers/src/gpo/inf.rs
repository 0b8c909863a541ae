//! GptTmpl.inf, the security template of a GPO: parsed as lines so that editing one
//! key keeps every other byte of the file as it was (encoding, BOM, line ends, order,
//! comments, spacing).
//!
//! How Windows reads the file, and so how `get` and `set` behave:
//! - The template is an INF file (`[Version] signature="$CHICAGO$"`), so we follow the
//!   Setup API's rules. "General Syntax Rules for INF Files" (learn.microsoft.com,
//!   windows-hardware/drivers/install/general-syntax-rules-for-inf-files): section
//!   names and keys are case-insensitive; sections that share a name are merged into
//!   one; `;` starts a comment that runs to the end of the line unless it is inside
//!   `"` quotes; a `\` at the end of a line continues it on the next.
//! - `SetupFindFirstLine` returns the first line of the (merged) section with the key;
//!   whether the security engine then reads the first or the last of several lines
//!   with one key is not documented, and Samba reads the file with Python's strict
//!   `ConfigParser`, which rejects a duplicated key or section outright (and keeps a
//!   trailing `; comment` as part of the value). So a key found
//!   on several lines is read and edited only while all of them agree (an edit then
//!   rewrites every one of them); otherwise `get` and `set` refuse, naming the lines.

use std::fmt;
use std::ops::Range;

/// How the file was (or will be) stored. Windows writes UTF-16LE with a BOM; other
/// tools write UTF-16 without one, or UTF-8. An edit is written back in the encoding
/// the file was read in, so a file never mixes two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16LeBom,
    /// UTF-16LE without a BOM, recognised by its NUL bytes.
    Utf16Le,
    Utf16BeBom,
    /// UTF-16BE without a BOM, recognised by its NUL bytes.
    Utf16Be,
    Utf8Bom,
    Utf8,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf16LeBom | Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16BeBom | Encoding::Utf16Be => "UTF-16BE",
            Encoding::Utf8Bom | Encoding::Utf8 => "UTF-8",
        }
    }

    fn bom(self) -> &'static [u8] {
        match self {
            Encoding::Utf16LeBom => &[0xFF, 0xFE],
            Encoding::Utf16BeBom => &[0xFE, 0xFF],
            Encoding::Utf8Bom => &[0xEF, 0xBB, 0xBF],
            Encoding::Utf16Le | Encoding::Utf16Be | Encoding::Utf8 => &[],
        }
    }

    fn is_utf16(self) -> bool {
        !matches!(self, Encoding::Utf8Bom | Encoding::Utf8)
    }

    fn little_endian(self) -> bool {
        matches!(self, Encoding::Utf16LeBom | Encoding::Utf16Le)
    }
}

/// The encoding of a text file by its BOM or, without one, by where its NUL bytes are:
/// INF and INI syntax is ASCII, so UTF-16 text has a NUL in every other byte. Text with
/// NUL bytes in no such pattern is `None`: it is neither UTF-8 nor UTF-16.
pub(crate) fn sniff(bytes: &[u8]) -> Option<Encoding> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some(Encoding::Utf16LeBom);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some(Encoding::Utf16BeBom);
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(Encoding::Utf8Bom);
    }
    if !bytes.contains(&0) {
        return Some(Encoding::Utf8);
    }
    let zeros = |from: usize| {
        bytes
            .iter()
            .skip(from)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let units = bytes.len() / 2;
    // At least a quarter of the characters ASCII: far below any real template.
    if bytes.len().is_multiple_of(2) && odd > even && odd * 4 >= units {
        Some(Encoding::Utf16Le)
    } else if bytes.len().is_multiple_of(2) && even > odd && even * 4 >= units {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
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

/// What went wrong reading or editing a template. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InfError {
    #[error(
        "GptTmpl.inf is {encoding} with an odd number of bytes, so it was cut short; \
         restore it from a backup or save the GPO again in the Group Policy editor"
    )]
    OddLength { encoding: &'static str },
    #[error(
        "GptTmpl.inf is not valid {encoding} text (at byte {offset}); save it as UTF-16LE, \
         as Windows does, before hybridctl edits it"
    )]
    BadText {
        encoding: &'static str,
        offset: usize,
    },
    #[error(
        "GptTmpl.inf holds NUL bytes but is not UTF-16 text; restore it from a backup \
         or save the GPO again in the Group Policy editor"
    )]
    StrayNul,
    #[error(
        "[{section}] {key} is set on lines {lines:?} of GptTmpl.inf to different values, \
         and Windows reads only one of them; delete all but one of those lines, then run again"
    )]
    Ambiguous {
        section: String,
        key: String,
        lines: Vec<usize>,
    },
    #[error(
        "line {line} of GptTmpl.inf, where [{section}] {key} is or would go, is continued \
         over several lines (it or the line before ends in `\\`); join them into one line, \
         then run again"
    )]
    Continued {
        section: String,
        key: String,
        line: usize,
    },
    #[error("cannot write the {what} {text:?} into GptTmpl.inf: {reason}; change it in the spec")]
    Unwritable {
        what: &'static str,
        text: String,
        reason: &'static str,
    },
    #[error(
        "cannot write [{section}] {key} = {value:?}: GptTmpl.inf would read it back as \
         {read:?}; change the value in the spec"
    )]
    ReadBack {
        section: String,
        key: String,
        value: String,
        read: Option<String>,
    },
}

type Result<T, E = InfError> = std::result::Result<T, E>;

/// One line as the Setup API sees it.
#[derive(Debug, PartialEq, Eq)]
enum Kind<'a> {
    /// Blank, comment, or a line this reader does not interpret (kept as it is).
    Other,
    Section(&'a str),
    Entry {
        key: &'a str,
        value: &'a str,
        /// Where `value` sits in the line: an edit replaces this and keeps the spacing
        /// around it and any trailing comment.
        at: Range<usize>,
        /// Ends in `\`: the Setup API joins the next line to it.
        continued: bool,
    },
}

fn parse(line: &str) -> Kind<'_> {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with(';') {
        return Kind::Other;
    }
    if let Some(rest) = t.strip_prefix('[') {
        // `[Name] ; comment`: whatever follows `]` is not part of the name.
        return match rest.find(']') {
            Some(i) => Kind::Section(rest[..i].trim()),
            None => Kind::Other,
        };
    }
    let data = &line[..comment_start(line)];
    let Some(eq) = outside_quotes(data)
        .find(|&(_, c)| c == '=')
        .map(|(i, _)| i)
    else {
        return Kind::Other;
    };
    let raw = &data[eq + 1..];
    let at = if raw.trim().is_empty() {
        data.len()..data.len()
    } else {
        let start = eq + 1 + (raw.len() - raw.trim_start().len());
        start..eq + 1 + raw.trim_end().len()
    };
    Kind::Entry {
        key: data[..eq].trim(),
        value: &line[at.clone()],
        continued: continues(line),
        at,
    }
}

/// The characters of `s` that are not inside `"` quotes (`""` inside quotes is a quote
/// and leaves the string open, which toggling twice gives for free).
fn outside_quotes(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quoted = false;
    s.char_indices().filter(move |&(_, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        !quoted && c != '"'
    })
}

fn comment_start(line: &str) -> usize {
    outside_quotes(line)
        .find(|&(_, c)| c == ';')
        .map_or(line.len(), |(i, _)| i)
}

/// Ends in `\` outside quotes and comments: the Setup API joins the next line to it.
fn continues(line: &str) -> bool {
    if line.trim_start().starts_with(';') {
        return false;
    }
    let data = &line[..comment_start(line)];
    data.trim_end().ends_with('\\') && quotes_balanced(data)
}

fn quotes_balanced(s: &str) -> bool {
    s.matches('"').count().is_multiple_of(2)
}

/// Section names and keys compare case-insensitively, as the Setup API does.
fn same_name(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn unwritable(what: &'static str, text: &str, reason: &'static str) -> InfError {
    InfError::Unwritable {
        what,
        text: text.to_string(),
        reason,
    }
}

/// What any name or value must be to survive a line-based file unchanged.
fn check_text(what: &'static str, text: &str) -> Result<()> {
    if text.chars().any(char::is_control) {
        return Err(unwritable(
            what,
            text,
            "it holds a control character such as a line break",
        ));
    }
    if text.trim() != text {
        return Err(unwritable(
            what,
            text,
            "it starts or ends with white space, which the file does not keep",
        ));
    }
    Ok(())
}

fn check_section(section: &str) -> Result<()> {
    if section.is_empty() {
        return Err(unwritable("section name", section, "it is empty"));
    }
    check_text("section name", section)?;
    if section.contains(['[', ']', ';', '"']) {
        return Err(unwritable(
            "section name",
            section,
            "`[`, `]`, `;` and `\"` have a meaning of their own in a section header",
        ));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(unwritable("key", key, "it is empty"));
    }
    check_text("key", key)?;
    if key.contains(['=', ';', '[', '"']) {
        return Err(unwritable(
            "key",
            key,
            "`=`, `;`, `[` and `\"` have a meaning of their own in a key",
        ));
    }
    Ok(())
}

fn check_value(value: &str) -> Result<()> {
    check_text("value", value)?;
    if !quotes_balanced(value) {
        return Err(unwritable(
            "value",
            value,
            "it opens a `\"` quote it does not close",
        ));
    }
    if outside_quotes(value).any(|(_, c)| c == ';') {
        return Err(unwritable(
            "value",
            value,
            "an unquoted `;` starts a comment; put that part in double quotes",
        ));
    }
    if value.ends_with('\\') {
        return Err(unwritable(
            "value",
            value,
            "a `\\` at the end of a line continues it onto the next line",
        ));
    }
    Ok(())
}

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

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Reads a template in any encoding `sniff` recognises; refuses anything that is not
    /// exactly valid text in it, so that `encode` gives back the same bytes.
    pub fn decode(bytes: &[u8]) -> Result<Inf> {
        let encoding = sniff(bytes).ok_or(InfError::StrayNul)?;
        let body = &bytes[encoding.bom().len()..];
        let text = if encoding.is_utf16() {
            if !body.len().is_multiple_of(2) {
                return Err(InfError::OddLength {
                    encoding: encoding.name(),
                });
            }
            let units = body.chunks_exact(2).map(|c| {
                if encoding.little_endian() {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            let mut text = String::with_capacity(body.len() / 2);
            let mut unit = 0;
            for c in char::decode_utf16(units) {
                let c = c.map_err(|_| InfError::BadText {
                    encoding: encoding.name(),
                    offset: encoding.bom().len() + 2 * unit,
                })?;
                unit += c.len_utf16();
                text.push(c);
            }
            text
        } else {
            String::from_utf8(body.to_vec()).map_err(|e| InfError::BadText {
                encoding: encoding.name(),
                offset: encoding.bom().len() + e.utf8_error().valid_up_to(),
            })?
        };
        Ok(Inf {
            encoding,
            lines: split(&text),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let text = self.to_string();
        let mut out = self.encoding.bom().to_vec();
        match self.encoding {
            Encoding::Utf16LeBom | Encoding::Utf16Le => {
                out.extend(text.encode_utf16().flat_map(u16::to_le_bytes))
            }
            Encoding::Utf16BeBom | Encoding::Utf16Be => {
                out.extend(text.encode_utf16().flat_map(u16::to_be_bytes))
            }
            Encoding::Utf8Bom | Encoding::Utf8 => out.extend(text.as_bytes()),
        }
        out
    }

    /// The value of `key` in `section` (both case-insensitive; sections of one name
    /// merged), without its comment and the white space around it. A key on several
    /// lines with different values is refused: which one Windows uses is not certain.
    pub fn get(&self, section: &str, key: &str) -> Result<Option<&str>> {
        let hits = self.find(section, key)?;
        let Some(&first) = hits.first() else {
            return Ok(None);
        };
        let value = self.value(first);
        if hits.iter().any(|&i| self.value(i) != value) {
            return Err(InfError::Ambiguous {
                section: section.to_string(),
                key: key.to_string(),
                lines: hits.iter().map(|i| i + 1).collect(),
            });
        }
        Ok(Some(value))
    }

    /// Sets `key` in `section`, keeping each line's spelling, spacing and comment when
    /// it exists; otherwise adds it at the end of the section, creating the section
    /// before `[Version]` when needed. Refuses, and changes nothing, when the file would
    /// not read back exactly `value` there and every other entry as it was.
    pub fn set(&mut self, section: &str, key: &str, value: &str) -> Result<()> {
        check_section(section)?;
        check_key(key)?;
        check_value(value)?;
        let mut next = self.clone();
        next.write(section, key, value)?;
        next.read_back(self, section, key, value)?;
        *self = next;
        Ok(())
    }

    /// Every `section`/`key`/value, in file order, values as `get` reads them.
    pub fn entries(&self) -> Vec<(String, String, String)> {
        let mut section = "";
        let mut out = Vec::new();
        for l in &self.lines {
            match parse(&l.text) {
                Kind::Section(name) => section = name,
                Kind::Entry { key, value, .. } => {
                    out.push((section.to_string(), key.to_string(), value.to_string()))
                }
                Kind::Other => {}
            }
        }
        out
    }

    fn write(&mut self, section: &str, key: &str, value: &str) -> Result<()> {
        // Refuses what `get` refuses: lines that disagree, continued lines.
        self.get(section, key)?;
        let hits = self.find(section, key)?;
        if !hits.is_empty() {
            for i in hits {
                let Kind::Entry { at, .. } = parse(&self.lines[i].text) else {
                    unreachable!("find returns entry lines")
                };
                self.lines[i].text.replace_range(at, value);
            }
            return Ok(());
        }
        let end = self.line_end();
        let mut new = vec![Line {
            text: format!("{key} = {value}"),
            end,
        }];
        let at = match self.section_range(section) {
            // After the section's last non-blank line.
            Some((start, stop)) => (start + 1..stop)
                .rev()
                .find(|&i| !self.lines[i].text.trim().is_empty())
                .map_or(start + 1, |i| i + 1),
            None => {
                new.insert(
                    0,
                    Line {
                        text: format!("[{section}]"),
                        end,
                    },
                );
                self.section_range("Version")
                    .map_or(self.lines.len(), |(s, _)| s)
            }
        };
        if at > 0 && continues(&self.lines[at - 1].text) {
            return Err(InfError::Continued {
                section: section.to_string(),
                key: key.to_string(),
                line: at,
            });
        }
        self.terminate(at);
        self.lines.splice(at..at, new);
        Ok(())
    }

    /// Reads the edited file back from its bytes, as the next run will: the key must
    /// give `value`, every other entry must be what it was, and nothing else may move.
    fn read_back(&self, before: &Inf, section: &str, key: &str, value: &str) -> Result<()> {
        let fail = |read: Option<String>| InfError::ReadBack {
            section: section.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            read,
        };
        let again = Inf::decode(&self.encode()).map_err(|_| fail(None))?;
        let read = again.get(section, key).map_err(|_| fail(None))?;
        if read != Some(value) {
            return Err(fail(read.map(str::to_string)));
        }
        let others = |inf: &Inf| {
            inf.entries()
                .into_iter()
                .filter(|(s, k, _)| !(same_name(s, section) && same_name(k, key)))
                .collect::<Vec<_>>()
        };
        if again != *self || others(&again) != others(before) {
            return Err(fail(read.map(str::to_string)));
        }
        Ok(())
    }

    /// The value of entry line `i`.
    fn value(&self, i: usize) -> &str {
        match parse(&self.lines[i].text) {
            Kind::Entry { value, .. } => value,
            _ => "",
        }
    }

    /// Lines holding `key` in every section named `section`. A line continued by `\`,
    /// or continuing one, is refused: this reader does not join lines.
    fn find(&self, section: &str, key: &str) -> Result<Vec<usize>> {
        let mut inside = false;
        let mut after_continued = false;
        let mut hits = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            let kind = parse(&l.text);
            let was_continued = std::mem::replace(&mut after_continued, continues(&l.text));
            match kind {
                Kind::Section(name) => inside = same_name(name, section),
                Kind::Entry {
                    key: k, continued, ..
                } if inside && same_name(k, key) => {
                    if continued || was_continued {
                        return Err(InfError::Continued {
                            section: section.to_string(),
                            key: key.to_string(),
                            line: i + 1,
                        });
                    }
                    hits.push(i);
                }
                _ => {}
            }
        }
        Ok(hits)
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
        if at > 0 && self.lines[at - 1].end.is_empty() {
            // A `\r` the line ends in stays its own: `\n` alone would pair with it.
            self.lines[at - 1].end = if self.lines[at - 1].text.ends_with('\r') {
                "\r\n"
            } else {
                self.line_end()
            };
        }
    }

    /// Lines of the first section named `section`: its header's index and the index
    /// after its last line.
    fn section_range(&self, section: &str) -> Option<(usize, usize)> {
        let header = |l: &Line| matches!(parse(&l.text), Kind::Section(_));
        let start = self
            .lines
            .iter()
            .position(|l| matches!(parse(&l.text), Kind::Section(n) if same_name(n, section)))?;
        let stop = (start + 1..self.lines.len())
            .find(|&i| header(&self.lines[i]))
            .unwrap_or(self.lines.len());
        Some((start, stop))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A Default Domain Policy template as Windows Server writes it.
    const WINDOWS: &[u8] = include_bytes!("../../tests/fixtures/inf/default-domain-policy.inf");

    use crate::test_corpus::corpus;

    #[test]
    fn real_template_round_trips_byte_for_byte() {
        let inf = Inf::decode(WINDOWS).unwrap();
        assert_eq!(inf.encoding, Encoding::Utf16LeBom);
        assert_eq!(inf.encode(), WINDOWS);
        assert_eq!(
            inf.get("system access", "minimumpasswordage"),
            Ok(Some("1"))
        );
        assert_eq!(inf.get("Kerberos Policy", "MaxTicketAge"), Ok(Some("10")));
    }

    #[test]
    fn set_changes_one_value_and_keeps_the_rest() {
        let mut inf = Inf::decode(WINDOWS).unwrap();
        inf.set("System Access", "MinimumPasswordAge", "0").unwrap();
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
            Ok(Some("0"))
        );
    }

    #[test]
    fn new_keys_and_sections_go_in_place() {
        let mut inf = Inf::new();
        inf.set("System Access", "MinimumPasswordAge", "0").unwrap();
        inf.set("System Access", "LockoutBadCount", "10").unwrap();
        inf.set("Kerberos Policy", "MaxTicketAge", "10").unwrap();
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
        inf.set("System Access", "LockoutBadCount", "5").unwrap();
        assert_eq!(
            inf.to_string(),
            "[System Access]\nMinimumPasswordAge=3\nLockoutBadCount = 5\n"
        );
        // A last line ending in a lone `\r` keeps it: `\n` alone would turn it into CRLF.
        let mut inf = Inf::decode(b"[System Access]\nA=3\r").unwrap();
        inf.set("System Access", "B", "5").unwrap();
        assert_eq!(inf.to_string(), "[System Access]\nA=3\r\r\nB = 5\n");
    }

    /// Repro `inf-utf16-no-bom.inf`: read as UTF-8 (NUL is valid UTF-8) and edited into
    /// a file with one UTF-8 line among UTF-16 ones.
    #[test]
    fn utf16_without_bom_is_edited_in_utf16() {
        let bytes = corpus("repro/inf-utf16-no-bom.inf");
        let mut inf = Inf::decode(&bytes).unwrap();
        assert_eq!(inf.encoding(), Encoding::Utf16Le);
        assert_eq!(inf.encode(), bytes);
        assert_eq!(
            inf.get("System Access", "NewGuestName"),
            Ok(Some("\"Guest\""))
        );
        inf.set("System Access", "MinimumPasswordAge", "2").unwrap();
        inf.set("System Access", "LockoutBadCount", "5").unwrap();
        let out = inf.encode();
        let again = Inf::decode(&out).unwrap();
        assert_eq!(again.encoding(), Encoding::Utf16Le);
        assert_eq!(
            again.get("System Access", "MinimumPasswordAge"),
            Ok(Some("2"))
        );
        assert_eq!(again.get("System Access", "LockoutBadCount"), Ok(Some("5")));
        // Every other line is byte for byte what it was.
        let before = Inf::decode(&bytes).unwrap();
        let changed: Vec<_> = before
            .lines
            .iter()
            .filter(|l| !again.lines.contains(l))
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(changed, ["MinimumPasswordAge = 1"]);
        assert_eq!(again.lines.len(), before.lines.len() + 1);
        // No byte of the output is a lone UTF-8 line: all ASCII sits in UTF-16 units.
        assert!(out.chunks(2).all(|u| u[1] == 0));
    }

    #[test]
    fn utf16_be_with_and_without_bom() {
        let text = "[System Access]\r\nMinimumPasswordAge = 1\r\n";
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [be.clone(), [&[0xFE, 0xFF][..], &be].concat()] {
            let mut inf = Inf::decode(&bytes).unwrap();
            assert_eq!(inf.encode(), bytes);
            inf.set("System Access", "MinimumPasswordAge", "4").unwrap();
            let out = inf.encode();
            assert_eq!(out.len(), bytes.len());
            assert_eq!(
                Inf::decode(&out)
                    .unwrap()
                    .get("System Access", "MinimumPasswordAge"),
                Ok(Some("4"))
            );
        }
    }

    #[test]
    fn text_that_is_neither_utf8_nor_utf16_is_refused() {
        assert_eq!(
            Inf::decode(b"[System Access]\r\nA=\xE9\r\n"),
            Err(InfError::BadText {
                encoding: "UTF-8",
                offset: 19
            })
        );
        assert_eq!(
            Inf::decode(b"[System Access]\0\r\nA=1\r\n"),
            Err(InfError::StrayNul)
        );
        assert_eq!(
            Inf::decode(&[0xFF, 0xFE, b'[', 0, b']']),
            Err(InfError::OddLength {
                encoding: "UTF-16LE"
            })
        );
        // An unpaired surrogate.
        assert_eq!(
            Inf::decode(&[0xFF, 0xFE, b'[', 0, 0x00, 0xD8, b']', 0]),
            Err(InfError::BadText {
                encoding: "UTF-16LE",
                offset: 4
            })
        );
    }

    #[test]
    fn comments_after_headers_and_values() {
        let text = "[System Access] ; account policy\r\n\
                    MinimumPasswordAge = 1 ; days\r\n\
                    NewGuestName = \"Gu;est\" ; quoted\r\n\
                    LockoutBadCount = ; none yet\r\n";
        let mut inf = Inf::decode(text.as_bytes()).unwrap();
        assert_eq!(
            inf.get("System Access", "MinimumPasswordAge"),
            Ok(Some("1"))
        );
        assert_eq!(
            inf.get("System Access", "NewGuestName"),
            Ok(Some("\"Gu;est\""))
        );
        assert_eq!(inf.get("System Access", "LockoutBadCount"), Ok(Some("")));
        inf.set("System Access", "MinimumPasswordAge", "10")
            .unwrap();
        inf.set("System Access", "NewGuestName", "\"Visitor\"")
            .unwrap();
        inf.set("System Access", "LockoutBadCount", "5").unwrap();
        assert_eq!(
            inf.to_string(),
            "[System Access] ; account policy\r\n\
             MinimumPasswordAge = 10 ; days\r\n\
             NewGuestName = \"Visitor\" ; quoted\r\n\
             LockoutBadCount = 5; none yet\r\n"
        );
        // The header with a comment is found: no second [System Access] was added.
        inf.set("System Access", "MaximumPasswordAge", "42")
            .unwrap();
        assert_eq!(inf.to_string().matches("[System Access]").count(), 1);
    }

    #[test]
    fn duplicate_sections_are_merged_as_the_setup_api_does() {
        let text = "[System Access]\r\nMinimumPasswordAge = 1\r\n[Event Audit]\r\nAuditLogonEvents = 0\r\n\
                    [system access]\r\nLockoutBadCount = 3\r\n";
        let mut inf = Inf::decode(text.as_bytes()).unwrap();
        assert_eq!(inf.get("System Access", "LockoutBadCount"), Ok(Some("3")));
        inf.set("System Access", "LockoutBadCount", "5").unwrap();
        inf.set("System Access", "ResetLockoutCount", "30").unwrap();
        assert_eq!(
            inf.to_string(),
            "[System Access]\r\nMinimumPasswordAge = 1\r\nResetLockoutCount = 30\r\n[Event Audit]\r\n\
             AuditLogonEvents = 0\r\n[system access]\r\nLockoutBadCount = 5\r\n"
        );
    }

    #[test]
    fn duplicate_keys_agreeing_are_all_edited_differing_are_refused() {
        let text =
            "[System Access]\r\nLockoutBadCount = 3\r\n[System Access]\r\nlockoutbadcount=3\r\n";
        let mut inf = Inf::decode(text.as_bytes()).unwrap();
        assert_eq!(inf.get("System Access", "LockoutBadCount"), Ok(Some("3")));
        inf.set("System Access", "LockoutBadCount", "5").unwrap();
        assert_eq!(
            inf.to_string(),
            "[System Access]\r\nLockoutBadCount = 5\r\n[System Access]\r\nlockoutbadcount=5\r\n"
        );

        let text = "[System Access]\r\nLockoutBadCount = 3\r\nLockoutBadCount = 4\r\n";
        let mut inf = Inf::decode(text.as_bytes()).unwrap();
        let refused = InfError::Ambiguous {
            section: "System Access".into(),
            key: "LockoutBadCount".into(),
            lines: vec![2, 3],
        };
        assert_eq!(
            inf.get("System Access", "LockoutBadCount"),
            Err(refused.clone())
        );
        assert_eq!(
            inf.set("System Access", "LockoutBadCount", "5"),
            Err(refused)
        );
        assert_eq!(inf.to_string(), text);
    }

    #[test]
    fn continued_lines_are_not_edited() {
        let text = "[System Access]\r\nLegalNoticeText = a,\\\r\nb\r\n";
        let mut inf = Inf::decode(text.as_bytes()).unwrap();
        let e = inf
            .set("System Access", "LegalNoticeText", "c")
            .unwrap_err();
        assert!(matches!(e, InfError::Continued { line: 2, .. }), "{e}");
    }

    /// The issue's injection: a value with CR/LF added a [Privilege Rights] line.
    #[test]
    fn set_refuses_what_it_could_not_read_back() {
        let mut inf = Inf::decode(WINDOWS).unwrap();
        let cases: &[(&str, &str, &str)] = &[
            (
                "System Access",
                "LockoutBadCount",
                "5\r\n[Privilege Rights]\r\nSeDebugPrivilege = *S-1-1-0",
            ),
            ("System Access", "LockoutBadCount", "5\n"),
            ("System Access", "LockoutBadCount", "5\0"),
            ("System Access", "LockoutBadCount", " 5"),
            ("System Access", "LockoutBadCount", "5 "),
            ("System Access", "LockoutBadCount", "5 ; six"),
            ("System Access", "LockoutBadCount", "\"5"),
            ("System Access", "LockoutBadCount", "5\\"),
            ("System Access", "Lockout=BadCount", "5"),
            ("System Access", "Lockout;BadCount", "5"),
            ("System Access", "[LockoutBadCount", "5"),
            ("System Access", " LockoutBadCount", "5"),
            ("System Access", "LockoutBadCount\t", "5"),
            ("System Access", "", "5"),
            ("System Access", "Lock\"out", "5"),
            ("System] Access", "LockoutBadCount", "5"),
            (
                "System Access\r\n[Privilege Rights",
                "SeDebugPrivilege",
                "*S-1-1-0",
            ),
            ("", "LockoutBadCount", "5"),
        ];
        for &(s, k, v) in cases {
            let e = inf.set(s, k, v).expect_err(&format!("[{s}] {k} = {v:?}"));
            assert!(matches!(e, InfError::Unwritable { .. }), "{e}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
        assert_eq!(inf.encode(), WINDOWS);
        // Quoted `;` is data, and reads back.
        inf.set("System Access", "NewGuestName", "\"a;b\"").unwrap();
        assert_eq!(
            inf.get("System Access", "NewGuestName"),
            Ok(Some("\"a;b\""))
        );
    }

    /// Every template in the corpus: decode and encode give the same bytes, and setting
    /// a new and an existing [System Access] key changes only those lines.
    #[test]
    fn corpus_templates_round_trip_and_edit_one_line() {
        let dir = format!(
            "{}/../../../shared/corpus/gpttmpl",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.unwrap().path();
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let inf = Inf::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(inf.encode(), bytes, "{name}");

            // A new key: one line more, every existing line as it was.
            let mut added = inf.clone();
            added.set("System Access", "HybridctlTestKey", "7").unwrap();
            let again = Inf::decode(&added.encode()).unwrap();
            assert_eq!(
                again.get("System Access", "HybridctlTestKey"),
                Ok(Some("7")),
                "{name}"
            );
            let new: Vec<_> = again
                .lines
                .iter()
                .filter(|l| !inf.lines.contains(l))
                .collect();
            assert!(
                new.len() <= 2 && new.iter().any(|l| l.text == "HybridctlTestKey = 7"),
                "{name}: {new:?}"
            );
            assert_eq!(again.encoding(), inf.encoding(), "{name}");

            // An existing key: only its line differs.
            if let Some((_, key, value)) = inf
                .entries()
                .into_iter()
                .find(|(s, _, _)| same_name(s, "System Access"))
            {
                let wanted = format!("{value}0");
                let mut edited = inf.clone();
                edited.set("System Access", &key, &wanted).unwrap();
                let again = Inf::decode(&edited.encode()).unwrap();
                assert_eq!(again.get("System Access", &key), Ok(Some(wanted.as_str())));
                let differ = again
                    .lines
                    .iter()
                    .zip(&inf.lines)
                    .filter(|(a, b)| a != b)
                    .count();
                assert_eq!((differ, again.lines.len()), (1, inf.lines.len()), "{name}");
            }
            seen += 1;
        }
        assert!(seen >= 13, "only {seen} templates in {dir}");
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
            fn arbitrary_text(text in "[\\[\\]a-zA-Z =;\"\\\\\r\n0-9-]{0,200}", key in "[A-Za-z]{1,8}", v in "[0-9]{1,4}") {
                let mut inf = Inf::decode(text.as_bytes()).unwrap();
                prop_assert_eq!(inf.encode(), text.as_bytes());
                if inf.set("System Access", &key, &v).is_ok() {
                    let again = Inf::decode(&inf.encode()).unwrap();
                    prop_assert_eq!(again.get("System Access", &key), Ok(Some(v.as_str())));
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Whatever `set` accepts reads back as written, and setting it again (the
            /// next apply) changes no byte: one apply converges.
            #[test]
            fn accepted_entries_read_back_and_converge(
                base in prop_oneof![
                    prop::sample::select(vec![
                        "",
                        "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\n",
                        "[System Access] ; c\r\nA = 1 ; d\r\n[system access]\r\nB=\"x;y\"\r\n",
                        "[Registry Values]\nMACHINE\\Software\\X=4,1\n[Version]\nRevision=1",
                    ])
                    .prop_map(str::to_string),
                    "[\\[\\]a-cA-C =;\"\\\\\r\n0-9-]{0,120}",
                ],
                utf16 in any::<bool>(),
                section in prop_oneof![3 => "[A-C][a-c]{0,3}( [A-C][a-c]{0,3})?", 1 => "[ -~]{0,12}"],
                key in prop_oneof![3 => "[A-Ca-c]{1,3}", 1 => "[ -~]{0,12}"],
                value in prop_oneof![3 => "[A-Ca-c0-9,*-]{0,8}", 1 => "[ -~\t\r\n\u{e9}\u{2028}]{0,16}"],
            ) {
                let bytes: Vec<u8> = if utf16 {
                    base.encode_utf16().flat_map(u16::to_le_bytes).collect()
                } else {
                    base.as_bytes().to_vec()
                };
                let Ok(mut inf) = Inf::decode(&bytes) else {
                    // Empty UTF-16 is empty UTF-8: nothing to test.
                    return Ok(());
                };
                let before = inf.clone();
                match inf.set(&section, &key, &value) {
                    Ok(()) => {
                        let written = inf.encode();
                        let mut again = Inf::decode(&written).unwrap();
                        prop_assert_eq!(again.encoding(), before.encoding());
                        prop_assert_eq!(again.get(&section, &key), Ok(Some(value.as_str())));
                        again.set(&section, &key, &value).unwrap();
                        prop_assert_eq!(again.encode(), written);
                    }
                    Err(_) => prop_assert_eq!(inf, before),
                }
            }
        }
    }
}
