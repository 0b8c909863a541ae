//! Connecting: credentials, reachability, certificates, StartTLS. Secrets never printed
//! (the harness checks every run's output for the password).

use crate::harness::{acl_spec, lab, Specs};

fn spec(specs: &Specs, connection: &str) -> String {
    let body = acl_spec(
        "conn",
        "{domain}",
        "      - {principal: SYSTEM, allow: [Full control], applies_to: This object only}\n",
    );
    let text = body.replacen("version: 1\n", &format!("version: 1\n{connection}"), 1);
    specs.write("c.yaml", &text).display().to_string()
}

#[test]
fn wrong_password_is_a_clear_error() {
    let specs = Specs::new();
    let s = spec(&specs, "");
    let run = lab().hybridctl_with(&["plan", "-f", &s], |e| {
        e.insert("HYBRIDCTL_AD_PASSWORD".into(), "not-the-password".into());
    });
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the DC rejected the credentials of Administrator@lab.example.test"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: check the user"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("not-the-password"));
}

#[test]
fn unreachable_server_is_a_clear_error() {
    let specs = Specs::new();
    let s = spec(&specs, "");
    let run = lab().hybridctl_with(&["plan", "-f", &s], |e| {
        e.insert("HYBRIDCTL_AD_URL".into(), "ldaps://127.0.0.1:1".into());
    });
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot connect to ldaps://127.0.0.1:1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the DC is reachable"), "{}", run.stderr);
}

#[test]
fn untrusted_certificate_is_refused_by_default() {
    let specs = Specs::new();
    let s = spec(&specs, "");
    let run = lab().hybridctl_with(&["plan", "-f", &s], |e| {
        e.remove("HYBRIDCTL_AD_CA_FILE");
    });
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
    assert!(
        run.stderr.contains("HYBRIDCTL_AD_CA_FILE"),
        "{}",
        run.stderr
    );
}

#[test]
fn skipping_verification_must_be_asked_for_and_is_warned_about() {
    let specs = Specs::new();
    let s = spec(&specs, "");
    let run = lab().hybridctl_with(&["plan", "-f", &s], |e| {
        e.remove("HYBRIDCTL_AD_CA_FILE");
        e.insert("HYBRIDCTL_AD_INSECURE_SKIP_VERIFY".into(), "1".into());
    });
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("warning: TLS certificate verification is OFF"),
        "{}",
        run.stderr
    );
}

#[test]
fn plain_ldap_is_refused_and_starttls_works() {
    let specs = Specs::new();
    let plain = spec(&specs, "");
    let run = lab().hybridctl_with(&["plan", "-f", &plain], |e| {
        e.insert("HYBRIDCTL_AD_URL".into(), "ldap://127.0.0.1".into());
    });
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("refusing to bind over unencrypted LDAP"),
        "{}",
        run.stderr
    );

    let starttls = spec(
        &specs,
        "connections:\n  ad: {url: 'ldap://127.0.0.1', starttls: true}\n",
    );
    let run = lab().hybridctl_with(&["plan", "-f", &starttls], |e| {
        e.remove("HYBRIDCTL_AD_URL");
    });
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn password_can_come_from_a_named_variable_or_a_file() {
    let lab = lab();
    let specs = Specs::new();
    let password = lab.env["HYBRIDCTL_AD_PASSWORD"].clone();
    let s = spec(
        &specs,
        "connections:\n  ad: {password_env: LAB_DC_PASSWORD}\n",
    );
    let run = lab.hybridctl_with(&["plan", "-f", &s], |e| {
        e.remove("HYBRIDCTL_AD_PASSWORD");
        e.insert("LAB_DC_PASSWORD".into(), password.clone());
    });
    assert_eq!(run.code, 0, "{}", run.all());
    let file = specs.write("pw", &format!("{password}\n"));
    let run = lab.hybridctl_with(&["plan", "-f", &s], |e| {
        e.remove("HYBRIDCTL_AD_PASSWORD");
        e.insert(
            "HYBRIDCTL_AD_PASSWORD_FILE".into(),
            file.display().to_string(),
        );
    });
    assert_eq!(run.code, 0, "{}", run.all());
    let run = lab.hybridctl_with(&["plan", "-f", &s], |e| {
        e.remove("HYBRIDCTL_AD_PASSWORD");
    });
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("export LAB_DC_PASSWORD or HYBRIDCTL_AD_PASSWORD"),
        "{}",
        run.stderr
    );
}
