//! entra_connect.permissions against the lab: every feature Samba's schema supports,
//! AdminSDHolder and the hardened account, checked with samba-tool.

use std::collections::BTreeSet;

use crate::harness::{aces, acl_spec, lab, norm, Specs};

const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
const GROUP: &str = "bf967a9c-0de6-11d0-a285-00aa003049e2";
const CONTACT: &str = "5cb41ed0-0e4c-11d0-a286-00aa003049e2";
const INET_ORG_PERSON: &str = "4828cc14-1437-45bc-9b07-ad6f015e5f28";
const COMPUTER: &str = "bf967a86-0de6-11d0-a285-00aa003049e2";
const DEVICE: &str = "bf967a8e-0de6-11d0-a285-00aa003049e2";
const FSP: &str = "89e31c12-8530-11d0-afda-00c04fd930c9";
const RESET_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
const CHANGE_PASSWORD: &str = "ab721a53-1e2f-11d0-9819-00aa0040529b";
const UNEXPIRE_PASSWORD: &str = "ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501";
const GET_CHANGES: &str = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2";
const GET_CHANGES_ALL: &str = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2";
const LOCKOUT_TIME: &str = "28630ebf-41d5-11d1-a9c1-0000f80367c1";
const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
const CONSISTENCY_GUID: &str = "23773dc2-b63a-11d2-90e1-00c04fd91ab1";

/// Every feature a plain Samba schema supports (not the Exchange public folders).
const FEATURES: &str = "[basic_read, password_hash_sync, ms_ds_consistency_guid, password_writeback, unified_group_writeback, exchange_hybrid]";

fn spec(account: &str, features: &str, profile: &str, extra: &str) -> String {
    format!(
        "version: 1\nresources:\n  - kind: entra_connect.permissions\n    name: connector\n    account: '{account}'\n    features: {features}\n    password_writeback_profile: {profile}\n{extra}"
    )
}

/// The ACEs the catalogue puts on every scope object (and AdminSDHolder), per Microsoft's tables.
fn scope_aces(sid: &str) -> Vec<String> {
    let mut v: Vec<String> = [COMPUTER, DEVICE, FSP, USER, INET_ORG_PERSON, GROUP, CONTACT]
        .iter()
        .map(|c| format!("(OA;CIIO;RP;;{c};{sid})"))
        .collect();
    v.extend([
        format!("(OA;CIIO;RPWP;{CONSISTENCY_GUID};{USER};{sid})"),
        format!("(OA;CIIO;CR;{RESET_PASSWORD};{USER};{sid})"),
        format!("(OA;CIIO;WP;{LOCKOUT_TIME};{USER};{sid})"),
        format!("(OA;CIIO;WP;{PWD_LAST_SET};{USER};{sid})"),
        format!("(OA;CIIO;CR;{CHANGE_PASSWORD};{USER};{sid})"),
        format!("(OA;CIIO;CCDCLCSWRPWPDTLOSDRC;;{GROUP};{sid})"),
    ]);
    v.extend(
        [USER, INET_ORG_PERSON, GROUP, CONTACT]
            .iter()
            .map(|c| format!("(OA;CIIO;RPWP;;{c};{sid})")),
    );
    v
}

fn root_aces(sid: &str) -> Vec<String> {
    let mut v = scope_aces(sid);
    v.extend([
        format!("(OA;;CR;{GET_CHANGES};;{sid})"),
        format!("(OA;;CR;{GET_CHANGES_ALL};;{sid})"),
        format!("(OA;CI;CR;{UNEXPIRE_PASSWORD};;{sid})"),
    ]);
    v
}

