//! `fanout-server`: the fanout target server in its own process.
//!
//! Prints the address it listens on (e.g. `127.0.0.1:40123`) as the first
//! line of stdout, so a parent process can read it, then serves until
//! SIGINT or SIGTERM.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use fanout_server::Config;

/// The fanout target server: GET /delay/{ms}?id=N&bytes=B (plus the fault
/// keys seed, error, reset, stall, truncate, slow, stall_ms), GET
/// /status/{code}, GET /stats, POST /stats/reset. Prints its address as the
/// first line of stdout, then serves until Ctrl-C or SIGTERM.
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
    /// Most connections open at once; more are accepted and reset at once.
    /// Keep it under `ulimit -n`.
    #[arg(
        long,
        default_value_t = Config::default().max_connections,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    max_connections: usize,
    /// How long a client gets to send a request head (e.g. 300ms, 60s); also
    /// how long an idle keep-alive connection is kept.
    #[arg(long, default_value = "60s", value_parser = duration)]
    header_read_timeout: Duration,
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 300ms, 60s)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(d)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(Config {
        bind: args.bind,
        port: args.port,
        workers: args.workers,
        max_connections: args.max_connections,
        header_read_timeout: args.header_read_timeout,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_configs() {
        let args = Args::try_parse_from(["fanout-server"]).unwrap();
        let config = Config::default();
        assert_eq!(args.max_connections, config.max_connections);
        assert_eq!(args.header_read_timeout, config.header_read_timeout);
        assert_eq!(
            (args.bind, args.port, args.workers),
            (config.bind, config.port, config.workers)
        );
    }

    #[test]
    fn limits_parse_and_are_bounded() {
        let args = Args::try_parse_from([
            "fanout-server",
            "--max-connections",
            "20",
            "--header-read-timeout",
            "300ms",
        ])
        .unwrap();
        assert_eq!(args.max_connections, 20);
        assert_eq!(args.header_read_timeout, Duration::from_millis(300));
        for bad in [
            ["--max-connections", "0"],
            ["--max-connections", "lots"],
            ["--header-read-timeout", "0s"],
            ["--header-read-timeout", "soon"],
        ] {
            let err = Args::try_parse_from(["fanout-server", bad[0], bad[1]]).unwrap_err();
            assert!(err.to_string().contains(bad[0]), "{bad:?}: {err}");
        }
    }
}
