//! `hybridctl init password-writeback`, and the spec it writes run from nothing on the
//! lab with the Graph emulator.

use crate::harness::{lab, shared_objects, Specs};

#[test]
fn offline_init_writes_marked_placeholders_that_validate_refuses() {
    let specs = Specs::new();
    let out = specs.path("wb.yaml");
    let run = lab().hybridctl_with(
        &[
            "init",
            "password-writeback",
            "--offline",
            "--out",
            out.to_str().unwrap(),
        ],
        |_| {},
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("# PLACEHOLDERS: the values written '<like this>'"),
        "{text}"
    );
    assert!(
        text.contains(
            "principal: '<DOMAIN\\MSOL_ and 12 hex digits: account of the AD connector>'"
        ),
        "{text}"
    );
    // Left unreplaced, each placeholder is refused offline, by name.
    let validate = lab().hybridctl(&["validate", "-f", out.to_str().unwrap()]);
    assert_eq!(validate.code, 1, "{}", validate.all());
    assert!(
        validate.stderr.contains(
            "gpo.security.writeback-minimum-password-age: gpo is still the placeholder `<the GPO linked at the domain root"
        ),
        "{}",
        validate.stderr
    );
    // It never overwrites by accident.
    let again = lab().hybridctl(&[
        "init",
        "password-writeback",
        "--offline",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("exists; pass --force to replace it"),
        "{}",
        again.stderr
    );
}

#[test]
fn init_asks_which_connector_when_there_are_several() {
    let lab = lab();
    lab.connector(); // The lab's own and this one: at least two.
    let refused = lab.hybridctl(&["init", "password-writeback"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("several connector accounts are in the domain")
            && refused.stderr.contains("MSOL_817b9d8947c2"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("name one with --connector"),
        "{}",
        refused.stderr
    );
    let listed = refused
        .stderr
        .split('(')
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let number = listed
        .split(", ")
        .position(|c| c == "MSOL_817b9d8947c2")
        .unwrap()
        + 1;
    let asked = lab.hybridctl_on_terminal(&["init", "password-writeback"], &format!("{number}\n"));
    assert_eq!(asked.code, 0, "{}", asked.all());
    assert!(
        asked
            .stdout
            .contains("Which one does Entra Connect use for this forest?"),
        "{}",
        asked.stdout
    );
    assert!(
        asked.stdout.contains("principal: 'LAB\\MSOL_817b9d8947c2'"),
        "{}",
        asked.stdout
    );
    // The Entra ID connector's name, from the account's description, not the AD domain.
    assert!(
        asked
            .stdout
            .contains("Set-ADSyncAADPasswordResetConfiguration -Connector 'lab.onmicrosoft.com - AAD' -Enable $true"),
        "{}",
        asked.stdout
    );
    assert!(
        !asked.stdout.contains("-Connector 'lab.example.test'"),
        "{}",
        asked.stdout
    );
}

#[test]
fn password_writeback_from_nothing_on_the_lab() {
    let _shared = shared_objects();
    let lab = lab();
    let (connector, sid) = lab.connector();
    let specs = Specs::new();
    let spec = specs.path("writeback.yaml");
    let spec = spec.to_str().unwrap();
    let init = lab.hybridctl(&[
        "init",
        "password-writeback",
        "--connector",
        &connector,
        "--sync-scope",
        "OU=Corp,{domain}",
        "--out",
        spec,
    ]);
    assert_eq!(init.code, 0, "{}", init.all());
    let text = std::fs::read_to_string(spec).unwrap();
    // The check that writeback reaches every synced user, for the scope given.
    assert!(
        text.contains("  - kind: ad.effective_access\n    name: writeback-reaches-synced-users\n")
            && text.contains("      base: \"OU=Corp,{domain}\"\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("principal: 'LAB\\{connector}'")),
        "{text}"
    );
    assert!(
        text.contains("gpo: Default Domain Policy"),
        "the GPO linked at the root: {text}"
    );
    assert!(!text.contains("PLACEHOLDERS"), "{text}");
    // A fresh account has no description naming its tenant: the step says where to look.
    assert!(
        text.contains("-Connector '<tenant>.onmicrosoft.com - AAD'"),
        "{text}"
    );

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for words in [
        "Reset Password (Descendant User objects)",
        "Write pwdLastSet",
        "Write lockoutTime",
        "Unexpire Password",
    ] {
        assert!(
            plan.stdout
                .contains(&format!("+ allow LAB\\{connector}: {words}")),
            "{words}: {}",
            plan.stdout
        );
    }
    assert!(
        plan.stdout
            .contains("? manual.writeback-in-portal  (manual steps, not verified by hybridctl)"),
        "{}",
        plan.stdout
    );
    // Before apply the new connector reaches nobody: the check shows it, and that the
    // planned ACL changes touch its scope; after apply it passes (`again` below).
    assert!(
        plan.stdout
            .contains("ad.effective_access.writeback-reaches-synced-users"),
        "{}",
        plan.stdout
    );
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("4. On the Entra Connect server"),
        "manual steps on apply: {}",
        apply.stdout
    );
    assert!(lab.sddl(&lab.domain_dn).contains(&format!(
        "(OA;CI;CR;ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501;;{sid})"
    )));
    let again = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("1. Entra admin center"),
        "manual steps every time: {}",
        again.stdout
    );
    let drift = lab.hybridctl(&["drift", "-f", spec]);
    assert_eq!(drift.code, 0, "{}", drift.all());
    assert!(
        drift.stdout.contains("? manual.writeback-in-portal"),
        "{}",
        drift.stdout
    );
}
