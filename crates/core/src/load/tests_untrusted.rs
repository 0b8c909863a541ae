//! The loader against untrusted specs: the reproducers in the shared corpus, the merge of
//! `connections`, duplicate keys, messages, the resource index, and a bounded fuzz.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

fn repro(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/repro")
        .join(name)
}

/// The single diagnostic `load` gives for a corpus reproducer.
fn load_err(name: &str) -> Diagnostic {
    let e = load(&repro(name)).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    e.0.into_iter().next().unwrap()
}

fn err(text: &str) -> Diagnostic {
    parse(text, Path::new("spec.yaml")).unwrap_err()
}

#[test]
fn billion_laughs_are_refused_at_the_first_anchor() {
    let d = load_err("yaml-01-billion-laughs-unknown-field.yaml");
    assert!(
        d.message
            .ends_with(":6:9: YAML anchor `&a0` is not allowed in a spec"),
        "{d}"
    );
    let d = load_err("yaml-02-billion-laughs-in-template.yaml");
    assert!(
        d.message
            .ends_with(":8:13: YAML anchor `&a0` is not allowed in a spec"),
        "{d}"
    );
    assert!(d.hint.unwrap().contains("write the value out"));
}

#[test]
fn quadratic_aliases_are_refused_before_parsing() {
    for (name, at) in [
        ("yaml-quadratic-alias-S4000-k20000.yaml", ":7:9: "),
        ("yaml-quadratic-alias-S6000-k40000.yaml", ":7:9: "),
        (
            "yaml-quadratic-alias-in-template-S4000-k20000.yaml",
            ":8:12: ",
        ),
    ] {
        let d = load_err(name);
        assert!(
            d.message.contains(&format!("{name}{at}YAML anchor `&big`")),
            "{d}"
        );
    }
}

#[test]
fn deep_flow_nesting_is_refused_before_parsing() {
    let d = load_err("yaml-deep-flow-100000.yaml");
    // `    steps: ` takes 11 columns and three block levels are open (the document, the
    // resource list, the resource): the 62nd `[` is one level past the limit.
    assert!(
        d.message.ends_with(&format!(
            ":5:{}: the spec nests deeper than 64 levels",
            11 + 62
        )),
        "{d}"
    );
}

#[test]
fn utf8_bom_is_accepted() {
    let spec = load(&repro("yaml-utf8-bom.yaml")).unwrap();
    assert_eq!(spec.spec().version, 1);
    assert!(parse("\u{feff}version: 1\nresources: []\n", Path::new("x")).is_ok());
}

#[test]
fn utf16_asks_for_utf8() {
    let d = load_err("yaml-utf16le-bom.yaml");
    assert!(
        d.message
            .contains("yaml-utf16le-bom.yaml: the file is UTF-16"),
        "{d}"
    );
    assert!(d.hint.unwrap().contains("save the file as UTF-8"));
}

#[test]
fn invalid_utf8_names_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("latin1.yaml");
    std::fs::write(
        &f,
        b"version: 1\nresources:\n  - kind: manual\n    name: caf\xE9\n",
    )
    .unwrap();
    let d = load(&f).unwrap_err();
    assert!(
        d.0[0]
            .message
            .ends_with("latin1.yaml:4:14: byte 0xE9 is not valid UTF-8"),
        "{d}"
    );
}

#[test]
fn a_file_over_the_size_cap_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("huge.yaml");
    let file = std::fs::File::create(&f).unwrap();
    // Sparse: no 16 MiB are written or read.
    file.set_len(MAX_SPEC_BYTES + 1).unwrap();
    let d = load(&f).unwrap_err();
    assert!(d.0[0].message.contains("at most 16777216 bytes"), "{d}");
}

#[test]
fn duplicate_template_keys_are_errors_at_the_second_key() {
    let d = load_err("yaml-06c-dup-template-key.yaml");
    assert!(
        d.message.contains("yaml-06c-dup-template-key.yaml:9:9: ")
            && d.message.contains("duplicate key `MinimumPasswordAge`"),
        "{d}"
    );
    let d = load_err("yaml-06d-dup-template-key-case.yaml");
    assert!(
        d.message
            .contains("yaml-06d-dup-template-key-case.yaml:9:9: ")
            && d.message.contains("duplicate key `minimumpasswordage`")
            && d.message.contains("`MinimumPasswordAge` came first")
            && d.message.contains("differ only in case"),
        "{d}"
    );
}

