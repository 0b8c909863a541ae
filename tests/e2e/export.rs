//! `hybridctl export`: what is there now becomes a spec that plans with No changes,
//! re-exports byte for byte, and shows a change made out of band as drift. ACEs are made
//! with samba-tool and ldbmodify, not with hybridctl.

use crate::harness::{lab, Specs};

/// Exports, then checks the promise: validate passes, plan says No changes.
fn export_plans_clean(args: &[&str], specs: &Specs, file: &str) -> (String, String) {
    let lab = lab();
    let out = specs.path(file);
    let out = out.to_str().unwrap();
    let mut full = vec!["export"];
    full.extend_from_slice(args);
    full.extend(["--out", out]);
    let run = lab.hybridctl(&full);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(out).unwrap();
    let validate = lab.hybridctl(&["validate", "-f", out]);
    assert_eq!(validate.code, 0, "{}\n{text}", validate.all());
    let plan = lab.hybridctl(&["plan", "-f", out, "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{text}", plan.all());
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    (out.to_string(), text)
}

/// The same export to stdout, for the byte-for-byte comparison.
fn export_stdout(args: &[&str]) -> String {
    let mut full = vec!["export"];
    full.extend_from_slice(args);
    let run = lab().hybridctl(&full);
    assert_eq!(run.code, 0, "{}", run.all());
    run.stdout
}

#[test]
fn domain_root_exports_in_words_and_plans_clean() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let specs = Specs::new();
    let (_, text) = export_plans_clean(&["--acl", "{domain}"], &specs, "root.yaml");
    // Samba's defaults: object-specific and inherited-object-specific ACEs, in ADUC words.
    for words in [
        "name: domain-root",
        "object: '{domain}'",
        "principal: Enterprise Domain Controllers",
        "- Replicating Directory Changes",
        "applies_to: Descendant User objects",
        "principal: BUILTIN\\Pre-Windows 2000 Compatible Access",
        "password_env: HYBRIDCTL_AD_PASSWORD",
    ] {
        assert!(text.contains(words), "export lacks `{words}`:\n{text}");
    }
    // A right without a name is kept as SDDL in a comment, never guessed.
    assert!(text.contains("  # partly exported"), "{text}");
    // No secret, ever.
    assert!(!text.contains(&lab.env["HYBRIDCTL_AD_PASSWORD"]));
    // Engineers' test runs in other processes add ACEs to the root at any time (the lock
    // above is only this process's): two exports in a row must agree when none lands
    // between them. The scratch-OU tests check this without that race.
    let stable = (0..5)
        .any(|_| export_stdout(&["--acl", "{domain}"]) == export_stdout(&["--acl", "{domain}"]));
    assert!(stable, "two exports in a row never agreed");
}

