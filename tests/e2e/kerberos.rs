//! `auth: kerberos` against the lab DC's KDC, with no password anywhere: the hybridctl
//! binary runs as a child process (the Kerberos libraries read KRB5_CONFIG and KRB5CCNAME
//! from the process environment, and `faketime` needs a process of its own), its
//! environment stripped of HYBRIDCTL_AD_PASSWORD. The DC's own log (auth_audit, raised by
//! `scripts/lab up`) says how each connection authenticated; klist, samba-tool and
//! smbclient check the rest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::graph::Tenant;
use crate::harness::{built, lab, Run, Specs};

const DDP_TEMPLATE: &str = "lab.example.test/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf";
const RESET_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
const USER_CLASS: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";

/// What `scripts/lab up` writes for Kerberos: from .lab/env, or (when another checkout's
/// `up` rewrote .lab/env without them) where that script puts them.
fn lab_kerberos(name: &str) -> String {
    let lab = lab();
    if let Some(v) = lab.env.get(name) {
        return v.clone();
    }
    let dir = PathBuf::from(&lab.env["HYBRIDCTL_LAB_DIR"]);
    let dns = lab
        .domain_dn
        .split(',')
        .filter_map(|p| p.strip_prefix("DC="))
        .collect::<Vec<_>>()
        .join(".");
    let v = match name {
        "HYBRIDCTL_LAB_KRB5_CONFIG" => dir.join("krb5.conf").display().to_string(),
        "HYBRIDCTL_LAB_KEYTAB" => dir.join("svc-hybridctl.keytab").display().to_string(),
        "HYBRIDCTL_LAB_KRB_PRINCIPAL" => format!("svc-hybridctl@{}", dns.to_ascii_uppercase()),
        "HYBRIDCTL_LAB_DC_HOST" => format!("dc1.{dns}"),
        _ => unreachable!("{name}"),
    };
    if name != "HYBRIDCTL_LAB_KRB_PRINCIPAL" && name != "HYBRIDCTL_LAB_DC_HOST" {
        assert!(
            Path::new(&v).exists(),
            "{v} is missing: run scripts/lab up (it sets up Kerberos on a running lab)"
        );
    }
    v
}

/// [`kerberos_env`] pointed at a listener of the test's on `port` (same DC host name, so
/// the service ticket is the lab DC's).
fn kerberos_env_via(port: u16) -> BTreeMap<String, String> {
    let mut env = kerberos_env();
    env.insert(
        "HYBRIDCTL_AD_URL".into(),
        format!("ldap://{}:{port}", lab_kerberos("HYBRIDCTL_LAB_DC_HOST")),
    );
    env
}

/// The lab's environment switched to Kerberos with the lab's keytab; no password, no user.
fn kerberos_env() -> BTreeMap<String, String> {
    let lab = lab();
    let mut env = lab.env.clone();
    for k in [
        "HYBRIDCTL_AD_PASSWORD",
        "HYBRIDCTL_AD_PASSWORD_FILE",
        "HYBRIDCTL_AD_USER",
    ] {
        env.remove(k);
    }
    env.insert("HYBRIDCTL_AD_AUTH".into(), "kerberos".into());
    env.insert(
        "HYBRIDCTL_AD_URL".into(),
        format!("ldap://{}", lab_kerberos("HYBRIDCTL_LAB_DC_HOST")),
    );
    env.insert(
        "KRB5_CONFIG".into(),
        lab_kerberos("HYBRIDCTL_LAB_KRB5_CONFIG"),
    );
    env.insert(
        "HYBRIDCTL_AD_KEYTAB".into(),
        lab_kerberos("HYBRIDCTL_LAB_KEYTAB"),
    );
    env.insert(
        "HYBRIDCTL_AD_PRINCIPAL".into(),
        lab_kerberos("HYBRIDCTL_LAB_KRB_PRINCIPAL"),
    );
    env
}

/// Runs the binary (under `faketime OFFSET` when given) with exactly `env`.
/// The hybridctl binary with exactly `env` (and PATH), under `faketime` when given.
fn command(args: &[&str], env: &BTreeMap<String, String>, faketime: Option<&str>) -> Command {
    let mut cmd = match faketime {
        Some(offset) => {
            let mut c = Command::new("faketime");
            c.args(["-f", offset]).arg(built("hybridctl"));
            c
        }
        None => Command::new(built("hybridctl")),
    };
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env);
    cmd
}