#[test]
fn duplicate_sections_and_features_are_errors() {
    let head =
        "version: 1\nresources:\n  - kind: gpo.security\n    name: g\n    gpo: X\n    template:\n";
    let m = err(&format!(
        "{head}      S:\n        A: 0\n      s:\n        B: 5\n"
    ))
    .message;
    assert!(
        m.starts_with("spec.yaml:9:7: ") && m.contains("duplicate key `s`"),
        "{m}"
    );
    let m = err("version: 1\nresources:\n  - kind: graph.directory_sync\n    name: g\n    features:\n      a: true\n      a: false\n").message;
    assert!(
        m.starts_with("spec.yaml:7:7: ") && m.contains("duplicate key `a`"),
        "{m}"
    );
    // Features are Graph names: case matters, so these are two keys.
    assert!(parse("version: 1\nresources:\n  - kind: graph.directory_sync\n    name: g\n    features:\n      a: true\n      A: false\n", Path::new("x")).is_ok());
    let m = err("version: 1\nversion: 1\n").message;
    assert!(
        m.starts_with("spec.yaml:2:1: duplicate field `version`"),
        "{m}"
    );
}

#[test]
fn template_sections_still_read_as_before() {
    let spec = parse(
        "version: 1\nresources:\n  - kind: gpo.security\n    name: g\n    gpo: X\n    template:\n      \"System Access\": {MinimumPasswordAge: 1, NewGuestName: x, Flag: true}\n      Misplaced: 5\n",
        Path::new("x"),
    )
    .unwrap();
    let Resource::GpoSecurity(g) = &spec.resources[0] else {
        panic!("not gpo.security")
    };
    assert_eq!(
        serde_json::to_value(&g.template).unwrap(),
        serde_json::json!({"System Access": {"MinimumPasswordAge": 1, "NewGuestName": "x", "Flag": true}, "Misplaced": 5})
    );
}

#[test]
fn an_error_without_position_says_so() {
    let m = err("version: 1\nresources: []\n---\nversion: 1\n").message;
    assert!(
        m.starts_with("spec.yaml: ") && m.ends_with(" (no position)"),
        "{m}"
    );
    assert!(!m.contains(":1:1:"), "{m}");
}

#[test]
fn interval_errors_name_the_key_and_the_accepted_forms() {
    let d = err("version: 1\nresources:\n  - kind: ad.password_policy\n    name: g\n    password_policy:\n      minimum_password_length: 3\n      maximum_password_age: Never\n");
    assert_eq!(
        d.message,
        "spec.yaml:7:7: `maximum_password_age` must be a number of days or `never`"
    );
    assert!(!d.to_string().contains("untagged"), "{d}");
    let d = err("version: 1\nresources:\n  - kind: ad.password_policy\n    name: g\n    account_lockout_policy:\n      account_lockout_duration: forever\n");
    assert!(
        d.message
            .starts_with("spec.yaml:6:7: `account_lockout_duration` must be a number of minutes"),
        "{d}"
    );
}

#[test]
fn type_errors_point_at_the_key() {
    let m = err("version: 1\nresources:\n  - kind: ad.password_policy\n    name: g\n    password_policy:\n      minimum_password_length: x\n").message;
    assert!(
        m.starts_with("spec.yaml:6:7: `minimum_password_length`: invalid type: string \"x\""),
        "{m}"
    );
}

fn graph_and_ad() -> Connections {
    // Every field set, from JSON, so a field added to `Connections` must be added here too
    // (deny_unknown_fields refuses a misspelt one, and the assertion compares all).
    serde_json::from_value(serde_json::json!({
        "ad": {"url": "ldaps://dc", "user": "u", "password_env": "P", "password_file": "/p",
               "ca_file": "/ca", "base_dn": "DC=x", "starttls": true,
               "insecure_skip_verify": true, "sysvol": "/mnt", "auth": "kerberos",
               "keytab_file": "/k.keytab", "principal": "svc@REALM"},
        "graph": {"tenant_id": "t", "client_id": "c", "client_secret_env": "S",
                  "certificate_file": "/c", "private_key_file": "/k", "cloud": "usgov",
                  "ca_file": "/gca"}
    }))
    .unwrap()
}

