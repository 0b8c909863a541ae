//! The base schema's attributes and classes and the built-in extended rights, compiled in:
//! `base_schema.tsv`, written by hand with `scripts/gen-base-schema` from a freshly
//! provisioned DC (its header says how). Their schemaIDGUIDs and rightsGuids are fixed by
//! Microsoft (MS-ADA1/2/3, MS-ADTS 5.1.3.2.1), so they name the object types of ACEs read
//! from any forest without a search by GUID, which the DC cannot index. A GUID not listed
//! (a schema extension, a newer schema version) is still searched for.
//!
//! Nothing is read or parsed ahead: a lookup binary-searches the sorted text and parses
//! only its GUID's lines (~50 µs for an OU's six default-ACE GUIDs the first time, ~8 µs
//! after, in a release build; no start-up cost when no ACE is read).

use super::schema::{RightEntry, SchemaEntry};
use super::security::Guid;

const TSV: &str = include_str!("base_schema.tsv");

/// One line of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// An attribute or class.
    Object(SchemaEntry),
    Right(RightEntry),
}

impl Entry {
    pub fn guid(&self) -> Guid {
        match self {
            Entry::Object(o) => o.guid,
            Entry::Right(r) => r.guid,
        }
    }
}

/// A line of the catalogue that does not read; a unit test parses the compiled-in one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("base_schema.tsv line {line}: {why}; regenerate it with scripts/gen-base-schema")]
pub struct ParseError {
    pub line: usize,
    pub why: String,
}

/// Reads the catalogue's text: `guid kind name cn extra`, tab-separated, `-` for none
/// (see scripts/gen-base-schema), `#` lines are comments. In the text's order.
pub fn parse(text: &str) -> Result<Vec<Entry>, ParseError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .map(|(i, l)| parse_line(l).map_err(|why| ParseError { line: i + 1, why }))
        .collect()
}

fn parse_line(line: &str) -> Result<Entry, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [guid, kind, name, cn, extra] = fields[..] else {
        return Err(format!("{} fields, expected 5", fields.len()));
    };
    let guid: Guid = guid.parse().map_err(|e| format!("{e}"))?;
    let opt = |f: &str| (f != "-").then(|| f.to_string());
    Ok(match kind {
        "attribute" | "class" => Entry::Object(SchemaEntry {
            ldap_name: name.to_string(),
            cn: cn.to_string(),
            guid,
            is_class: kind == "class",
            property_set: match opt(extra) {
                Some(g) => Some(g.parse().map_err(|e| format!("{e}"))?),
                None => None,
            },
        }),
        "right" => Entry::Right(RightEntry {
            cn: cn.to_string(),
            display_name: opt(name),
            guid,
            valid_accesses: extra
                .parse()
                .map_err(|_| format!("validAccesses `{extra}` is not a number"))?,
        }),
        other => return Err(format!("kind `{other}` is not attribute, class or right")),
    })
}

/// The lines of `text` whose GUID is `key` (lower-case text), found by binary search on
/// the bytes: `text` is sorted by the GUID's text (a unit test checks the compiled-in one),
/// so a lookup reads ~11 lines of it and nothing is split or parsed beforehand.
fn lines_of<'a>(text: &'a str, key: &str) -> impl Iterator<Item = &'a str> + 'a {
    let b = text.as_bytes();
    // Past the `#` header: every offset below is the start of a data line (or the end).
    let mut lo = 0;
    while b[lo..].starts_with(b"#") {
        lo = b[lo..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| lo + i + 1);
    }
    let mut hi = b.len();
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = b[lo..mid]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let next = b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| start + i + 1);
        if text.get(start..start + key.len()).is_some_and(|k| k < key) {
            lo = next;
        } else {
            hi = start;
        }
    }
    let key = key.to_string();
    text[lo..]
        .lines()
        .take_while(move |l| l.get(..key.len()) == Some(key.as_str()))
}

/// The entries the base schema has under `g`: none, or an attribute or class, an extended
/// right, or both (a validated write shares its attribute's GUID: `member` and
/// Self-Membership; two rights may share one too), by kind and cn.
pub fn entries(g: Guid) -> Vec<Entry> {
    lines_of(TSV, &g.to_string())
        // The compiled-in text; `the_catalogue_parses_...` reads every line of it.
        .map(|l| parse_line(l).expect("the compiled-in base schema parses"))
        .collect()
}

