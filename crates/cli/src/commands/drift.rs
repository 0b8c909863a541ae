use anyhow::Result;
use hybridctl_core::engine;
use hybridctl_core::render::{render, Report};

use crate::args::DriftArgs;
use crate::{exit, Context};

/// A plan that is never applied: exit 2 when it has changes.
pub async fn run(a: DriftArgs, ctx: &mut Context) -> Result<u8> {
    let spec = super::load_spec(&a.spec.spec)?;
    let mut providers = super::providers(&spec, ctx)?;
    let plan = engine::plan(&spec, &mut providers, &[]).await?;
    let color = ctx.color();
    ctx.out(&render(&plan, Report::Drift, a.format.into(), color));
    Ok(if plan.has_changes() {
        exit::CHANGES
    } else {
        exit::OK
    })
}
