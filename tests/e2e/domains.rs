//! One spec, two independent domains: the lab's first DC (LAB, 127.0.0.1) as connection
//! `corp` and its second (LAB2, 127.0.0.2) as `emea`. Results are read back from each DC
//! with samba-tool; the second DC is never stopped: "unreachable" is a closed port on
//! its address.

use std::collections::BTreeMap;

use crate::harness::{lab, lab2, shared_objects, Lab, Run, Specs};

/// The spec's URLs are production's; the environment points each connection at its DC,
/// through that connection's own variables.
const CONNECTIONS: &str = "version: 1\nconnections:\n  ad:\n    corp:\n      url: ldaps://dc01.corp.example.com\n      user: svc-hybridctl@corp.example.com\n    emea:\n      url: ldaps://dc01.emea.example.com\n      user: svc-hybridctl@emea.example.com\n";

fn both(e: &mut BTreeMap<String, String>) {
    for k in ["URL", "USER", "PASSWORD", "CA_FILE"] {
        e.insert(
            format!("HYBRIDCTL_AD_CORP_{k}"),
            lab().env[&format!("HYBRIDCTL_AD_{k}")].clone(),
        );
        e.insert(
            format!("HYBRIDCTL_AD_EMEA_{k}"),
            lab().env[&format!("HYBRIDCTL_LAB2_{k}")].clone(),
        );
    }
}

/// `hybridctl ARGS` with both connections set; neither domain's password may leak.
fn run(args: &[&str], adjust: impl FnOnce(&mut BTreeMap<String, String>)) -> Run {
    let run = lab().hybridctl_with(args, |e| {
        both(e);
        adjust(e);
    });
    assert!(
        !run.all().contains(&lab().env["HYBRIDCTL_LAB2_PASSWORD"]),
        "the second domain's password leaked:\n{}",
        run.all()
    );
    run
}

/// An OU of the same name under OU=Corp in both domains, and an account of the same
/// sAMAccountName in each (as one Entra Connect installation makes its connector account
/// in every forest it syncs). Returns (OU name, account).
fn same_in_both(test: &str) -> (String, String) {
    let (ou, account) = same_names(test);
    for l in [lab(), lab2()] {
        l.samba_tool(&["ou", "create", &format!("OU={ou},OU=Corp")]);
        l.samba_tool(&[
            "user",
            "create",
            &account,
            "Pw-0123456789-Aa1!",
            "--userou=OU=Staff,OU=Corp",
        ]);
    }
    (ou, account)
}

fn writeback(ou: &str, account: &str) -> String {
    format!(
        "  - kind: entra_connect.permissions\n    name: writeback\n    connections: all\n    account: {account}\n    features: [password_writeback]\n    password_writeback_profile: module\n    scope: [\"OU={ou},OU=Corp,{{domain}}\"]\n"
    )
}

/// The account's explicit ACEs on the OU, read by samba-tool from one DC.
fn granted(l: &Lab, ou: &str, account: &str) -> Vec<String> {
    let sid = l.sid_of("user", account);
    l.explicit_aces(&format!("OU={ou},OU=Corp,{}", l.domain_dn))
        .into_iter()
        .filter(|a| a.ends_with(&format!(";{sid})")))
        .collect()
}

/// The first domain's minimum password age in days, put back when dropped.
struct FirstDomainAge(i64);

impl FirstDomainAge {
    fn remember() -> FirstDomainAge {
        // Unread is not 0: putting back a guess would change the shared domain head.
        let raw: i64 = lab()
            .ldap_attr(&lab().domain_dn, "minPwdAge")
            .and_then(|v| v.parse().ok())
            .expect("the first domain's minPwdAge, read before anything is written");
        FirstDomainAge(-raw / 864_000_000_000)
    }
}

impl Drop for FirstDomainAge {
    fn drop(&mut self) {
        lab().samba_tool(&[
            "domain",
            "passwordsettings",
            "set",
            &format!("--min-pwd-age={}", self.0),
        ]);
    }
}