/// The fixture above sets every key the schema knows for each connection.
#[test]
fn the_connection_fixture_sets_every_key() {
    let schema = crate::spec::json_schema();
    let set = serde_json::to_value(graph_and_ad()).unwrap();
    for (field, def) in [("ad", "AdConnection"), ("graph", "GraphConnection")] {
        let known: std::collections::BTreeSet<&String> = schema["$defs"][def]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{def} in the schema"))
            .keys()
            .collect();
        let given: std::collections::BTreeSet<&String> =
            set[field].as_object().unwrap().keys().collect();
        assert_eq!(known, given, "connections.{field}");
    }
}

fn connections_yaml(c: &Connections) -> String {
    serde_yaml::to_string(&serde_json::json!({"version": 1, "connections": c})).unwrap()
}

#[test]
fn every_connection_survives_loading_one_file() {
    let c = graph_and_ad();
    let all = serde_json::to_value(&c).unwrap();
    assert_eq!(
        all.as_object().unwrap().len(),
        2,
        "a new connections key: test it here"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("spec.yaml");
    std::fs::write(&f, connections_yaml(&c)).unwrap();
    assert_eq!(load(&f).unwrap().connections(), &c);
}

#[test]
fn every_connection_survives_a_folder_split_across_files() {
    let c = graph_and_ad();
    let dir = tempfile::tempdir().unwrap();
    let ad = Connections {
        ad: c.ad.clone(),
        graph: None,
    };
    let graph = Connections {
        ad: None,
        graph: c.graph.clone(),
    };
    std::fs::write(dir.path().join("a.yaml"), connections_yaml(&ad)).unwrap();
    std::fs::write(dir.path().join("b.yaml"), connections_yaml(&graph)).unwrap();
    // The same value again in a third file is no conflict.
    std::fs::write(dir.path().join("c.yaml"), connections_yaml(&graph)).unwrap();
    assert_eq!(load(dir.path()).unwrap().connections(), &c);
}

#[test]
fn conflicting_connections_name_both_files() {
    let c = graph_and_ad();
    let mut other = c.clone();
    other.graph.as_mut().unwrap().tenant_id = Some("other".into());
    let Some(crate::spec::AdConnections::One(ad)) = other.ad.as_mut() else {
        panic!("the fixture has one AD connection")
    };
    ad.url = Some("ldaps://other".into());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), connections_yaml(&c)).unwrap();
    std::fs::write(dir.path().join("b.yaml"), connections_yaml(&other)).unwrap();
    let e = load(dir.path()).unwrap_err();
    let messages: Vec<&str> = e.0.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{e}");
    for (d, key) in messages.iter().zip(["ad", "graph"]) {
        assert!(
            d.starts_with(&format!("connections.{key} is given differently in "))
                && d.contains("a.yaml")
                && d.contains("b.yaml"),
            "{d}"
        );
    }
}

#[test]
fn password_writeback_example_keeps_its_graph_connection() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/password-writeback.yaml");
    let spec = load(&example).unwrap();
    let graph = spec
        .connections()
        .graph
        .as_ref()
        .expect("connections.graph");
    assert_eq!(
        graph.tenant_id.as_deref(),
        Some("00000000-0000-0000-0000-000000000000")
    );
}

#[test]
fn resources_are_found_through_the_index() {
    let n = 20_000;
    let mut text = String::from("version: 1\nresources:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - {{kind: manual, name: m{i}, steps: [s{i}]}}\n"
        ));
    }
    let spec = LoadedSpec::new(parse(&text, Path::new("x")).unwrap(), vec![]);
    assert_eq!(spec.resources().len(), n);
    for i in (0..n).step_by(997) {
        let a = Address::new(crate::Kind::Manual, &format!("m{i}"));
        assert_eq!(spec.resource(&a).map(Resource::address), Some(a));
    }
    assert!(spec
        .resource(&Address::new(crate::Kind::Manual, "missing"))
        .is_none());
    assert!(spec
        .resource(&Address::new(crate::Kind::AdAcl, "m1"))
        .is_none());
}

