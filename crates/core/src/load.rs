//! Reading specs from disk: one file, or a folder of YAML files merged into one spec.
//! Every problem found is reported, each with `file:line:column` where YAML has one.
//!
//! Specs arrive in pull requests and run in CI, so a spec is untrusted input: its size,
//! encoding, nesting and anchors are checked before serde_yaml builds anything.

mod decode;
mod prescan;
#[cfg(test)]
mod tests_untrusted;
pub(crate) mod unique;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use decode::{DecodeError, MAX_SPEC_BYTES};
pub use prescan::{Refused, MAX_DEPTH};

use crate::spec::{Connections, Resource, Spec, SPEC_VERSION};
use crate::{Address, Diagnostic, Diagnostics};

/// A spec as loaded, with the files it came from (recorded in saved plans) and an index
/// of its resources by address. The fields are private so the index cannot go stale.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSpec {
    spec: Spec,
    files: Vec<PathBuf>,
    by_address: HashMap<Address, usize>,
}

impl LoadedSpec {
    /// Indexes `spec`, each AD resource once per connection it acts on (see
    /// [`crate::connection::expand`]). Where two resources share an address the first one
    /// is found.
    pub fn new(spec: Spec, files: Vec<PathBuf>) -> LoadedSpec {
        let spec = crate::connection::expand(spec);
        let mut by_address = HashMap::with_capacity(spec.resources.len());
        for (i, r) in spec.resources.iter().enumerate() {
            by_address.entry(r.address()).or_insert(i);
        }
        LoadedSpec {
            spec,
            files,
            by_address,
        }
    }

    /// The spec as planned: AD resources once per connection they act on.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    pub fn resources(&self) -> &[Resource] {
        &self.spec.resources
    }

    pub fn connections(&self) -> &Connections {
        &self.spec.connections
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.by_address
            .get(address)
            .map(|&i| &self.spec.resources[i])
    }
}

/// Loads `path` (a YAML file, or a folder whose `*.yaml`/`*.yml` files form one spec) and
/// validates it offline.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let files = spec_files(path)?;
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for file in &files {
        match read(file) {
            Ok(spec) => parsed.push((file.clone(), spec)),
            Err(d) => diags.push(d),
        }
    }
    let spec = merge(parsed, &mut diags);
    diags.extend(crate::validate::validate(&spec));
    diags.into_result(LoadedSpec::new(spec, files))
}

/// Reads and parses one spec file, refusing one over [`MAX_SPEC_BYTES`] before reading it.
fn read(file: &Path) -> Result<Spec, Diagnostic> {
    let cannot =
        |e: std::io::Error| Diagnostic::new(format!("cannot read {}: {e}", file.display()));
    let size = std::fs::metadata(file).map_err(cannot)?.len();
    if size > MAX_SPEC_BYTES {
        return Err(Diagnostic::new(format!(
            "{}: the file is {size} bytes; a spec file may hold at most {MAX_SPEC_BYTES} bytes (16 MiB)",
            file.display()
        ))
        .hint("split the spec into several files in one folder"));
    }
    let bytes = std::fs::read(file).map_err(cannot)?;
    let text = decode::decode(&bytes).map_err(|e| {
        // A located error starts with its line and column, which follow the file name.
        let sep = if matches!(e, DecodeError::NotUtf8 { .. }) {
            ":"
        } else {
            ": "
        };
        Diagnostic::new(format!("{}{sep}{e}", file.display())).hint(e.hint())
    })?;
    parse(text, file)
}

fn spec_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostics> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::new(format!("cannot read spec {}: {e}", path.display()))
            .hint("pass -f with a YAML file or a folder of YAML files")
    })?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Diagnostic::new(format!("cannot list {}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(
            Diagnostic::new(format!("{} holds no .yaml or .yml files", path.display())).into(),
        );
    }
    Ok(files)
}

/// Parses one spec document; errors carry `file:line:column`. Anchors, aliases and
/// nesting deeper than [`MAX_DEPTH`] are refused before serde_yaml sees the text.
pub fn parse(text: &str, origin: &Path) -> Result<Spec, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(
            Diagnostic::new(format!("{}: the file is empty", origin.display()))
                .hint("a spec starts with `version: 1`; see `hybridctl schema`"),
        );
    }
    prescan::scan(text)
        .map_err(|e| Diagnostic::new(format!("{}:{e}", origin.display())).hint(e.hint()))?;
    serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, origin))
}

