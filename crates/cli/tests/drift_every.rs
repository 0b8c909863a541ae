//! `drift --every` as a scheduler runs it: the real binary, against the lab, reporting
//! to files and a webhook, stopped by SIGTERM.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
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
    let child = Command::new(env!("CARGO_BIN_EXE_hybridctl"))
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
        .envs(lab_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
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
