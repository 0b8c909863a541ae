//! plan / apply / second plan / drift / stale plans, checked with samba-tool.

use crate::harness::{aces, acl_spec, lab, norm, Specs};

const RESET_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
const LOCKOUT_TIME: &str = "28630ebf-41d5-11d1-a9c1-0000f80367c1";
const UNEXPIRE_PASSWORD: &str = "ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501";
const USER_CLASS: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
const DESCRIPTION: &str = "bf967950-0de6-11d0-a285-00aa003049e2";
const USER_ACCOUNT_CONTROL: &str = "bf967a68-0de6-11d0-a285-00aa003049e2";

#[test]
fn password_writeback_permissions_end_to_end() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let (sam, sid) = lab.connector();
    let p = format!("{}\\{sam}", lab.netbios);
    let specs = Specs::new();
    let spec = specs.write(
        "writeback.yaml",
        &acl_spec(
            "writeback",
            "{domain}",
            &format!(
                "      - {{principal: '{p}', allow: [Reset password], applies_to: Descendant User objects}}\n\
                 \x20     - {{principal: '{p}', allow: [Write pwdLastSet, Write lockoutTime], applies_to: Descendant User objects}}\n\
                 \x20     - {{principal: '{p}', allow: [Unexpire Password], applies_to: This object and all descendant objects}}\n"
            ),
        ),
    );
    let spec = spec.to_str().unwrap();
    let expected = [
        format!("(OA;CIIO;CR;{RESET_PASSWORD};{USER_CLASS};{sid})"),
        format!("(OA;CIIO;WP;{PWD_LAST_SET};{USER_CLASS};{sid})"),
        format!("(OA;CIIO;WP;{LOCKOUT_TIME};{USER_CLASS};{sid})"),
        format!("(OA;CI;CR;{UNEXPIRE_PASSWORD};;{sid})"),
    ];

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for e in &expected {
        assert!(
            plan.stdout.contains(&format!("+     {e}")),
            "plan lacks {e}:\n{}",
            plan.stdout
        );
    }
    for words in [
        "Reset Password (Descendant User objects)",
        "Write pwdLastSet (Descendant User objects)",
        "Write lockoutTime (Descendant User objects)",
        "Unexpire Password (This object and all descendant objects)",
    ] {
        assert!(
            plan.stdout.contains(&format!("+ allow {p}: {words}")),
            "plan lacks {words}:\n{}",
            plan.stdout
        );
    }

    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply
            .stdout
            .contains("ad.acl.writeback: applied and verified"),
        "{}",
        apply.stdout
    );

    // An independent reader sees each ACE exactly once.
    let sd = lab.sddl(&lab.domain_dn);
    for e in &expected {
        assert_eq!(sd.matches(e.as_str()).count(), 1, "{e} not once in {sd}");
    }

    let again = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    let second_apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(second_apply.code, 0);
    assert!(
        second_apply.stdout.contains("Nothing to apply"),
        "{}",
        second_apply.stdout
    );
    assert_eq!(
        lab.explicit_aces(&lab.domain_dn),
        aces(&sd),
        "a second apply changed the ACL"
    );

    // Drift made out of band with Samba's own tools is found and named.
    lab.remove_ace(&lab.domain_dn, &expected[0]);
    let drift = lab.hybridctl(&["drift", "-f", spec]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains(&format!(
            "+ allow {p}: Reset Password (Descendant User objects)"
        )),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("Drift: 1 resource(s) differ"),
        "{}",
        drift.stdout
    );

    // A saved plan is refused once the ACL moved, and nothing is written.
    let saved = specs.path("plan.json");
    let saved = saved.to_str().unwrap();
    assert_eq!(lab.hybridctl(&["plan", "-f", spec, "--out", saved]).code, 0);
    lab.add_ace(&lab.domain_dn, &format!("(A;;RC;;;{sid})"));
    let before = lab.explicit_aces(&lab.domain_dn);
    let stale = lab.hybridctl(&["apply", saved]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale
            .stderr
            .contains("ad.acl.writeback: saved plan is stale"),
        "{}",
        stale.stderr
    );
    assert_eq!(
        lab.explicit_aces(&lab.domain_dn),
        before,
        "a stale plan wrote to the directory"
    );

    // A fresh apply converges again.
    assert_eq!(
        lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]).code,
        0
    );
    assert_eq!(lab.hybridctl(&["drift", "-f", spec]).code, 0);
}