fn min_age(l: &Lab) -> String {
    l.samba_tool(&["domain", "passwordsettings", "show"])
        .lines()
        .find(|l| l.starts_with("Minimum password age"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn writeback_permissions_and_minimum_password_age_applied_to_both_domains() {
    let (ou, account) = same_in_both("dom-both");
    // The first domain's head is shared with other tests.
    let _shared = shared_objects();
    let _restore = FirstDomainAge::remember();
    let specs = Specs::new();
    let spec = specs.write(
        "both.yaml",
        &format!(
            "{CONNECTIONS}resources:\n{}  - kind: ad.password_policy\n    name: corp-writeback-age\n    connection: corp\n    password_policy: {{minimum_password_age: 0}}\n  - kind: ad.password_policy\n    name: emea-writeback-age\n    connection: emea\n    password_policy: {{minimum_password_age: 0}}\n",
            writeback(&ou, &account)
        ),
    );
    let spec = spec.to_str().unwrap();
    let saved = specs.path("plan.json");

    // A saved plan carries each resource's connection.
    let plan = run(
        &["plan", "-f", spec, "--out", saved.to_str().unwrap()],
        |_| {},
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    for address in [
        "entra_connect.permissions.writeback@corp",
        "entra_connect.permissions.writeback@emea",
    ] {
        assert!(plan.stdout.contains(address), "{address}\n{}", plan.stdout);
    }
    let json = std::fs::read_to_string(&saved).unwrap();
    assert!(
        json.contains("\"address\": \"entra_connect.permissions.writeback@emea\""),
        "{json}"
    );
    let apply = run(&["apply", saved.to_str().unwrap()], |_| {});
    assert_eq!(apply.code, 0, "{}", apply.all());

    // Each DC, read by samba-tool: Reset password, Write lockoutTime and Write pwdLastSet
    // for the account on descendant users of its own OU, and a minimum age of 0.
    for l in [lab(), lab2()] {
        let aces = granted(l, &ou, &account);
        assert_eq!(aces.len(), 3, "{} on {}: {aces:?}", account, l.domain_dn);
        for guid in [
            "00299570-246d-11d0-a768-00aa006e0529",
            "28630ebf-41d5-11d1-a9c1-0000f80367c1",
            "bf967a0a-0de6-11d0-a285-00aa003049e2",
        ] {
            assert!(aces.iter().any(|a| a.contains(guid)), "{guid}: {aces:?}");
        }
        assert_eq!(
            min_age(l),
            "Minimum password age (days): 0",
            "{}",
            l.domain_dn
        );
    }

    // Applied again: nothing to do in either domain.
    let again = run(&["plan", "-f", spec, "--detailed-exitcode"], |_| {});
    assert_eq!(again.code, 0, "{}", again.all());
}

#[test]
fn drift_in_one_domain_is_reported_with_its_connection_and_the_other_stays_clean() {
    let (ou, account) = same_in_both("dom-drift");
    let specs = Specs::new();
    let spec = specs.write(
        "drift.yaml",
        &format!("{CONNECTIONS}resources:\n{}", writeback(&ou, &account)),
    );
    let spec = spec.to_str().unwrap();
    let apply = run(&["apply", "-f", spec, "--auto-approve"], |_| {});
    assert_eq!(apply.code, 0, "{}", apply.all());
    let clean = run(&["drift", "-f", spec], |_| {});
    assert_eq!(clean.code, 0, "{}", clean.all());

    // Out of band, in the second domain only: the Reset password grant goes.
    let reset = granted(lab2(), &ou, &account)
        .into_iter()
        .find(|a| a.contains("00299570-246d-11d0-a768-00aa006e0529"))
        .expect("the grant applied above");
    // An object ACE's one right reads the same in samba-tool's SDDL as normalized.
    lab2().remove_ace(&format!("OU={ou},OU=Corp,{}", lab2().domain_dn), &reset);

    let drift = run(&["drift", "-f", spec], |_| {});
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift
            .stdout
            .contains("entra_connect.permissions.writeback@emea"),
        "{}",
        drift.stdout
    );
    let junit = run(&["drift", "-f", spec, "--format", "junit"], |_| {});
    assert_eq!(junit.code, 2, "{}", junit.all());
    let case = |address: &str| {
        let at = junit
            .stdout
            .find(&format!("name=\"{address}\""))
            .unwrap_or_else(|| panic!("{address} in\n{}", junit.stdout));
        junit.stdout[at..].lines().next().unwrap().to_string()
    };
    // The first domain's test case passes (closed on its own line), the second's fails.
    assert!(
        case("entra_connect.permissions.writeback@corp").ends_with("/>"),
        "{}",
        junit.stdout
    );
    let emea_at = junit
        .stdout
        .find("name=\"entra_connect.permissions.writeback@emea\"")
        .unwrap();
    assert!(
        junit.stdout[emea_at..]
            .split("</testcase>")
            .next()
            .unwrap()
            .contains("<failure"),
        "{}",
        junit.stdout
    );
    let markdown = run(&["drift", "-f", spec, "--format", "markdown"], |_| {});
    assert!(
        markdown
            .stdout
            .contains("`entra_connect.permissions.writeback@emea` | update"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("`entra_connect.permissions.writeback@corp` | no-op"),
        "{}",
        markdown.stdout
    );
}

#[test]
fn an_unreachable_domain_fails_the_run_naming_it_and_nothing_is_written_to_the_other() {
    let (ou, account) = same_in_both("dom-down");
    let specs = Specs::new();
    let spec = specs.write(
        "down.yaml",
        &format!("{CONNECTIONS}resources:\n{}", writeback(&ou, &account)),
    );
    let spec = spec.to_str().unwrap();
    // Nothing listens on this port of the second DC's address.
    let closed = |e: &mut BTreeMap<String, String>| {
        e.insert("HYBRIDCTL_AD_EMEA_URL".into(), "ldaps://127.0.0.2:1".into());
    };
    let plan = run(&["plan", "-f", spec], closed);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr
            .contains("AD connection `emea`: cannot connect to ldaps://127.0.0.2:1"),
        "{}",
        plan.all()
    );
    let apply = run(&["apply", "-f", spec, "--auto-approve"], closed);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(
        apply.stderr.contains("AD connection `emea`"),
        "{}",
        apply.all()
    );
    assert!(
        granted(lab(), &ou, &account).is_empty(),
        "written to the first domain although the second was unreachable"
    );
}

/// Planned while both DCs answered, applied when the second does not: apply reads every
/// resource again in every domain before its first write, so the first domain is left
/// as it was; the same plan applies to both once the second answers again.
#[test]
fn a_saved_plan_is_refused_whole_when_one_domain_cannot_be_read_again_before_writing() {
    let (ou, account) = same_in_both("dom-late");
    let specs = Specs::new();
    let spec = specs.write(
        "late.yaml",
        &format!("{CONNECTIONS}resources:\n{}", writeback(&ou, &account)),
    );
    let saved = specs.path("plan.json");
    let saved = saved.to_str().unwrap();
    let plan = run(
        &["plan", "-f", spec.to_str().unwrap(), "--out", saved],
        |_| {},
    );
    assert_eq!(plan.code, 0, "{}", plan.all());

    let apply = run(&["apply", saved], |e| {
        e.insert("HYBRIDCTL_AD_EMEA_URL".into(), "ldaps://127.0.0.2:1".into());
    });
    assert_eq!(apply.code, 1, "{}", apply.all());
    for says in [
        "AD connection `emea`: cannot connect to ldaps://127.0.0.2:1",
        "nothing was applied",
    ] {
        assert!(apply.stderr.contains(says), "{says}\n{}", apply.all());
    }
    assert!(
        granted(lab(), &ou, &account).is_empty(),
        "written to the first domain although the second could not be read again"
    );

    let again = run(&["apply", saved], |_| {});
    assert_eq!(again.code, 0, "{}", again.all());
    for l in [lab(), lab2()] {
        assert_eq!(granted(l, &ou, &account).len(), 3, "{}", l.domain_dn);
    }
}

#[test]
fn each_connection_reads_its_own_environment_variables() {
    let specs = Specs::new();
    let spec = specs.write(
        "env.yaml",
        &format!(
            "{}resources:\n  - kind: ad.password_policy\n    name: corp-policy\n    connection: corp\n    password_policy: {{minimum_password_length: 7}}\n  - kind: ad.password_policy\n    name: emea-policy\n    connection: emea\n    password_policy: {{minimum_password_length: 7}}\n",
            CONNECTIONS.replace("ldaps://dc01.emea.example.com", "ldaps://127.0.0.2:1")
        ),
    );
    let spec = spec.to_str().unwrap();
    // HYBRIDCTL_AD_EMEA_URL wins over the spec's closed port; the unprefixed variables
    // belong to the single-connection form and change nothing here.
    let plan = run(&["plan", "-f", spec], |e| {
        e.insert("HYBRIDCTL_AD_URL".into(), "ldaps://127.0.0.1:1".into());
        e.insert("HYBRIDCTL_AD_PASSWORD".into(), "not-the-password".into());
    });
    assert_eq!(plan.code, 0, "{}", plan.all());
    // Both domains were read (each resource is planned, changed or not).
    for address in [
        "ad.password_policy.corp-policy@corp",
        "ad.password_policy.emea-policy@emea",
    ] {
        assert!(plan.stdout.contains(address), "{address}: {}", plan.stdout);
    }
    // Without its URL variable, emea uses the spec's.
    let spec_url = run(&["plan", "-f", spec], |e| {
        e.remove("HYBRIDCTL_AD_EMEA_URL");
    });
    assert_eq!(spec_url.code, 1, "{}", spec_url.all());
    assert!(
        spec_url
            .stderr
            .contains("AD connection `emea`: cannot connect to ldaps://127.0.0.2:1"),
        "{}",
        spec_url.all()
    );
    // A missing password names the connection's own variable.
    let no_password = run(&["plan", "-f", spec], |e| {
        e.remove("HYBRIDCTL_AD_EMEA_PASSWORD");
    });
    assert_eq!(no_password.code, 1, "{}", no_password.all());
    assert!(
        no_password
            .stderr
            .contains("the Active Directory password is not set for connection `emea`"),
        "{}",
        no_password.all()
    );
    assert!(
        no_password
            .stderr
            .contains("export HYBRIDCTL_AD_EMEA_PASSWORD"),
        "{}",
        no_password.all()
    );
}

#[test]
fn a_resource_naming_an_unknown_connection_is_a_validate_error_with_a_suggestion() {
    let specs = Specs::new();
    let spec = specs.write(
        "typo.yaml",
        &format!(
            "{CONNECTIONS}resources:\n  - kind: ad.password_policy\n    name: p\n    connection: emae\n    password_policy: {{minimum_password_age: 0}}\n  - kind: ad.password_policy\n    name: q\n    password_policy: {{minimum_password_age: 0}}\n"
        ),
    );
    // Offline: no connection variable is set at all.
    let v = lab().hybridctl_with(&["validate", "-f", spec.to_str().unwrap()], |e| e.clear());
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(
        v.stderr.contains("ad.password_policy.p: names connection `emae`, which connections.ad does not have (connections: corp, emea)"),
        "{}",
        v.all()
    );
    assert!(v.stderr.contains("did you mean `emea`?"), "{}", v.all());
    assert!(
        v.stderr.contains("ad.password_policy.q: the spec has several AD connections (corp, emea): name this resource's `connection`"),
        "{}",
        v.all()
    );
}

#[test]
fn sysvol_on_the_first_dc_still_works_while_the_second_runs() {
    // Both DCs answer LDAPS, and SMB logins to the first DC's SYSVOL still succeed (a
    // second DC sharing the first's runtime directories breaks them).
    assert!(lab2().ldap_attr(&lab2().domain_dn, "minPwdAge").is_some());
    for l in [lab(), lab2()] {
        let out = l.smbclient("ls");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "smbclient //{}/sysvol ls failed: {text}{}",
            l.domain_dn,
            String::from_utf8_lossy(&out.stderr)
        );
        let dns = l.domain_dn.replace("DC=", "").replace(',', ".");
        assert!(text.contains(&dns), "{text}");
    }
}

#[test]
fn export_and_init_read_each_connection_by_its_own_variables() {
    let specs = Specs::new();
    let out = specs.path("exported.yaml");
    let out = out.to_str().unwrap();
    {
        // The first domain's head is shared: nothing may change it between export and plan.
        let _shared = shared_objects();
        let export = run(
            &[
                "export",
                "--password-policy",
                "--connection",
                "corp",
                "--connection",
                "emea",
                "--out",
                out,
            ],
            |_| {},
        );
        assert_eq!(export.code, 0, "{}", export.all());
        let text = std::fs::read_to_string(out).unwrap();
        for want in [
            "    corp:\n      url: ldaps://127.0.0.1\n",
            "    emea:\n      url: ldaps://127.0.0.2\n",
            "password_env: HYBRIDCTL_AD_EMEA_PASSWORD",
            "connection: emea",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        let plan = run(&["plan", "-f", out, "--detailed-exitcode"], |_| {});
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(
            plan.stdout.contains(
                "ad.password_policy.domain-corp@corp, ad.password_policy.domain-emea@emea"
            ),
            "{}",
            plan.stdout
        );
    }
    let init = run(&["init", "entra-connect", "--connection", "emea"], |_| {});
    assert_eq!(init.code, 0, "{}", init.all());
    assert!(
        init.stdout
            .contains("  ad:\n    emea:\n      url: ldaps://127.0.0.2\n"),
        "{}",
        init.stdout
    );
    assert!(
        init.stdout.contains(&format!(
            "account: '{}\\{}'",
            lab2().netbios,
            lab().env["HYBRIDCTL_LAB2_CONNECTOR"]
        )),
        "{}",
        init.stdout
    );
    let spec = specs.write("init.yaml", &init.stdout);
    let valid = run(&["validate", "-f", spec.to_str().unwrap()], |_| {});
    assert_eq!(valid.code, 0, "{}", valid.all());
}

/// Only the two named connections in the environment, so `--connection all` is both.
fn named_only(e: &mut BTreeMap<String, String>) {
    for k in ["URL", "USER", "PASSWORD", "CA_FILE"] {
        e.remove(&format!("HYBRIDCTL_AD_{k}"));
    }
}

#[test]
fn init_for_every_connection_writes_one_spec_that_plans_against_both_domains() {
    // The lab's connector account has the same name in both domains.
    let connector = &lab().env["HYBRIDCTL_LAB2_CONNECTOR"];
    assert_eq!(connector, &lab().env["HYBRIDCTL_LAB_CONNECTOR"]);
    let init = run(
        &[
            "init",
            "password-writeback",
            "--connection",
            "all",
            "--connector",
            connector,
            "--sync-scope",
            "OU=Corp,{domain}",
        ],
        named_only,
    );
    assert_eq!(init.code, 0, "{}", init.all());
    let text = &init.stdout;
    for want in [
        "  ad:\n    corp:\n      url: ldaps://127.0.0.1\n".to_string(),
        "    emea:\n      url: ldaps://127.0.0.2\n".into(),
        "      password_env: HYBRIDCTL_AD_CORP_PASSWORD\n".into(),
        "      password_env: HYBRIDCTL_AD_EMEA_PASSWORD\n".into(),
        "    name: writeback-minimum-password-age-corp\n    connection: corp\n    gpo: Default Domain Policy\n".into(),
        "    name: writeback-minimum-password-age-emea\n    connection: emea\n    gpo: Default Domain Policy\n".into(),
        format!("    name: writeback-permissions-emea\n    connection: emea\n    object: \"{{domain}}\"\n    aces:\n      - principal: '{}\\{connector}'\n", lab2().netbios),
        format!("    name: writeback-reaches-synced-users\n    connections: all\n    principal: '{connector}'\n"),
    ] {
        assert!(text.contains(&want), "{want}\n{text}");
    }
    assert!(!text.contains("PLACEHOLDERS"), "{text}");

    let specs = Specs::new();
    let spec = specs.write("init-all.yaml", text);
    let spec = spec.to_str().unwrap();
    // Offline: nothing but the file.
    let valid = lab().hybridctl_with(&["validate", "-f", spec], |e| e.clear());
    assert_eq!(valid.code, 0, "{}", valid.all());
    // Planned (it never writes) against both DCs, each through its own variables.
    let plan = run(&["plan", "-f", spec, "--format", "json"], named_only);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let plan: serde_json::Value =
        serde_json::from_str(&plan.stdout).unwrap_or_else(|e| panic!("{e}: {}", plan.all()));
    let planned: Vec<(String, String)> = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let addresses: Vec<&str> = planned.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "graph.license.sspr-licence",
            "graph.authorization_policy.tenant",
            "ad.acl.writeback-permissions-corp@corp",
            "ad.acl.writeback-permissions-emea@emea",
            "gpo.security.writeback-minimum-password-age-corp@corp",
            "gpo.security.writeback-minimum-password-age-emea@emea",
            "ad.effective_access.writeback-reaches-synced-users@corp",
            "ad.effective_access.writeback-reaches-synced-users@emea",
            "manual.writeback-in-portal",
        ]
    );
    // Each domain's ACL and check act on that domain.
    for (address, target) in &planned {
        let domain = match address.rsplit_once('@') {
            Some((_, "corp")) if !address.starts_with("gpo.") => &lab().domain_dn,
            Some((_, "emea")) if !address.starts_with("gpo.") => &lab2().domain_dn,
            _ => continue,
        };
        assert!(
            target.to_lowercase().contains(&domain.to_lowercase()),
            "{address} targets {target}"
        );
    }
    let text = run(&["plan", "-f", spec], named_only);
    assert_eq!(text.code, 0, "{}", text.all());
    for address in [
        "ad.effective_access.writeback-reaches-synced-users@corp",
        "ad.effective_access.writeback-reaches-synced-users@emea",
        "gpo.security.writeback-minimum-password-age-emea@emea",
    ] {
        assert!(text.stdout.contains(address), "{address}\n{}", text.stdout);
    }
}

/// `--connection all` names the domains whose URL is set: one whose other settings are
/// missing is an error naming it and what to set, not a spec with its values left as
/// placeholders "because HYBRIDCTL_AD_EMEA_URL is unset".
#[test]
fn init_for_every_connection_names_a_domain_it_cannot_read() {
    let connector = &lab().env["HYBRIDCTL_LAB2_CONNECTOR"];
    let init = run(
        &[
            "init",
            "password-writeback",
            "--connection",
            "all",
            "--connector",
            connector,
        ],
        |e| {
            named_only(e);
            e.remove("HYBRIDCTL_AD_EMEA_PASSWORD");
        },
    );
    assert_eq!(init.code, 1, "{}", init.all());
    assert!(
        init.stderr.contains(
            "AD connection `emea`: the Active Directory password is not set for connection `emea`"
        ),
        "{}",
        init.all()
    );
    assert!(!init.all().contains("placeholders"), "{}", init.all());
}

/// A top-level OU of the same name in both domains (outside OU=Corp, which the examples
/// check), holding a connector-like account (same name in both) and OU=Synced with one
/// user; deleted with everything in it when dropped.
struct TwoDomainOu {
    ou: String,
    account: String,
    user: String,
}

impl TwoDomainOu {
    fn new(test: &str) -> TwoDomainOu {
        // Both labs are known before anything is made: `drop` uses them and must not
        // panic while a failed lookup unwinds.
        let labs = [lab(), lab2()];
        let (ou, account) = same_names(test);
        let made = TwoDomainOu {
            ou,
            user: account.replacen("wb", "cu", 1),
            account,
        };
        for l in labs {
            l.samba_tool(&["ou", "create", &format!("OU={}", made.ou)]);
            l.samba_tool(&["ou", "create", &format!("OU=Synced,OU={}", made.ou)]);
            l.samba_tool(&[
                "user",
                "create",
                &made.account,
                crate::effective_access::PASSWORD,
                &format!("--userou=OU={}", made.ou),
            ]);
        }
        made
    }

    fn synced(&self, l: &Lab) -> String {
        format!("OU=Synced,OU={},{}", self.ou, l.domain_dn)
    }

    fn account_dn(&self, l: &Lab) -> String {
        format!("CN={},OU={},{}", self.account, self.ou, l.domain_dn)
    }

    fn user_dn(&self, l: &Lab) -> String {
        format!("CN={},{}", self.user, self.synced(l))
    }
}

impl Drop for TwoDomainOu {
    fn drop(&mut self) {
        for l in [lab(), lab2()] {
            // Best effort, never a second panic.
            let _ = std::process::Command::new("samba-tool")
                .args([
                    "ou",
                    "delete",
                    &format!("OU={}", self.ou),
                    "--force-subtree-delete",
                ])
                .args(l.samba_auth())
                .output();
        }
    }
}

/// A unique OU name and account name (sAMAccountName allows 20 characters).
fn same_names(test: &str) -> (String, String) {
    let n = std::process::id();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    (
        format!("{test}-{n}-{stamp}"),
        format!("wb{:x}{:x}", n & 0xffff, stamp & 0xff_ffff),
    )
}

#[test]
fn effective_access_for_every_connection_fails_only_in_the_domain_that_denies() {
    const RESET_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
    const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    const LOCKOUT_TIME: &str = "28630ebf-41d5-11d1-a9c1-0000f80367c1";
    const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    let t = TwoDomainOu::new("dom-ea");
    for l in [lab(), lab2()] {
        // The same grant in both domains, on OU=Synced for its descendant users, before
        // the user is made (so it inherits them), written by samba-tool.
        let sid = l.sid_of("user", &t.account);
        l.add_ace(
            &t.synced(l),
            &format!(
                "(OA;CIIO;CR;{RESET_PASSWORD};{USER};{sid})(OA;CIIO;WP;{PWD_LAST_SET};{USER};{sid})(OA;CIIO;WP;{LOCKOUT_TIME};{USER};{sid})"
            ),
        );
        l.samba_tool(&[
            "user",
            "create",
            &t.user,
            crate::effective_access::PASSWORD,
            &format!("--userou=OU=Synced,OU={}", t.ou),
        ]);
    }
    // In the second domain only: Reset password denied to the account on the user.
    let sid2 = lab2().sid_of("user", &t.account);
    let deny = format!("(OD;;CR;{RESET_PASSWORD};;{sid2})");
    lab2().add_ace(&t.user_dn(lab2()), &deny);

    let specs = Specs::new();
    let spec = specs.write(
        "every.yaml",
        &format!(
            "{CONNECTIONS}resources:\n  - kind: ad.effective_access\n    name: writeback\n    connections: all\n    principal: {}\n    rights: [Reset password, Write pwdLastSet, Write lockoutTime]\n    scope:\n      base: \"OU=Synced,OU={},{{domain}}\"\n",
            t.account, t.ou
        ),
    );
    let spec = spec.to_str().unwrap();

    // hybridctl's verdict per domain: the failing objects of each copy of the check.
    let plan = run(&["plan", "-f", spec, "--format", "json"], |_| {});
    assert_eq!(
        plan.code,
        0,
        "a failing check is not an error: {}",
        plan.all()
    );
    let json: serde_json::Value =
        serde_json::from_str(&plan.stdout).unwrap_or_else(|e| panic!("{e}: {}", plan.all()));
    let check = |address: &str| {
        json["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} not planned: {}", plan.stdout))
            .clone()
    };
    let corp = check("ad.effective_access.writeback@corp");
    let emea = check("ad.effective_access.writeback@emea");
    assert_eq!(corp["action"], "no-op", "{corp:#}");
    assert_eq!(corp["before"].as_array().unwrap().len(), 0, "{corp:#}");
    assert_eq!(emea["action"], "fail", "{emea:#}");
    let failing: Vec<(String, String)> = emea["before"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["text"].as_str().unwrap().to_lowercase(),
                e["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert_eq!(failing[0].0, t.user_dn(lab2()).to_lowercase());
    assert!(
        failing[0]
            .1
            .contains(&format!("denied by {deny} on the object itself")),
        "{failing:#?}"
    );
    let human = run(&["plan", "-f", spec], |_| {});
    assert!(
        human
            .stdout
            .contains("x ad.effective_access.writeback@emea  (check fails"),
        "{}",
        human.stdout
    );
    assert!(
        !human
            .stdout
            .contains("x ad.effective_access.writeback@corp"),
        "{}",
        human.stdout
    );
    let detailed = run(&["plan", "-f", spec, "--detailed-exitcode"], |_| {});
    assert_eq!(detailed.code, 2, "{}", detailed.all());

    // The DCs judge: bound as the account over LDAPS, each domain's DC allows all three
    // writes to its user, except the second's password reset.
    let first =
        crate::effective_access::dc_verdict(lab(), &t.account_dn(lab()), &t.user_dn(lab()), 1);
    assert_eq!(first, [true, true, true], "the first domain's DC");
    let second =
        crate::effective_access::dc_verdict(lab2(), &t.account_dn(lab2()), &t.user_dn(lab2()), 2);
    assert_eq!(second, [false, true, true], "the second domain's DC");
}