/// Started in the background, its output captured, for a test that signals it.
fn spawn(args: &[&str], env: &BTreeMap<String, String>) -> std::process::Child {
    command(args, env, None)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start hybridctl")
}

/// SIGTERM, as systemd and Kubernetes stop a service.
fn terminate(child: &std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

fn run(args: &[&str], env: &BTreeMap<String, String>, faketime: Option<&str>) -> Run {
    let out = command(args, env, faketime)
        .output()
        .expect("run hybridctl");
    let run = Run {
        code: out.status.code().unwrap_or(255) as u8,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let password = &lab().env["HYBRIDCTL_AD_PASSWORD"];
    assert!(!run.all().contains(password.as_str()), "{}", run.all());
    run
}

fn samba_log() -> PathBuf {
    PathBuf::from(&lab().env["HYBRIDCTL_LAB_DIR"]).join("samba.log")
}

/// What the DC logged from byte `from` on.
fn log_since(from: u64) -> String {
    let bytes = std::fs::read(samba_log()).unwrap();
    String::from_utf8_lossy(&bytes[(from as usize).min(bytes.len())..]).into_owned()
}

fn log_len() -> u64 {
    std::fs::metadata(samba_log()).unwrap().len()
}

/// The service account's short name (svc-hybridctl).
fn account() -> String {
    let p = lab_kerberos("HYBRIDCTL_LAB_KRB_PRINCIPAL");
    p.split('@').next().unwrap().to_string()
}

/// Asserts the DC saw a Kerberos (GSSAPI) bind on 389 from the service account and never
/// a simple bind from it.
fn assert_gssapi_binds_only(log: &str) {
    let account = account();
    let krb = log
        .lines()
        .filter(|l| l.contains("[LDAP,krb5]") && l.contains(&format!("\\[{account}]")))
        .collect::<Vec<_>>();
    assert!(
        !krb.is_empty(),
        "the DC logged no Kerberos LDAP bind of {account}:\n{log}"
    );
    assert!(
        krb.iter().all(|l| l.contains(":389")),
        "a Kerberos bind not on 389: {krb:?}"
    );
    let simple: Vec<_> = log
        .lines()
        .filter(|l| l.contains("simple bind") && l.contains(&account))
        .collect();
    assert!(simple.is_empty(), "simple binds of {account}: {simple:?}");
}

fn kinit(cache: &Path, lifetime: &str) {
    let env = kerberos_env();
    let out = Command::new("kinit")
        .args(["-l", lifetime, "-k", "-t", &env["HYBRIDCTL_AD_KEYTAB"]])
        .arg("-c")
        .arg(format!("FILE:{}", cache.display()))
        .arg(&env["HYBRIDCTL_AD_PRINCIPAL"])
        .env("KRB5_CONFIG", &env["KRB5_CONFIG"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kinit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The environment for a ticket cache made by kinit: no keytab.
fn ccache_env(cache: &Path) -> BTreeMap<String, String> {
    let mut env = kerberos_env();
    env.remove("HYBRIDCTL_AD_KEYTAB");
    env.remove("HYBRIDCTL_AD_PRINCIPAL");
    env.insert("KRB5CCNAME".into(), format!("FILE:{}", cache.display()));
    env
}

fn acl_only_spec(specs: &Specs) -> String {
    specs
        .write(
            "acl.yaml",
            &format!(
                "version: 1\nresources:\n  - kind: ad.acl\n    name: corp\n    object: OU=Corp,{{domain}}\n    aces:\n      - principal: {}\\Helpdesk\n        allow: [Reset password]\n        applies_to: Descendant User objects\n",
                lab().netbios
            ),
        )
        .to_str()
        .unwrap()
        .to_string()
}

/// A ticket cache for Administrator, made by kinit from the lab's password (the test
/// process knows it; hybridctl's environment never does).
fn kinit_administrator(cache: &Path) {
    let lab = lab();
    let principal = lab_kerberos("HYBRIDCTL_LAB_KRB_PRINCIPAL");
    let realm = principal.split_once('@').unwrap().1.to_string();
    let mut child = Command::new("kinit")
        .arg("-c")
        .arg(format!("FILE:{}", cache.display()))
        .arg(format!("Administrator@{realm}"))
        .env("KRB5_CONFIG", lab_kerberos("HYBRIDCTL_LAB_KRB5_CONFIG"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let password = format!("{}\n", lab.env["HYBRIDCTL_AD_PASSWORD"]);
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), password.as_bytes()).unwrap();
    assert!(
        child.wait().unwrap().success(),
        "kinit Administrator failed"
    );
}

/// plan and drift read as the service account (its keytab); apply writes as Administrator
/// from a kinit cache. Why not the service account for apply too: in this Samba lab, a
/// SYSVOL file created over SMB by Administrator gets Samba's default create mask (0744),
/// which leaves the POSIX ACL mask at r--, so no other account (Domain Admins included)
/// can rewrite it; `smbclient --use-kerberos=required` as svc-hybridctl gets the same
/// NT_STATUS_ACCESS_DENIED. A Windows DC has no such layer.
#[test]
fn the_writeback_example_plans_applies_and_drifts_with_kerberos_and_no_password() {
    let _shared = crate::harness::shared_objects();
    let lab = lab();
    let tenant = Tenant::start(|_| {});
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/password-writeback.yaml");
    let example = example.to_str().unwrap();
    let graph = |mut env: BTreeMap<String, String>| {
        env.insert("HYBRIDCTL_GRAPH_ENDPOINT".into(), tenant.running.endpoint());
        env.insert(
            "HYBRIDCTL_GRAPH_TOKEN_URL".into(),
            tenant.running.token_url(),
        );
        env
    };
    let service = graph(kerberos_env());
    let specs = Specs::new();
    let admin_cache = specs.path("administrator.ccache");
    kinit_administrator(&admin_cache);
    let admin = graph(ccache_env(&admin_cache));

    // Drift made with Samba's tools, so apply must write the ACL over LDAP and the
    // template over SMB.
    let sid = lab.sid_of("user", &lab.env["HYBRIDCTL_LAB_CONNECTOR"]);
    let reset = format!("(OA;CIIO;CR;{RESET_PASSWORD};{USER_CLASS};{sid})");
    if lab.sddl(&lab.domain_dn).contains(&reset) {
        lab.remove_ace(&lab.domain_dn, &reset);
    }
    let template = lab.iconv_utf16(&lab.smb_get(DDP_TEMPLATE).unwrap_or_default());
    let changed = if template.contains("MinimumPasswordAge = 0") {
        template.replace("MinimumPasswordAge = 0", "MinimumPasswordAge = 2")
    } else {
        "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordAge = 2\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n".to_string()
    };
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(changed.encode_utf16().flat_map(u16::to_le_bytes));
    lab.smb_mkdirs(DDP_TEMPLATE.rsplit_once('/').unwrap().0);
    lab.smb_put(DDP_TEMPLATE, &bytes);

    let from = log_len();
    let plan = run(
        &["plan", "-f", example, "--detailed-exitcode"],
        &service,
        None,
    );
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains(&reset), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("MinimumPasswordAge = 2"),
        "SYSVOL was not read: {}",
        plan.stdout
    );

    let apply = run(&["apply", "-f", example, "--auto-approve"], &admin, None);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(
        lab.sddl(&lab.domain_dn).matches(reset.as_str()).count(),
        1,
        "samba-tool does not show the ACE once"
    );
    let template = lab.iconv_utf16(&lab.smb_get(DDP_TEMPLATE).unwrap());
    assert!(
        template.contains("\r\nMinimumPasswordAge = 0\r\n"),
        "{template:?}"
    );

    let drift = run(&["drift", "-f", example], &service, None);
    assert_eq!(drift.code, 0, "{}", drift.all());
    // The binds on 389 were accepted by a DC that refuses unsealed ones.
    let strong = Command::new("testparm")
        .args([
            "-s",
            "-l",
            "--parameter-name=ldap server require strong auth",
        ])
        .arg(&lab.env["HYBRIDCTL_LAB_SMB_CONF"])
        .output()
        .unwrap();
    let strong = String::from_utf8_lossy(&strong.stdout)
        .trim()
        .to_ascii_lowercase();
    assert_eq!(
        strong, "yes",
        "the lab DC must refuse unsealed binds on 389"
    );
    let log = log_since(from);
    assert_gssapi_binds_only(&log);
    assert!(
        log.lines()
            .any(|l| l.contains("[LDAP,krb5]") && l.contains("\\[Administrator]")),
        "no Kerberos bind of Administrator (apply):\n{log}"
    );
}

#[test]
fn a_kinit_ticket_cache_reaches_ldap_and_sysvol() {
    let specs = Specs::new();
    let cache = specs.path("ccache");
    kinit(&cache, "1h");
    let spec = specs.write(
        "gpo.yaml",
        "version: 1\nresources:\n  - kind: gpo.security\n    name: ddp\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 0}\n",
    );
    let from = log_len();
    let plan = run(
        &["plan", "-f", spec.to_str().unwrap()],
        &ccache_env(&cache),
        None,
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_gssapi_binds_only(&log_since(from));
    // The service tickets the run got are in the user's cache: LDAP's and SMB's.
    let klist = Command::new("klist")
        .arg("-c")
        .arg(format!("FILE:{}", cache.display()))
        .output()
        .unwrap();
    let klist = String::from_utf8_lossy(&klist.stdout);
    let host = &lab_kerberos("HYBRIDCTL_LAB_DC_HOST");
    for service in ["ldap", "cifs"] {
        assert!(
            klist.contains(&format!("{service}/{host}@")),
            "no {service} ticket:\n{klist}"
        );
    }
}

/// A keytab made with ktutil for `principal` from a password the account does not have.
fn wrong_keytab(specs: &Specs, name: &str, principal: &str) -> String {
    let path = specs.path(name);
    let script = format!(
        "addent -password -p {principal} -k 2 -e aes256-cts-hmac-sha1-96\nNot-The-Password-1\nwkt {}\n",
        path.display()
    );
    let mut child = Command::new("ktutil")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(path.exists(), "ktutil wrote no keytab");
    path.to_str().unwrap().to_string()
}

/// What is provoked, the environment, a `faketime` offset, what stderr must say.
type Case<'a> = (
    &'a str,
    BTreeMap<String, String>,
    Option<&'a str>,
    Vec<String>,
);

#[test]
fn each_kerberos_failure_says_what_to_do_and_nothing_falls_back() {
    let specs = Specs::new();
    let spec = acl_only_spec(&specs);
    let host = lab_kerberos("HYBRIDCTL_LAB_DC_HOST");
    let realm = host.split_once('.').unwrap().1.to_ascii_uppercase();
    // A password that works is there too, so a fallback to a simple bind could happen and
    // would show in the DC's log under this account's name.
    let (decoy, _) = lab().user("krbfb");
    let decoy_password = "Pw-0123456789-Aa1!";
    let mut base = kerberos_env();
    base.insert(
        "HYBRIDCTL_AD_USER".into(),
        format!("{decoy}@{}", realm.to_ascii_lowercase()),
    );
    base.insert("HYBRIDCTL_AD_PASSWORD".into(), decoy_password.into());
    let with = |changes: &[(&str, &str)]| {
        let mut env = base.clone();
        for (k, v) in changes {
            if v.is_empty() {
                env.remove(*k);
            } else {
                env.insert(k.to_string(), v.to_string());
            }
        }
        env
    };
    let bad_kdc = specs.write(
        "krb5-bad-kdc.conf",
        &format!("[libdefaults]\n  default_realm = {realm}\n[realms]\n  {realm} = {{\n    kdc = 127.0.0.1:8899\n  }}\n"),
    );
    let expired = specs.path("expired.ccache");
    kinit(&expired, "5m");
    let skewed = specs.path("skewed.ccache");
    kinit(&skewed, "10h");
    let wrong_key = wrong_keytab(&specs, "wrong.keytab", &base["HYBRIDCTL_AD_PRINCIPAL"]);
    let stranger = format!("nobody-{}@{realm}", std::process::id());
    let unknown = wrong_keytab(&specs, "unknown.keytab", &stranger);
    let from = log_len();

    let mut cases: Vec<Case> = vec![
        (
            "an IP address",
            with(&[("HYBRIDCTL_AD_URL", "ldap://127.0.0.1")]),
            None,
            vec![
                "Kerberos needs the DC's host name".into(),
                "IP address 127.0.0.1".into(),
            ],
        ),
        (
            "a name the DC is not known by",
            with(&[("HYBRIDCTL_AD_URL", "ldap://localhost")]),
            None,
            vec![
                "the KDC does not know the service principal ldap/localhost".into(),
                "not an IP address or an alias".into(),
            ],
        ),
        (
            "a missing keytab",
            with(&[("HYBRIDCTL_AD_KEYTAB", "/nonexistent/hybridctl.keytab")]),
            None,
            vec![
                "cannot read the keytab /nonexistent/hybridctl.keytab".into(),
                "keytab_file / HYBRIDCTL_AD_KEYTAB".into(),
            ],
        ),
        (
            "no ticket and no keytab",
            {
                let mut e = ccache_env(&specs.path("never-made.ccache"));
                e.remove("HYBRIDCTL_AD_KEYTAB");
                e
            },
            None,
            vec!["no Kerberos ticket in FILE:".into(), "kinit".into()],
        ),
        (
            // Six minutes on, the five-minute ticket has run out.
            "an expired ticket",
            ccache_env(&expired),
            Some("+6m"),
            vec![
                "has expired".into(),
                "run `kinit` again, or use a keytab".into(),
            ],
        ),
        (
            "a clock twenty minutes ahead",
            ccache_env(&skewed),
            Some("+20m"),
            vec![
                "clock is 1200 s ahead of the DC's".into(),
                "synchronise".into(),
            ],
        ),
        (
            "no KDC answering",
            with(&[("KRB5_CONFIG", bad_kdc.to_str().unwrap())]),
            None,
            vec![
                "cannot reach a Kerberos KDC".into(),
                "kdc entries in krb5.conf".into(),
            ],
        ),
        (
            "a keytab with an old key",
            with(&[("HYBRIDCTL_AD_KEYTAB", &wrong_key)]),
            None,
            vec![
                "does not hold the current key of".into(),
                "export it again".into(),
            ],
        ),
        (
            "an unknown principal",
            with(&[
                ("HYBRIDCTL_AD_KEYTAB", &unknown),
                ("HYBRIDCTL_AD_PRINCIPAL", &stranger),
            ]),
            None,
            vec![format!("the KDC does not know the principal {stranger}")],
        ),
        (
            "a principal the keytab does not hold",
            with(&[("HYBRIDCTL_AD_PRINCIPAL", &stranger)]),
            None,
            vec![format!("holds no key for {stranger}"), "klist -k".into()],
        ),
    ];
    for (_, env, _, _) in &mut cases {
        for k in ["HYBRIDCTL_AD_USER", "HYBRIDCTL_AD_PASSWORD"] {
            env.insert(k.into(), base[k].clone());
        }
    }
    for (what, env, faketime, expected) in cases {
        let r = run(&["plan", "-f", &spec], &env, faketime);
        assert_eq!(r.code, 1, "{what}: {}", r.all());
        assert!(!r.all().contains(decoy_password), "{what}: {}", r.all());
        for e in expected {
            assert!(r.stderr.contains(&e), "{what}: lacks {e:?}:\n{}", r.stderr);
        }
    }
    // Never a fallback: with a working password at hand, none of these made a simple bind,
    // neither as the service account nor as the password's account.
    let log = log_since(from);
    for account in [account(), decoy] {
        assert!(
            !log.lines()
                .any(|l| l.contains("simple bind") && l.contains(&account)),
            "{account}: {log}"
        );
    }
}

/// `drift --every` with a keytab outlives its tickets: with a krb5.conf asking for
/// 150-second tickets (Samba's KDC refuses to use a ticket with less than about two minutes
/// left, so shorter ones are unusable) the ticket runs out between checks; every check
/// still succeeds, the KDC logs an AS exchange for each new ticket, and the private cache
/// is gone after SIGTERM. Takes three minutes.
#[test]
fn drift_every_renews_the_keytab_ticket_between_checks() {
    let specs = Specs::new();
    let spec = acl_only_spec(&specs);
    let base = kerberos_env();
    let conf = std::fs::read_to_string(&base["KRB5_CONFIG"]).unwrap();
    let short = specs.write(
        "krb5-short.conf",
        &conf.replacen(
            "[libdefaults]",
            "[libdefaults]\n  ticket_lifetime = 150s\n  renew_lifetime = 0",
            1,
        ),
    );
    let tmp = specs.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut env = base.clone();
    env.insert("KRB5_CONFIG".into(), short.to_str().unwrap().into());
    env.insert("TMPDIR".into(), tmp.to_str().unwrap().into());
    let from = log_len();
    let child = spawn(&["drift", "-f", &spec, "--every", "20s"], &env);
    std::thread::sleep(std::time::Duration::from_secs(175));
    terminate(&child);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let checks = stdout.matches("Drift: 1 resource(s) differ").count();
    assert!(checks >= 8, "{checks} checks:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    let account = account();
    let renewals = log_since(from)
        .lines()
        .filter(|l| l.contains("[Kerberos KDC") && l.contains(&format!("[{account}@")))
        .count();
    assert!(
        renewals >= 2,
        "the KDC saw {renewals} AS exchange(s) of {account}"
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "a private ticket cache was left in TMPDIR"
    );
}

/// BER length at `b[1..]`: (length, bytes it took), short or long form.
fn ber_len(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some((first as usize, 1));
    }
    let n = (first & 0x7f) as usize;
    let bytes = b.get(2..2 + n)?;
    Some((bytes.iter().fold(0, |a, &x| (a << 8) | x as usize), 1 + n))
}

/// Regression (review of issue 14): an LDAP server on the clear port that answers the
/// first SASL GSSAPI message with success, skipping the security layer, as anyone in the
/// path of an unprotected link can. Upstream ldap3 took that as a finished bind and went on
/// unsealed; hybridctl must stop there and send nothing more.
#[test]
fn a_bind_success_that_skips_sealing_is_refused() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // The bind request: SEQUENCE { INTEGER id, [APPLICATION 0] ... }.
        let id = loop {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "the client closed before its bind request");
            buf.extend_from_slice(&chunk[..n]);
            if let Some((len, took)) = ber_len(&buf) {
                if buf.len() >= 1 + took + len {
                    let at = 1 + took;
                    assert_eq!(&buf[at..at + 2], &[0x02, 0x01], "message id");
                    break buf[at + 2];
                }
            }
        };
        let consumed = 1 + ber_len(&buf).map(|(l, t)| l + t).unwrap();
        // bindResponse { resultCode success, matchedDN "", diagnosticMessage "" }
        s.write_all(&[
            0x30, 0x0c, 0x02, 0x01, id, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ])
        .unwrap();
        // Whatever the client sends next would travel unsealed.
        let mut after = buf[consumed..].to_vec();
        while let Ok(n) = s.read(&mut chunk) {
            if n == 0 {
                break;
            }
            after.extend_from_slice(&chunk[..n]);
        }
        after
    });
    let specs = Specs::new();
    let spec = acl_only_spec(&specs);
    let env = kerberos_env_via(port);
    let r = run(&["plan", "-f", &spec], &env, None);
    let after = server.join().unwrap();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("before sealing was negotiated"),
        "{}",
        r.stderr
    );
    assert!(
        after.is_empty(),
        "the client sent {} more byte(s) after the forged success",
        after.len()
    );
}