/// Every entry, in the file's order.
pub fn all() -> Vec<Entry> {
    parse(TSV).expect("the compiled-in base schema parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::rights::mask;

    fn g(s: &str) -> Guid {
        s.parse().unwrap()
    }

    #[test]
    fn the_catalogue_parses_sorted_by_guid_and_kind_without_duplicates() {
        let lines: Vec<&str> = TSV.lines().filter(|l| !l.starts_with('#')).collect();
        let entries = parse(TSV).unwrap();
        assert_eq!(entries.len(), lines.len());
        assert!(entries.len() > 1_700, "{}", entries.len());
        // Sorted by the GUID's text then kind, as the script writes it; no line twice.
        let keys: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0], f[1], f[3])
            })
            .collect();
        for w in keys.windows(2) {
            assert!(
                (w[0].0, w[0].1) <= (w[1].0, w[1].1),
                "{:?} > {:?}",
                w[0],
                w[1]
            );
            assert_ne!(w[0], w[1]);
        }
        // Every GUID text is the canonical lower-case form.
        for (guid, _, _) in &keys {
            assert_eq!(g(guid).to_string(), *guid);
        }
        assert_eq!(all(), entries);
        // The binary search finds every GUID's lines, and only those.
        for (guid, _, _) in &keys {
            let found: Vec<&str> = lines_of(TSV, guid).collect();
            let expected: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(guid))
                .collect();
            assert_eq!(found, expected);
        }
        assert_eq!(
            lines_of(TSV, "00000000-0000-0000-0000-000000000000").count(),
            0
        );
        assert_eq!(
            lines_of(TSV, "ffffffff-ffff-ffff-ffff-ffffffffffff").count(),
            0
        );
    }

    #[test]
    fn known_guids_are_named_as_the_dc_returns_them() {
        // As the lab DC returns them (see tests/e2e/base_schema.rs for every entry).
        assert_eq!(
            entries(g("bf967a0a-0de6-11d0-a285-00aa003049e2")),
            [Entry::Object(SchemaEntry {
                ldap_name: "pwdLastSet".into(),
                cn: "Pwd-Last-Set".into(),
                guid: g("bf967a0a-0de6-11d0-a285-00aa003049e2"),
                is_class: false,
                property_set: Some(g("4c164200-20c0-11d0-a768-00aa006e0529")),
            })]
        );
        assert_eq!(
            entries(g("bf967aba-0de6-11d0-a285-00aa003049e2")),
            [Entry::Object(SchemaEntry {
                ldap_name: "user".into(),
                cn: "User".into(),
                guid: g("bf967aba-0de6-11d0-a285-00aa003049e2"),
                is_class: true,
                property_set: None,
            })]
        );
        assert_eq!(
            entries(g("00299570-246d-11d0-a768-00aa006e0529")),
            [Entry::Right(RightEntry {
                cn: "User-Force-Change-Password".into(),
                display_name: Some("User Force Change Password".into()),
                guid: g("00299570-246d-11d0-a768-00aa006e0529"),
                valid_accesses: mask::CONTROL_ACCESS,
            })]
        );
        // An attribute and the validated write on it share a GUID: both are answered.
        let member = entries(g("bf9679c0-0de6-11d0-a285-00aa003049e2"));
        assert_eq!(member.len(), 2, "{member:?}");
        assert!(matches!(&member[0], Entry::Object(o) if o.ldap_name == "member"));
        assert!(matches!(&member[1], Entry::Right(r) if r.cn == "Self-Membership"));
        // A GUID outside the base schema: nothing.
        assert!(entries(g("01234567-89ab-cdef-0123-456789abcdef")).is_empty());
    }

    #[test]
    fn the_search_finds_first_middle_and_last_lines_of_a_small_text() {
        let text = "# header\n# more\naa\t1\nbb\t2\nbb\t3\ncc\t4\n";
        let find = |k: &str| lines_of(text, k).collect::<Vec<_>>();
        assert_eq!(find("aa"), ["aa\t1"]);
        assert_eq!(find("bb"), ["bb\t2", "bb\t3"]);
        assert_eq!(find("cc"), ["cc\t4"]);
        assert!(find("ab").is_empty() && find("00").is_empty() && find("zz").is_empty());
        assert!(lines_of("# only a header\n", "aa").next().is_none());
        assert!(lines_of("", "aa").next().is_none());
    }

    #[test]
    fn bad_lines_say_which_and_what_to_do() {
        let e = parse("# x\nnot-a-guid\tattribute\ta\tA\t-\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("gen-base-schema"), "{e}");
        let e = parse("00299570-246d-11d0-a768-00aa006e0529\tright\tR\tR\tx\n").unwrap_err();
        assert!(e.why.contains("validAccesses"), "{e}");
        let e = parse("00299570-246d-11d0-a768-00aa006e0529\tthing\tR\tR\t-\n").unwrap_err();
        assert!(e.why.contains("kind `thing`"), "{e}");
        assert!(parse("00299570-246d-11d0-a768-00aa006e0529\tclass\n").is_err());
    }
}