/// The account's explicit ACEs on `dn` as samba-tool shows them, each normalized; panics
/// on a duplicate.
fn account_aces(dn: &str, sid: &str) -> BTreeSet<String> {
    let sd = lab().sddl(dn);
    let explicit =
        |a: &str| a.contains(sid) && !a.split(';').nth(1).unwrap_or_default().contains("ID");
    let raw: Vec<&str> = sd.split('(').filter(|a| explicit(a)).collect();
    let set: BTreeSet<String> = aces(&sd).into_iter().filter(|a| explicit(a)).collect();
    assert_eq!(raw.len(), set.len(), "an ACE is there twice on {dn}: {sd}");
    set
}

fn normed(v: &[String]) -> BTreeSet<String> {
    v.iter().map(|a| norm(a)).collect()
}

/// Applies a spec when dropped: takes a test's ACEs off shared objects even when it fails.
struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let run = lab().hybridctl(&["apply", "-f", self.0.to_str().unwrap(), "--auto-approve"]);
        if run.code != 0 {
            eprintln!("cleanup failed: {}", run.all());
        }
    }
}

#[test]
fn every_feature_admin_sd_holder_and_hardening_end_to_end() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let (sam, sid) = lab.connector();
    let account = format!("{}\\{sam}", lab.netbios);
    let account_dn = format!("CN={sam},CN=Users,{}", lab.domain_dn);
    let holder = format!("CN=AdminSDHolder,CN=System,{}", lab.domain_dn);
    let specs = Specs::new();
    let full = specs.write(
        "full.yaml",
        &spec(
            &account,
            FEATURES,
            "tutorial",
            "    admin_sd_holder: true\n    restrict_account: true\n",
        ),
    );
    let full = full.to_str().unwrap();
    // Features removed: the root and AdminSDHolder as before for other tests, even when an
    // assertion below fails (dropped before the shared-objects lock).
    let none = specs.write(
        "none.yaml",
        &spec(&account, "[]", "tutorial", "    admin_sd_holder: true\n"),
    );
    let _cleanup = Cleanup(none.clone());

    let plan = lab.hybridctl(&["plan", "-f", full, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for words in [
        format!("{}: allow {account}: Reset Password (Descendant User objects) [password_writeback]", lab.domain_dn),
        format!("{holder}: allow {account}: Read all properties (Descendant User objects) [basic_read]"),
        format!("{}: allow {account}: Replicating Directory Changes (This object only) [basic_read, password_hash_sync]", lab.domain_dn),
        format!("+ {account_dn}: inheritance disabled (protected DACL): the "),
        format!("- {account_dn}: inherited: allow "),
    ] {
        assert!(plan.stdout.contains(&words), "plan lacks {words}:\n{}", plan.stdout);
    }
    for note in [
        "the `module` profile lacks Change Password",
        "SDProp resets their DACL from AdminSDHolder",
        "since Entra Connect 2.0.3.0",
    ] {
        assert!(
            plan.stdout.contains(note),
            "plan lacks note {note}:\n{}",
            plan.stdout
        );
    }

    let apply = lab.hybridctl(&["apply", "-f", full, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());

    // samba-tool shows exactly Microsoft's ACEs, each once.
    assert_eq!(account_aces(&lab.domain_dn, &sid), normed(&root_aces(&sid)));
    assert_eq!(account_aces(&holder, &sid), normed(&scope_aces(&sid)));
    let sd = lab.sddl(&account_dn);
    assert!(
        sd.contains("D:P"),
        "the account's DACL is not protected: {sd}"
    );
    let explicit: BTreeSet<String> = aces(&sd)
        .into_iter()
        .filter(|a| !a.ends_with(";PS)"))
        .collect();
    let restricted = normed(&[
        "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)".into(),
        "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;EA)".into(),
        "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;DA)".into(),
        "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)".into(),
        "(A;;LCRPLORC;;;ED)".into(),
        "(A;;LCRPLORC;;;AU)".into(),
    ]);
    assert_eq!(explicit, restricted, "{sd}");
    assert!(
        !sd.contains(";ID"),
        "inherited ACEs left on the account: {sd}"
    );

    let again = lab.hybridctl(&["plan", "-f", full, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());

    // Switching the writeback profile removes exactly Change password and Unexpire Password.
    let module = specs.write(
        "module.yaml",
        &spec(
            &account,
            FEATURES,
            "module",
            "    admin_sd_holder: true\n    restrict_account: true\n",
        ),
    );
    let saved = specs.path("module.json");
    let out = lab.hybridctl(&[
        "plan",
        "-f",
        module.to_str().unwrap(),
        "--out",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("the `tutorial` profile adds Change Password"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let changes = json["resources"][0]["changes"].as_array().unwrap();
    let mut removed: Vec<String> = changes
        .iter()
        .map(|c| {
            assert_eq!(c["op"], "remove", "{c}");
            c["entry"]["code"].as_str().unwrap().to_string()
        })
        .collect();
    removed.sort();
    let mut want = vec![
        format!("(OA;CIIO;CR;{CHANGE_PASSWORD};{USER};{sid})"),
        format!("(OA;CIIO;CR;{CHANGE_PASSWORD};{USER};{sid})"),
        format!("(OA;CI;CR;{UNEXPIRE_PASSWORD};;{sid})"),
    ];
    want.sort();
    // Change password goes from the domain root and from AdminSDHolder.
    assert_eq!(removed, want, "{}", out.stdout);

    // An ACE removed out of band is reported by feature.
    lab.remove_ace(
        &lab.domain_dn,
        &format!("(OA;CIIO;CR;{RESET_PASSWORD};{USER};{sid})"),
    );
    let drift = lab.hybridctl(&["drift", "-f", full]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains(&format!(
            "+ {}: allow {account}: Reset Password (Descendant User objects) [password_writeback]",
            lab.domain_dn
        )),
        "{}",
        drift.stdout
    );

    let clean = lab.hybridctl(&["apply", "-f", none.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(clean.code, 0, "{}", clean.all());
    assert!(account_aces(&lab.domain_dn, &sid).is_empty());
    assert!(account_aces(&holder, &sid).is_empty());
}

#[test]
fn exchange_public_folders_need_the_exchange_schema() {
    let lab = lab();
    let specs = Specs::new();
    let account = format!("{}\\{}", lab.netbios, lab.env["HYBRIDCTL_LAB_CONNECTOR"]);
    let s = specs.write(
        "pf.yaml",
        &spec(
            &account,
            "[basic_read, exchange_mail_public_folder]",
            "module",
            "",
        ),
    );
    let plan = lab.hybridctl(&["plan", "-f", s.to_str().unwrap()]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    for part in [
        "feature `exchange_mail_public_folder` needs class `publicFolder`",
        "Exchange schema",
        "take `exchange_mail_public_folder` out of `features`",
    ] {
        assert!(plan.stderr.contains(part), "{part}: {}", plan.stderr);
    }
}

#[test]
fn unknown_features_and_conflicting_acls_are_refused() {
    let lab = lab();
    let specs = Specs::new();
    let account = format!("{}\\{}", lab.netbios, lab.env["HYBRIDCTL_LAB_CONNECTOR"]);
    let bad = specs.write("bad.yaml", &spec(&account, "[basic_reed]", "module", ""));
    let v = lab.hybridctl(&["validate", "-f", bad.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(
        v.all().contains("basic_reed") && v.all().contains("basic_read"),
        "{}",
        v.all()
    );

    // A deny for the account on an object the resource manages: refused offline.
    let deny = format!(
        "{}\n{}",
        spec(&account, "[basic_read]", "module", ""),
        acl_spec(
            "deny",
            "{domain}",
            &format!("      - {{principal: '{account}', deny: [Read all properties], applies_to: Descendant User objects}}\n"),
        )
        .split_once("resources:\n")
        .unwrap()
        .1
    );
    let deny = specs.write("deny.yaml", &deny);
    let v = lab.hybridctl(&["validate", "-f", deny.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(v.all().contains("is a deny for"), "{}", v.all());

    // The same account by SID, authoritative: refused at plan time, nothing written.
    let sid = lab.sid_of("user", &lab.env["HYBRIDCTL_LAB_CONNECTOR"]);
    let auth = format!(
        "{}\n  - kind: ad.acl\n    name: auth\n    object: '{{domain}}'\n    authoritative: true\n    aces:\n      - {{principal: '{sid}', allow: [Read all properties], applies_to: Descendant User objects}}\n",
        spec(&account, "[basic_read]", "module", "")
    );
    let auth = specs.write("auth.yaml", &auth);
    let p = lab.hybridctl(&["plan", "-f", auth.to_str().unwrap()]);
    assert_eq!(p.code, 1, "{}", p.all());
    assert!(
        p.stderr
            .contains("is an authoritative entry for the connector account"),
        "{}",
        p.stderr
    );

    // A deny for the account below the scope, on another object: passes offline, refused
    // at plan time because it takes away what basic_read passes down.
    let below = format!(
        "{}\n  - kind: ad.acl\n    name: below\n    object: 'OU=Staff,OU=Corp,{{domain}}'\n    aces:\n      - {{principal: '{account}', deny: [Read all properties], applies_to: Descendant User objects}}\n",
        spec(&account, "[basic_read]", "module", "")
    );
    let below = specs.write("below.yaml", &below);
    let below = below.to_str().unwrap();
    assert_eq!(lab.hybridctl(&["validate", "-f", below]).code, 0);
    let p = lab.hybridctl(&["plan", "-f", below]);
    assert_eq!(p.code, 1, "{}", p.all());
    assert!(
        p.stderr.contains("ad.acl.below: aces[0] denies the connector account on `OU=Staff,OU=Corp,{domain}`, below `DC=")
            && p.stderr.contains("Read all properties (Descendant User objects)` [basic_read]"),
        "{}",
        p.stderr
    );
}

/// `ad.acl`'s `inheritance` (what `restrict_account` builds on): disabling lists every
/// inherited ACE that goes away, samba-tool shows a protected DACL without them, a second
/// plan is empty, and enabling brings them back.
#[test]
fn acl_inheritance_disabled_and_enabled_on_a_scratch_ou() {
    let lab = lab();
    let ou = lab.scratch_ou("inherit");
    let (sam, sid) = lab.user("inh");
    let p = format!("{}\\{sam}", lab.netbios);
    let specs = Specs::new();
    let acl = |inheritance: &str, authoritative: bool| {
        let auth = if authoritative {
            "    authoritative: true\n"
        } else {
            ""
        };
        acl_spec(
            "ou",
            &ou,
            &format!("      - {{principal: '{p}', allow: [Read], applies_to: This object only}}\n"),
        )
        .replace(
            "    aces:\n",
            &format!("    inheritance: {inheritance}\n{auth}    aces:\n"),
        )
    };
    let before = lab.sddl(&ou);
    let inherited = aces(&before)
        .into_iter()
        .filter(|a| a.split(';').nth(1).unwrap_or_default().contains("ID"))
        .count();
    assert!(inherited > 0, "the scratch OU inherits nothing: {before}");

    let off = specs.write("off.yaml", &acl("disabled", false));
    let off = off.to_str().unwrap();
    let plan = lab.hybridctl(&["plan", "-f", off, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains(&format!(
            "+ inheritance disabled (protected DACL): the {inherited} inherited ACE(s) are gone, NOT copied as explicit ACEs"
        )),
        "{}",
        plan.stdout
    );
    assert_eq!(
        plan.stdout.matches("- inherited: ").count(),
        inherited,
        "{}",
        plan.stdout
    );
    let apply = lab.hybridctl(&["apply", "-f", off, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let sd = lab.sddl(&ou);
    assert!(sd.contains("D:P"), "not protected: {sd}");
    assert!(!sd.contains("ID;"), "inherited ACEs left: {sd}");
    assert!(
        aces(&sd).contains(&norm(&format!("(A;;LCRPLORC;;;{sid})"))),
        "{sd}"
    );
    // The explicit ACEs the OU had stay (no authoritative): only the inherited ones went.
    let explicit_before: BTreeSet<String> = aces(&before)
        .into_iter()
        .filter(|a| !a.split(';').nth(1).unwrap_or_default().contains("ID"))
        .collect();
    assert!(explicit_before.is_subset(&aces(&sd)), "{before}\n{sd}");
    let again = lab.hybridctl(&["plan", "-f", off, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());

    // disabled + authoritative: the spec owns the whole DACL.
    let own = specs.write("own.yaml", &acl("disabled", true));
    let own = own.to_str().unwrap();
    assert_eq!(
        lab.hybridctl(&["apply", "-f", own, "--auto-approve"]).code,
        0
    );
    assert_eq!(
        aces(&lab.sddl(&ou)),
        [norm(&format!("(A;;LCRPLORC;;;{sid})"))].into(),
    );

    let on = specs.write("on.yaml", &acl("enabled", false));
    let on = on.to_str().unwrap();
    let plan = lab.hybridctl(&["plan", "-f", on, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("+ inheritance enabled"),
        "{}",
        plan.stdout
    );
    assert_eq!(
        lab.hybridctl(&["apply", "-f", on, "--auto-approve"]).code,
        0
    );
    let sd = lab.sddl(&ou);
    assert!(!sd.contains("D:P"), "still protected: {sd}");
    assert!(sd.contains("ID;"), "nothing inherited again: {sd}");
    assert_eq!(
        lab.hybridctl(&["plan", "-f", on, "--detailed-exitcode"])
            .code,
        0
    );
}

#[test]
fn init_entra_connect_offline_and_from_the_lab() {
    let lab = lab();
    let specs = Specs::new();
    let offline = specs.path("offline.yaml");
    let run = lab.hybridctl_with(
        &[
            "init",
            "entra-connect",
            "--offline",
            "--features",
            "password_writeback,exchange_hybrid",
            "--out",
            offline.to_str().unwrap(),
        ],
        |_| {},
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(&offline).unwrap();
    assert!(
        text.contains("features: [password_writeback, exchange_hybrid]"),
        "{text}"
    );
    assert!(
        text.contains(
            "# PLACEHOLDERS: the values written '<like this>' (domain, ldap_url, ldap_user, connector)"
        ),
        "{text}"
    );
    let v = lab.hybridctl(&["validate", "-f", offline.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(
        v.stderr
            .contains("entra_connect.permissions.connector: account is still the placeholder"),
        "{}",
        v.stderr
    );

    let unknown = lab.hybridctl(&[
        "init",
        "entra-connect",
        "--offline",
        "--features",
        "basic_reed",
    ]);
    assert_eq!(unknown.code, 1, "{}", unknown.all());
    assert!(
        unknown
            .stderr
            .contains("`basic_reed` is not a feature (features: basic_read, "),
        "{}",
        unknown.stderr
    );

    // Connected: the account and domain come from the lab; the plan shows the features' ACEs.
    let (sam, _) = lab.connector();
    let spec = specs.path("connected.yaml");
    let spec = spec.to_str().unwrap();
    let init = lab.hybridctl(&[
        "init",
        "entra-connect",
        "--connector",
        &sam,
        "--features",
        "basic_read,password_writeback",
        "--out",
        spec,
    ]);
    assert_eq!(init.code, 0, "{}", init.all());
    let text = std::fs::read_to_string(spec).unwrap();
    assert!(text.contains(&format!("account: 'LAB\\{sam}'")), "{text}");
    assert!(!text.contains("PLACEHOLDERS"), "{text}");
    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    for words in [
        "Read all properties (Descendant Computer objects) [basic_read]",
        "Unexpire Password (This object and all descendant objects) [password_writeback]",
    ] {
        assert!(
            plan.stdout
                .contains(&format!("{}: allow LAB\\{sam}: {words}", lab.domain_dn)),
            "{words}: {}",
            plan.stdout
        );
    }
}

/// The coexistence rule on one object: entra_connect.permissions owns the account's ACEs,
/// an ad.acl there manages another principal's; one apply writes both (the second resource
/// is not refused as stale because of the first one's write), and a second plan is empty.
#[test]
fn an_acl_for_another_principal_coexists_on_a_scope_ou() {
    let lab = lab();
    let ou = lab.scratch_ou("coexist");
    let (sam, sid) = lab.connector();
    let (helpdesk, helpdesk_sid) = lab.user("hd");
    let account = format!("{}\\{sam}", lab.netbios);
    let specs = Specs::new();
    let text = format!(
        "{}    scope: ['{ou}']\n  - kind: ad.acl\n    name: helpdesk\n    object: '{ou}'\n    aces:\n      - {{principal: '{}\\{helpdesk}', allow: [Reset password], applies_to: Descendant User objects}}\n",
        spec(&account, "[ms_ds_consistency_guid, exchange_hybrid]", "module", ""),
        lab.netbios
    );
    let s = specs.write("both.yaml", &text);
    let s = s.to_str().unwrap();
    let apply = lab.hybridctl(&["apply", "-f", s, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(
        account_aces(&ou, &sid),
        normed(&[
            format!("(OA;CIIO;RPWP;{CONSISTENCY_GUID};{USER};{sid})"),
            format!("(OA;CIIO;RPWP;;{USER};{sid})"),
            format!("(OA;CIIO;RPWP;;{INET_ORG_PERSON};{sid})"),
            format!("(OA;CIIO;RPWP;;{GROUP};{sid})"),
            format!("(OA;CIIO;RPWP;;{CONTACT};{sid})"),
        ])
    );
    assert!(
        lab.explicit_aces(&ou).contains(&norm(&format!(
            "(OA;CIIO;CR;{RESET_PASSWORD};{USER};{helpdesk_sid})"
        ))),
        "{}",
        lab.sddl(&ou)
    );
    assert!(account_aces(&lab.domain_dn, &sid).is_empty());
    let again = lab.hybridctl(&["plan", "-f", s, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());

    // A saved plan depends on the account's ACEs only: another principal's ACE added out of
    // band leaves it good, one of the account's makes it stale and nothing is written.
    let only = specs.write(
        "only.yaml",
        &format!(
            "{}    scope: ['{ou}']\n",
            spec(&account, "[ms_ds_consistency_guid]", "module", "")
        ),
    );
    let saved = specs.path("only.json");
    let saved = saved.to_str().unwrap();
    let only = only.to_str().unwrap();
    assert_eq!(lab.hybridctl(&["plan", "-f", only, "--out", saved]).code, 0);
    lab.add_ace(&ou, &format!("(A;;RC;;;{helpdesk_sid})"));
    lab.add_ace(&ou, &format!("(A;;RC;;;{sid})"));
    let before = lab.explicit_aces(&ou);
    let stale = lab.hybridctl(&["apply", saved]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale
            .stderr
            .contains("entra_connect.permissions.connector: saved plan is stale"),
        "{}",
        stale.stderr
    );
    assert_eq!(lab.explicit_aces(&ou), before, "a stale plan wrote");
    lab.remove_ace(&ou, &format!("(A;;RC;;;{sid})"));
    let fresh = lab.hybridctl(&["apply", saved]);
    assert_eq!(fresh.code, 0, "{}", fresh.all());
    assert_eq!(
        account_aces(&ou, &sid),
        normed(&[format!("(OA;CIIO;RPWP;{CONSISTENCY_GUID};{USER};{sid})")])
    );
    assert!(lab
        .explicit_aces(&ou)
        .contains(&norm(&format!("(A;;RC;;;{helpdesk_sid})"))));
}
