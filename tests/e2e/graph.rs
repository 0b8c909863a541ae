//! The Graph provider against its own in-process emulator (one per test, so tenants do
//! not interfere), with every request the provider sent and every response the emulator
//! answered validated against Microsoft's OpenAPI subset afterwards.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use graph_emulator::openapi::OpenApi;
use graph_emulator::{Exchange, Faults, Running, Seed};
use serde_json::Value;

use crate::harness::{lab, Run, Specs};

/// An emulator of its own, seeded with the lab tenant, on a free loopback port.
pub(crate) struct Tenant {
    pub(crate) running: Running,
    _runtime: tokio::runtime::Runtime,
}

impl Tenant {
    pub(crate) fn start(adjust: impl FnOnce(&mut Seed)) -> Tenant {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut seed: Seed = serde_json::from_str(
            &std::fs::read_to_string(root.join("crates/graph-emulator/seed/lab.json")).unwrap(),
        )
        .unwrap();
        adjust(&mut seed);
        let tls_dir = PathBuf::from(&lab().env["HYBRIDCTL_LAB_DIR"]).join("tls");
        let tls = graph_emulator::tls(&tls_dir.join("cert.pem"), &tls_dir.join("key.pem")).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let running = runtime
            .block_on(graph_emulator::start(
                seed,
                "127.0.0.1:0".parse().unwrap(),
                tls,
            ))
            .unwrap();
        Tenant {
            running,
            _runtime: runtime,
        }
    }