#[test]
fn a_saved_plan_applies_as_shown_and_is_refused_when_the_spec_changed() {
    let lab = lab();
    let ou = lab.scratch_ou("saved");
    let (sam, sid) = lab.user("saved");
    let specs = Specs::new();
    let entry = |rights: &str| {
        format!(
            "      - {{principal: '{}\\{sam}', allow: [{rights}], applies_to: This object only}}\n",
            lab.netbios
        )
    };
    let spec = specs.write(
        "s.yaml",
        &acl_spec("saved", &ou, &entry("Write description")),
    );
    let spec = spec.to_str().unwrap();
    let saved = specs.path("plan.json");
    let saved = saved.to_str().unwrap();

    let plan = lab.hybridctl(&["plan", "-f", spec, "--out", saved, "--format", "markdown"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    // A saved plan renders exactly like the fresh one did.
    let shown = lab.hybridctl(&["show", saved, "--format", "markdown"]);
    assert_eq!(shown.stdout, plan.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();
    assert_eq!(json["format_version"], 2);
    assert_eq!(json["resources"][0]["changes"][0]["op"], "add");

    // The spec changes after the plan was made: the plan is refused, naming the resource.
    std::fs::write(
        spec,
        acl_spec("saved", &ou, &entry("Write description, Read description")),
    )
    .unwrap();
    let before = lab.explicit_aces(&ou);
    let stale = lab.hybridctl(&["apply", saved]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale
            .stderr
            .contains("ad.acl.saved: saved plan is stale: the resource changed in the spec"),
        "{}",
        stale.stderr
    );
    assert_eq!(lab.explicit_aces(&ou), before);

    // Back to the spec the plan was made from: it applies.
    std::fs::write(spec, acl_spec("saved", &ou, &entry("Write description"))).unwrap();
    let ok = lab.hybridctl(&["apply", saved]);
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert!(aces(&lab.sddl(&ou)).contains(&norm(&format!("(OA;;WP;{DESCRIPTION};;{sid})"))));
}

#[test]
fn authoritative_owns_the_named_principals_and_absent_removes() {
    let lab = lab();
    let ou = lab.scratch_ou("auth");
    let (owned, owned_sid) = lab.user("owned");
    let (other, other_sid) = lab.user("other");
    let (_, bystander_sid) = lab.user("bystander");
    let stray = format!("(A;;RP;;;{owned_sid})");
    let other_stray = format!("(A;;RP;;;{other_sid})");
    let unwanted_deny = format!("(OD;CIIO;WP;{USER_ACCOUNT_CONTROL};{USER_CLASS};{other_sid})");
    let bystander = format!("(A;;RP;;;{bystander_sid})");
    for ace in [&stray, &other_stray, &unwanted_deny, &bystander] {
        lab.add_ace(&ou, ace);
    }
    let n = &lab.netbios;
    let specs = Specs::new();
    let spec = specs.write(
        "auth.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: ad.acl\n    name: auth\n    object: \"{ou}\"\n    authoritative: true\n    aces:\n\
             \x20     - {{principal: '{n}\\{owned}', allow: [Write description, Read], applies_to: This object only}}\n\
             \x20     - {{principal: '{n}\\{other}', deny: [Write userAccountControl], applies_to: Descendant User objects, ensure: absent}}\n\
             \x20     - {{principal: Authenticated Users, allow: [List contents], applies_to: All descendant objects}}\n"
        ),
    );
    let spec = spec.to_str().unwrap();
    let plan = lab.hybridctl(&["plan", "-f", spec]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    for line in [
        format!("- allow {n}\\{owned}: Read all properties (This object only)"),
        format!("- allow {n}\\{other}: Read all properties (This object only)"),
        format!("- deny {n}\\{other}: Write userAccountControl (Descendant User objects)"),
        format!("+ allow {n}\\{owned}: Read (This object only)"),
        format!("+ allow {n}\\{owned}: Write description (This object only)"),
        "+ allow Authenticated Users: List contents (All descendant objects)".to_string(),
        // Authenticated Users is named, so the spec owns its explicit ACEs too: the OU's
        // default read grant goes. The README warns about exactly this.
        "- allow Authenticated Users: Read (This object only)".to_string(),
    ] {
        assert!(
            plan.stdout.contains(&line),
            "plan lacks `{line}`:\n{}",
            plan.stdout
        );
    }
    assert!(
        plan.stdout.contains("(3 to add, 4 to remove)"),
        "{}",
        plan.stdout
    );

    assert_eq!(
        lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]).code,
        0
    );
    let now = aces(&lab.sddl(&ou));
    for present in [
        format!("(OA;;WP;{DESCRIPTION};;{owned_sid})"),
        format!("(A;;LCRPLORC;;;{owned_sid})"),
        "(A;CIIO;LC;;;AU)".to_string(),
        bystander,
    ] {
        assert!(
            now.contains(&norm(&present)),
            "{present} missing from {now:?}"
        );
    }
    for gone in [
        stray,
        other_stray,
        unwanted_deny,
        "(A;;RPLCLORC;;;AU)".to_string(),
    ] {
        assert!(
            !now.contains(&norm(&gone)),
            "{gone} should have been removed: {now:?}"
        );
    }
    assert_eq!(
        lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"])
            .code,
        0
    );
}

#[test]
fn explicit_aces_stay_in_canonical_order() {
    let lab = lab();
    let ou = lab.scratch_ou("order");
    let (user, sid) = lab.user("order");
    let specs = Specs::new();
    let n = &lab.netbios;
    let spec = specs.write(
        "o.yaml",
        &acl_spec(
            "order",
            &ou,
            &format!(
                "      - {{principal: '{n}\\{user}', allow: [Read all properties], applies_to: This object only}}\n\
                 \x20     - {{principal: '{n}\\{user}', deny: [Delete], applies_to: This object only}}\n"
            ),
        ),
    );
    assert_eq!(
        lab.hybridctl(&["apply", "-f", spec.to_str().unwrap(), "--auto-approve"])
            .code,
        0
    );
    let sd = lab.sddl(&ou);
    let deny = sd.find(&format!("(D;;SD;;;{sid})")).expect("deny written");
    let first_allow = sd.find("(A;").expect("allows present");
    assert!(
        deny < first_allow,
        "explicit deny must come before explicit allows: {sd}"
    );
}

#[test]
fn apply_asks_on_a_terminal_and_only_yes_proceeds() {
    let lab = lab();
    let ou = lab.scratch_ou("confirm");
    let (user, sid) = lab.user("confirm");
    let specs = Specs::new();
    let spec = specs.write(
        "c.yaml",
        &acl_spec("confirm", &ou, &format!("      - {{principal: '{}\\{user}', allow: [Delete], applies_to: This object only}}\n", lab.netbios)),
    );
    let spec = spec.to_str().unwrap();
    let before = lab.explicit_aces(&ou);

    let refused = lab.hybridctl(&["apply", "-f", spec]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("stdin is not a terminal; review the plan and pass --auto-approve"),
        "{}",
        refused.stderr
    );

    let no = lab.hybridctl_on_terminal(&["apply", "-f", spec], "no\n");
    assert_eq!(no.code, 1, "{}", no.all());
    assert!(
        no.stdout.contains("Only 'yes' will be accepted"),
        "{}",
        no.stdout
    );
    assert!(
        no.stdout.contains("Apply cancelled; nothing was changed."),
        "{}",
        no.stdout
    );
    assert_eq!(lab.explicit_aces(&ou), before);

    let yes = lab.hybridctl_on_terminal(&["apply", "-f", spec], "yes\n");
    assert_eq!(yes.code, 0, "{}", yes.all());
    // On a terminal, output is coloured.
    assert!(yes.stdout.contains("\x1b[32m+ allow"), "{}", yes.stdout);
    assert!(lab
        .explicit_aces(&ou)
        .contains(&norm(&format!("(A;;SD;;;{sid})"))));

    // NO_COLOR turns colour off even on a terminal.
    let plain = lab.hybridctl_full_no_color(&["plan", "-f", spec]);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);
}

