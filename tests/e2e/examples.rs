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
