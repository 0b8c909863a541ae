use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HYBRIDCTL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour only on a terminal (no-color.org), so CI logs and the journal stay plain.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    let mut ctx = hybridctl_cli::Context {
        args: std::env::args().collect(),
        env: std::env::vars().collect(),
        interactive: std::io::stdin().is_terminal(),
        stdout_is_terminal: std::io::stdout().is_terminal(),
        stop_on_signal: true,
        stdout: Box::new(std::io::stdout()),
        stderr: Box::new(std::io::stderr()),
        stdin: Box::new(std::io::stdin().lock()),
    };
    let code = hybridctl_cli::run(&mut ctx);
    // Tickets hybridctl got with a keytab live in a private cache: leave none behind.
    hybridctl_providers::ldap::kerberos::remove_private_caches();
    ExitCode::from(code)
}
