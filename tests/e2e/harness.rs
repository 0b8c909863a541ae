//! What every end-to-end test needs: the lab's settings, the CLI run in-process with
//! its own environment, and independent tools (samba-tool, ldbmodify, ldapsearch) to
//! make drift and to check results.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::{engine::general_purpose::STANDARD, Engine};

pub struct Lab {
    pub env: BTreeMap<String, String>,
    pub domain_dn: String,
    pub netbios: String,
    password: String,
    smb_conf: String,
    /// The DC's address: 127.0.0.1, or 127.0.0.2 for the second domain.
    pub host: String,
}

/// A binary of crates/cli (`hybridctl`, `hybridctl-smb`) in the target folder above this
/// test binary (`cargo test --workspace` builds them for crates/cli's own tests;
/// `cargo build -p hybridctl-cli` does too).
pub fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join(name);
    assert!(
        bin.is_file(),
        "{} is missing: build it first (cargo build -p hybridctl-cli)",
        bin.display()
    );
    bin
}

/// The lab started by `scripts/lab up` (scripts/test starts it for the suite).
pub fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".lab/env");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{} is missing: these tests need the lab DC. Run `scripts/test`, or `scripts/lab up` first.", path.display())
        });
        let env: BTreeMap<String, String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        let get = |k: &str| env.get(k).cloned().unwrap_or_else(|| panic!("{k} missing from .lab/env"));
        Lab {
            domain_dn: get("HYBRIDCTL_LAB_DOMAIN_DN"),
            netbios: get("HYBRIDCTL_LAB_NETBIOS"),
            password: get("HYBRIDCTL_AD_PASSWORD"),
            smb_conf: get("HYBRIDCTL_LAB_SMB_CONF"),
            host: "127.0.0.1".into(),
            env,
        }
    })
}

/// The lab's second, independent domain (LAB2, DC on 127.0.0.2), for the tools that
/// check results; its `env` points HYBRIDCTL_AD_* at it, as a one-domain spec would.
pub fn lab2() -> &'static Lab {
    static LAB2: OnceLock<Lab> = OnceLock::new();
    LAB2.get_or_init(|| {
        let first = lab();
        let get = |k: &str| {
            first.env.get(&format!("HYBRIDCTL_LAB2_{k}")).cloned().unwrap_or_else(|| {
                panic!("HYBRIDCTL_LAB2_{k} missing from .lab/env: run `scripts/lab up` to start the second domain")
            })
        };
        let mut env = first.env.clone();
        for k in ["URL", "USER", "PASSWORD", "CA_FILE"] {
            env.insert(format!("HYBRIDCTL_AD_{k}"), get(k));
        }
        Lab {
            domain_dn: get("DOMAIN_DN"),
            netbios: get("NETBIOS"),
            password: get("PASSWORD"),
            smb_conf: get("SMB_CONF"),
            host: "127.0.0.2".into(),
            env,
        }
    })
}

