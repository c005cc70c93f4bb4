//! The command-line front end, shared by the `fanout-server` binary and
//! `fanout serve`: [`ServeArgs`] (every flag) and [`serve`].
//!
//! [`serve`] prints exactly two lines to stdout, flushed, before anything
//! else — the two base URLs of the one port, the second with the CA file to
//! trust for HTTPS:
//!
//! ```text
//! http://127.0.0.1:40123
//! https://127.0.0.1:40123 ca=/tmp/fanout-server-XXXXXX/ca.pem
//! ```
//!
//! (an IPv6 address is bracketed: `http://[::1]:40123`), then a human note
//! on stderr, and serves until SIGINT or SIGTERM — or, with
//! `--exit-with-parent`, until its stdin reaches EOF (the parent closed it or
//! died). Each way it stops gracefully and removes the CA file.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use clap::builder::RangedU64ValueParser;
use tokio::sync::oneshot;

use crate::config::Config;

/// How to run the server from the command line.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct ServeArgs {
    /// Address to listen on (the certificate names 127.0.0.1, ::1 and localhost).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on, for both http:// and https://; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Tokio worker threads [default: one per core].
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..=4096))]
    pub workers: Option<usize>,
    /// Most connections open at once; more are accepted and reset at once.
    /// Keep it under `ulimit -n`.
    #[arg(
        long,
        default_value_t = Config::default().max_connections,
        value_parser = RangedU64ValueParser::<usize>::new().range(1..)
    )]
    pub max_connections: usize,
    /// How long a client gets for its first byte, its TLS handshake and each
    /// request head (e.g. 300ms, 60s); also how long an idle connection is kept.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub header_read_timeout: Duration,
    /// HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: requests one connection may
    /// have open at once (100 is the least RFC 9113 recommends).
    #[arg(
        long,
        default_value_t = Config::default().h2_max_streams,
        value_parser = RangedU64ValueParser::<u32>::new().range(1..=u64::from(u32::MAX))
    )]
    pub h2_max_streams: u32,
    /// Answer `POST /stats/reset` (off by default: a server started by hand
    /// keeps its counters). Give it to a server that a sweep on another host
    /// runs against (`fanout sweep --target`).
    #[arg(long)]
    pub allow_reset: bool,
    /// Another name (DNS name or IP address) for the certificate, beside
    /// localhost, 127.0.0.1 and ::1 — the address clients on other hosts
    /// use; repeatable.
    #[arg(long = "tls-name", value_name = "NAME")]
    pub tls_names: Vec<String>,
    /// Emulate a network round trip on every connection (e.g. 25ms): each
    /// direction is delayed by half of it, and a connection's first bytes
    /// by one more for the TCP handshake; at most 10s, whole milliseconds.
    /// 0 (the default) leaves the socket as it is.
    #[arg(long, default_value = "0ms", value_parser = parse_rtt, allow_hyphen_values = true)]
    pub rtt: Duration,
    /// Exit when stdin reaches EOF (for a parent process that keeps it open).
    #[arg(long, hide = true)]
    pub exit_with_parent: bool,
}

impl Default for ServeArgs {
    /// The flags' defaults.
    fn default() -> ServeArgs {
        ServeArgs::from(Config::default())
    }
}

impl From<Config> for ServeArgs {
    fn from(config: Config) -> ServeArgs {
        ServeArgs {
            bind: config.bind,
            port: config.port,
            workers: config.workers,
            max_connections: config.max_connections,
            header_read_timeout: config.header_read_timeout,
            h2_max_streams: config.h2_max_streams,
            allow_reset: config.allow_reset,
            tls_names: config.tls_names,
            rtt: config.rtt,
            exit_with_parent: false,
        }
    }
}

impl ServeArgs {
    /// The server configuration these flags ask for.
    pub fn config(&self) -> Config {
        Config {
            bind: self.bind,
            port: self.port,
            workers: self.workers,
            max_connections: self.max_connections,
            header_read_timeout: self.header_read_timeout,
            h2_max_streams: self.h2_max_streams,
            allow_reset: self.allow_reset,
            tls_names: self.tls_names.clone(),
            rtt: self.rtt,
        }
    }
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 300ms, 60s)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(d)
}

