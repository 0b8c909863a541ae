//! `drift`: a plan that is never applied. Once (exit 0 / 2), or `--every` on a schedule,
//! writing each report and stopping cleanly on SIGTERM or SIGINT.
//!
//! Every check writes a report, and one that failed says so: a JSON report with an
//! `"error"` object (the diagnostics as data) and `"drifted": null`, a JUnit `<error>`,
//! and the same JSON to the webhook. `"drifted"` is `true` or `false` only when live
//! state was read; a check that could not read it never looks like "no drift".

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use hybridctl_core::engine;
use hybridctl_core::render::{json, junit, junit_error, render, text, Report};
use hybridctl_core::{Diagnostics, Plan};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::args::{DriftArgs, FormatArg};
use crate::{exit, Context};

pub async fn run(a: DriftArgs, ctx: &mut Context) -> Result<u8> {
    if let Some(url) = &a.webhook {
        check_webhook(url)?;
    }
    let Some(every) = a.every else {
        let checked = check(&a, ctx).await;
        let reports = Reports::of(
            &checked,
            a.format,
            &hybridctl_core::time::now(),
            ctx.color(),
        );
        return match checked {
            Ok(plan) => {
                publish(&a, &reports, ctx).await?;
                Ok(if plan.has_changes() || plan.has_failures() {
                    exit::CHANGES
                } else {
                    exit::OK
                })
            }
            Err(d) => {
                // The diagnostics are the error the user sees; a report that could not
                // be written as well is said, not put in their place.
                if let Err(e) = publish(&a, &reports, ctx).await {
                    ctx.err(&format!("error: {e:#}\n"));
                }
                Err(d.into())
            }
        };
    };
    // Before the first check, which can take minutes against a slow DC: a stop during
    // it must be as clean as one between checks (issue 10 item 6).
    let mut stop = Stop::install()?;
    loop {
        let checked = tokio::select! {
            checked = check(&a, ctx) => checked,
            _ = stop.signalled() => return Ok(stopped(ctx)),
        };
        let checked_at = hybridctl_core::time::now();
        if let Err(d) = &checked {
            // A failed check is reported and tried again next time; only our own failures stop.
            ctx.err(&format!("{checked_at} drift check failed:\n{d}\n"));
        }
        let reports = Reports::of(&checked, a.format, &checked_at, ctx.color());
        publish(&a, &reports, ctx).await?;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.signalled() => return Ok(stopped(ctx)),
        }
    }
}

fn stopped(ctx: &mut Context) -> u8 {
    ctx.err("drift: stopping on signal\n");
    exit::OK
}

async fn check(a: &DriftArgs, ctx: &mut Context) -> Result<Plan, Diagnostics> {
    let spec = super::load_spec(&a.spec.spec)?;
    let mut providers = super::providers(&spec, ctx)?;
    engine::plan(&spec, &mut providers, &[]).await
}

/// Everything one check produces, rendered once so stdout, the report folder and the
/// webhook always agree.
#[derive(Debug)]
struct Reports {
    /// What stdout gets in the chosen format. For a failed check in text or Markdown,
    /// nothing: the diagnostics on stderr say it.
    stdout: Option<String>,
    text: String,
    json: String,
    junit: String,
}

impl Reports {
    fn of(
        checked: &Result<Plan, Diagnostics>,
        format: FormatArg,
        checked_at: &str,
        color: bool,
    ) -> Reports {
        match checked {
            Ok(plan) => Reports {
                stdout: Some(match format {
                    FormatArg::Json => json_report(plan, checked_at),
                    f => render(plan, Report::Drift, f.into(), color),
                }),
                text: text(plan, Report::Drift, false),
                json: json_report(plan, checked_at),
                junit: junit(plan, Report::Drift),
            },
            Err(d) => {
                let json = json_error_report(d, checked_at);
                let junit = junit_error(Report::Drift, d);
                Reports {
                    stdout: match format {
                        FormatArg::Json => Some(json.clone()),
                        FormatArg::Junit => Some(junit.clone()),
                        FormatArg::Text | FormatArg::Markdown => None,
                    },
                    text: format!(
                        "Drift check failed at {checked_at}: live state was not read, so drift is unknown.\n{d}\n"
                    ),
                    json,
                    junit,
                }
            }
        }
    }
}

/// The JSON report: the plan, with when it was checked and whether anything drifted.
fn json_report(plan: &Plan, checked_at: &str) -> String {
    pretty(serde_json::json!({
        "report": Report::Drift.title(),
        "checked_at": checked_at,
        "drifted": plan.has_changes() || plan.has_failures(),
        "summary": plan.summary(),
        "plan": serde_json::from_str::<serde_json::Value>(&json(plan)).expect("plans are JSON"),
    }))
}

