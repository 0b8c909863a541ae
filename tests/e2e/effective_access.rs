//! `ad.effective_access` with the DC as the judge: for every user in scope, what the
//! connector account is really allowed to do (ldapmodify bound as that account) must
//! equal hybridctl's verdict; `samba-tool domain passwordsettings pso show-user` judges
//! the effective minimum password age.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{lab, Lab, Specs};

const RESET_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
pub(crate) const PASSWORD: &str = "Pw-0123456789-Aa1!";

/// A user created with samba-tool in `ou` (a DN under the domain); returns its DN.
fn user_in(lab: &Lab, ou: &str, name: &str) -> String {
    let rel = ou.strip_suffix(&format!(",{}", lab.domain_dn)).unwrap();
    lab.samba_tool(&["user", "create", name, PASSWORD, &format!("--userou={rel}")]);
    format!("CN={name},{ou}")
}

/// What a test made that would make other checks of the domain fail (a protected OU,
/// a Deny, a PSO): removed when the test ends, passed or failed.
struct Cleanup {
    ou: String,
    groups: Vec<String>,
    pso: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let lab = lab();
        // Best effort, never a second panic: a missing object was already removed.
        let auth = lab.samba_auth();
        let run = |args: &[&str]| {
            let _ = Command::new("samba-tool").args(args).args(&auth).output();
        };
        if let Some(pso) = &self.pso {
            run(&["domain", "passwordsettings", "pso", "delete", pso]);
        }
        for g in &self.groups {
            run(&["group", "delete", g]);
        }
        let rel = self
            .ou
            .strip_suffix(&format!(",{}", lab.domain_dn))
            .unwrap_or(&self.ou);
        run(&["ou", "delete", rel, "--force-subtree-delete"]);
    }
}

/// A short unique name (sAMAccountName allows 20 characters).
fn short(tag: &str, n: usize) -> String {
    format!("ea{}{tag}{n}", std::process::id() % 100_000)
}

/// The descriptor of `dn` with inheritance disabled: only its explicit ACEs, flag P.
fn protected_sddl(lab: &Lab, dn: &str) -> String {
    let sd = lab.sddl(dn);
    let (head, dacl) = sd.split_once("D:").unwrap();
    let dacl = dacl.split("S:").next().unwrap();
    let aces: String = dacl
        .split('(')
        .skip(1)
        .map(|a| format!("({a}"))
        .filter(|a| !a.split(';').nth(1).unwrap_or_default().contains("ID"))
        .collect();
    format!("{head}D:PAI{aces}")
}

/// What the DC answers when the connector, bound with its own password over LDAPS,
/// writes `ldif`: allowed, or refused for lack of access. Anything else fails the test.
fn dc_allows(lab: &Lab, bind_dn: &str, ldif: &str) -> bool {
    let mut child = Command::new("ldapmodify")
        .env("LDAPTLS_CACERT", &lab.env["HYBRIDCTL_AD_CA_FILE"])
        .args([
            "-H",
            // The lab's DC, or the second domain's.
            &lab.env["HYBRIDCTL_AD_URL"],
            "-x",
            "-D",
            bind_dn,
            "-w",
            PASSWORD,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ldapmodify runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ldif.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return true;
    }
    assert!(
        err.contains("Insufficient access") || err.contains("(50)"),
        "ldapmodify failed for another reason than access: {err}\n{ldif}"
    );
    false
}

/// The DC's verdict for one user: may the connector reset the password, write
/// pwdLastSet and write lockoutTime? One answer per operation.
pub(crate) fn dc_verdict(lab: &Lab, connector_dn: &str, user_dn: &str, n: usize) -> [bool; 3] {
    let quoted: Vec<u8> = format!("\"Wb-{n}-{}-Xy9!q\"", std::process::id())
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let b64 = base64(&quoted);
    [
        dc_allows(
            lab,
            connector_dn,
            &format!(
                "dn: {user_dn}\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: {b64}\n"
            ),
        ),
        dc_allows(
            lab,
            connector_dn,
            &format!("dn: {user_dn}\nchangetype: modify\nreplace: pwdLastSet\npwdLastSet: -1\n"),
        ),
        dc_allows(
            lab,
            connector_dn,
            &format!("dn: {user_dn}\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: 0\n"),
        ),
    ]
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// hybridctl's verdict: the objects its plan says fail, with their reasons.
fn hybridctl_failing(lab: &Lab, spec: &str) -> (u8, BTreeMap<String, String>) {
    let run = lab.hybridctl(&["plan", "-f", spec, "--format", "json"]);
    let plan: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()));
    let check = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "ad.effective_access.writeback")
        .unwrap();
    let failing = check["before"]
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
    (run.code, failing)
}