/// A round trip to emulate: a humantime duration, whole milliseconds, at
/// most [`fanout_core::plan::MAX_RTT`].
pub fn parse_rtt(s: &str) -> Result<Duration, String> {
    if s.trim_start().starts_with('-') {
        return Err("a round trip cannot be negative (write e.g. 25ms, or 0 for none)".into());
    }
    let d = if s.trim() == "0" {
        Duration::ZERO
    } else {
        humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 25ms, or 0 for none)"))?
    };
    fanout_core::plan::check_rtt(d)?;
    Ok(d)
}

/// Starts the server as `args` say, prints its two base URLs (the
/// `https://` one with `ca=PATH`) as the first two lines of stdout, flushed,
/// and serves until SIGINT or SIGTERM (or stdin EOF with
/// `--exit-with-parent`); then stops gracefully and removes the CA file.
///
/// Fails (before printing anything) if the configuration is invalid, the
/// address cannot be bound or the certificates cannot be made; the error is
/// one line.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let eof = if args.exit_with_parent {
        let (tx, rx) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("fanout-server-stdin".into())
            .spawn(move || {
                // Read until EOF (or an error): the parent closed our stdin or died.
                let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
                let _ = tx.send(());
            })
            .context("cannot watch stdin")?;
        Some(rx)
    } else {
        None
    };
    let stop = async move {
        match eof {
            Some(eof) => {
                let _ = eof.await;
            }
            None => std::future::pending().await,
        }
    };
    let rtt = args.rtt;
    crate::server::serve_foreground(args.config(), stop, |target| {
        let http = target.base_url(false);
        let https = target.base_url(true);
        let ca = target.ca.as_deref().map(|p| p.display().to_string());
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{http}")
            .and_then(|()| writeln!(out, "{https} ca={}", ca.unwrap_or_default()))
            .and_then(|()| out.flush());
        let network = if rtt.is_zero() {
            String::new()
        } else {
            format!(
                "; every connection as over a network with a {} ms round trip",
                rtt.as_millis()
            )
        };
        eprintln!(
            "fanout-server: serving {http} and {https} (h2 and http/1.1) on one port; \
             trust the CA in {} for HTTPS{network} (Ctrl-C to stop)",
            target
                .ca
                .as_deref()
                .map_or(String::new(), |p| p.display().to_string())
        );
    })
    .context("fanout-server failed")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("fanout-server").chain(args.iter().copied()))
            .map(|c| c.serve)
    }

    #[test]
    fn defaults_are_the_configs() {
        let args = parse(&[]).unwrap();
        assert_eq!(args, ServeArgs::default());
        assert_eq!(args.config(), Config::default());
        assert!(!args.exit_with_parent);
    }

    #[test]
    fn flags_parse_and_are_bounded() {
        let args = parse(&[
            "--bind",
            "::1",
            "--port",
            "8080",
            "--workers",
            "2",
            "--max-connections",
            "20",
            "--header-read-timeout",
            "300ms",
            "--h2-max-streams",
            "250",
            "--allow-reset",
            "--tls-name",
            "server.example",
            "--tls-name",
            "10.0.0.2",
            "--rtt",
            "25ms",
            "--exit-with-parent",
        ])
        .unwrap();
        assert_eq!(
            args.config(),
            Config {
                bind: "::1".parse().unwrap(),
                port: 8080,
                workers: Some(2),
                max_connections: 20,
                header_read_timeout: Duration::from_millis(300),
                h2_max_streams: 250,
                allow_reset: true,
                tls_names: vec!["server.example".into(), "10.0.0.2".into()],
                rtt: Duration::from_millis(25),
            }
        );
        assert!(args.exit_with_parent);
        for bad in [
            ["--max-connections", "0"],
            ["--max-connections", "lots"],
            ["--header-read-timeout", "0s"],
            ["--header-read-timeout", "soon"],
            ["--h2-max-streams", "0"],
            ["--h2-max-streams", "4294967296"],
            ["--workers", "0"],
            ["--port", "70000"],
            ["--rtt", "-5ms"],
            ["--rtt", "soon"],
            ["--rtt", "11s"],
            ["--rtt", "1500us"],
        ] {
            let err = parse(&bad).unwrap_err();
            assert!(err.to_string().contains(bad[0]), "{bad:?}: {err}");
        }
    }
}