#[test]
fn ou_export_covers_deny_object_unknown_and_protected_aces_and_shows_drift() {
    let lab = lab();
    let ou = lab.scratch_ou("export-ou");
    let child = format!("OU=Child,{ou}");
    lab.samba_tool(&[
        "ou",
        "create",
        &child.replace(&format!(",{}", lab.domain_dn), ""),
    ]);
    let (sam, sid) = lab.user("exp");
    let pwd_last_set = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    let user_class = "bf967aba-0de6-11d0-a285-00aa003049e2";
    let description = "bf967950-0de6-11d0-a285-00aa003049e2";
    let unknown = "0badc0de-1234-4321-8765-0123456789ab";
    // A SID of the domain no account has (as one deleted since its ACE was made).
    let domain_sid = lab
        .sid_of("group", "Domain Admins")
        .trim_end_matches("-512")
        .to_string();
    let orphan = format!("{domain_sid}-987654");
    for ace in [
        format!("(A;CI;LCRPLO;;;{sid})"),
        format!("(OD;;WP;{description};;{sid})"),
        format!("(OA;CIIO;WP;{pwd_last_set};{user_class};{sid})"),
        format!("(OA;;RP;{unknown};;{sid})"),
        format!("(A;;0x01000000;;;{sid})"),
        format!("(A;;RC;;;{orphan})"),
    ] {
        lab.add_ace(&ou, &ace);
    }
    lab.add_ace(&child, &format!("(A;;RC;;;{sid})"));
    // Inheritance disabled: the descriptor rewritten protected, by ldbmodify.
    let sd = lab.sddl(&ou);
    lab.ldb_modify(&format!(
        "dn: {ou}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {}\n",
        sd.replacen("D:AI", "D:PAI", 1).replacen("D:(", "D:P(", 1)
    ));
    assert!(lab.sddl(&ou).contains("D:P"), "{}", lab.sddl(&ou));

    let specs = Specs::new();
    let p = format!("{}\\{sam}", lab.netbios);
    let (out, text) = export_plans_clean(&["--acl", &ou, "--subtree"], &specs, "ou.yaml");
    let ou_name = ou
        .split(',')
        .next()
        .unwrap()
        .trim_start_matches("OU=")
        .to_lowercase();
    for words in [
        format!("name: ou-{ou_name}-corp\n"),
        format!("name: ou-child-{ou_name}-corp\n"),
        format!("object: OU=Child,OU={}", ou.split(',').next().unwrap().trim_start_matches("OU=")),
        format!("principal: {p}"),
        "deny:\n      - Write description\n      applies_to: This object only".into(),
        "- Write pwdLastSet\n      applies_to: Descendant User objects".into(),
        "- Read all properties\n      - List contents\n      - List object\n      applies_to: This object and all descendant objects".into(),
        format!("# not exported (no right in it has a name hybridctl can write back): (OA;;RP;{unknown};;"),
        "# not exported (no right in it has a name hybridctl can write back): (A;;0x1000000;;;".into(),
        "inheritance: disabled".into(),
        format!("# not exported (its principal {orphan} resolves to no account (deleted?), so plan could not read it back): (A;;RC;;;{orphan})"),
    ] {
        assert!(text.contains(&words), "export lacks `{words}`:\n{text}");
    }
    assert_eq!(
        export_stdout(&["--acl", &ou, "--subtree"]),
        text,
        "second export differs"
    );

    // Its ACEs of an unknown object type cannot be said exactly: not authoritative, and why.
    let owned = export_stdout(&["--acl", &ou, "--authoritative"]);
    assert!(
        owned.contains("# not authoritative: some explicit ACE here cannot be written exactly"),
        "{owned}"
    );
    assert!(!owned.contains("authoritative: true"), "{owned}");

    // Only one principal's entries.
    let only = export_stdout(&["--acl", &ou, "--principal", &p]);
    assert!(only.contains(&format!("principal: {p}")), "{only}");
    assert!(
        !only.contains("principal: LAB\\Domain Admins")
            && !only.contains("principal: Authenticated Users"),
        "{only}"
    );

    // Out of band, after the export: the deny ACE goes. The exported spec sees drift.
    lab.remove_ace(&ou, &format!("(OD;;WP;{description};;{sid})"));
    let drift = lab.hybridctl(&["drift", "-f", &out]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains("Write description"),
        "{}",
        drift.stdout
    );
}

#[test]
fn authoritative_export_owns_the_principals_it_names() {
    let lab = lab();
    let ou = lab.scratch_ou("export-auth");
    let (sam, sid) = lab.user("expa");
    lab.add_ace(&ou, &format!("(A;CI;RPWP;;;{sid})"));
    let specs = Specs::new();
    let (out, text) = export_plans_clean(&["--acl", &ou, "--authoritative"], &specs, "auth.yaml");
    assert!(text.contains("    authoritative: true\n"), "{text}");
    assert!(
        text.contains(&format!("principal: {}\\{sam}", lab.netbios)),
        "{text}"
    );
    // A second ACE of a principal the spec owns, added out of band: drift says it goes.
    lab.add_ace(&ou, &format!("(A;;SD;;;{sid})"));
    let drift = lab.hybridctl(&["drift", "-f", &out]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains(&format!("(A;;SD;;;{sid})")),
        "{}",
        drift.stdout
    );
}

