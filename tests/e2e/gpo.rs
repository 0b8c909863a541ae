//! gpo.security and ad.password_policy on the lab, checked with smbclient, iconv,
//! ldapsearch and samba-tool.

use std::path::Path;
use std::sync::Arc;

use hybridctl_core::engine;
use hybridctl_providers::gpo::smb::SmbSysvol;
use hybridctl_providers::gpo::sysvol::{Location, Sysvol, SysvolError};
use hybridctl_providers::gpo::GpoProvider;
use hybridctl_providers::ldap::AdSettings;

use crate::harness::{built, lab, Specs};

const DDP: &str = "{31B2F340-016D-11D2-945F-00C04FB984F9}";
const TEMPLATE: &str = "MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf";
const SECURITY_CSE: &str =
    "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]";

fn folder(guid: &str) -> String {
    format!("lab.example.test/Policies/{guid}")
}

fn gpc(guid: &str) -> String {
    format!("CN={guid},CN=Policies,CN=System,{}", lab().domain_dn)
}

/// (GPT.INI Version, directory versionNumber), read by smbclient and ldapsearch.
fn versions(guid: &str) -> (u32, u32) {
    let lab = lab();
    // Lossy: GPT.INI is in the ANSI code page of whoever wrote it last.
    let gpt = String::from_utf8_lossy(&lab.smb_get(&format!("{}/GPT.INI", folder(guid))).unwrap())
        .into_owned();
    let gpt = gpt
        .lines()
        .find_map(|l| l.strip_prefix("Version="))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gpc = lab
        .ldap_attr(&gpc(guid), "versionNumber")
        .unwrap()
        .parse()
        .unwrap();
    (gpt, gpc)
}

fn template_text(guid: &str) -> String {
    let lab = lab();
    lab.iconv_utf16(
        &lab.smb_get(&format!("{}/{TEMPLATE}", folder(guid)))
            .expect("template exists"),
    )
}

#[test]
fn minimum_password_age_zero_in_the_default_domain_policy() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let specs = Specs::new();
    let spec = specs.write(
        "ddp.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: default-domain-policy\n    gpo: Default Domain Policy\n\
         \x20   password_policy: {minimum_password_age: 0}\n    template:\n      \"System Access\": {LSAAnonymousNameLookup: 0}\n",
    );
    let spec = spec.to_str().unwrap();
    let (before, _) = versions(DDP);

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert!(plan.code == 2 || plan.code == 0, "{}", plan.all());
    let changed = plan.code == 2;
    if changed {
        assert!(
            plan.stdout.contains("Minimum password age: 0 days"),
            "{}",
            plan.stdout
        );
    }
    // Samba does not copy GPO policy to the domain head: the plan says it is not yet in effect.
    let head_age = lab.ldap_attr(&lab.domain_dn, "minPwdAge").unwrap();
    if head_age != "0" {
        assert!(
            plan.stdout.contains("set in the GPO, not yet in effect"),
            "{}",
            plan.stdout
        );
    }

    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());

    // Independent readers: the file, as Windows writes it, and the version in both places.
    let text = template_text(DDP);
    assert!(text.contains("\r\nMinimumPasswordAge = 0\r\n"), "{text:?}");
    assert!(text.contains("LSAAnonymousNameLookup = 0\r\n"), "{text:?}");
    assert!(text.starts_with("[Unicode]\r\nUnicode=yes\r\n"), "{text:?}");
    assert!(
        text.contains("[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n"),
        "{text:?}"
    );
    let (gpt, dir) = versions(DDP);
    assert_eq!(gpt, dir, "GPT.INI and versionNumber must move together");
    if changed {
        assert!(gpt > before, "the version did not move: {before} -> {gpt}");
    }
    let extensions = lab
        .ldap_attr(&gpc(DDP), "gPCMachineExtensionNames")
        .unwrap();
    assert!(extensions.contains(SECURITY_CSE), "{extensions}");

    let again = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());

    // Drift made out of band with smbclient is found, naming the key.
    let changed_text = text.replace("MinimumPasswordAge = 0", "MinimumPasswordAge = 2");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(changed_text.encode_utf16().flat_map(u16::to_le_bytes));
    lab.smb_put(&format!("{}/{TEMPLATE}", folder(DDP)), &bytes);
    let drift = lab.hybridctl(&["drift", "-f", spec]);
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains("MinimumPasswordAge"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("Minimum password age: 2 days"),
        "{}",
        drift.stdout
    );

    assert_eq!(
        lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]).code,
        0
    );
    assert_eq!(lab.hybridctl(&["drift", "-f", spec]).code, 0);
}