/// SIGTERM while a keytab run waits on the DC: the run stops with 143 and removes the
/// private ticket cache it made (a valid ticket left in TMPDIR otherwise). The "DC" is a
/// listener that takes the bind and never answers, so the signal lands mid-command.
#[test]
fn a_signal_mid_run_stops_it_and_leaves_no_ticket_cache() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut sink = [0u8; 4096];
        // Read (so the client's writes never block) until it goes away; answer nothing.
        while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
    });
    let specs = Specs::new();
    let spec = acl_only_spec(&specs);
    let tmp = specs.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut env = kerberos_env_via(port);
    env.insert("TMPDIR".into(), tmp.to_str().unwrap().into());
    let child = spawn(&["plan", "-f", &spec], &env);
    // The private cache exists once the keytab's ticket was acquired for the bind.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_dir(&tmp).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no private ticket cache appeared in TMPDIR"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    terminate(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("stopped by a signal"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "a private ticket cache was left in TMPDIR"
    );
    server.join().unwrap();
}

/// Two Kerberos identities in one run, each reaching SYSVOL over SMB: the service account
/// from its keytab (a private cache) and Administrator from a kinit cache (KRB5CCNAME).
/// Each SMB session is its own helper process with its own KRB5CCNAME; the DC's log says
/// each account logged in to SMB with Kerberos as itself. (Refused before the helper:
/// libsmbclient in-process read one KRB5CCNAME for the whole run.)
#[test]
fn two_identities_in_one_run_each_reach_sysvol_as_themselves() {
    let specs = Specs::new();
    let cache = specs.path("admin-ccache");
    kinit_administrator(&cache);
    let host = lab_kerberos("HYBRIDCTL_LAB_DC_HOST");
    let spec = specs.write(
        "two.yaml",
        &format!(
            "version: 1\nconnections:\n  ad:\n    svc: {{url: 'ldap://{host}', auth: kerberos, keytab_file: '{}', principal: '{}'}}\n    admin: {{url: 'ldap://{host}', auth: kerberos}}\nresources:\n  - kind: gpo.security\n    name: ddp\n    connection: svc\n    gpo: Default Domain Policy\n    password_policy: {{minimum_password_age: 0}}\n  - kind: gpo.security\n    name: ddp-admin\n    connection: admin\n    gpo: Default Domain Policy\n    password_policy: {{minimum_password_age: 0}}\n",
            lab_kerberos("HYBRIDCTL_LAB_KEYTAB"),
            lab_kerberos("HYBRIDCTL_LAB_KRB_PRINCIPAL"),
        ),
    );
    let env: BTreeMap<String, String> = [
        (
            "KRB5_CONFIG".to_string(),
            lab_kerberos("HYBRIDCTL_LAB_KRB5_CONFIG"),
        ),
        (
            "KRB5CCNAME".to_string(),
            format!("FILE:{}", cache.display()),
        ),
    ]
    .into_iter()
    .collect();
    let from = log_len();
    let plan = run(&["plan", "-f", spec.to_str().unwrap()], &env, None);
    assert!(matches!(plan.code, 0 | 2), "{}", plan.all());
    let log = log_since(from);
    for who in [account().as_str(), "Administrator"] {
        let smb: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("AuthZ: [SMB2,") && l.contains(&format!("\\[{who}]")))
            .collect();
        assert!(
            !smb.is_empty() && smb.iter().all(|l| l.contains("[SMB2,krb5]")),
            "{who}'s SMB logins, all with Kerberos: {smb:?}\n{log}"
        );
    }
}

