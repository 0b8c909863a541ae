//! One function per command; shared steps (load, connect) here.

mod apply;
mod completions;
mod diff;
mod drift;
mod export;
mod init;
mod man;
mod plan;
mod schema;
mod show;
mod validate;

use std::path::Path;

use anyhow::{Context as _, Result};
use hybridctl_core::load::{self, LoadedSpec};
use hybridctl_core::{Diagnostics, Plan, Provider};
use hybridctl_providers::registry;

use crate::args::Command;
use crate::Context;

pub async fn dispatch(command: Command, ctx: &mut Context) -> Result<u8> {
    match command {
        Command::Validate(a) => validate::run(a, ctx),
        Command::Plan(a) => plan::run(a, ctx).await,
        Command::Apply(a) => apply::run(a, ctx).await,
        Command::Drift(a) => drift::run(a, ctx).await,
        Command::Show(a) => show::run(a, ctx),
        Command::Schema => schema::run(ctx),
        Command::Init(a) => init::run(a, ctx).await,
        Command::Diff(a) => diff::run(a, ctx).await,
        Command::Export(a) => export::run(a, ctx).await,
        Command::Completions(a) => completions::run(a, ctx),
        Command::Man(a) => man::run(a, ctx),
    }
}

fn load_spec(path: &Path) -> Result<LoadedSpec, Diagnostics> {
    load::load(path)
}

/// The providers `spec` needs, connected lazily on first use.
fn providers(spec: &LoadedSpec, ctx: &mut Context) -> Result<Vec<Box<dyn Provider>>, Diagnostics> {
    let built = registry::for_spec(spec.spec(), &ctx.env)?;
    for w in &built.warnings {
        ctx.err(&format!("warning: {w}\n"));
    }
    Ok(built.list)
}

fn read_plan(path: &Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read plan {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a hybridctl plan", path.display()))
}
