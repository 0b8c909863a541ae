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
    // `drift --every` stops on signals itself, between checks.
    let keeps_running = matches!(&cli.command, args::Command::Drift(d) if d.every.is_some());
    let outcome = runtime.block_on(async {
        if !ctx.stop_on_signal || keeps_running {
            return Ok(commands::dispatch(cli.command, ctx).await);
        }
        let interrupted = interrupted();
        tokio::select! {
            result = commands::dispatch(cli.command, ctx) => Ok(result),
            code = interrupted => Err(code),
        }
    });
    let result = match outcome {
        Ok(result) => result,
        Err(code) => {
            // The command's future is dropped at its await point; the binary's exit path
            // then removes private ticket caches (a kill would leave them in TMPDIR).
            ctx.err("hybridctl: stopped by a signal\n");
            return code;
        }
    };
    match result {
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

/// Installs handlers for SIGTERM and SIGINT now (so a signal from here on is not the
/// default kill) and returns a future that gives the exit code a shell reports for the
/// first one (128 + its number). It never completes when the handlers cannot be installed
/// (the default action, ending the process, then stays). Call inside the runtime.
fn interrupted() -> impl std::future::Future<Output = u8> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => 143,
            _ = int.recv() => 130,
        }
    }
}