/// What one CLI run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Lab {
    /// Runs `hybridctl ARGS` in-process with the lab's environment.
    pub fn hybridctl(&self, args: &[&str]) -> Run {
        self.hybridctl_with(args, |_| {})
    }

    /// Same, with the environment adjusted first.
    pub fn hybridctl_with(
        &self,
        args: &[&str],
        adjust: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Run {
        self.hybridctl_full(args, adjust, None)
    }

    /// As if a person ran it on a terminal and typed `answer`.
    pub fn hybridctl_on_terminal(&self, args: &[&str], answer: &str) -> Run {
        self.hybridctl_full(args, |_| {}, Some(answer.to_string()))
    }

    /// On a terminal, with NO_COLOR set.
    pub fn hybridctl_full_no_color(&self, args: &[&str]) -> Run {
        self.hybridctl_full(
            args,
            |e| {
                e.insert("NO_COLOR".into(), "1".into());
            },
            Some(String::new()),
        )
    }

    fn hybridctl_full(
        &self,
        args: &[&str],
        adjust: impl FnOnce(&mut BTreeMap<String, String>),
        terminal_input: Option<String>,
    ) -> Run {
        let mut env = self.env.clone();
        adjust(&mut env);
        let interactive = terminal_input.is_some();
        let stdin: Box<dyn std::io::BufRead> = match terminal_input {
            Some(text) => Box::new(std::io::Cursor::new(text.into_bytes())),
            None => Box::new(std::io::empty()),
        };
        let (out, err) = (Buffer::default(), Buffer::default());
        let mut ctx = hybridctl_cli::Context {
            args: std::iter::once("hybridctl")
                .chain(args.iter().copied())
                .map(String::from)
                .collect(),
            env,
            stdout: Box::new(out.clone()),
            stderr: Box::new(err.clone()),
            stdin,
            interactive,
            stdout_is_terminal: interactive,
            stop_on_signal: false,
        };
        let code = hybridctl_cli::run(&mut ctx);
        let run = Run {
            code,
            stdout: out.text(),
            stderr: err.text(),
        };
        assert!(
            !run.all().contains(&self.password),
            "the AD password leaked into output:\n{}",
            run.all()
        );
        run
    }

    pub fn samba_auth(&self) -> Vec<String> {
        vec![
            "-H".into(),
            format!("ldap://{}", self.host),
            format!("--configfile={}", self.smb_conf),
            format!("-UAdministrator%{}", self.password),
        ]
    }

    /// `samba-tool ARGS` against the lab (signed and sealed LDAP); panics on failure.
    pub fn samba_tool(&self, args: &[&str]) -> String {
        let out = Command::new("samba-tool")
            .args(args)
            .args(self.samba_auth())
            .output()
            .expect("samba-tool runs");
        assert!(
            out.status.success(),
            "samba-tool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The object's descriptor as SDDL, read by samba-tool: an independent reader.
    pub fn sddl(&self, dn: &str) -> String {
        let out = self.samba_tool(&["dsacl", "get", &format!("--objectdn={dn}")]);
        out.lines().last().unwrap_or_default().to_string()
    }

    /// The object's explicit ACEs (normalized), read by samba-tool. Inherited ACEs are left
    /// out: they change whenever a parent's ACL changes, e.g. by another test.
    pub fn explicit_aces(&self, dn: &str) -> BTreeSet<String> {
        aces(&self.sddl(dn))
            .into_iter()
            .filter(|a| !a.split(';').nth(1).unwrap_or_default().contains("ID"))
            .collect()
    }

    /// Adds an ACE out of band with samba-tool.
    pub fn add_ace(&self, dn: &str, sddl_ace: &str) {
        self.samba_tool(&[
            "dsacl",
            "set",
            &format!("--objectdn={dn}"),
            &format!("--sddl={sddl_ace}"),
        ]);
    }

    /// Removes an ACE out of band: the descriptor rewritten without it by Samba's ldbmodify.
    pub fn remove_ace(&self, dn: &str, sddl_ace: &str) {
        let sd = self.sddl(dn);
        assert!(sd.contains(sddl_ace), "{sddl_ace} not on {dn}: {sd}");
        let ldif = format!(
            "dn: {dn}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: {}\n",
            sd.replacen(sddl_ace, "", 1)
        );
        self.ldb_modify(&ldif);
    }

    pub fn ldb_modify(&self, ldif: &str) {
        let mut child = Command::new("ldbmodify")
            .args(self.samba_auth())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldbmodify runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ldif.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "ldbmodify failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs one smbclient command on the sysvol share.
    pub fn smbclient(&self, command: &str) -> std::process::Output {
        Command::new("smbclient")
            .args([
                &format!("//{}/sysvol", self.host),
                &format!("-UAdministrator%{}", self.password),
                "-c",
                command,
            ])
            .output()
            .expect("smbclient runs")
    }

    /// Downloads a file from the sysvol share with smbclient; `None` when it is not there.
    pub fn smb_get(&self, path: &str) -> Option<Vec<u8>> {
        let local = tempfile::NamedTempFile::new().unwrap();
        let out = self.smbclient(&format!(
            "get \"{}\" \"{}\"",
            path.replace('/', "\\"),
            local.path().display()
        ));
        out.status
            .success()
            .then(|| std::fs::read(local.path()).unwrap())
    }

    /// Uploads bytes to the sysvol share with smbclient.
    /// Creates a folder and its parents in SYSVOL with smbclient (existing ones are kept).
    pub fn smb_mkdirs(&self, path: &str) {
        let mut at = String::new();
        for part in path.split('/') {
            at = if at.is_empty() {
                part.to_string()
            } else {
                format!("{at}\\{part}")
            };
            // `mkdir` of an existing folder fails harmlessly; the `put` after it tells.
            let _ = self.smbclient(&format!("mkdir \"{at}\""));
        }
    }

    pub fn smb_put(&self, path: &str, bytes: &[u8]) {
        let local = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(local.path(), bytes).unwrap();
        let out = self.smbclient(&format!(
            "put \"{}\" \"{}\"",
            local.path().display(),
            path.replace('/', "\\")
        ));
        assert!(
            out.status.success(),
            "smbclient put failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    /// UTF-16LE bytes (with BOM) as text, decoded by iconv.
    pub fn iconv_utf16(&self, bytes: &[u8]) -> String {
        assert_eq!(&bytes[..2], &[0xFF, 0xFE], "no UTF-16LE BOM");
        let mut child = Command::new("iconv")
            .args(["-f", "UTF-16LE", "-t", "UTF-8"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("iconv runs");
        child.stdin.take().unwrap().write_all(&bytes[2..]).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    /// One attribute's first value, read with ldapsearch.
    pub fn ldap_attr(&self, dn: &str, attr: &str) -> Option<String> {
        let entries = self.ldapsearch(dn, "base", "(objectClass=*)", &[attr]);
        let values = entries.first()?.get(&attr.to_lowercase())?;
        Some(String::from_utf8_lossy(&values[0]).into_owned())
    }

    /// The entries of one ldapsearch (paged unless `scope` is `base`), as lower-case
    /// attribute -> values, base64 values decoded.
    pub fn ldapsearch(
        &self,
        base: &str,
        scope: &str,
        filter: &str,
        attrs: &[&str],
    ) -> Vec<BTreeMap<String, Vec<Vec<u8>>>> {
        let pw = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(pw.path(), &self.password).unwrap();
        let mut cmd = Command::new("ldapsearch");
        cmd.env("LDAPTLS_CACERT", &self.env["HYBRIDCTL_AD_CA_FILE"])
            .args(["-LLL", "-o", "ldif-wrap=no", "-x"])
            .args(["-H", &format!("ldaps://{}", self.host)])
            .args(["-D", &self.env["HYBRIDCTL_AD_USER"], "-y"])
            .arg(pw.path())
            .args(["-b", base, "-s", scope]);
        if scope != "base" {
            cmd.args(["-E", "pr=1000/noprompt"]);
        }
        let out = cmd
            .arg(filter)
            .args(attrs)
            .output()
            .expect("ldapsearch runs");
        assert!(
            out.status.success(),
            "ldapsearch failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut entries = Vec::new();
        let mut cur: Option<BTreeMap<String, Vec<Vec<u8>>>> = None;
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            if line.is_empty() {
                entries.extend(cur.take());
            } else if line.starts_with("dn:") {
                cur = Some(BTreeMap::new());
            } else if let Some(e) = cur.as_mut() {
                let (k, v) = match line.split_once(":: ") {
                    Some((k, v)) => (k, STANDARD.decode(v).expect("base64 from ldapsearch")),
                    None => {
                        let (k, v) = line.split_once(": ").expect("an LDIF line");
                        (k, v.as_bytes().to_vec())
                    }
                };
                e.entry(k.to_lowercase()).or_default().push(v);
            }
        }
        entries.extend(cur);
        entries
    }

    /// A new GPO made with samba-tool; returns its {GUID}.
    pub fn gpo_create(&self, test: &str) -> (String, String) {
        let name = unique(test);
        let out = self.samba_tool(&["gpo", "create", &name]);
        let guid = out
            .split('{')
            .nth(1)
            .and_then(|r| r.split('}').next())
            .expect("samba-tool prints the GUID");
        (name, format!("{{{guid}}}"))
    }

    /// A fresh OU under OU=Corp for one test, so tests never share an ACL.
    pub fn scratch_ou(&self, test: &str) -> String {
        let name = unique(test);
        self.samba_tool(&["ou", "create", &format!("OU={name},OU=Corp")]);
        format!("OU={name},OU=Corp,{}", self.domain_dn)
    }

    /// A fresh OU directly under the domain root, outside OU=Corp (the scope the examples
    /// check), for a test that makes objects other checks must not see.
    pub fn top_level_ou(&self, test: &str) -> String {
        let name = unique(test);
        self.samba_tool(&["ou", "create", &format!("OU={name}")]);
        format!("OU={name},{}", self.domain_dn)
    }

    /// A fresh user; returns its sAMAccountName and SID.
    pub fn user(&self, prefix: &str) -> (String, String) {
        let sam = unique(prefix);
        let sam = sam[..sam.len().min(20)].to_string();
        self.samba_tool(&[
            "user",
            "create",
            &sam,
            "Pw-0123456789-Aa1!",
            "--userou=OU=Staff,OU=Corp",
        ]);
        let sid = self.sid_of("user", &sam);
        (sam, sid)
    }

    /// The SID of a user or group, as samba-tool shows it.
    pub fn sid_of(&self, kind: &str, name: &str) -> String {
        let show = self.samba_tool(&[kind, "show", name, "--attributes=objectSid"]);
        show.lines()
            .find_map(|l| l.strip_prefix("objectSid: "))
            .expect("objectSid")
            .trim()
            .to_string()
    }

    /// A connector account named the way Entra Connect names it.
    pub fn connector(&self) -> (String, String) {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let sam = format!("MSOL_{:06x}{:06x}", std::process::id() & 0xff_ffff, n);
        self.samba_tool(&["user", "create", &sam, "Pw-0123456789-Aa1!"]);
        let sid = self.sid_of("user", &sam);
        (sam, sid)
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// A temp dir holding spec files; removed when dropped.
pub struct Specs {
    dir: tempfile::TempDir,
}

impl Specs {
    pub fn new() -> Specs {
        Specs {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn write(&self, name: &str, yaml: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, yaml).unwrap();
        p
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A one-resource ad.acl spec on `object` (the connection comes from the lab's env).
pub fn acl_spec(name: &str, object: &str, aces_yaml: &str) -> String {
    format!("version: 1\nresources:\n  - kind: ad.acl\n    name: {name}\n    object: \"{object}\"\n    aces:\n{aces_yaml}")
}

/// The ACEs of an SDDL string, with mask letters sorted (Samba and Windows order them differently).
pub fn aces(sddl: &str) -> BTreeSet<String> {
    let dacl = sddl.split("D:").nth(1).unwrap_or_default();
    let dacl = dacl.split("S:").next().unwrap_or_default();
    dacl.split('(')
        .skip(1)
        .map(|a| {
            let a = a.trim_end_matches(')');
            let mut f: Vec<String> = a.split(';').map(str::to_string).collect();
            if f.len() > 2 && !f[2].starts_with("0x") {
                let mut letters: Vec<String> = f[2]
                    .as_bytes()
                    .chunks(2)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                letters.sort();
                f[2] = letters.concat();
            }
            format!("({})", f.join(";"))
        })
        .collect()
}

pub fn norm(ace: &str) -> String {
    aces(&format!("D:{ace}")).into_iter().next().unwrap()
}

/// Tests that write to objects every test shares (the domain root's ACL, the Default
/// Domain Policy) take this, so one's plan is never made stale by another's apply.
pub fn shared_objects() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