/// A SYSVOL that loses the connection right after the template was written.
struct StopAfterTemplate(Arc<dyn Sysvol>);

impl Sysvol for StopAfterTemplate {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SysvolError> {
        self.0.read(path)
    }
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SysvolError> {
        self.0.write(path, bytes)?;
        if path.ends_with("GptTmpl.inf") {
            return Err(SysvolError::Write {
                path: path.into(),
                source: std::io::Error::other("connection lost (injected by the test)"),
            });
        }
        Ok(())
    }
    fn create_dirs(&self, path: &str) -> Result<(), SysvolError> {
        self.0.create_dirs(path)
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

/// Plans and applies `spec` in-process with the fault above; returns the errors.
fn apply_with_sysvol_fault(spec: &Path) -> String {
    let lab = lab();
    let loaded = hybridctl_core::load::load(spec).unwrap();
    let settings = Arc::new(AdSettings::resolve(None, &lab.env).unwrap());
    let Location::Smb { server, share } = Location::parse(None, &settings.url) else {
        panic!("the lab's SYSVOL is a share");
    };
    let real = SmbSysvol::connect(&server, &share, &settings.user, &settings.password).unwrap();
    let faulty: Arc<dyn Sysvol> = Arc::new(StopAfterTemplate(Arc::new(real)));
    let mut providers: Vec<Box<dyn hybridctl_core::Provider>> =
        vec![Box::new(GpoProvider::with_sysvol(settings, faulty))];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let plan = engine::plan(&loaded, &mut providers, &[]).await.unwrap();
        let failure = engine::apply(&plan, &loaded, &mut providers)
            .await
            .expect_err("the injected fault stops apply");
        assert!(failure.applied.is_empty());
        failure.errors.to_string()
    })
}

#[test]
fn a_run_stopped_after_the_template_is_repaired_by_the_next() {
    let lab = lab();
    let (name, guid) = lab.gpo_create("halfway");
    assert!(
        lab.smb_get(&format!("{}/{TEMPLATE}", folder(&guid)))
            .is_none(),
        "a new GPO has no template"
    );
    let specs = Specs::new();
    let spec = specs.write(
        "h.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: gpo.security\n    name: halfway\n    gpo: \"{name}\"\n\
             \x20   account_lockout_policy: {{account_lockout_threshold: 10, account_lockout_duration: 15, reset_account_lockout_counter_after: 15}}\n"
        ),
    );
    let spec = spec.to_str().unwrap();
    let (v0, _) = versions(&guid);

    // The connection drops right after the template reached the server: the fault is
    // injected through the SYSVOL seam, as a test double around the real SMB client.
    let broken = apply_with_sysvol_fault(Path::new(spec));
    assert!(
        broken.contains("connection lost (injected by the test)"),
        "{broken}"
    );
    assert!(
        template_text(&guid).contains("LockoutBadCount = 10\r\n"),
        "the template was written first"
    );
    let (gpt, dir) = versions(&guid);
    assert_ne!(gpt, dir, "the half-finished run left the versions apart");

    let plan = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("GPO version out of sync"),
        "{}",
        plan.stdout
    );

    let repair = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(repair.code, 0, "{}", repair.all());
    let (gpt, dir) = versions(&guid);
    assert_eq!(gpt, dir);
    assert!(
        gpt > v0 && gpt > 1,
        "versions moved past the half-finished one: {v0} -> {gpt}"
    );
    assert!(lab
        .ldap_attr(&gpc(&guid), "gPCMachineExtensionNames")
        .unwrap()
        .contains(SECURITY_CSE));
    assert_eq!(
        lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"])
            .code,
        0
    );
}

