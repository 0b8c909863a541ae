//! Every file in examples/ is a valid spec, and plans cleanly against the lab.

use std::path::Path;

use crate::harness::lab;

fn examples() -> Vec<std::path::PathBuf> {
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
        let run = lab().hybridctl(&["plan", "-f", f.to_str().unwrap()]);
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