#[test]
fn plan_output_as_people_see_it() {
    let lab = lab();
    let ou = lab.scratch_ou("snap");
    let (user, _) = lab.user("snap");
    let n = &lab.netbios;
    lab.add_ace(
        &ou,
        &format!("(A;;RP;;;{})", lab.sid_of("group", "Helpdesk")),
    );
    let specs = Specs::new();
    let spec = specs.write(
        "snap.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: ad.acl\n    name: snap\n    object: \"{ou}\"\n    aces:\n\
             \x20     - {{principal: '{n}\\{user}', allow: [Reset password, Write pwdLastSet], applies_to: Descendant User objects}}\n\
             \x20     - {{principal: '{n}\\Helpdesk', allow: [Read all properties], applies_to: This object only, ensure: absent}}\n"
        ),
    );
    let spec = spec.to_str().unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"S-1-5-21-\d+-\d+-\d+-\d+", "[SID]");
    settings.add_filter(r"snap-\d+-\d+", "[name]");
    settings.bind(|| {
        insta::assert_snapshot!("plan_text", lab.hybridctl(&["plan", "-f", spec]).stdout);
        insta::assert_snapshot!(
            "plan_markdown",
            lab.hybridctl(&["plan", "-f", spec, "--format", "markdown"])
                .stdout
        );
    });
}

