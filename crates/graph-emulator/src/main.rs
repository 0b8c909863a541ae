//! `graph-emulator --seed FILE --cert PEM --key PEM [--listen 127.0.0.1:8443] [--port-file FILE]`

use std::net::SocketAddr;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("graph-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut seed, mut cert, mut key, mut listen) =
        (None, None, None, "127.0.0.1:8443".to_string());
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = Some(PathBuf::from(value()?)),
            "--cert" => cert = Some(PathBuf::from(value()?)),
            "--key" => key = Some(PathBuf::from(value()?)),
            "--listen" => listen = value()?,
            other => return Err(format!("unknown argument {other}; usage: graph-emulator --seed FILE --cert PEM --key PEM [--listen ADDR]").into()),
        }
    }
    let need = |v: Option<PathBuf>, what: &str| v.ok_or_else(|| format!("--{what} is required"));
    let seed_path = need(seed, "seed")?;
    let text =
        std::fs::read_to_string(&seed_path).map_err(|e| format!("{}: {e}", seed_path.display()))?;
    let seed: graph_emulator::Seed =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", seed_path.display()))?;
    let tls = graph_emulator::tls(&need(cert, "cert")?, &need(key, "key")?)?;
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| format!("--listen {listen}: {e}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("--listen {addr}: the emulator only listens on loopback").into());
    }
    let running = graph_emulator::start(seed, addr, tls)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("graph-emulator: listening on https://{}", running.addr);
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    running.stop();
    Ok(())
}