fn yaml_error(e: &serde_yaml::Error, text: &str, origin: &Path) -> Diagnostic {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; we print the location in front instead.
    let mut message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let Some(reported) = e.location().map(|l| (l.line(), l.column())) else {
        return Diagnostic::new(format!("{}: {message} (no position)", origin.display()));
    };
    let (mut line, mut column) = reported;
    let mut hint = None;
    // Inside a resource serde reports problems at the resource's start; point at the key.
    if let Some(key) = unknown_field(&message) {
        if let Some((l, c)) = find_key(text, key, line) {
            (line, column) = (l, c);
        }
        hint = crate::suggest::closest(key, expected(&message))
            .map(|s| format!("did you mean `{s}`?"));
    } else if let Some((second, first)) = duplicate(&message) {
        // The second spelling after the first one.
        if let Some((l, c)) =
            find_key(text, first, line).and_then(|(l, _)| find_key(text, second, l + 1))
        {
            (line, column) = (l, c);
        }
        hint = Some("give each key once".to_string());
    } else if let Some(key) = bad_value_key(&message) {
        if let Some((l, c)) = find_key(text, key, line) {
            (line, column) = (l, c);
        }
    } else if message.contains("untagged enum Interval") {
        if let Some((key, unit, l, c)) = bad_interval(text, line) {
            (line, column) = (l, c);
            message = format!("`{key}` must be a number of {unit} or `never`");
        } else {
            message = "an interval must be a number of days or minutes, or `never`".to_string();
        }
        hint = Some("write e.g. `42` or `never` (lowercase)".to_string());
    } else if let Some(value) = message.strip_prefix(RESOURCES).and_then(unexpected_value) {
        if let Some((key, l, c)) = find_value(text, &value, line, column) {
            (line, column) = (l, c);
            message = format!("`{key}`: {}", message.trim_start_matches(RESOURCES));
        }
    }
    if (line, column) != reported {
        // The position now names the key; the path serde_yaml gave says less.
        message = message.trim_start_matches(RESOURCES).to_string();
    }
    let mut d = Diagnostic::new(format!("{}:{line}:{column}: {message}", origin.display()));
    if let Some(h) = hint {
        d = d.hint(h);
    }
    d
}

/// serde_yaml's path for any problem inside a resource: it reads resources through a
/// buffer (`kind` picks the type), which also loses the position inside the resource.
const RESOURCES: &str = "resources: ";

/// The key named in a bad-value message of `unique`.
fn bad_value_key(message: &str) -> Option<&str> {
    let rest = &message[message.find(unique::BAD_VALUE)? + unique::BAD_VALUE.len()..];
    let rest = rest.strip_prefix(" `")?;
    Some(&rest[..rest.find('`')?])
}

/// The names serde lists after "expected one of".
fn expected(message: &str) -> Vec<&str> {
    let Some(i) = message.find("expected") else {
        return vec![];
    };
    message[i..].split('`').skip(1).step_by(2).collect()
}

fn unknown_field(message: &str) -> Option<&str> {
    let rest = &message[message.find("unknown field `")? + "unknown field `".len()..];
    Some(&rest[..rest.find('`')?])
}

/// (the repeated key, its first spelling) from serde's "duplicate field `k`" or ours.
fn duplicate(message: &str) -> Option<(&str, &str)> {
    if let Some(i) = message.find("duplicate field `") {
        let rest = &message[i + "duplicate field `".len()..];
        let key = &rest[..rest.find('`')?];
        return Some((key, key));
    }
    let rest = &message[message.find(unique::DUPLICATE)?..];
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let second = quoted.next()?;
    let first = quoted.next()?;
    Some((second, first))
}

/// The keys whose values are intervals, with their unit.
const INTERVALS: [(&str, &str); 2] = [
    ("maximum_password_age", "days"),
    ("account_lockout_duration", "minutes"),
];

/// The first interval key at or after line `from` whose value is neither a number nor `never`.
fn bad_interval(text: &str, from: usize) -> Option<(&'static str, &'static str, usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, l)| {
            INTERVALS.iter().find_map(|&(key, unit)| {
                let at = l.find(&format!("{key}:"))?;
                let value = key_value(&l[at..], key)?;
                let ok = value == "never" || value.parse::<u64>().is_ok();
                (!ok).then(|| (key, unit, i + 1, l[..at].chars().count() + 1))
            })
        })
}

/// The value serde names in "invalid type: string \"x\"" or "invalid value: integer `5`".
fn unexpected_value(message: &str) -> Option<String> {
    let i = message
        .find("invalid type: ")
        .or_else(|| message.find("invalid value: "))?;
    let rest = &message[i..];
    let rest = &rest[rest.find(": ")? + 2..];
    if let Some(s) = rest.strip_prefix("string \"") {
        return Some(s[..s.find('"')?].to_string());
    }
    let rest = rest.split_once(' ')?.1;
    let rest = rest.strip_prefix('`')?;
    Some(rest[..rest.find('`')?].to_string())
}