#[test]
fn export_to_a_folder_writes_one_file_per_kind() {
    let lab = lab();
    let ou = lab.scratch_ou("export-dir");
    let specs = Specs::new();
    let dir = specs.path("exported");
    std::fs::create_dir(&dir).unwrap();
    let run = lab.hybridctl(&["export", "--acl", &ou, "--out", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["ad.acl.yaml"]);
    let plan = lab.hybridctl(&["plan", "-f", dir.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    // Refuses to overwrite without --force.
    let again = lab.hybridctl(&["export", "--acl", &ou, "--out", dir.to_str().unwrap()]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(again.stderr.contains("pass --force"), "{}", again.stderr);
}

#[test]
fn an_object_without_explicit_aces_is_not_an_empty_resource() {
    let lab = lab();
    let ou = lab.scratch_ou("export-bare");
    let sd = lab.sddl(&ou);
    // Only inherited ACEs left, written back by ldbmodify.
    let dacl = sd.split("D:").nth(1).unwrap().split("S:").next().unwrap();
    let (flags, aces) = dacl.split_at(dacl.find('(').unwrap());
    let inherited: String = aces
        .split_inclusive(')')
        .filter(|a| a.split(';').nth(1).unwrap_or_default().contains("ID"))
        .collect();
    let owner = sd.split("D:").next().unwrap();
    lab.ldb_modify(&format!(
        "dn: {ou}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {owner}D:{flags}{inherited}\n"
    ));
    assert!(lab.explicit_aces(&ou).is_empty(), "{}", lab.sddl(&ou));
    let run = lab.hybridctl(&["export", "--acl", &ou]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.stdout.contains("kind: ad.acl"), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "warning: `{ou}`: no explicit ACE hybridctl can write"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn export_bad_input_is_named() {
    let lab = lab();
    let missing = lab.hybridctl(&["export", "--acl", "OU=NoSuchOu,{domain}"]);
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(
        missing
            .stderr
            .contains("--acl OU=NoSuchOu,{domain}: no object `OU=NoSuchOu,DC="),
        "{}",
        missing.stderr
    );
    let nobody = lab.hybridctl(&[
        "export",
        "--acl",
        "{domain}",
        "--principal",
        "LAB\\nobody-at-all-x",
    ]);
    assert_eq!(nobody.code, 1, "{}", nobody.all());
    assert!(
        nobody.stderr.contains(
            "--principal: no account, group or well-known principal `LAB\\nobody-at-all-x`"
        ),
        "{}",
        nobody.stderr
    );
    let nothing = lab.hybridctl(&["export"]);
    assert_eq!(nothing.code, 1, "{}", nothing.all());
    assert!(nothing.stderr.contains("--acl"), "{}", nothing.stderr);
}

const TEMPLATE: &str = "MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf";

fn register_security_extension(guid: &str) {
    let lab = lab();
    lab.ldb_modify(&format!(
        "dn: CN={guid},CN=Policies,CN=System,{}\nchangetype: modify\nreplace: gPCMachineExtensionNames\ngPCMachineExtensionNames: [{{827D319E-6EAC-11D2-A4EA-00C04F79F83A}}{{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}}]\n",
        lab.domain_dn
    ));
}

fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn gpo_and_domain_head_export_in_gpmc_words_and_plan_clean() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    default_domain_policy_sets_something();
    let (name, guid) = lab.gpo_create("export-gpo");
    let path = format!("lab.example.test/Policies/{guid}/{TEMPLATE}");
    lab.smb_mkdirs(path.rsplit_once('/').unwrap().0);
    let text = "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordLength = 9\r\nMaximumPasswordAge = -1\r\n\
                LockoutBadCount = 5\r\nLSAAnonymousNameLookup = 0\r\nNewGuestName = \"Visitor\"\r\n\
                [Privilege Rights]\r\nSeDenyNetworkLogonRight = *S-1-5-32-546\r\n\
                [Registry Values]\r\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash=4,1\r\n\
                [Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n";
    lab.smb_put(&path, &utf16(text));
    // As GPMC leaves a GPO it edited: the Security extension listed.
    register_security_extension(&guid);

    let specs = Specs::new();
    let args = [
        "--gpo",
        name.as_str(),
        "--gpo",
        "Default Domain Policy",
        "--password-policy",
    ];
    let (out, spec) = export_plans_clean(&args, &specs, "gpo.yaml");
    let slug = name.to_lowercase();
    for words in [
        format!("  - kind: gpo.security\n    name: {slug}\n    gpo: {name}\n    password_policy:\n      maximum_password_age: never\n      minimum_password_length: 9\n    account_lockout_policy:\n      account_lockout_threshold: 5\n    template:\n"),
        "      Privilege Rights:\n        SeDenyNetworkLogonRight: '*S-1-5-32-546'\n".into(),
        "      Registry Values:\n        MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash: 4,1\n".into(),
        "      System Access:\n        LSAAnonymousNameLookup: 0\n        NewGuestName: '\"Visitor\"'\n".into(),
        "    name: default-domain-policy\n    gpo: Default Domain Policy\n".into(),
        "  - kind: ad.password_policy\n    name: domain\n".into(),
    ] {
        assert!(spec.contains(&words), "export lacks `{words}`:\n{spec}");
    }
    assert!(
        !spec.contains("signature") && !spec.contains("Unicode"),
        "{spec}"
    );
    // The domain head as samba-tool shows it, in the exported words.
    let shown = lab.samba_tool(&["domain", "passwordsettings", "show"]);
    let length = shown
        .lines()
        .find_map(|l| l.strip_prefix("Minimum password length: "))
        .unwrap();
    let head = spec.split("kind: ad.password_policy").nth(1).unwrap();
    assert!(
        head.contains(&format!("minimum_password_length: {length}\n")),
        "{shown}\n{head}"
    );
    assert_eq!(export_stdout(&args), spec, "second export differs");

    // Out of band with smbclient, after the export: drift against the exported spec.
    lab.smb_put(
        &path,
        &utf16(&text.replace("LockoutBadCount = 5", "LockoutBadCount = 6")),
    );
    let drift = lab.hybridctl(&["drift", "-f", &out]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(drift.stdout.contains("LockoutBadCount"), "{}", drift.stdout);
}

#[test]
fn a_gpo_name_two_gpos_share_is_refused_and_the_guid_is_used() {
    let lab = lab();
    let (name, first) = lab.gpo_create("export-twin");
    let (_, second) = lab.gpo_create("export-twin");
    lab.ldb_modify(&format!(
        "dn: CN={second},CN=Policies,CN=System,{}\nchangetype: modify\nreplace: displayName\ndisplayName: {name}\n",
        lab.domain_dn
    ));
    let run = lab.hybridctl(&["export", "--gpo", &name]);
    assert_eq!(run.code, 1, "{}", run.all());
    let mut guids = [first.clone(), second.clone()];
    guids.sort();
    assert!(
        run.stderr.contains(&format!(
            "--gpo {name}: 2 GPOs have this name ({}, {})",
            guids[0], guids[1]
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("by its {GUID}"), "{}", run.stderr);
    // A GPO that sets nothing is not exported (a gpo.security must manage something): said so.
    let empty = lab.hybridctl(&["export", "--gpo", &second]);
    assert_eq!(empty.code, 0, "{}", empty.all());
    assert!(
        empty.stderr.contains(&format!(
            "warning: GPO `{name}` {second} sets no security setting"
        )),
        "{}",
        empty.stderr
    );
    assert!(
        !empty.stdout.contains("kind: gpo.security"),
        "{}",
        empty.stdout
    );
    // By GUID it works, and the spec names the GPO by GUID (its name is ambiguous).
    let path = format!("lab.example.test/Policies/{second}/{TEMPLATE}");
    lab.smb_mkdirs(path.rsplit_once('/').unwrap().0);
    lab.smb_put(
        &path,
        &utf16("[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordLength = 8\r\n"),
    );
    register_security_extension(&second);
    let specs = Specs::new();
    let (_, spec) = export_plans_clean(&["--gpo", &second], &specs, "twin.yaml");
    assert!(spec.contains(&format!("gpo: '{second}'")), "{spec}");

    let none = lab.hybridctl(&["export", "--gpo", "Default Domain Polcy"]);
    assert_eq!(none.code, 1, "{}", none.all());
    assert!(
        none.stderr
            .contains("--gpo Default Domain Polcy: no GPO named `Default Domain Polcy`")
            && none
                .stderr
                .contains("did you mean `Default Domain Policy`?"),
        "{}",
        none.stderr
    );
}

#[test]
fn tenant_export_plans_clean_against_the_emulator() {
    let tenant = crate::graph::Tenant::start(|_| {});
    let specs = Specs::new();
    let out = specs.path("tenant");
    let out = out.to_str().unwrap();
    let run = tenant.hybridctl(&["export", "--graph", "--out", &format!("{out}/")], |_| {});
    assert_eq!(run.code, 0, "{}", run.all());
    let mut files: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "graph.authorization_policy.yaml",
            "graph.directory_sync.yaml",
            "graph.license.yaml"
        ]
    );
    let read = |f: &str| std::fs::read_to_string(format!("{out}/{f}")).unwrap();
    let license = read("graph.license.yaml");
    assert!(
        license.contains("require_service_plans:\n    - AAD_PREMIUM\n"),
        "{license}"
    );
    let sync = read("graph.directory_sync.yaml");
    assert!(sync.contains("accidental_deletion_prevention:"), "{sync}");
    assert!(!sync.contains("passwordWritebackEnabled"), "{sync}");
    let auth = read("graph.authorization_policy.yaml");
    assert!(
        auth.contains("client_secret_env: HYBRIDCTL_GRAPH_CLIENT_SECRET"),
        "{auth}"
    );
    assert!(auth.contains("allowed_to_use_sspr:"), "{auth}");
    for f in &files {
        assert!(!read(f).contains(&lab().env["HYBRIDCTL_GRAPH_CLIENT_SECRET"]));
    }
    let validate = tenant.hybridctl(&["validate", "-f", out], |_| {});
    assert_eq!(validate.code, 0, "{}", validate.all());
    let plan = tenant.hybridctl(&["plan", "-f", out, "--detailed-exitcode"], |_| {});
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("No changes: 3 resource(s)"),
        "{}",
        plan.stdout
    );
    let again = tenant.hybridctl(&["export", "--graph"], |_| {});
    let whole = tenant.hybridctl(&["export", "--graph"], |_| {});
    assert_eq!(again.stdout, whole.stdout, "second export differs");
    tenant.validated();
}

#[test]
fn export_all_plans_clean_against_the_lab_and_the_emulator() {
    let _shared = crate::harness::shared_objects();
    default_domain_policy_sets_something();
    let tenant = crate::graph::Tenant::start(|_| {});
    let specs = Specs::new();
    let out = format!("{}/", specs.path("all").display());
    let run = tenant.hybridctl(&["export", "--all", "--out", &out], |_| {});
    assert_eq!(run.code, 0, "{}", run.all());
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "ad.acl.yaml",
            "ad.password_policy.yaml",
            "gpo.security.yaml",
            "graph.authorization_policy.yaml",
            "graph.directory_sync.yaml",
            "graph.license.yaml"
        ]
    );
    // The GPO linked at the domain root is the Default Domain Policy.
    let gpo = std::fs::read_to_string(format!("{out}gpo.security.yaml")).unwrap();
    assert!(gpo.contains("gpo: Default Domain Policy"), "{gpo}");
    let plan = tenant.hybridctl(&["plan", "-f", &out, "--detailed-exitcode"], |_| {});
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("No changes: 6 resource(s)"),
        "{}",
        plan.stdout
    );
}

/// A new domain's Default Domain Policy has no GptTmpl.inf (export skips a GPO that sets
/// nothing): give it the setting the writeback walkthrough gives it, as a fresh lab
/// would not have it before other tests ran. The caller holds `shared_objects()`.
fn default_domain_policy_sets_something() {
    let specs = Specs::new();
    let spec = specs.write(
        "ddp.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ddp\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 0}\n",
    );
    let run = lab().hybridctl(&["apply", "-f", spec.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
}
