//! `drift`: a plan that is never applied. Once (exit 0 / 2), or `--every` on a schedule,
//! writing each report and stopping cleanly on SIGTERM or SIGINT.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use hybridctl_core::engine;
use hybridctl_core::render::{json, junit, render, text, Report};
use hybridctl_core::{Diagnostics, Plan};

use crate::args::DriftArgs;
use crate::{exit, Context};

pub async fn run(a: DriftArgs, ctx: &mut Context) -> Result<u8> {
    if let Some(url) = &a.webhook {
        check_webhook(url)?;
    }
    let Some(every) = a.every else {
        let plan = check(&a, ctx).await?;
        report(&a, &plan, ctx).await?;
        return Ok(if plan.has_changes() {
            exit::CHANGES
        } else {
            exit::OK
        });
    };
    let mut stop = Box::pin(shutdown());
    loop {
        match check(&a, ctx).await {
            Ok(plan) => report(&a, &plan, ctx).await?,
            // A failed check is reported and tried again next time; only our own failures stop.
            Err(d) => ctx.err(&format!(
                "{} drift check failed:\n{d}\n",
                hybridctl_core::time::now()
            )),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = &mut stop => {
                ctx.err("drift: stopping on signal\n");
                return Ok(exit::OK);
            }
        }
    }
}

async fn check(a: &DriftArgs, ctx: &mut Context) -> Result<Plan, Diagnostics> {
    let spec = super::load_spec(&a.spec.spec)?;
    let mut providers = super::providers(&spec, ctx)?;
    engine::plan(&spec, &mut providers, &[]).await
}

/// The JSON report: the plan, with when it was checked and whether anything drifted.
fn json_report(plan: &Plan) -> String {
    let value = serde_json::json!({
        "report": "hybridctl drift",
        "checked_at": hybridctl_core::time::now(),
        "drifted": plan.has_changes(),
        "summary": plan.summary(),
        "plan": serde_json::from_str::<serde_json::Value>(&json(plan)).expect("plans are JSON"),
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("serializes")
    )
}

async fn report(a: &DriftArgs, plan: &Plan, ctx: &mut Context) -> Result<()> {
    let color = ctx.color();
    let shown = match a.format {
        crate::args::FormatArg::Json => json_report(plan),
        f => render(plan, Report::Drift, f.into(), color),
    };
    ctx.out(&shown);
    if let Some(dir) = &a.report_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
        write_atomically(&dir.join("latest.txt"), &text(plan, Report::Drift, false))?;
        write_atomically(&dir.join("latest.json"), &json_report(plan))?;
        write_atomically(&dir.join("latest.junit.xml"), &junit(plan))?;
    }
    if let Some(url) = &a.webhook {
        // A webhook that is down is reported, not fatal: the next check tries again.
        if let Err(e) = post(url, json_report(plan)).await {
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

/// SIGTERM (systemd, Kubernetes) or SIGINT (Ctrl-C).
async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("signal handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