fn spec_text(lab: &Lab, ou: &str, acls: &str, connector: &str, min_age: &str) -> String {
    format!(
        "version: 1\nresources:\n{acls}\
\x20 - kind: ad.effective_access\n    name: writeback\n    principal: '{}\\{connector}'\n    \
rights: [Reset password, Write pwdLastSet, Write lockoutTime]\n    scope:\n      base: '{ou}'\n{min_age}",
        lab.netbios
    )
}

fn acl_on(name: &str, object: &str, group: &str, connector: &str, netbios: &str) -> String {
    format!(
        "  - kind: ad.acl\n    name: {name}\n    object: '{object}'\n    aces:\n      \
- {{principal: '{netbios}\\{group}', allow: [Reset password], applies_to: Descendant User objects}}\n      \
- {{principal: '{netbios}\\{connector}', allow: [Write pwdLastSet, Write lockoutTime], applies_to: Descendant User objects}}\n"
    )
}

/// Compares, user by user, the DC's answers with hybridctl's verdict.
fn judge(lab: &Lab, connector_dn: &str, users: &[String], failing: &BTreeMap<String, String>) {
    for (n, u) in users.iter().enumerate() {
        let dc = dc_verdict(lab, connector_dn, u, n);
        let dc_all = dc.iter().all(|x| *x);
        let ours = !failing.contains_key(&u.to_lowercase());
        assert_eq!(
            ours, dc_all,
            "{u}: hybridctl says {} ({:?}), the DC allowed [reset, pwdLastSet, lockoutTime] = {dc:?}",
            if ours { "reachable" } else { "unreachable" },
            failing.get(&u.to_lowercase())
        );
    }
}

