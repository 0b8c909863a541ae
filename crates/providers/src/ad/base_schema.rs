//! The base schema's attributes and classes and the built-in extended rights, compiled in:
//! `base_schema.tsv`, written by hand with `scripts/gen-base-schema` from a freshly
//! provisioned DC (its header says how). Their schemaIDGUIDs and rightsGuids are fixed by
//! Microsoft (MS-ADA1/2/3, MS-ADTS 5.1.3.2.1), so they name the object types of ACEs read
//! from any forest without a search by GUID, which the DC cannot index. A GUID not listed
//! (a schema extension, a newer schema version) is still searched for.
//!
//! Nothing is read until the first lookup; then the text is split into its ~1,800 lines
//! once ([`OnceLock`]) and each lookup binary-searches them and parses only its GUID's.

use std::sync::OnceLock;

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

/// The catalogue's lines, sorted by the GUID's text (the file's order). Only split on
/// first use; a lookup parses just the lines of its GUID.
fn lines() -> &'static [&'static str] {
    static LINES: OnceLock<Vec<&'static str>> = OnceLock::new();
    LINES.get_or_init(|| TSV.lines().filter(|l| !l.starts_with('#')).collect())
}

/// The entries the base schema has under `g`: none, or an attribute or class, an extended
/// right, or both (a validated write shares its attribute's GUID: `member` and
/// Self-Membership), in the order the DC lists them.
pub fn entries(g: Guid) -> Vec<Entry> {
    let key = g.to_string();
    let lines = lines();
    let start = lines.partition_point(|l| l.get(..36).is_some_and(|k| k < key.as_str()));
    lines[start..]
        .iter()
        .take_while(|l| l.get(..36) == Some(key.as_str()))
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
        assert_eq!(super::lines(), &lines[..]);
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
