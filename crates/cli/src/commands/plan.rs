use anyhow::{Context as _, Result};
use hybridctl_core::engine;
use hybridctl_core::render::{render, Report};

use crate::args::PlanArgs;
use crate::{exit, Context};

pub async fn run(a: PlanArgs, ctx: &mut Context) -> Result<u8> {
    let spec = super::load_spec(&a.spec.spec)?;
    let mut providers = super::providers(&spec, ctx)?;
    let plan = engine::plan(&spec, &mut providers, &a.target).await?;
    let color = ctx.color();
    ctx.out(&render(&plan, Report::Plan, a.format.into(), color));
    if let Some(out) = &a.out {
        let json = hybridctl_core::render::json(&plan);
        std::fs::write(out, json)
            .with_context(|| format!("cannot save the plan to {}", out.display()))?;
        ctx.err(&format!(
            "Saved the plan to {}; apply it with `hybridctl apply {}`.\n",
            out.display(),
            out.display()
        ));
    }
    // A failing check is shown, not an error: plan's job is to show, and the planned
    // changes are often what fixes it (apply evaluates it again and fails if it still
    // fails; drift exits 2). With --detailed-exitcode it counts as "not as declared".
    Ok(
        if a.detailed_exitcode && (plan.has_changes() || plan.has_failures()) {
            exit::CHANGES
        } else {
            exit::OK
        },
    )
}