#[test]
fn diff_shows_what_a_change_to_a_git_tracked_spec_would_do() {
    let lab = lab();
    let ou = lab.scratch_ou("review");
    let (user, _) = lab.user("review");
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let entry = |rights: &str| {
        format!("      - {{principal: 'LAB\\{user}', allow: [{rights}], applies_to: This object only}}\n")
    };
    let spec = repo.path().join("spec.yaml");
    std::fs::write(&spec, acl_spec("review", &ou, &entry("Read"))).unwrap();
    git(&["add", "spec.yaml"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.test",
        "commit",
        "-q",
        "-m",
        "base",
    ]);
    let spec = spec.to_str().unwrap();

    let same = lab.hybridctl(&["diff", "--base", "HEAD", "-f", spec]);
    assert_eq!(same.code, 0, "{}", same.all());
    assert!(same.stdout.contains("No difference"), "{}", same.stdout);

    std::fs::write(
        spec,
        acl_spec(
            "review",
            &ou,
            &format!("{}{}", entry("Read"), entry("Delete")),
        ),
    )
    .unwrap();
    let changed = lab.hybridctl(&["diff", "--base", "HEAD", "-f", spec, "--format", "markdown"]);
    assert_eq!(changed.code, 2, "{}", changed.all());
    assert!(
        changed.stdout.contains("### hybridctl diff against `HEAD`"),
        "{}",
        changed.stdout
    );
    assert!(
        changed.stdout.contains(&format!(
            "~ ad.acl.review\n  + allow LAB\\{user}: Delete (This object only)"
        )),
        "{}",
        changed.stdout
    );
    assert!(
        !changed.stdout.contains(": Read (This object only)"),
        "unchanged entries are not shown: {}",
        changed.stdout
    );
}

