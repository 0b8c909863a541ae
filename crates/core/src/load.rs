//! Reading specs from disk: one file, or a folder of YAML files merged into one spec.
//! Every problem found is reported, each with `file:line:column` where YAML has one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::spec::{Resource, Spec, SPEC_VERSION};
use crate::{Address, Diagnostic, Diagnostics};

/// A spec as loaded, with the files it came from (recorded in saved plans).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSpec {
    pub spec: Spec,
    pub files: Vec<PathBuf>,
}

impl LoadedSpec {
    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.spec.resources.iter().find(|r| &r.address() == address)
    }
}

/// Loads `path` (a YAML file, or a folder whose `*.yaml`/`*.yml` files form one spec) and
/// validates it offline.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    let files = spec_files(path)?;
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => match parse(&text, file) {
                Ok(spec) => parsed.push((file.clone(), spec)),
                Err(d) => diags.push(d),
            },
            Err(e) => diags.push(Diagnostic::new(format!(
                "cannot read {}: {e}",
                file.display()
            ))),
        }
    }
    let spec = merge(parsed, &mut diags);
    diags.extend(crate::validate::validate(&spec));
    diags.into_result(LoadedSpec { spec, files })
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

/// Parses one spec document; errors carry `file:line:column`.
pub fn parse(text: &str, origin: &Path) -> Result<Spec, Diagnostic> {
    if text.trim().is_empty() {
        return Err(
            Diagnostic::new(format!("{}: the file is empty", origin.display()))
                .hint("a spec starts with `version: 1`; see `hybridctl schema`"),
        );
    }
    serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, origin))
}

fn yaml_error(e: &serde_yaml::Error, text: &str, origin: &Path) -> Diagnostic {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; we print the location in front instead.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let (mut line, mut column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    // Inside a resource serde reports unknown keys at the resource's start; point at the key.
    if let Some(key) = unknown_field(&message) {
        if let Some((l, c)) = find_key(text, key, line) {
            (line, column) = (l, c);
        }
    }
    let mut d = Diagnostic::new(format!("{}:{line}:{column}: {message}", origin.display()));
    if let Some(s) =
        unknown_field(&message).and_then(|k| crate::suggest::closest(k, expected(&message)))
    {
        d = d.hint(format!("did you mean `{s}`?"));
    }
    d
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

/// The first `key:` at or after line `from` (1-based), as (line, column).
fn find_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, l)| {
            let body = l.trim_start().trim_start_matches("- ");
            let indent = l.len() - body.len();
            body.strip_prefix(key)
                .filter(|rest| rest.trim_start().starts_with(':'))
                .map(|_| (i + 1, indent + 1))
        })
}

/// One spec from several files: resources concatenated, connections given at most once.
fn merge(parsed: Vec<(PathBuf, Spec)>, diags: &mut Diagnostics) -> Spec {
    let mut merged = Spec {
        version: SPEC_VERSION,
        ..Spec::default()
    };
    let mut ad_from: Option<PathBuf> = None;
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
        if let Some(ad) = spec.connections.ad {
            match (&merged.connections.ad, &ad_from) {
                (Some(existing), Some(first)) if *existing != ad => {
                    diags.push(Diagnostic::new(format!(
                        "connections.ad is given differently in {} and {}; give it in one file",
                        first.display(),
                        file.display()
                    )))
                }
                (Some(_), _) => {}
                (None, _) => {
                    merged.connections.ad = Some(ad);
                    ad_from = Some(file.clone());
                }
            }
        }
        for r in spec.resources {
            let address = r.address();
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