    /// hybridctl with the lab's environment pointed at this emulator.
    pub(crate) fn hybridctl(
        &self,
        args: &[&str],
        adjust: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Run {
        let (endpoint, token_url) = (self.running.endpoint(), self.running.token_url());
        lab().hybridctl_with(args, |e| {
            e.insert("HYBRIDCTL_GRAPH_ENDPOINT".into(), endpoint);
            e.insert("HYBRIDCTL_GRAPH_TOKEN_URL".into(), token_url);
            adjust(e);
        })
    }

    /// Every exchange so far, held to the OpenAPI subset; returns them.
    pub(crate) fn validated(&self) -> Vec<Exchange> {
        let api = OpenApi::load(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph/openapi-subset.yaml"),
        )
        .unwrap();
        let exchanges = self.running.exchanges();
        let mut problems = Vec::new();
        let mut checked = 0usize;
        let mut check = |method: &str,
                         path: &str,
                         status: u16,
                         request: Option<&Value>,
                         response: Option<&Value>| {
            checked += usize::from(request.is_some()) + usize::from(response.is_some());
            let path = path.split('?').next().unwrap_or_default().to_string();
            let path = if path.starts_with('/') {
                path
            } else {
                format!("/{path}")
            };
            if let Some(body) = request {
                match api.request_schema(method, &path) {
                    Ok(schema) => problems.extend(
                        api.errors(&schema, body)
                            .into_iter()
                            .map(|e| format!("request {method} {path}: {e}")),
                    ),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            if let Some(body) = response {
                match api.response_schema(method, &path, status) {
                    Ok(Some(schema)) => problems.extend(
                        api.errors(&schema, body)
                            .into_iter()
                            .map(|e| format!("response {status} {method} {path}: {e}")),
                    ),
                    Ok(None) => {}
                    Err(e) => problems.push(e.to_string()),
                }
            }
        };
        for x in &exchanges {
            if x.path == "/$batch" && x.status >= 400 {
                // A refused batch answers with Graph's error body, the same for every operation.
                check(
                    "GET",
                    "/policies/authorizationPolicy",
                    x.status,
                    None,
                    x.response.as_ref(),
                );
            } else if x.path == "/$batch" {
                // The batch envelope is not in the subset; each request and response in it is.
                let requests = x
                    .request
                    .as_ref()
                    .and_then(|r| r.get("requests"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let responses = x
                    .response
                    .as_ref()
                    .and_then(|r| r.get("responses"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for req in &requests {
                    let res = responses.iter().find(|r| r.get("id") == req.get("id"));
                    let status = res
                        .and_then(|r| r.get("status"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0) as u16;
                    let method = req.get("method").and_then(Value::as_str).unwrap_or("GET");
                    check(
                        method,
                        req.get("url").and_then(Value::as_str).unwrap_or_default(),
                        status,
                        req.get("body"),
                        res.and_then(|r| r.get("body")),
                    );
                }
            } else {
                check(
                    &x.method,
                    &x.path,
                    x.status,
                    x.request.as_ref(),
                    x.response.as_ref(),
                );
            }
        }
        assert!(
            checked > 0,
            "no bodies checked in {} exchanges",
            exchanges.len()
        );
        assert!(
            problems.is_empty(),
            "exchanges that break Microsoft's OpenAPI description:\n{}",
            problems.join("\n")
        );
        exchanges
    }
}

const SPEC: &str = "version: 1
resources:
  - kind: graph.license
    name: sspr-licence
    require_service_plans: [AAD_PREMIUM, AAD_PREMIUM_P2]
  - kind: graph.authorization_policy
    name: tenant
    allowed_to_use_sspr: true
  - kind: graph.directory_sync
    name: tenant
    features: { blockSoftMatchEnabled: true }
    accidental_deletion_prevention: { type: enabledForCount, threshold: 400 }
  - kind: manual
    name: writeback-in-portal
    steps:
      - \"Entra admin center > Protection > Password reset > On-premises integration: enable password writeback\"
      - \"Entra Connect: Set-ADSyncAADPasswordResetConfiguration -Connector 'lab.onmicrosoft.com - AAD' -Enable $true\"
";

pub(crate) fn sspr_off(seed: &mut Seed) {
    seed.authorization_policy["allowedToUseSSPR"] = Value::Bool(false);
}

#[test]
fn plan_apply_converge_and_drift_after_an_out_of_band_patch() {
    let tenant = Tenant::start(sspr_off);
    let specs = Specs::new();
    let spec = specs.write("g.yaml", SPEC);
    let spec = spec.to_str().unwrap();

    let plan = tenant.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"], |_| {});
    assert_eq!(plan.code, 2, "{}", plan.all());
    for line in [
        "- allowedToUseSSPR = false",
        "+ allowedToUseSSPR = true",
        "+ blockSoftMatchEnabled = true",
        "+ alertThreshold = 400",
    ] {
        assert!(
            plan.stdout.contains(line),
            "plan lacks `{line}`:\n{}",
            plan.stdout
        );
    }
    assert!(
        plan.stdout
            .contains("? manual.writeback-in-portal  (manual steps, not verified by hybridctl)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("   2. Entra Connect: Set-ADSyncAADPasswordResetConfiguration"),
        "{}",
        plan.stdout
    );
    // All of a plan's reads went in one $batch (plus the licence list's second page).
    let reads: Vec<String> = tenant
        .running
        .exchanges()
        .iter()
        .map(|x| format!("{} {}", x.method, x.path))
        .collect();
    assert_eq!(
        reads.iter().filter(|r| *r == "POST /$batch").count(),
        1,
        "{reads:?}"
    );

    let apply = tenant.hybridctl(&["apply", "-f", spec, "--auto-approve"], |_| {});
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply.stdout.contains("   1. Entra admin center"),
        "manual steps are listed on apply too:\n{}",
        apply.stdout
    );
    // PATCH sends only what differs.
    let patches: Vec<Value> = tenant
        .running
        .exchanges()
        .into_iter()
        .filter(|x| x.method == "PATCH")
        .filter_map(|x| x.request)
        .collect();
    assert!(
        patches.contains(&serde_json::json!({"allowedToUseSSPR": true})),
        "{patches:?}"
    );
    assert!(patches.contains(&serde_json::json!({"features": {"blockSoftMatchEnabled": true}, "configuration": {"accidentalDeletionPrevention": {"alertThreshold": 400}}})), "{patches:?}");

    let again = tenant.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"], |_| {});
    assert_eq!(again.code, 0, "{}", again.all());

    // Out of band, with curl, straight to the emulator.
    let ca = &lab().env["HYBRIDCTL_GRAPH_CA_FILE"];
    let token = std::process::Command::new("curl")
        .args([
            "-s",
            "--cacert",
            ca,
            &tenant.running.token_url(),
            "-d",
            "grant_type=client_credentials",
        ])
        .args([
            "-d",
            "client_id=11111111-1111-1111-1111-111111111111",
            "-d",
            "client_secret=lab-graph-secret",
            "-d",
            "scope=https://graph.microsoft.com/.default",
        ])
        .output()
        .unwrap();
    let token: Value = serde_json::from_slice(&token.stdout).unwrap();
    let status = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
            ca,
            "-X",
            "PATCH",
            "-H",
            "content-type: application/json",
        ])
        .args([
            "-H",
            &format!(
                "Authorization: Bearer {}",
                token["access_token"].as_str().unwrap()
            ),
        ])
        .args([
            "-d",
            "{\"allowedToUseSSPR\":false}",
            &format!("{}/policies/authorizationPolicy", tenant.running.endpoint()),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "204");
    let drift = tenant.hybridctl(&["drift", "-f", spec], |_| {});
    assert_eq!(drift.code, 2, "{}", drift.all());
    assert!(
        drift.stdout.contains("graph.authorization_policy.tenant")
            && drift.stdout.contains("allowedToUseSSPR"),
        "{}",
        drift.stdout
    );

    tenant.validated();
}

#[test]
fn throttling_is_waited_out_and_endless_unavailability_fails_in_time() {
    let tenant = Tenant::start(|_| {});
    let specs = Specs::new();
    let spec = specs.write("g.yaml", SPEC);
    let spec = spec.to_str().unwrap();
    tenant.running.set_faults(Faults {
        throttle: 3,
        retry_after: "0.4".into(),
        ..Default::default()
    });
    let started = Instant::now();
    let plan = tenant.hybridctl(&["plan", "-f", spec], |_| {});
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "did not wait as Retry-After asked: {:?}",
        started.elapsed()
    );
    assert_eq!(
        tenant
            .running
            .exchanges()
            .iter()
            .filter(|x| x.status == 429)
            .count(),
        3
    );

    tenant.running.set_faults(Faults {
        unavailable: u32::MAX,
        ..Default::default()
    });
    let started = Instant::now();
    let failed = tenant.hybridctl(&["plan", "-f", spec], |e| {
        e.insert("HYBRIDCTL_GRAPH_MAX_RETRY_SECONDS".into(), "3".into());
    });
    assert_eq!(failed.code, 1, "{}", failed.all());
    assert!(
        failed.stderr.contains("kept answering 503"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("gave up within the 3 s bound"),
        "{}",
        failed.stderr
    );
    // Words for people, not the client's internals ("Graph answered 503 GaveUp: ...").
    assert!(!failed.stderr.contains("GaveUp"), "{}", failed.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    tenant.validated();
}

#[test]
fn a_failed_licence_check_stops_apply_before_any_write() {
    let tenant = Tenant::start(|seed| {
        sspr_off(seed);
        seed.subscribed_skus
            .retain(|s| s["skuPartNumber"] != "AAD_PREMIUM");
    });
    let lab = lab();
    let ou = lab.scratch_ou("licence");
    let (user, _) = lab.user("licence");
    let specs = Specs::new();
    let spec = specs.write(
        "l.yaml",
        &format!(
            "{SPEC}  - kind: ad.acl\n    name: also-ad\n    object: \"{ou}\"\n    aces:\n      - {{principal: 'LAB\\{user}', allow: [Read], applies_to: This object only}}\n"
        ),
    );
    let before = lab.explicit_aces(&ou);
    let run = tenant.hybridctl(
        &["apply", "-f", spec.to_str().unwrap(), "--auto-approve"],
        |_| {},
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("graph.license.sspr-licence: licence check failed: no enabled subscription carries AAD_PREMIUM or AAD_PREMIUM_P2"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "found ENTERPRISEPREMIUM (none of the plans), CRMSTANDARD (none of the plans)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        tenant
            .running
            .exchanges()
            .iter()
            .all(|x| x.method != "PATCH"),
        "Graph was written"
    );
    assert_eq!(lab.explicit_aces(&ou), before, "AD was written");
    tenant.validated();
}

#[test]
fn bad_graph_input_gets_clear_errors() {
    let tenant = Tenant::start(sspr_off);
    let specs = Specs::new();
    let typo = specs.write("t.yaml", "version: 1\nresources:\n  - kind: graph.authorization_policy\n    name: tenant\n    allowed_to_use_ssrp: true\n");
    let run = tenant.hybridctl(&["plan", "-f", typo.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(":5:5: ") && run.stderr.contains("unknown field `allowed_to_use_ssrp`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `allowed_to_use_sspr`?"),
        "{}",
        run.stderr
    );

    let feature = specs.write("f.yaml", "version: 1\nresources:\n  - kind: graph.directory_sync\n    name: t\n    features: {blockSoftMatchEnabeld: true}\n");
    let run = tenant.hybridctl(&["plan", "-f", feature.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("unknown directory sync feature `blockSoftMatchEnabeld`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `blockSoftMatchEnabled`?"),
        "{}",
        run.stderr
    );

    let spec = specs.write("g.yaml", SPEC);
    let spec = spec.to_str().unwrap();
    let secret = tenant.hybridctl(&["plan", "-f", spec], |e| {
        e.insert(
            "HYBRIDCTL_GRAPH_CLIENT_SECRET".into(),
            "not-the-secret".into(),
        );
    });
    assert_eq!(secret.code, 1);
    assert!(
        secret.stderr.contains("invalid_client") && secret.stderr.contains("AADSTS7000215"),
        "{}",
        secret.stderr
    );
    assert!(
        secret
            .stderr
            .contains("hint: the client secret was refused"),
        "{}",
        secret.stderr
    );
    assert!(
        !secret.all().contains("not-the-secret"),
        "the secret leaked"
    );

    let denied = tenant.hybridctl(&["apply", "-f", spec, "--auto-approve"], |e| {
        e.insert(
            "HYBRIDCTL_GRAPH_CLIENT_ID".into(),
            "22222222-2222-2222-2222-222222222222".into(),
        );
        e.insert(
            "HYBRIDCTL_GRAPH_CLIENT_SECRET".into(),
            "read-only-secret".into(),
        );
    });
    assert_eq!(denied.code, 1, "{}", denied.all());
    assert!(
        denied.stderr.contains("Authorization_RequestDenied"),
        "{}",
        denied.stderr
    );
    assert!(
        denied
            .stderr
            .contains("lacks the application permission Policy.ReadWrite.Authorization"),
        "{}",
        denied.stderr
    );
    tenant.validated();
}

#[test]
#[should_panic(expected = "break Microsoft's OpenAPI description")]
fn the_exchange_check_catches_a_response_that_breaks_the_schema() {
    // A tenant whose policy holds a string where Graph has a boolean.
    let tenant = Tenant::start(|seed| {
        seed.authorization_policy["allowedToUseSSPR"] = Value::String("yes".into())
    });
    let specs = Specs::new();
    let spec = specs.write("g.yaml", "version: 1\nresources:\n  - kind: graph.authorization_policy\n    name: t\n    allowed_to_use_sspr: true\n");
    tenant.hybridctl(&["plan", "-f", spec.to_str().unwrap()], |_| {});
    tenant.validated();
}

/// A self-signed RSA certificate and key, made by openssl.
fn certificate(dir: &std::path::Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
        ])
        .args([
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

#[test]
fn certificate_credentials_sign_a_client_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "app");
    let (other_cert, other_key) = certificate(dir.path(), "other");
    let pem = std::fs::read_to_string(&cert).unwrap();
    let tenant = Tenant::start(|seed| {
        seed.clients.push(serde_json::from_value(serde_json::json!({
            "client_id": "33333333-3333-3333-3333-333333333333",
            "certificate_pem": pem,
            "permissions": ["LicenseAssignment.Read.All", "Policy.Read.All", "OnPremDirectorySynchronization.Read.All"]
        })).unwrap());
    });
    let specs = Specs::new();
    let spec = specs.write("g.yaml", SPEC);
    let with = |cert: &PathBuf, key: &PathBuf| {
        let (cert, key) = (cert.display().to_string(), key.display().to_string());
        move |e: &mut BTreeMap<String, String>| {
            e.remove("HYBRIDCTL_GRAPH_CLIENT_SECRET");
            e.insert(
                "HYBRIDCTL_GRAPH_CLIENT_ID".into(),
                "33333333-3333-3333-3333-333333333333".into(),
            );
            e.insert("HYBRIDCTL_GRAPH_CERTIFICATE_FILE".into(), cert);
            e.insert("HYBRIDCTL_GRAPH_PRIVATE_KEY_FILE".into(), key);
        }
    };
    let ok = tenant.hybridctl(&["plan", "-f", spec.to_str().unwrap()], with(&cert, &key));
    assert_eq!(ok.code, 0, "{}", ok.all());
    let wrong = tenant.hybridctl(
        &["plan", "-f", spec.to_str().unwrap()],
        with(&other_cert, &other_key),
    );
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(wrong.stderr.contains("AADSTS700027"), "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("hint: the certificate is not the one registered"),
        "{}",
        wrong.stderr
    );
    tenant.validated();
}

/// A plan asks for one token and reads in ⌈reads/20⌉ `$batch` calls, whatever the number
/// of Graph resources (counted in the emulator's exchange log).
#[test]
fn a_plan_takes_one_token_and_one_batch_per_twenty_reads() {
    let tenant = Tenant::start(|_| {});
    let specs = Specs::new();
    let mut yaml = String::from("version: 1\nresources:\n");
    for i in 0..21 {
        yaml.push_str(&format!(
            "  - kind: graph.authorization_policy\n    name: p{i}\n    allowed_to_use_sspr: true\n"
        ));
    }
    let spec = specs.write("many.yaml", &yaml);
    let run = tenant.hybridctl(&["plan", "-f", spec.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 0, "{}", run.all());
    let exchanges = tenant.running.exchanges();
    let batches = exchanges.iter().filter(|x| x.path == "/$batch").count();
    assert_eq!(
        batches,
        2,
        "{:?}",
        exchanges.iter().map(|x| &x.path).collect::<Vec<_>>()
    );
    assert_eq!(exchanges.len(), 2, "only $batch calls");
    assert_eq!(tenant.running.with_state(|s| s.tokens.len()), 1);
    tenant.validated();
}
