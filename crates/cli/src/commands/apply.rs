use std::path::PathBuf;

use anyhow::{bail, Result};
use hybridctl_core::engine::{self, ApplyFailure};
use hybridctl_core::render::{text, Report};

use crate::args::ApplyArgs;
use crate::{exit, Context};

pub async fn run(a: ApplyArgs, ctx: &mut Context) -> Result<u8> {
    let saved = a.plan.as_ref().map(|p| super::read_plan(p)).transpose()?;
    let spec_path = match (&a.spec, &saved) {
        (Some(p), _) => p.clone(),
        (None, Some(plan)) if plan.spec_files.len() == 1 => PathBuf::from(&plan.spec_files[0]),
        (None, Some(plan)) => {
            bail!(
                "the plan was made from {} files; name the spec with -f",
                plan.spec_files.len()
            )
        }
        (None, None) => {
            bail!("apply needs a spec (-f SPEC) or a saved plan (hybridctl apply PLAN)")
        }
    };
    let spec = super::load_spec(&spec_path)?;
    let mut providers = super::providers(&spec, ctx)?;
    let color = ctx.color();

    let plan = match saved {
        // A saved plan was reviewed already: apply it as it is (the engine refuses it if stale).
        Some(plan) => plan,
        None => {
            let plan = engine::plan(&spec, &mut providers, &a.target).await?;
            ctx.out(&text(&plan, Report::Plan, color));
            if plan.has_changes() && !a.auto_approve && !confirm(ctx)? {
                ctx.out("Apply cancelled; nothing was changed.\n");
                return Ok(exit::ERROR);
            }
            plan
        }
    };
    if !plan.has_changes() {
        // Nothing to write can fix a failing check: say so, as an error.
        engine::failing_checks(&plan.resources).into_result(())?;
        ctx.out("Nothing to apply.\n");
        return Ok(exit::OK);
    }
    match engine::apply(&plan, &spec, &mut providers).await {
        Ok(report) => {
            for a in &report.applied {
                ctx.out(&format!("{a}: applied and verified\n"));
            }
            ctx.out(&format!(
                "Apply complete: {} resource(s) changed.\n",
                report.applied.len()
            ));
            Ok(exit::OK)
        }
        Err(ApplyFailure { applied, errors }) => {
            for a in &applied {
                ctx.out(&format!("{a}: applied\n"));
            }
            if applied.is_empty() {
                ctx.err("Nothing was changed.\n");
            }
            Err(errors.into())
        }
    }
}

fn confirm(ctx: &mut Context) -> Result<bool> {
    if !ctx.interactive {
        bail!("apply needs confirmation, but stdin is not a terminal; review the plan and pass --auto-approve");
    }
    ctx.out("\nApply these changes? Only 'yes' will be accepted: ");
    let mut line = String::new();
    ctx.stdin.read_line(&mut line)?;
    Ok(line.trim() == "yes")
}
