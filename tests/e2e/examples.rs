//! Every file in examples/ is a valid spec, and plans cleanly against the lab.

use std::path::Path;

use crate::harness::lab;

/// Every spec in examples/, sorted.
pub(crate) fn examples() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    files
}

/// Two-domain examples name connections `corp` and `emea`: the lab's first and second
/// domain, through each connection's own variables.
pub(crate) fn two_domains(e: &mut std::collections::BTreeMap<String, String>) {
    for k in ["URL", "USER", "PASSWORD", "CA_FILE"] {
        let first = e[&format!("HYBRIDCTL_AD_{k}")].clone();
        let second = e[&format!("HYBRIDCTL_LAB2_{k}")].clone();
        e.insert(format!("HYBRIDCTL_AD_CORP_{k}"), first);
        e.insert(format!("HYBRIDCTL_AD_EMEA_{k}"), second);
    }
}

#[test]
fn every_example_is_a_valid_spec() {
    for f in examples() {
        if let Err(e) = hybridctl_core::load::load(&f) {
            panic!("{} is not valid:\n{e}", f.display());
        }
    }
}

#[test]
fn every_example_plans_against_the_lab() {
    for f in examples() {
        let run = lab().hybridctl_with(&["plan", "-f", f.to_str().unwrap()], two_domains);
        assert_eq!(run.code, 0, "{}: {}", f.display(), run.all());
    }
}

/// What `hybridctl schema` prints accepts every example and rejects what the loader rejects,
/// so an editor validating with it agrees with hybridctl.
#[test]
fn the_published_schema_agrees_with_the_loader() {
    let schema = hybridctl_core::spec::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema");
    for f in examples() {
        let doc: serde_json::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{} fails the schema: {errors:?}",
            f.display()
        );
    }
    for bad in [
        "version: 1\nresources:\n- kind: ad.acl\n  name: x\n  objekt: y\n  aces: []\n",
        "version: 1\nresources:\n- kind: ad.acls\n  name: x\n",
        "version: 1\nconnections:\n  ad: {password: hunter2}\n",
    ] {
        let doc: serde_json::Value = serde_yaml::from_str(bad).unwrap();
        assert!(!validator.is_valid(&doc), "schema accepted: {bad}");
        assert!(
            hybridctl_core::load::parse(bad, Path::new("x.yaml")).is_err(),
            "loader accepted: {bad}"
        );
    }
}

/// The hybridctl command lines in a CI or scheduler file, shell around them cut off.
fn commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        // Only where a command starts: a bare line, a list item, `run:`, or after the binary's path.
        let Some(i) = line.find("hybridctl ") else {
            continue;
        };
        let before = line[..i].trim();
        if !(before.is_empty() || before == "-" || before == "run:" || before.ends_with("bin/")) {
            continue;
        }
        let rest = &line[i + "hybridctl ".len()..];
        let cmd = rest.split(['>', '|']).next().unwrap_or_default();
        let words: Vec<String> = cmd
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        if words.first().is_some_and(|w| {
            [
                "validate", "plan", "apply", "drift", "show", "schema", "init", "diff",
            ]
            .contains(&w.as_str())
        }) {
            out.push(words);
        }
    }
    out
}

#[test]
fn ci_and_scheduler_examples_parse_and_use_real_flags() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let yaml = |name: &str| -> serde_yaml::Value {
        serde_yaml::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };

    let gh = yaml("github-actions.yml");
    assert!(gh["jobs"]["plan"]["steps"]
        .as_sequence()
        .is_some_and(|s| !s.is_empty()));
    assert!(gh["jobs"]["drift"]["steps"]
        .as_sequence()
        .is_some_and(|s| !s.is_empty()));
    assert!(gh["on"]["schedule"].as_sequence().is_some());
    let gl = yaml("gitlab-ci.yml");
    assert_eq!(gl["drift"]["artifacts"]["reports"]["junit"], "drift.xml");
    assert!(gl["plan"]["script"].as_sequence().is_some());
    for name in [
        "kubernetes-cronjob.yaml",
        "kubernetes-cronjob-kerberos.yaml",
    ] {
        let k8s = yaml(name);
        assert_eq!(
            (k8s["apiVersion"].as_str(), k8s["kind"].as_str()),
            (Some("batch/v1"), Some("CronJob"))
        );
        let container = &k8s["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
        let args: Vec<&str> = container["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        hybridctl_cli::check_args(&args).unwrap_or_else(|e| panic!("{name} args: {e}"));
    }
    // The Kerberos forms name every variable that switches to it, and no password.
    for name in [
        "kubernetes-cronjob-kerberos.yaml",
        "hybridctl-drift-kerberos.service",
    ] {
        let text = read(name);
        for var in [
            "HYBRIDCTL_AD_AUTH",
            "HYBRIDCTL_AD_KEYTAB",
            "HYBRIDCTL_AD_PRINCIPAL",
        ] {
            assert!(text.contains(var), "{name} lacks {var}");
        }
        assert!(!text.contains("HYBRIDCTL_AD_PASSWORD"), "{name}");
    }

    // systemd units: sections and key=value lines only.
    for (name, sections) in [
        ("hybridctl-drift.service", &["Unit", "Service"][..]),
        ("hybridctl-drift-kerberos.service", &["Unit", "Service"][..]),
        ("hybridctl-drift.timer", &["Unit", "Timer", "Install"][..]),
    ] {
        let text = read(name);
        let mut seen = Vec::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                seen.push(s.to_string());
            } else {
                assert!(
                    line.split_once('=')
                        .is_some_and(|(k, _)| !k.is_empty() && !k.contains(' ')),
                    "{name}: not key=value: {line}"
                );
            }
        }
        for s in sections {
            assert!(seen.iter().any(|x| x == s), "{name} lacks [{s}]");
        }
    }

    let mut checked = 0;
    for name in [
        "github-actions.yml",
        "gitlab-ci.yml",
        "hybridctl-drift.service",
        "hybridctl-drift-kerberos.service",
    ] {
        for cmd in commands(&read(name)) {
            let words: Vec<&str> = cmd.iter().map(String::as_str).collect();
            hybridctl_cli::check_args(&words)
                .unwrap_or_else(|e| panic!("{name}: hybridctl {}: {e}", words.join(" ")));
            checked += 1;
        }
    }
    assert!(checked >= 7, "found only {checked} hybridctl commands");
}

/// The README documents every resource kind and every spec key the schema has.
#[test]
fn readme_covers_every_kind_and_key_of_the_schema() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let schema = hybridctl_core::spec::json_schema();
    let (mut keys, mut kinds) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    fn walk(
        v: &serde_json::Value,
        keys: &mut std::collections::BTreeSet<String>,
        kinds: &mut std::collections::BTreeSet<String>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                    keys.extend(props.keys().cloned());
                    if let Some(k) = props
                        .get("kind")
                        .and_then(|k| k.get("const"))
                        .and_then(|c| c.as_str())
                    {
                        kinds.insert(k.to_string());
                    }
                }
                m.values().for_each(|x| walk(x, keys, kinds));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, keys, kinds)),
            _ => {}
        }
    }
    walk(&schema, &mut keys, &mut kinds);
    assert!(kinds.len() >= 7, "{kinds:?}");
    let missing: Vec<String> = kinds
        .iter()
        .map(|k| format!("`{k}`"))
        .chain(keys.iter().filter(|k| *k != "kind").map(|k| k.to_string()))
        .filter(|k| !readme.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not document: {missing:?}"
    );
}