#[test]
fn domain_password_policy_on_the_domain_head() {
    let lab = lab();
    let specs = Specs::new();
    let spec = specs.write(
        "pp.yaml",
        "version: 1\nresources:\n  - kind: ad.password_policy\n    name: domain\n\
         \x20   password_policy: {minimum_password_age: 0, maximum_password_age: 42, minimum_password_length: 7, enforce_password_history: 24, password_must_meet_complexity_requirements: true, store_passwords_using_reversible_encryption: false}\n\
         \x20   account_lockout_policy: {account_lockout_threshold: 0, account_lockout_duration: 30, reset_account_lockout_counter_after: 30}\n",
    );
    let spec = spec.to_str().unwrap();
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let shown = lab.samba_tool(&["domain", "passwordsettings", "show"]);
    for line in [
        "Password complexity: on",
        "Store plaintext passwords: off",
        "Password history length: 24",
        "Minimum password length: 7",
        "Minimum password age (days): 0",
        "Maximum password age (days): 42",
        "Account lockout duration (mins): 30",
        "Account lockout threshold (attempts): 0",
        "Reset account lockout after (mins): 30",
    ] {
        assert!(
            shown.contains(line),
            "samba-tool shows no `{line}`:\n{shown}"
        );
    }
    assert_eq!(
        lab.ldap_attr(&lab.domain_dn, "maxPwdAge").unwrap(),
        "-36288000000000"
    );
    let again = lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
}

#[test]
fn bad_gpo_input_is_refused_and_nothing_is_written() {
    let lab = lab();
    let specs = Specs::new();
    let before = versions(DDP);
    let run = |yaml: &str| {
        let spec = specs.write(
            "bad.yaml",
            &format!("version: 1\nresources:\n  - kind: gpo.security\n    name: bad\n{yaml}"),
        );
        lab.hybridctl(&["apply", "-f", spec.to_str().unwrap(), "--auto-approve"])
    };
    let unknown =
        run("    gpo: Default Domain Polcy\n    password_policy: {minimum_password_age: 0}\n");
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("no GPO named `Default Domain Polcy`"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown
            .stderr
            .contains("did you mean `Default Domain Policy`?"),
        "{}",
        unknown.stderr
    );

    let range = run("    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 50, maximum_password_age: 42}\n");
    assert_eq!(range.code, 1);
    assert!(
        range.stderr.contains(
            "password_policy.minimum_password_age (50 days, in the spec) must be less than password_policy.maximum_password_age (42 days, in the spec)"
        ),
        "{}",
        range.stderr
    );

    let loose = run("    gpo: Default Domain Policy\n    template: {LSAAnonymousNameLookup: 0}\n");
    assert_eq!(loose.code, 1);
    assert!(
        loose
            .stderr
            .contains("template.LSAAnonymousNameLookup is a key without a section"),
        "{}",
        loose.stderr
    );
    assert!(
        loose
            .stderr
            .contains("\"System Access\": {LSAAnonymousNameLookup: 0}"),
        "{}",
        loose.stderr
    );

    let spec = specs.write(
        "ok.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ok\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 3}\n",
    );
    for sysvol in ["\\\\127.0.0.1\\nosuchshare", "/nonexistent/sysvol"] {
        let unreadable = lab.hybridctl_with(
            &["apply", "-f", spec.to_str().unwrap(), "--auto-approve"],
            |e| {
                e.insert("HYBRIDCTL_AD_SYSVOL".into(), sysvol.into());
            },
        );
        assert_eq!(unreadable.code, 1, "{}", unreadable.all());
        assert!(
            unreadable.stderr.contains("SYSVOL is not readable"),
            "{}",
            unreadable.stderr
        );
    }
    assert_eq!(
        versions(DDP),
        before,
        "a refused run changed the Default Domain Policy"
    );
}