#[test]
fn writeback_reach_matches_what_the_dc_allows_user_by_user() {
    let lab = lab();
    // Not under OU=Corp: the writeback example checks that scope, and this test's
    // unreachable users must not fail it when both run at once.
    let ou = lab.top_level_ou("ea");
    let (connector, csid) = lab.connector();
    let connector_dn = format!("CN={connector},CN=Users,{}", lab.domain_dn);
    // A group the connector is in; Reset password is granted to it, not to the account.
    let group = short("g", 0);
    let _cleanup = Cleanup {
        ou: ou.clone(),
        groups: vec![group.clone(), short("pg", 8), short("ag", 11)],
        pso: Some(short("pso", 9)),
    };
    lab.samba_tool(&["group", "add", &group]);
    lab.samba_tool(&["group", "addmembers", &group, &connector]);

    // An OU with inheritance disabled (before any grant above it), holding users.
    let legacy_rel = format!(
        "OU=Legacy,{}",
        ou.strip_suffix(&format!(",{}", lab.domain_dn)).unwrap()
    );
    lab.samba_tool(&["ou", "create", &legacy_rel]);
    let legacy = format!("OU=Legacy,{ou}");
    lab.ldb_modify(&format!(
        "dn: {legacy}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {}\n",
        protected_sddl(lab, &legacy)
    ));
    let blocked = [
        user_in(lab, &legacy, &short("b", 1)),
        user_in(lab, &legacy, &short("b", 2)),
    ];
    let ok = [
        user_in(lab, &ou, &short("o", 3)),
        user_in(lab, &ou, &short("o", 4)),
    ];
    // A protected account: adminCount=1 and its own DACL protected.
    let admin = user_in(lab, &ou, &short("a", 5));
    lab.ldb_modify(&format!(
        "dn: {admin}\nchangetype: modify\nreplace: adminCount\nadminCount: 1\n-\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {}\n",
        protected_sddl(lab, &admin)
    ));
    // An explicit Deny of Reset password for the connector on one user.
    let denied = user_in(lab, &ou, &short("d", 6));
    lab.add_ace(&denied, &format!("(OD;;CR;{RESET_PASSWORD};;{csid})"));
    // A Deny placed on an OU and inherited by the user below it.
    let helpdesk = format!("OU=Helpdesk,{ou}");
    lab.samba_tool(&[
        "ou",
        "create",
        helpdesk
            .strip_suffix(&format!(",{}", lab.domain_dn))
            .unwrap(),
    ]);
    lab.add_ace(&helpdesk, &format!("(OD;CI;CR;{RESET_PASSWORD};;{csid})"));
    let inherited_deny = user_in(lab, &helpdesk, &short("h", 10));
    // A PSO with minimum age 1 day on a group holding one (otherwise ordinary) user.
    let pso_user = user_in(lab, &ou, &short("p", 7));
    let pso_group = short("pg", 8);
    let pso = short("pso", 9);
    lab.samba_tool(&["group", "add", &pso_group]);
    lab.samba_tool(&["group", "addmembers", &pso_group, &short("p", 7)]);
    lab.samba_tool(&[
        "domain",
        "passwordsettings",
        "pso",
        "create",
        &pso,
        "5",
        "--min-pwd-age=1",
    ]);
    lab.samba_tool(&[
        "domain",
        "passwordsettings",
        "pso",
        "apply",
        &pso,
        &pso_group,
    ]);

    let users: Vec<String> = blocked
        .iter()
        .chain(&ok)
        .chain([&admin, &denied, &pso_user, &inherited_deny])
        .cloned()
        .collect();
    let specs = Specs::new();
    let acl = acl_on("scratch", &ou, &group, &connector, &lab.netbios);
    let spec = specs.write("check.yaml", &spec_text(lab, &ou, &acl, &connector, ""));
    let spec = spec.to_str().unwrap();

    // Before any grant: nobody is reachable, and the check fails in plan.
    let (code, failing) = hybridctl_failing(lab, spec);
    assert_eq!(code, 0, "plan shows a failing check; it is not an error");
    assert_eq!(
        lab.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"])
            .code,
        2,
        "with --detailed-exitcode a failing check is 'not as declared'"
    );
    assert_eq!(failing.len(), users.len(), "{failing:#?}");
    let text = lab.hybridctl(&["plan", "-f", spec]);
    assert!(
        text.stdout
            .contains("planned changes of ad.acl.scratch touch its scope"),
        "{}",
        text.all()
    );

    // Apply writes the scratch OU's ACL, then evaluates the check again: it still fails.
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(apply.all().contains("check fails"), "{}", apply.all());
    assert!(
        apply.all().contains("ad.acl.scratch: applied"),
        "{}",
        apply.all()
    );
    let drift = lab.hybridctl(&["drift", "-f", spec]);
    assert_eq!(drift.code, 2, "a failing check is drift: {}", drift.all());

    let (_, failing) = hybridctl_failing(lab, spec);
    let expected: BTreeSet<String> = blocked
        .iter()
        .chain([&admin, &denied, &inherited_deny])
        .map(|d| d.to_lowercase())
        .collect();
    assert_eq!(failing.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(
        failing[&blocked[0].to_lowercase()].contains(&format!("inheritance disabled on {legacy}"))
    );
    assert!(failing[&admin.to_lowercase()].contains("protected account (adminCount=1)"));
    assert!(failing[&denied.to_lowercase()].contains(&format!(
        "denied by (OD;;CR;{RESET_PASSWORD};;{csid}) on the object itself"
    )));
    assert!(
        failing[&inherited_deny.to_lowercase()].contains(&format!(
            "denied by (OD;CIID;CR;{RESET_PASSWORD};;{csid}) on {helpdesk}"
        )),
        "{failing:#?}"
    );
    judge(lab, &connector_dn, &users, &failing);

    // The ACEs placed on the blocked OU fix its users: both verdicts flip.
    let acls = format!(
        "{acl}{}",
        acl_on("legacy", &legacy, &group, &connector, &lab.netbios)
    );
    let spec = specs.write("fixed.yaml", &spec_text(lab, &ou, &acls, &connector, ""));
    let spec = spec.to_str().unwrap();
    let apply = lab.hybridctl(&["apply", "-f", spec, "--auto-approve"]);
    assert_eq!(
        apply.code,
        1,
        "admin and denied still fail: {}",
        apply.all()
    );
    let (_, failing) = hybridctl_failing(lab, spec);
    let expected: BTreeSet<String> = [&admin, &denied, &inherited_deny]
        .iter()
        .map(|d| d.to_lowercase())
        .collect();
    assert_eq!(failing.keys().cloned().collect::<BTreeSet<_>>(), expected);
    judge(lab, &connector_dn, &users, &failing);

    // Accepting the exceptions (one through a group it is in) makes the check pass:
    // plan 0, drift 0.
    let accepted_group = short("ag", 11);
    lab.samba_tool(&["group", "add", &accepted_group]);
    lab.samba_tool(&["group", "addmembers", &accepted_group, &short("h", 10)]);
    let accepted_group = format!("CN={accepted_group},CN=Users,{}", lab.domain_dn);
    let accepted = spec_text(
        lab,
        &ou,
        &acls,
        &connector,
        &format!("    allow_unreachable: ['{admin}', '{denied}', '{accepted_group}']\n"),
    );
    let spec = specs.write("accepted.yaml", &accepted);
    let spec = spec.to_str().unwrap();
    let plan = lab.hybridctl(&["plan", "-f", spec]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(lab.hybridctl(&["drift", "-f", spec]).code, 0);

    // The effective minimum password age: samba-tool is the judge.
    let show = lab.samba_tool(&[
        "domain",
        "passwordsettings",
        "pso",
        "show-user",
        &short("p", 7),
    ]);
    assert!(show.contains(&pso), "{show}");
    let plain = lab.samba_tool(&[
        "domain",
        "passwordsettings",
        "pso",
        "show-user",
        &short("o", 3),
    ]);
    assert!(!plain.contains(&pso), "{plain}");
    // Users without a PSO get the domain head's minimum age: make it 0 for this part (other
    // tests change it, under this lock), and put it back afterwards.
    let _head = crate::harness::shared_objects();
    let _restore = MinimumAgeZero::set(lab);
    let aged = specs.write(
        "aged.yaml",
        &spec_text(
            lab,
            &ou,
            &acls,
            &connector,
            &format!(
                "    minimum_password_age: 0\n    allow_unreachable: ['{admin}', '{denied}', '{accepted_group}']\n"
            ),
        ),
    );
    let (code, failing) = hybridctl_failing(lab, aged.to_str().unwrap());
    assert_eq!(code, 0);
    assert_eq!(
        failing.keys().cloned().collect::<Vec<_>>(),
        [pso_user.to_lowercase()]
    );
    assert!(
        failing[&pso_user.to_lowercase()].contains("minimum password age 1 day(s), above 0"),
        "{failing:?}"
    );
}

#[test]
fn bad_input_is_named_with_what_was_expected() {
    let lab = lab();
    let ou = lab.scratch_ou("ea-bad");
    let _cleanup = Cleanup {
        ou: ou.clone(),
        groups: vec![],
        pso: None,
    };
    let specs = Specs::new();
    let check = |body: &str| {
        let spec = specs.write(
            "bad.yaml",
            &format!("version: 1\nresources:\n  - kind: ad.effective_access\n    name: w\n{body}"),
        );
        // A scope that matches nothing is a failing check, not an error of plan: with
        // --detailed-exitcode it is "not as declared" (2); real errors are 1.
        lab.hybridctl(&["plan", "-f", spec.to_str().unwrap(), "--detailed-exitcode"])
    };
    for (body, says) in [
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset pasword]\n    scope: {{base: '{ou}'}}\n", lab.netbios),
            "did you mean `Reset Password`?",
        ),
        (
            format!("    principal: '{}\\nobody-here-xyz'\n    rights: [Reset password]\n    scope: {{base: '{ou}'}}\n", lab.netbios),
            "no account, group or well-known principal",
        ),
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset password]\n    scope: {{base: 'OU=Elsewhere,DC=other,DC=test'}}\n", lab.netbios),
            "is outside the domain",
        ),
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset password]\n    scope: {{base: '{ou}', filter: '(objectClass=user'}}\n", lab.netbios),
            "is not an LDAP filter",
        ),
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset password]\n    scope: {{base: '{ou}', filter: '(=x)'}}\n", lab.netbios),
            "scope.filter `(=x)` was refused",
        ),
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset password]\n    scope: {{base: 'OU=missing-xyz,{ou}'}}\n", lab.netbios),
            "was not found in the directory",
        ),
        (
            format!("    principal: '{}\\Administrator'\n    rights: [Reset password]\n    scope: {{base: '{ou}'}}\n", lab.netbios),
            "the scope matched no object",
        ),
    ] {
        let run = check(&body);
        assert_ne!(run.code, 0, "{body}: {}", run.all());
        assert!(run.all().contains(says), "{body}: expected `{says}` in\n{}", run.all());
    }
}

/// The domain head's minimum password age set to 0 days while it lives, then put back.
struct MinimumAgeZero(i64);

impl MinimumAgeZero {
    fn set(lab: &crate::harness::Lab) -> MinimumAgeZero {
        let raw: i64 = lab
            .ldap_attr(&lab.domain_dn, "minPwdAge")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        lab.samba_tool(&["domain", "passwordsettings", "set", "--min-pwd-age=0"]);
        MinimumAgeZero(-raw / 864_000_000_000)
    }
}

impl Drop for MinimumAgeZero {
    fn drop(&mut self) {
        crate::harness::lab().samba_tool(&[
            "domain",
            "passwordsettings",
            "set",
            &format!("--min-pwd-age={}", self.0),
        ]);
    }
}
