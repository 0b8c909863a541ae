//! `completions SHELL`: a completion script generated from the clap definitions, so it
//! never lags behind the flags.

use anyhow::Result;
use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::{exit, Context};

pub fn run(a: CompletionsArgs, ctx: &mut Context) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::from(a.shell),
        &mut Cli::command(),
        "hybridctl",
        &mut script,
    );
    ctx.out(&String::from_utf8_lossy(&script));
    Ok(exit::OK)
}
