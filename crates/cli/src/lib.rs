//! The hybridctl command line, as a library so tests can run it in-process with their
//! own environment and writers. `main.rs` only wires it to the real process.

mod args;
mod commands;
mod context;

use clap::Parser;

pub use context::Context;

/// Exit codes, as scripts and schedulers rely on them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// Changes pending (plan --detailed-exitcode) or drift found.
    pub const CHANGES: u8 = 2;
}

/// Whether `args` (without the program name) is a valid hybridctl command line; for
/// checking documentation and CI examples against the real flags.
pub fn check_args(args: &[&str]) -> Result<(), clap::Error> {
    args::Cli::try_parse_from(std::iter::once("hybridctl").chain(args.iter().copied())).map(|_| ())
}

/// Runs one hybridctl command. Errors are printed once, here.
pub fn run(ctx: &mut Context) -> u8 {
    let cli = match args::Cli::try_parse_from(&ctx.args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let text = e.render().to_string();
            if e.use_stderr() {
                ctx.err(&text);
            } else {
                ctx.out(&text);
            }
            return code;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(commands::dispatch(cli.command, ctx)) {
        Ok(code) => code,
        Err(e) => {
            // Diagnostics print themselves as `error: ...` lines, with hints.
            let text = match e.downcast_ref::<hybridctl_core::Diagnostics>() {
                Some(d) => d.to_string(),
                None => format!("error: {e:#}"),
            };
            ctx.err(&format!("{text}\n"));
            exit::ERROR
        }
    }
}
