//! `drift --every` as a scheduler runs it: the real binary, against the lab, reporting
//! to files and a webhook, stopped by SIGTERM. Also what a scheduler or CI sees when a
//! check fails, and `diff`'s machine formats.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn lab_env() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.lab/env");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/test or scripts/lab up",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// A one-shot HTTP server on loopback that hands over each POSTed body.
fn webhook() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/drift", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .unwrap();
            let _ = tx.send(String::from_utf8(body).unwrap());
        }
    });
    (url, rx)
}

#[test]
fn drift_every_reports_each_check_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "version: 1\nresources:\n  - kind: ad.acl\n    name: system\n    object: \"{domain}\"\n    aces:\n      - {principal: SYSTEM, allow: [Full control], applies_to: This object only}\n  - kind: manual\n    name: portal\n    steps: [\"check the portal\"]\n",
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let (url, posted) = webhook();
    let child = Running::spawn(
        Command::new(env!("CARGO_BIN_EXE_hybridctl"))
            .args([
                "drift",
                "-f",
                spec.to_str().unwrap(),
                "--every",
                "1s",
                "--format",
                "junit",
            ])
            .args(["--report-dir", reports.to_str().unwrap(), "--webhook", &url])
            .envs(lab_env()),
    );
    let first: serde_json::Value =
        serde_json::from_str(&posted.recv_timeout(Duration::from_secs(60)).unwrap()).unwrap();
    assert_eq!(first["report"], "hybridctl drift");
    assert_eq!(first["drifted"], false);
    assert_eq!(first["plan"]["resources"][0]["address"], "ad.acl.system");
    // It keeps checking on schedule.
    let started = Instant::now();
    posted.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "checked again too soon"
    );

    child.sigterm();
    let out = child.wait_within(Duration::from_secs(30));
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("drift: stopping on signal"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .matches(
                "<testsuites name=\"hybridctl drift\" tests=\"2\" failures=\"0\" skipped=\"1\">"
            )
            .count()
            >= 2,
        "{stdout}"
    );

    for f in ["latest.txt", "latest.json", "latest.junit.xml"] {
        assert!(reports.join(f).is_file(), "{f} missing");
    }
    let junit = std::fs::read_to_string(reports.join("latest.junit.xml")).unwrap();
    assert!(junit.contains("<skipped message=\"manual steps, not verified by hybridctl\">1. check the portal</skipped>"), "{junit}");
    assert!(std::fs::read_to_string(reports.join("latest.txt"))
        .unwrap()
        .contains("No drift"));
}

#[test]
fn a_plain_http_webhook_off_loopback_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_hybridctl"))
        .args([
            "drift",
            "-f",
            "/nonexistent.yaml",
            "--webhook",
            "http://example.com/hook",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("use https:// (plain http is only allowed to loopback)"));
}

/// Where nothing listens: "the DC is unreachable", refused at once.
const CLOSED: &str = "ldaps://127.0.0.1:1";

const SYSTEM_SPEC: &str = "version: 1\nresources:\n  - kind: ad.acl\n    name: system\n    object: \"{domain}\"\n    aces:\n      - {principal: SYSTEM, allow: [Full control], applies_to: This object only}\n";

fn hybridctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hybridctl"));
    c.env_remove("NO_COLOR").env_remove("HYBRIDCTL_LOG");
    c
}

/// A running hybridctl, killed if the test fails before it stops: a failed test must
/// not leave a scheduler behind.
struct Running(Option<Child>);

impl Running {
    fn spawn(command: &mut Command) -> Running {
        Running(Some(
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        ))
    }

    fn sigterm(&self) {
        let pid = self.0.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
    }

