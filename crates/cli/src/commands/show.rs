use anyhow::Result;
use hybridctl_core::render::{render, Report};

use crate::args::ShowArgs;
use crate::{exit, Context};

pub fn run(a: ShowArgs, ctx: &mut Context) -> Result<u8> {
    let plan = super::read_plan(&a.plan)?;
    let color = ctx.color();
    ctx.out(&render(&plan, Report::Plan, a.format.into(), color));
    Ok(exit::OK)
}
