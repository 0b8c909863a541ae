//! Bad specs: each gives one clear error, exit 1, and the directory is unchanged
//! (read back with samba-tool).

use crate::harness::{acl_spec, lab, Run, Specs};

/// Runs `apply` on a spec made for a fresh OU and checks that nothing was written.
fn apply_fails(test: &str, make_spec: impl FnOnce(&str, &str) -> String) -> (Run, String) {
    let lab = lab();
    let ou = lab.scratch_ou(test);
    let specs = Specs::new();
    let principal = format!("{}\\Helpdesk", lab.netbios);
    let path = specs.write("spec.yaml", &make_spec(&ou, &principal));
    let before = lab.explicit_aces(&ou);
    let run = lab.hybridctl(&["apply", "-f", path.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        lab.explicit_aces(&ou),
        before,
        "a failed run wrote to the directory"
    );
    (run, path.display().to_string())
}

fn one_ace(ou: &str, principal: &str, rights: &str, applies_to: &str) -> String {
    acl_spec(
        "bad",
        ou,
        &format!(
            "      - {{principal: '{principal}', allow: [{rights}], applies_to: {applies_to}}}\n"
        ),
    )
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let (run, path) = apply_fails("yaml", |ou, _| {
        format!("version: 1\nresources:\n  - kind: ad.acl\n    name: [x\n    object: {ou}\n")
    });
    assert!(
        run.stderr.starts_with(&format!("error: {path}:")),
        "{}",
        run.stderr
    );
    let loc: Vec<&str> = run.stderr[7 + path.len()..].splitn(3, ':').collect();
    assert!(
        loc[1].parse::<u32>().is_ok() && loc[2].starts_with(|c: char| c.is_ascii_digit()),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_key_is_named_at_its_line() {
    let (run, path) = apply_fails("key", |ou, p| {
        one_ace(ou, p, "Read", "This object only")
            .replace("    object:", "    objekt: x\n    object:")
    });
    assert!(
        run.stderr.contains(&format!("{path}:5:5: ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("unknown field `objekt`, expected one of `name`, `object`"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_principal_is_named() {
    let (run, _) = apply_fails("principal", |ou, _| {
        one_ace(ou, "LAB\\no.such.account", "Read", "This object only")
    });
    assert!(run.stderr.contains("ad.acl.bad: aces[0]: no account, group or well-known principal `LAB\\no.such.account` in LAB"), "{}", run.stderr);
}

#[test]
fn principal_in_another_domain_is_refused() {
    let (run, _) = apply_fails("otherdomain", |ou, _| {
        one_ace(ou, "CORP\\Helpdesk", "Read", "This object only")
    });
    assert!(
        run.stderr
            .contains("names domain `CORP`, but the connected domain is `LAB`"),
        "{}",
        run.stderr
    );
}

#[test]
fn misspelt_well_known_principal_gets_a_suggestion() {
    let (run, _) = apply_fails("wellknown", |ou, _| {
        one_ace(ou, "Authenticated User", "Read", "This object only")
    });
    assert!(
        run.stderr.contains("did you mean `Authenticated Users`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_right_gets_a_suggestion() {
    let (run, _) = apply_fails("right", |ou, p| {
        one_ace(ou, p, "Reset pasword", "Descendant User objects")
    });
    assert!(
        run.stderr.contains("unknown right `Reset pasword`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `Reset Password`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_attribute_gets_a_suggestion() {
    let (run, _) = apply_fails("attr", |ou, p| {
        one_ace(ou, p, "Write pwdLastSett", "Descendant User objects")
    });
    assert!(
        run.stderr
            .contains("no attribute or property set named `pwdLastSett`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `Write pwdLastSet`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_class_is_named() {
    let (run, _) = apply_fails("class", |ou, p| {
        one_ace(ou, p, "Reset password", "Descendant Usr objects")
    });
    assert!(
        run.stderr.contains("no class `Usr` in the schema"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("did you mean `Descendant User objects`?"),
        "{}",
        run.stderr
    );
    let (run, _) = apply_fails("create", |ou, p| {
        one_ace(ou, p, "Create Usr objects", "This object only")
    });
    assert!(
        run.stderr.contains("no class named `Usr`"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_applies_to_lists_the_forms() {
    let (run, _) = apply_fails("applies", |ou, p| {
        one_ace(ou, p, "Read", "Everything below")
    });
    assert!(
        run.stderr.contains("unknown applies_to `Everything below`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`This object only`, `This object and all descendant objects`"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let (run, _) = apply_fails("many", |ou, p| {
        acl_spec(
            "bad",
            ou,
            &format!(
                "      - {{principal: 'LAB\\nobody', allow: [Read], applies_to: This object only}}\n\
                 \x20     - {{principal: '{p}', allow: [Fly], applies_to: This object only}}\n\
                 \x20     - {{principal: '{p}', allow: [Read], applies_to: Descendant Gizmo objects}}\n"
            ),
        )
    });
    assert_eq!(run.stderr.matches("error: ").count(), 3, "{}", run.stderr);
}

#[test]
fn one_bad_resource_stops_every_write() {
    let lab = lab();
    let good_ou = lab.scratch_ou("good");
    let (user, _) = lab.user("good");
    let (run, _) = apply_fails("badsibling", |ou, p| {
        format!(
            "version: 1\nresources:\n\
             - kind: ad.acl\n  name: good\n  object: \"{good_ou}\"\n  aces:\n  - {{principal: 'LAB\\{user}', allow: [Read], applies_to: This object only}}\n\
             - kind: ad.acl\n  name: bad\n  object: \"{ou}\"\n  aces:\n  - {{principal: '{p}', allow: [Read evrything], applies_to: This object only}}\n"
        )
    });
    assert!(run.stderr.contains("ad.acl.bad:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Nothing was changed") || !run.stdout.contains("applied"),
        "{}",
        run.all()
    );
    assert!(
        !lab.sddl(&good_ou).contains(&user),
        "the good resource was written although another failed"
    );
}

#[test]
fn missing_object_is_named() {
    let lab = lab();
    let specs = Specs::new();
    let path = specs.write(
        "s.yaml",
        &one_ace(
            "OU=Nowhere,{domain}",
            "LAB\\Helpdesk",
            "Read",
            "This object only",
        ),
    );
    let run = lab.hybridctl(&["plan", "-f", path.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("object `OU=Nowhere,DC=lab,DC=example,DC=test` was not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_target_is_named() {
    let lab = lab();
    let specs = Specs::new();
    let path = specs.write(
        "s.yaml",
        &one_ace("{domain}", "LAB\\Helpdesk", "Read", "This object only"),
    );
    let run = lab.hybridctl(&[
        "plan",
        "-f",
        path.to_str().unwrap(),
        "--target",
        "ad.acl.bda",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("--target ad.acl.bda names no resource"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean ad.acl.bad?"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_resources_on_one_object_are_refused() {
    let (run, _) = apply_fails("twice", |ou, p| {
        format!(
            "version: 1\nresources:\n\
             - kind: ad.acl\n  name: one\n  object: \"{ou}\"\n  aces:\n  - {{principal: '{p}', allow: [Read], applies_to: This object only}}\n\
             - kind: ad.acl\n  name: two\n  object: \"{}\"\n  aces:\n  - {{principal: '{p}', allow: [Delete], applies_to: This object only}}\n",
            ou.to_uppercase()
        )
    });
    assert!(run.stderr.contains("ad.acl.two: `"), "{}", run.stderr);
    assert!(
        run.stderr.contains("is also managed by ad.acl.one"),
        "{}",
        run.stderr
    );
}

#[test]
fn misspelt_account_gets_a_suggestion() {
    let (run, _) = apply_fails("account", |ou, _| {
        one_ace(ou, "LAB\\Helpdsk", "Read", "This object only")
    });
    assert!(
        run.stderr
            .contains("no account, group or well-known principal `LAB\\Helpdsk`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `LAB\\Helpdesk`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_smb_failure_says_what_failed() {
    let lab = lab();
    let specs = Specs::new();
    let spec = specs.write(
        "s.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: g\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_length: 7}\n",
    );
    let run = lab.hybridctl_with(&["plan", "-f", spec.to_str().unwrap()], |e| {
        e.insert(
            "HYBRIDCTL_AD_SYSVOL".into(),
            "\\\\127.0.0.1\\nosuchshare".into(),
        );
    });
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("cannot open \\\\127.0.0.1\\nosuchshare"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("bad file descriptor"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_untrusted_graph_certificate_names_the_ca_setting() {
    let lab = lab();
    let specs = Specs::new();
    let spec = specs.write(
        "g.yaml",
        "version: 1\nresources:\n  - kind: graph.authorization_policy\n    name: t\n    allowed_to_use_sspr: true\n",
    );
    let run = lab.hybridctl_with(&["plan", "-f", spec.to_str().unwrap()], |e| {
        e.remove("HYBRIDCTL_GRAPH_CA_FILE");
    });
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("HYBRIDCTL_GRAPH_CA_FILE"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ca_file"), "{}", run.stderr);
    assert!(!run.stderr.contains("check that cannot"), "{}", run.stderr);
}

#[test]
fn a_refused_smb_login_says_so() {
    use hybridctl_providers::gpo::smb::SmbSysvol;
    use hybridctl_providers::gpo::sysvol::Location;
    use hybridctl_providers::ldap::AdSettings;
    let lab = lab();
    let settings = AdSettings::resolve(None, &lab.env).unwrap();
    let Location::Smb { server, share } = Location::parse(None, &settings.url) else {
        panic!("the lab's SYSVOL is a share");
    };
    let wrong = hybridctl_providers::Secret::new("not-the-password".into());
    let e = match SmbSysvol::connect(&server, &share, &settings.user, &wrong) {
        Ok(_) => panic!("a wrong password was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("refused the SMB login"), "{e}");
    assert!(!e.contains("bad file descriptor"), "{e}");
}