/// The first `key: value` line inside the block that starts at (`from`, `column`) whose
/// value is `value`, as (key, line, column of the key).
fn find_value(
    text: &str,
    value: &str,
    from: usize,
    column: usize,
) -> Option<(String, usize, usize)> {
    let mut lines = text.lines().enumerate().skip(from.saturating_sub(1));
    let (first_i, first) = lines.next()?;
    let indent = first.len() - first.trim_start_matches([' ', '-']).len();
    std::iter::once((first_i, first))
        .chain(lines.take_while(|(_, l)| {
            let body = l.trim_start();
            body.is_empty()
                || body.starts_with('#')
                || l.len() - body.len() >= column.saturating_sub(1).min(indent)
        }))
        .find_map(|(i, l)| {
            let body = l.trim_start().trim_start_matches("- ");
            let (key, v) = body.split_once(':')?;
            let v = v.split(" #").next().unwrap_or("").trim();
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            (v == value && !key.trim().is_empty())
                .then(|| (key.trim().to_string(), i + 1, l.len() - body.len() + 1))
        })
}

/// The value written after `key:` on `line`, unquoted, without a trailing comment.
fn key_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.split_once(&format!("{key}:"))?.1;
    let v = rest.split([',', '}', '#']).next()?.trim();
    Some(v.trim_matches(|c| c == '"' || c == '\''))
}

/// The first `key:` (bare or quoted) at or after line `from` (1-based), as (line, column).
fn find_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, l)| {
            let body = l.trim_start().trim_start_matches("- ");
            let indent = l.len() - body.len();
            let rest = body
                .strip_prefix(key)
                .or_else(|| body.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| body.strip_prefix(&format!("'{key}'")))?;
            rest.trim_start()
                .starts_with(':')
                .then_some((i + 1, indent + 1))
        })
}

/// Takes a `connections` field given in one file; a different value in another file is
/// a conflict naming both. Every field of `Connections` goes through this, so a field
/// added later cannot be dropped by the merge.
fn take_once<T: PartialEq>(
    name: &str,
    into: &mut Option<(T, PathBuf)>,
    value: Option<T>,
    file: &Path,
    diags: &mut Diagnostics,
) {
    let Some(value) = value else { return };
    match into {
        Some((existing, first)) if *existing != value => diags.push(
            Diagnostic::new(format!(
                "connections.{name} is given differently in {} and {}",
                first.display(),
                file.display()
            ))
            .hint(format!("give connections.{name} in one file")),
        ),
        Some(_) => {}
        None => *into = Some((value, file.to_path_buf())),
    }
}