/// Regression: a SASL frame's length travels outside the seal, so anyone on the path of
/// an `ldap://` connection can announce a frame of 4 GiB; upstream ldap3 buffered until it
/// had that much. A proxy to the lab DC passes the real Kerberos bind through, then
/// answers the first sealed request with such a header: the run must stop there, saying
/// why the connection ended, rather than wait (the proxy hangs up after 20 s, which the old
/// code reported as a bare "premature end of search stream").
#[test]
fn an_oversized_sasl_frame_is_refused_at_its_header() {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let proxy = std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let dc = TcpStream::connect("127.0.0.1:389").unwrap();
        let sealed = Arc::new(AtomicBool::new(false));
        // Client to DC: plain LDAP messages start with a SEQUENCE (0x30); once the
        // security layer is on, each starts with a 4-byte frame length instead.
        let (mut from_client, mut to_dc) = (client.try_clone().unwrap(), dc.try_clone().unwrap());
        let seen = Arc::clone(&sealed);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 16384];
            while let Ok(n) = from_client.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if chunk[0] != 0x30 {
                    seen.store(true, Ordering::SeqCst);
                }
                if to_dc.write_all(&chunk[..n]).is_err() {
                    break;
                }
            }
            let _ = to_dc.shutdown(Shutdown::Both);
        });
        let (mut from_dc, mut to_client) = (dc, client);
        let mut chunk = [0u8; 16384];
        while let Ok(n) = from_dc.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if sealed.load(Ordering::SeqCst) {
                to_client
                    .write_all(&[0xff, 0xff, 0xff, 0xf0, 0x05, 0x04])
                    .unwrap();
                to_client
                    .set_read_timeout(Some(std::time::Duration::from_secs(20)))
                    .unwrap();
                let mut rest = [0u8; 1024];
                while matches!(to_client.read(&mut rest), Ok(n) if n > 0) {}
                return true;
            }
            if to_client.write_all(&chunk[..n]).is_err() {
                break;
            }
        }
        false
    });
    let specs = Specs::new();
    let spec = acl_only_spec(&specs);
    let env = kerberos_env_via(port);
    let started = std::time::Instant::now();
    let r = run(&["plan", "-f", &spec], &env, None);
    assert!(
        proxy.join().unwrap(),
        "the proxy never saw a sealed request"
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("the LDAP connection ended")
            && r.stderr
                .contains("the server sent a SASL frame of 4294967280 bytes"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the run waited for the frame"
    );
}