#[test]
fn target_limits_plan_and_apply_to_the_named_resource() {
    let lab = lab();
    let (one, two) = (lab.scratch_ou("target-one"), lab.scratch_ou("target-two"));
    let (user, sid) = lab.user("target");
    let specs = Specs::new();
    let resource = |name: &str, ou: &str| {
        format!("  - kind: ad.acl\n    name: {name}\n    object: \"{ou}\"\n    aces:\n      - {{principal: 'LAB\\{user}', allow: [Delete], applies_to: This object only}}\n")
    };
    let spec = specs.write(
        "t.yaml",
        &format!(
            "version: 1\nresources:\n{}{}",
            resource("one", &one),
            resource("two", &two)
        ),
    );
    let spec = spec.to_str().unwrap();
    let plan = lab.hybridctl(&["plan", "-f", spec, "--target", "ad.acl.two"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("~ ad.acl.two") && !plan.stdout.contains("ad.acl.one"),
        "{}",
        plan.stdout
    );
    let apply = lab.hybridctl(&[
        "apply",
        "-f",
        spec,
        "--target",
        "ad.acl.two",
        "--auto-approve",
    ]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let ace = norm(&format!("(A;;SD;;;{sid})"));
    assert!(lab.explicit_aces(&two).contains(&ace));
    assert!(
        !lab.explicit_aces(&one).contains(&ace),
        "--target applied another resource"
    );
}

/// Issue 10 item 2: `absent` takes a right out of a broader ACE that grants it, keeping
/// the ACE's other rights, and the plan shows exactly that.
#[test]
fn absent_write_narrows_a_broader_allow_on_the_object() {
    let lab = lab();
    let ou = lab.scratch_ou("narrow");
    let sid = lab.sid_of("group", "Helpdesk");
    let broad = format!("(A;CI;LCSWRPWPLORC;;;{sid})");
    lab.add_ace(&ou, &broad);
    let n = &lab.netbios;
    let specs = Specs::new();
    let spec = specs.write(
        "n.yaml",
        &acl_spec(
            "narrow",
            &ou,
            &format!("      - {{principal: '{n}\\Helpdesk', allow: [Write], applies_to: This object and all descendant objects, ensure: absent}}\n"),
        ),
    );
    let spec = spec.to_str().unwrap();
    // `Write` is GENERIC_WRITE as mapped for directory objects: RC, SW and WP.
    let narrowed = format!("(A;CI;LCRPLO;;;{sid})");

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for line in [
        format!("- allow {n}\\Helpdesk: Read, Write (This object and all descendant objects)"),
        format!("-     {broad}"),
        format!("+ allow {n}\\Helpdesk: Read all properties, List contents, List object (This object and all descendant objects)"),
        format!("+     {narrowed}"),
    ] {
        assert!(plan.stdout.contains(&line), "plan lacks `{line}`:\n{}", plan.stdout);
    }
    assert!(
        plan.stdout.contains("(1 to add, 1 to remove)"),
        "{}",
        plan.stdout
    );
    let drift = lab.hybridctl(&["drift", "-f", spec]);
    assert_eq!(
        drift.code,
        2,
        "drift must see the right still held:\n{}",
        drift.all()
    );

    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let now = lab.explicit_aces(&ou);
    assert!(
        now.contains(&norm(&narrowed)),
        "{narrowed} missing: {now:?}"
    );
    assert!(!now.contains(&norm(&broad)), "{broad} still there: {now:?}");
    assert_eq!(
        now.iter().filter(|a| a.contains(&sid)).count(),
        1,
        "one Helpdesk ACE expected: {now:?}"
    );
    let again = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

/// Issue 10 item 2, deny side: absent `Delete subtree` inside a deny of Delete + Delete subtree.
#[test]
fn absent_deny_delete_subtree_narrows_a_deny_of_delete_and_delete_subtree() {
    let lab = lab();
    let ou = lab.scratch_ou("narrow-deny");
    let sid = lab.sid_of("group", "Helpdesk");
    let both = format!("(D;;SDDT;;;{sid})");
    lab.add_ace(&ou, &both);
    let n = &lab.netbios;
    let specs = Specs::new();
    let spec = specs.write(
        "d.yaml",
        &acl_spec(
            "narrowdeny",
            &ou,
            &format!("      - {{principal: '{n}\\Helpdesk', deny: [Delete subtree], applies_to: This object only, ensure: absent}}\n"),
        ),
    );
    let spec = spec.to_str().unwrap();
    let delete_only = format!("(D;;SD;;;{sid})");

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for line in [
        format!("- deny {n}\\Helpdesk: Delete, Delete subtree (This object only)"),
        format!("+ deny {n}\\Helpdesk: Delete (This object only)"),
        format!("+     {delete_only}"),
    ] {
        assert!(
            plan.stdout.contains(&line),
            "plan lacks `{line}`:\n{}",
            plan.stdout
        );
    }
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let now = lab.explicit_aces(&ou);
    assert!(
        now.contains(&norm(&delete_only)),
        "{delete_only} missing: {now:?}"
    );
    assert!(!now.contains(&norm(&both)), "{both} still there: {now:?}");
    assert_eq!(
        lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"])
            .code,
        0
    );
}

/// Issue 10 item 2, mirror case: `present` for rights a broader ACE already grants adds nothing.
#[test]
fn present_rights_granted_by_a_broader_ace_plan_no_change() {
    let lab = lab();
    let ou = lab.scratch_ou("covered");
    let sid = lab.sid_of("group", "Helpdesk");
    lab.add_ace(&ou, &format!("(A;CI;LCSWRPWPLORC;;;{sid})"));
    let n = &lab.netbios;
    let specs = Specs::new();
    let spec = specs.write(
        "c.yaml",
        &acl_spec(
            "covered",
            &ou,
            &format!(
                "      - {{principal: '{n}\\Helpdesk', allow: [Write, Read all properties], applies_to: This object and all descendant objects}}\n\
                 \x20     - {{principal: '{n}\\Helpdesk', allow: [Write pwdLastSet], applies_to: This object and all descendant objects}}\n"
            ),
        ),
    );
    let spec = spec.to_str().unwrap();
    let before = lab.explicit_aces(&ou);
    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("Nothing to apply"),
        "{}",
        apply.stdout
    );
    assert_eq!(lab.explicit_aces(&ou), before, "a redundant ACE was added");
}

/// An absent right on one attribute inside a grant for every attribute cannot be
/// narrowed out: the plan refuses, names the broader ACE, and nothing is written.
#[test]
fn absent_attribute_inside_write_all_properties_is_refused() {
    let lab = lab();
    let ou = lab.scratch_ou("refuse");
    let sid = lab.sid_of("group", "Helpdesk");
    let broad = format!("(A;;RPWP;;;{sid})");
    lab.add_ace(&ou, &broad);
    let n = &lab.netbios;
    let specs = Specs::new();
    let spec = specs.write(
        "r.yaml",
        &acl_spec(
            "refuse",
            &ou,
            &format!("      - {{principal: '{n}\\Helpdesk', allow: [Write pwdLastSet], applies_to: This object only, ensure: absent}}\n"),
        ),
    );
    let spec = spec.to_str().unwrap();
    let before = lab.explicit_aces(&ou);
    for args in [
        vec!["plan", "-f", spec],
        vec!["apply", "-f", spec, "--auto-approve"],
    ] {
        let run = lab.hybridctl(&args);
        assert_eq!(run.code, 1, "{}", run.all());
        for text in [
            "ad.acl.refuse: aces[0]: `Write pwdLastSet` cannot be made absent",
            &format!("allow {n}\\Helpdesk: Read all properties, Write all properties (This object only)` {broad}"),
            "make `Write all properties` absent",
        ] {
            assert!(run.stderr.contains(text), "lacks `{text}`:\n{}", run.stderr);
        }
    }
    assert_eq!(lab.explicit_aces(&ou), before, "a refused plan wrote");
}

/// Issue 10 item 10: `Creator Owner` on the object itself is refused at plan time (Samba
/// would store the owner instead and every apply would add another copy); inherit-only
/// it is written once and converges.
#[test]
fn creator_owner_must_apply_to_descendants_only() {
    let lab = lab();
    let ou = lab.scratch_ou("creator");
    let specs = Specs::new();
    let entry = |applies_to: &str| {
        format!("      - {{principal: Creator Owner, allow: [Read], applies_to: {applies_to}}}\n")
    };
    let bad = specs.write(
        "bad.yaml",
        &acl_spec(
            "creator",
            &ou,
            &entry("This object and all descendant objects"),
        ),
    );
    let bad = bad.to_str().unwrap();
    let before = lab.explicit_aces(&ou);
    for args in [
        vec!["plan", "-f", bad],
        vec!["apply", "-f", bad, "--auto-approve"],
    ] {
        let run = lab.hybridctl(&args);
        assert_eq!(run.code, 1, "{}", run.all());
        for text in [
            "ad.acl.creator: aces[0]: `Creator Owner` stands for whoever creates a descendant object",
            "hint: use `All descendant objects` or `Descendant <class> objects`",
        ] {
            assert!(run.stderr.contains(text), "lacks `{text}`:\n{}", run.stderr);
        }
    }
    assert_eq!(lab.explicit_aces(&ou), before, "a refused plan wrote");

    let good = specs.write(
        "good.yaml",
        &acl_spec("creator", &ou, &entry("All descendant objects")),
    );
    let good = good.to_str().unwrap();
    let apply = lab.hybridctl(&["apply", "-f", good, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let again = lab.hybridctl(&["apply", "-f", good, "--auto-approve"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("Nothing to apply"),
        "{}",
        again.stdout
    );
    let sd = lab.sddl(&ou);
    assert_eq!(
        aces(&sd).iter().filter(|a| a.ends_with(";CO)")).count(),
        1,
        "one Creator Owner ACE expected: {sd}"
    );
}