/// One spec from several files: resources concatenated, each connection given at most once.
fn merge(parsed: Vec<(PathBuf, Spec)>, diags: &mut Diagnostics) -> Spec {
    let mut merged = Spec {
        version: SPEC_VERSION,
        ..Spec::default()
    };
    let mut ad = None;
    let mut graph = None;
    let mut seen: BTreeMap<Address, PathBuf> = BTreeMap::new();
    for (file, spec) in parsed {
        if spec.version != SPEC_VERSION {
            diags.push(
                Diagnostic::new(format!(
                    "{}: spec version {} is not one this hybridctl reads (it reads version {SPEC_VERSION})",
                    file.display(),
                    spec.version
                ))
                .hint("set `version: 1`"),
            );
        }
        // Destructured without `..`: a new field fails to compile until it is merged here.
        let Connections {
            ad: file_ad,
            graph: file_graph,
        } = spec.connections;
        take_once("ad", &mut ad, file_ad, &file, diags);
        take_once("graph", &mut graph, file_graph, &file, diags);
        for r in spec.resources {
            // Names are unique per kind, whichever domain each resource acts on.
            let address = r.address().unqualified();
            if let Some(first) = seen.get(&address) {
                diags.push(
                    Diagnostic::new(format!(
                        "{address} is declared twice ({} and {})",
                        first.display(),
                        file.display()
                    ))
                    .hint("resource names must be unique per kind"),
                );
                continue;
            }
            seen.insert(address, file.clone());
            merged.resources.push(r);
        }
    }
    merged.connections = Connections {
        ad: ad.map(|(v, _)| v),
        graph: graph.map(|(v, _)| v),
    };
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("spec.yaml")).unwrap_err().message
    }

    #[test]
    fn malformed_yaml_has_file_line_column() {
        let m = err("version: 1\nresources:\n  - kind: ad.acl\n    name: [x\n");
        assert!(m.starts_with("spec.yaml:5:1: "), "{m}");
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let m = err(
            "version: 1\nresources:\n  - kind: ad.acl\n    name: x\n    objekt: y\n    aces: []\n",
        );
        assert!(m.starts_with("spec.yaml:5:5: "), "{m}");
        assert!(m.contains("unknown field `objekt`"), "{m}");
        assert!(m.contains("expected one of `name`, `object`"), "{m}");
    }

    #[test]
    fn unknown_kind_is_named() {
        let m = err("version: 1\nresources:\n  - kind: ad.acls\n    name: x\n");
        assert!(m.starts_with("spec.yaml:3:11: "), "{m}");
        assert!(m.contains("ad.acls"), "{m}");
    }

    /// `connections.ad` in either form is read without a buffer: each mistake keeps its
    /// own line and column, and nothing given twice is kept silently.
    #[test]
    fn a_mistake_in_either_form_of_connections_ad_is_located() {
        let named = "version: 1\nconnections:\n  ad:\n    corp:\n      url: ldaps://a\n    emea:\n      url: ldaps://b\n";
        let one = "version: 1\nconnections:\n  ad:\n    url: ldaps://a\n";
        for (text, at, what) in [
            (
                format!("{named}      usr: x\n"),
                "8:7",
                "unknown field `usr`",
            ),
            (
                format!("{named}      starttls: maybe\n"),
                "8:17",
                "expected a boolean",
            ),
            (
                format!("{one}    starttls: maybe\n"),
                "5:15",
                "expected a boolean",
            ),
            (format!("{one}    usr: x\n"), "5:5", "unknown field `usr`"),
            (
                format!("{one}    url: ldaps://b\n"),
                "5:5",
                "duplicate field `url`",
            ),
            (
                format!("{named}    corp:\n      url: ldaps://c\n"),
                "8:5",
                "duplicate key `corp`",
            ),
            (
                format!("{named}      url: ldaps://c\n"),
                "8:7",
                "duplicate field `url`",
            ),
            (
                "version: 1\nconnections:\n  ad:\n    ulr: ldaps://a\n".to_string(),
                "4:5",
                "unknown field `ulr`",
            ),
            (
                format!("{named}    apac: ldaps://c\n"),
                "8:11",
                "connection `apac` must be a map of its settings",
            ),
        ] {
            let m = err(&text);
            assert!(
                m.starts_with(&format!("spec.yaml:{at}: ")),
                "{at} {what}: {m}"
            );
            assert!(m.contains(what), "{what}: {m}");
        }
        let named = parse(
            "version: 1\nconnections:\n  ad:\n    corp: {}\n    emea: {url: ldaps://b}\n",
            Path::new("spec.yaml"),
        )
        .unwrap();
        assert_eq!(
            crate::connection::names(&named.connections),
            ["corp", "emea"]
        );
    }

    #[test]
    fn a_bad_connections_value_names_the_key_and_both_forms() {
        let head = "version: 1\nconnections:\n  ad:\n    corp: {url: ldaps://a}\n    emea: {url: ldaps://b}\nresources:\n  - kind: ad.effective_access\n    name: w\n    principal: x\n    rights: [Reset password]\n    scope: {base: x}\n";
        for value in ["alll", "ALL", "7", "{corp: 1}", "[corp, [emea]]"] {
            let m = err(&format!("{head}    connections: {value}\n"));
            assert!(
                m.starts_with("spec.yaml:12:5: the value of `connections` must be `all` or a list of connection names"),
                "{value}: {m}"
            );
        }
        let ok = parse(
            &format!("{head}    connections: [corp]\n"),
            Path::new("spec.yaml"),
        )
        .unwrap();
        assert_eq!(
            ok.resources[0].connections(),
            Some(&crate::spec::ConnectionSet::Some(vec!["corp".into()]))
        );
    }

    #[test]
    fn folder_merges_and_rejects_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let body = "version: 1\nresources:\n- kind: ad.acl\n  name: same\n  object: '{domain}'\n  aces:\n  - {principal: X, allow: [Read], applies_to: This object only}\n";
        std::fs::write(dir.path().join("a.yaml"), body).unwrap();
        std::fs::write(dir.path().join("b.yml"), body).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let e = load(dir.path()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(
            e.0[0].message.contains("ad.acl.same is declared twice"),
            "{e}"
        );
    }
}