/// Seeds for the fuzz: small valid specs in the examples' shapes and the corpus reproducers,
/// cut to the fuzz's size bound.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        "version: 1\nconnections:\n  ad:\n    url: ldaps://dc01\n    user: svc@corp\n  graph:\n    tenant_id: t # comment\nresources:\n  - kind: graph.license\n    name: l\n    require_service_plans: [AAD_PREMIUM, 'P2']\n",
        "version: 1\nresources:\n  - kind: ad.acl\n    name: w\n    object: \"{domain}\"\n    aces:\n      - principal: MSOL_1\n        allow: [Reset password]\n        applies_to: Descendant User objects\n",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: g\n    gpo: Default Domain Policy\n    password_policy: {maximum_password_age: never, minimum_password_length: 14}\n    template:\n      \"System Access\":\n        LSAAnonymousNameLookup: 0\n",
        "version: 1\nresources:\n  - kind: manual\n    name: m\n    steps:\n      - |\n        R&D *step* [one]\n      - >-\n        folded\n",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for entry in std::fs::read_dir(repro("")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("yaml-")
        {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.truncate(4096);
            seeds.push(bytes);
        }
    }
    seeds
}

/// Decodes and parses as `load` does; must never panic.
fn parse_bytes(bytes: &[u8]) {
    if let Ok(text) = decode::decode(bytes) {
        let _ = parse(text, Path::new("fuzz.yaml"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_bytes(&bytes);
    }

    #[test]
    fn mutated_specs_never_panic(
        seed in proptest::sample::select(seeds()),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"[]{}&*'\"#:-|>!,? \n\tax0\xC3\xFF".to_vec())), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = seed;
        for (at, b) in edits {
            if bytes.is_empty() { bytes.push(b) } else { let i = at.index(bytes.len()); bytes[i] = b; }
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        parse_bytes(&bytes);
    }
}

/// Real YAML with `*` and `&` in quoted text, comments and globs: none is an alias or anchor.
#[test]
fn the_prescan_accepts_every_yaml_file_in_examples() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs = vec![examples];
    let mut scanned = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(prescan::scan(&text), Ok(()), "{}", path.display());
                scanned += 1;
            }
        }
    }
    assert!(scanned >= 5, "{scanned} files");
}

#[test]
fn messages_inside_resources_name_the_key_where_they_can() {
    let cases = [
        // Outside resources serde_yaml's own position and path stand.
        ("version: x\n", "spec.yaml:1:10: version: invalid type: string \"x\", expected u32"),
        (
            "version: 1\nresources:\n  - kind: manual\n    name: a\n    name: b\n    steps: [a]\n",
            "spec.yaml:5:5: duplicate field `name`",
        ),
        (
            "version: 1\nresources:\n  - kind: ad.password_policy\n    name: g\n    password_policy: {maximum_password_age: -3}\n",
            "spec.yaml:5:23: `maximum_password_age` must be a number of days or `never`",
        ),
        (
            "version: 1\nresources:\n  - kind: ad.password_policy\n    name: g\n    password_policy:\n      minimum_password_length: -1\n",
            "spec.yaml:6:7: `minimum_password_length`: invalid value: integer `-1`, expected u32",
        ),
        (
            "version: 1\nresources:\n  - kind: gpo.security\n    name: g\n    gpo: X\n    template:\n      S:\n        A: 1.5\n",
            "spec.yaml:8:9: the value of `A` in template section must be a number, `true`/`false` or text",
        ),
        (
            "version: 1\nresources:\n  - kind: graph.directory_sync\n    name: g\n    features:\n      a: yes\n",
            "spec.yaml:6:7: the value of `a` in features must be `true` or `false`",
        ),
        // No key to find: the resource's start, with serde_yaml's path.
        (
            "version: 1\nresources:\n  - kind: manual\n    name: [a]\n    steps: [a]\n",
            "spec.yaml:3:3: resources: invalid type: sequence, expected a string",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(err(text).message, want);
    }
}