/// The JSON report of a check that failed. `drifted` is null, not false: nothing was
/// read, so nothing is known; `error` holds the diagnostics as data.
fn json_error_report(d: &Diagnostics, checked_at: &str) -> String {
    pretty(serde_json::json!({
        "report": Report::Drift.title(),
        "checked_at": checked_at,
        "drifted": null,
        "error": {
            "message": "the drift check could not complete, so drift is unknown",
            "diagnostics": d,
        },
    }))
}

fn pretty(value: serde_json::Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("serializes")
    )
}

async fn publish(a: &DriftArgs, reports: &Reports, ctx: &mut Context) -> Result<()> {
    if let Some(shown) = &reports.stdout {
        ctx.out(shown);
    }
    if let Some(dir) = &a.report_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
        write_atomically(&dir.join("latest.txt"), &reports.text)?;
        write_atomically(&dir.join("latest.json"), &reports.json)?;
        write_atomically(&dir.join("latest.junit.xml"), &reports.junit)?;
    }
    if let Some(url) = &a.webhook {
        // A webhook that is down is reported, not fatal: the next check tries again.
        if let Err(e) = post(url, reports.json.clone()).await {
            ctx.err(&format!(
                "warning: posting the drift report to {url} failed: {e:#}\n"
            ));
        }
    }
    Ok(())
}

/// Readers never see a half-written report.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn check_webhook(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    let loopback = ["http://127.", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| lower.starts_with(p));
    if !lower.starts_with("https://") && !loopback {
        bail!("--webhook {url}: use https:// (plain http is only allowed to loopback)");
    }
    Ok(())
}

async fn post(url: &str, body: String) -> Result<()> {
    let tls = hybridctl_providers::tls::client_config(None).map_err(anyhow::Error::msg)?;
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(Duration::from_secs(30))
        .build()?;
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("the webhook answered {}", res.status());
    }
    Ok(())
}

/// SIGTERM (systemd, Kubernetes) or SIGINT (Ctrl-C), caught from the moment it is
/// installed: a signal that arrives while nobody waits is kept for the next wait.
struct Stop {
    term: Signal,
    int: Signal,
}

impl Stop {
    fn install() -> Result<Stop> {
        Ok(Stop {
            term: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
        })
    }

    async fn signalled(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybridctl_core::Diagnostic;

    fn failed() -> Result<Plan, Diagnostics> {
        Err(
            Diagnostic::new("cannot connect to Active Directory at ldaps://127.0.0.1:1")
                .hint("check that the DC is up")
                .into(),
        )
    }

    /// Issue 10 item 3: a failed check wrote nothing, so `latest.json` kept saying
    /// "drifted": false.
    #[test]
    fn a_failed_check_reports_an_error_and_never_no_drift() {
        let r = Reports::of(&failed(), FormatArg::Text, "2026-11-25T10:00:00Z", false);
        let json: serde_json::Value = serde_json::from_str(&r.json).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "report": "hybridctl drift",
                "checked_at": "2026-11-25T10:00:00Z",
                "drifted": null,
                "error": {
                    "message": "the drift check could not complete, so drift is unknown",
                    "diagnostics": [{
                        "message": "cannot connect to Active Directory at ldaps://127.0.0.1:1",
                        "hint": "check that the DC is up",
                    }],
                },
            })
        );
        assert!(r.junit.contains("<error message="), "{}", r.junit);
        assert!(r.text.starts_with(
            "Drift check failed at 2026-11-25T10:00:00Z: live state was not read, so drift is unknown.\nerror: cannot connect"
        ), "{}", r.text);
        assert!(!r.text.contains("No drift"));
        // Text on stdout would repeat what stderr already says.
        assert_eq!(r.stdout, None);
    }

    #[test]
    fn machine_formats_get_the_error_report_on_stdout() {
        let at = "2026-11-25T10:00:00Z";
        let json = Reports::of(&failed(), FormatArg::Json, at, false);
        assert_eq!(json.stdout.as_deref(), Some(json.json.as_str()));
        let junit = Reports::of(&failed(), FormatArg::Junit, at, false);
        assert_eq!(junit.stdout.as_deref(), Some(junit.junit.as_str()));
    }

    #[test]
    fn a_check_that_ran_says_whether_it_drifted() {
        let plan = Plan::new(vec!["spec.yaml".into()], vec![]);
        let r = Reports::of(&Ok(plan), FormatArg::Json, "2026-11-25T10:00:00Z", false);
        let json: serde_json::Value = serde_json::from_str(&r.json).unwrap();
        assert_eq!(json["drifted"], false);
        assert_eq!(json["checked_at"], "2026-11-25T10:00:00Z");
        assert!(json.get("error").is_none());
        assert_eq!(r.stdout.as_deref(), Some(r.json.as_str()));
    }
}
