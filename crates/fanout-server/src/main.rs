//! `fanout-server`: the fanout target server in its own process.
//!
//! Prints the address it listens on (e.g. `127.0.0.1:40123`) as the first
//! line of stdout, so a parent process can read it, then serves until
//! SIGINT or SIGTERM.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use fanout_server::Config;

/// The fanout target server: GET /delay/{ms}?id=N&bytes=B, GET /status/{code},
/// GET /stats, POST /stats/reset. Prints its address as the first line of
/// stdout, then serves until Ctrl-C or SIGTERM.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Tokio worker threads [default: one per core].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    workers: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(Config {
        bind: args.bind,
        port: args.port,
        workers: args.workers,
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> anyhow::Result<()> {
    fanout_server::serve_foreground(config, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}").and_then(|()| out.flush());
        eprintln!("fanout-server: listening on http://{addr} (Ctrl-C to stop)");
    })
    .context("fanout-server failed")
}