/// A GPT.INI that Windows wrote in its ANSI code page (an accented display name) is
/// edited in place: only the digits of `Version=` change, every other byte stays.
#[test]
fn an_ansi_gpt_ini_keeps_every_byte_but_its_version() {
    let lab = lab();
    let (name, guid) = lab.gpo_create("ansi");
    let ansi = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/repro/gpt-ini-ansi.ini"),
    )
    .unwrap();
    lab.smb_put(&format!("{}/GPT.INI", folder(&guid)), &ansi);
    let specs = Specs::new();
    let spec = specs.write(
        "a.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: gpo.security\n    name: ansi\n    gpo: \"{name}\"\n    password_policy: {{minimum_password_length: 9}}\n"
        ),
    );
    let apply = lab.hybridctl(&["apply", "-f", spec.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let after = lab.smb_get(&format!("{}/GPT.INI", folder(&guid))).unwrap();
    let (gpt, dir) = versions(&guid);
    assert_eq!(gpt, dir);
    assert!(gpt > 65537, "{gpt}");
    let expected =
        String::from_utf8_lossy(&ansi).replace("Version=65537", &format!("Version={gpt}"));
    assert_eq!(String::from_utf8_lossy(&after), expected);
    assert_eq!(
        after.len(),
        ansi.len() + gpt.to_string().len() - "65537".len(),
        "bytes other than the version changed"
    );
    assert!(
        after.windows(3).any(|w| w == b"t\xe9g"),
        "the ANSI é survives"
    );
}

/// A GptTmpl.inf in UTF-16LE without a byte order mark (as some tools write it) is
/// edited in UTF-16LE without one: iconv reads the whole file, nothing is mixed.
#[test]
fn a_utf16_template_without_bom_stays_utf16() {
    let lab = lab();
    let (name, guid) = lab.gpo_create("nobom");
    let original = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/repro/inf-utf16-no-bom.inf"),
    )
    .unwrap();
    let path = format!("{}/{TEMPLATE}", folder(&guid));
    lab.smb_mkdirs(path.rsplit_once('/').unwrap().0);
    lab.smb_put(&path, &original);
    let specs = Specs::new();
    let spec = specs.write(
        "n.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: gpo.security\n    name: nobom\n    gpo: \"{name}\"\n    password_policy: {{minimum_password_length: 11}}\n"
        ),
    );
    let apply = lab.hybridctl(&["apply", "-f", spec.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let after = lab.smb_get(&path).unwrap();
    assert_ne!(&after[..2], &[0xFF, 0xFE], "a BOM was added");
    // Every other byte pair is NUL: ASCII text in UTF-16LE throughout.
    assert!(after.len().is_multiple_of(2) && after.iter().skip(1).step_by(2).all(|b| *b == 0));
    let mut with_bom = vec![0xFF, 0xFE];
    with_bom.extend_from_slice(&after);
    let text = lab.iconv_utf16(&with_bom);
    assert!(text.contains("MinimumPasswordLength = 11\r\n"), "{text}");
    let again = lab.hybridctl(&["plan", "-f", spec.to_str().unwrap(), "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
}

/// Two flags of `pwdProperties` changing together: every row shows the one value apply
/// writes, computed from both.
#[test]
fn password_flags_show_the_one_pwd_properties_value_written() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let now: i64 = lab
        .ldap_attr(&lab.domain_dn, "pwdProperties")
        .unwrap()
        .parse()
        .unwrap();
    let written = (now & !0x1) | 0x10;
    let specs = Specs::new();
    let spec = specs.write(
        "p.yaml",
        "version: 1\nresources:\n  - kind: ad.password_policy\n    name: flags\n    password_policy: {password_must_meet_complexity_requirements: false, store_passwords_using_reversible_encryption: true}\n",
    );
    let plan = lab.hybridctl(&["plan", "-f", spec.to_str().unwrap()]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let after: Vec<&str> = plan
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("+     pwdProperties = "))
        .collect();
    assert_eq!(
        after,
        [written.to_string(), written.to_string()],
        "{}",
        plan.stdout
    );
}

/// GPMC's rules hold for the GPO as it will be: a spec that only lowers the maximum
/// password age below the GPO's minimum is refused, naming both values.
#[test]
fn cross_key_rules_hold_against_the_values_already_in_the_gpo() {
    let lab = lab();
    let (name, _) = lab.gpo_create("crosskey");
    let specs = Specs::new();
    let first = specs.write(
        "a.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: gpo.security\n    name: ck\n    gpo: \"{name}\"\n    password_policy: {{minimum_password_age: 998, maximum_password_age: 999}}\n"
        ),
    );
    let apply = lab.hybridctl(&["apply", "-f", first.to_str().unwrap(), "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    let second = specs.write(
        "b.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: gpo.security\n    name: ck\n    gpo: \"{name}\"\n    password_policy: {{maximum_password_age: 10}}\n"
        ),
    );
    let plan = lab.hybridctl(&["plan", "-f", second.to_str().unwrap()]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(plan.stderr.contains("998"), "{}", plan.stderr);
    assert!(plan.stderr.contains("10 days"), "{}", plan.stderr);
}

/// Only the SMB helper links libsmbclient: a hybridctl installed without it still plans
/// what needs no SYSVOL, and a spec that does says which file is missing and what to do.
#[test]
fn without_its_smb_helper_hybridctl_names_it_and_still_plans_acls() {
    let lab = lab();
    let specs = Specs::new();
    // The helper is built beside hybridctl; the copy runs without it.
    built("hybridctl-smb");
    let alone = specs.path("bin");
    std::fs::create_dir_all(&alone).unwrap();
    std::fs::copy(built("hybridctl"), alone.join("hybridctl")).unwrap();
    let run = |spec: &Path| {
        std::process::Command::new(alone.join("hybridctl"))
            .args(["plan", "-f", spec.to_str().unwrap()])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&lab.env)
            .output()
            .unwrap()
    };
    let gpo = specs.write(
        "gpo.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ddp\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 0}\n",
    );
    let out = run(&gpo);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "hybridctl-smb is not installed next to hybridctl (looked for {})",
            alone.join("hybridctl-smb").display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("cargo install --path crates/cli"),
        "{stderr}"
    );
    let acl = specs.write(
        "acl.yaml",
        &format!(
            "version: 1\nresources:\n  - kind: ad.acl\n    name: corp\n    object: OU=Corp,{{domain}}\n    aces:\n      - principal: {}\\Helpdesk\n        allow: [Reset password]\n        applies_to: Descendant User objects\n",
            lab.netbios
        ),
    );
    let out = run(&acl);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A share that does not exist is not a login problem: the hint says where SYSVOL is
/// looked for, not to check the password (it used to, for every SMB session failure).
#[test]
fn a_missing_share_says_where_sysvol_is_looked_for_not_the_password() {
    let lab = lab();
    let specs = Specs::new();
    let spec = specs.write(
        "gpo.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ddp\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 0}\n",
    );
    let run = lab.hybridctl_with(&["plan", "-f", spec.to_str().unwrap()], |env| {
        env.insert(
            "HYBRIDCTL_AD_SYSVOL".into(),
            format!("\\\\{}\\nosuch", lab.host),
        );
    });
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("the server has no such share"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("connections.ad.sysvol"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("password"), "{}", run.stderr);
}

/// Regression (review): a wrong password must be tried once per run, not once by LDAP and
/// again by SMB (lockout policies count each try). The SMB helper starts while LDAP binds
/// but logs in only after the bind succeeded; the DC's own log counts the failed logins.
#[test]
fn a_wrong_password_is_tried_once_not_again_over_smb() {
    let lab = lab();
    let (sam, _) = lab.user("wrongpw");
    let specs = Specs::new();
    let spec = specs.write(
        "gpo.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ddp\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 0}\n",
    );
    let log = Path::new(&lab.env["HYBRIDCTL_LAB_DIR"]).join("samba.log");
    let from = std::fs::metadata(&log).unwrap().len() as usize;
    let run = lab.hybridctl_with(&["plan", "-f", spec.to_str().unwrap()], |env| {
        env.insert(
            "HYBRIDCTL_AD_USER".into(),
            format!("{sam}@lab.example.test"),
        );
        env.insert("HYBRIDCTL_AD_PASSWORD".into(), "Not-The-Password-1".into());
    });
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("rejected the credentials"),
        "{}",
        run.stderr
    );
    // The helper is gone before the log is read (dropped with the failed provider).
    let bytes = std::fs::read(&log).unwrap();
    let text = String::from_utf8_lossy(&bytes[from.min(bytes.len())..]).into_owned();
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Auth: [") && l.contains(&sam) && !l.contains("NT_STATUS_OK"))
        .collect();
    assert_eq!(failed.len(), 1, "one failed login, by LDAP: {failed:?}");
    assert!(failed[0].contains("[LDAP,"), "{failed:?}");
}