    /// Waits at most `limit` for it to end.
    fn wait_within(mut self, limit: Duration) -> Output {
        let started = Instant::now();
        let child = self.0.as_mut().unwrap();
        while child.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn json_file(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Issue 10 item 3: with the DC unreachable, `latest.json` kept the last healthy
/// `"drifted": false` and the webhook got nothing.
#[test]
fn a_failed_scheduled_check_replaces_the_healthy_report_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SYSTEM_SPEC).unwrap();
    let reports = dir.path().join("reports");
    let healthy = hybridctl()
        .args(["drift", "-f", spec.to_str().unwrap()])
        .args(["--report-dir", reports.to_str().unwrap()])
        .envs(lab_env())
        .output()
        .unwrap();
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    assert_eq!(json_file(&reports.join("latest.json"))["drifted"], false);

    let (url, posted) = webhook();
    let child = Running::spawn(
        hybridctl()
            .args(["drift", "-f", spec.to_str().unwrap(), "--every", "1s"])
            .args(["--format", "junit"])
            .args(["--report-dir", reports.to_str().unwrap(), "--webhook", &url])
            .envs(lab_env())
            .env("HYBRIDCTL_AD_URL", CLOSED),
    );
    let sent: serde_json::Value =
        serde_json::from_str(&posted.recv_timeout(Duration::from_secs(60)).unwrap()).unwrap();
    for report in [sent, json_file(&reports.join("latest.json"))] {
        assert_eq!(report["report"], "hybridctl drift", "{report}");
        assert!(report["checked_at"].is_string(), "{report}");
        assert!(report["drifted"].is_null(), "{report}");
        assert!(report.get("plan").is_none(), "{report}");
        let diagnostics = report["error"]["diagnostics"].as_array().unwrap();
        assert!(
            diagnostics[0]["message"]
                .as_str()
                .unwrap()
                .contains("127.0.0.1:1"),
            "{report}"
        );
    }
    let junit = std::fs::read_to_string(reports.join("latest.junit.xml")).unwrap();
    assert!(
        junit.contains("errors=\"1\"") && junit.contains("<error message="),
        "{junit}"
    );
    let text = std::fs::read_to_string(reports.join("latest.txt")).unwrap();
    assert!(
        text.contains("drift is unknown") && !text.contains("No drift"),
        "{text}"
    );
    // It keeps trying on schedule, and each failure is reported.
    posted.recv_timeout(Duration::from_secs(30)).unwrap();

    child.sigterm();
    let out = child.wait_within(Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("drift check failed:"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("<error message="), "{stdout}");
}

/// Issue 10 item 3, without `--every`: the error report is written and posted, exit 1.
#[test]
fn a_failed_one_shot_check_writes_and_posts_the_error_report_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SYSTEM_SPEC).unwrap();
    let reports = dir.path().join("reports");
    let (url, posted) = webhook();
    let out = hybridctl()
        .args(["drift", "-f", spec.to_str().unwrap()])
        .args(["--report-dir", reports.to_str().unwrap(), "--webhook", &url])
        .envs(lab_env())
        .env("HYBRIDCTL_AD_URL", CLOSED)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: "), "{stderr}");
    let sent: serde_json::Value =
        serde_json::from_str(&posted.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert!(
        sent["drifted"].is_null() && sent["error"].is_object(),
        "{sent}"
    );
    assert_eq!(json_file(&reports.join("latest.json")), sent);
    assert!(std::fs::read_to_string(reports.join("latest.junit.xml"))
        .unwrap()
        .contains("<error message="));
}

/// Issue 10 item 6: SIGTERM during the first check killed the process (143, no message).
#[test]
fn sigterm_during_the_first_check_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SYSTEM_SPEC).unwrap();
    // A "DC" that accepts and never answers: the first check hangs in the TLS handshake.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted, connected) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream.unwrap());
            let _ = accepted.send(());
        }
    });
    let child = Running::spawn(
        hybridctl()
            .args(["drift", "-f", spec.to_str().unwrap(), "--every", "1h"])
            .envs(lab_env())
            .env("HYBRIDCTL_AD_URL", format!("ldaps://127.0.0.1:{port}")),
    );
    connected.recv_timeout(Duration::from_secs(30)).unwrap();
    child.sigterm();
    let out = child.wait_within(Duration::from_secs(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{:?}: {stderr}", out.status);
    assert!(stderr.contains("drift: stopping on signal"), "{stderr}");
    // Stopped mid-check: no report, and certainly no "no drift".
    assert!(!stderr.contains("drift check failed"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// Issue 10 item 5: log lines (here Graph's retry warnings) carried ANSI escapes into
/// pipes, CI logs and the journal.
#[test]
fn log_lines_on_a_pipe_carry_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "version: 1\nresources:\n  - kind: graph.authorization_policy\n    name: tenant\n    allowed_to_use_sspr: true\n",
    )
    .unwrap();
    let out = hybridctl()
        .args(["drift", "-f", spec.to_str().unwrap()])
        .envs(lab_env())
        .env("HYBRIDCTL_GRAPH_ENDPOINT", "https://127.0.0.1:1/v1.0")
        .env("HYBRIDCTL_GRAPH_MAX_RETRY_SECONDS", "2")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Graph unreachable"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
}

/// Issue 8: `diff --format junit` was silently printed as text.
#[test]
fn diff_refuses_junit() {
    let out = hybridctl()
        .args(["diff", "--base", "HEAD", "-f", "/nonexistent.yaml"])
        .args(["--format", "junit"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("diff --format junit is not offered") && stderr.contains("json"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// Issue 8: `diff --format json` was silently printed as text.
#[test]
fn diff_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.test"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, SYSTEM_SPEC).unwrap();
    git(&["init", "-q"]);
    git(&["add", "spec.yaml"]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(
        &spec,
        // Full control already covers any narrower right of SYSTEM's, so change the
        // principal: the new spec would add an ACE the base would not.
        SYSTEM_SPEC.replace("principal: SYSTEM", "principal: Everyone"),
    )
    .unwrap();
    let out = hybridctl()
        .args(["diff", "--base", "HEAD", "-f", spec.to_str().unwrap()])
        .args(["--format", "json"])
        .envs(lab_env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(value["report"], "hybridctl diff");
    assert_eq!(value["base"], "HEAD");
    assert_eq!(value["differs"], true);
    assert_eq!(value["resources"][0]["address"], "ad.acl.system");
    assert_eq!(value["resources"][0]["change"], "changed");
}
