//! Argument parsing and the three commands.

use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use fanout::registry;
use fanout::server_process::ServerProcess;
use fanout::summary::Summary;
use fanout_core::{Plan, Workload};

/// Measure how Rust runtimes and HTTP clients fan out many GET requests
/// against one local target server.
#[derive(Debug, Parser)]
#[command(name = "fanout", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the rows: id, runtime, client, model, upstream status.
    List,
    /// Run the target server in the foreground (prints its address first).
    Serve(ServeArgs),
    /// Run one fan-out with one row and print what it measured.
    Run(RunArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to bind (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Server worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    workers: Option<u64>,
    /// Exit when standard input closes (used when `fanout run` starts the
    /// server as its child, so the server never outlives it).
    #[arg(long, hide = true)]
    exit_with_parent: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Row id (see `fanout list`).
    #[arg(long, short = 'r')]
    runtime: String,
    /// A workload preset: demo, latency, throughput, c10k, payload, faults, scaling.
    #[arg(long, short = 'w', conflicts_with_all = ["requests", "delay", "concurrency", "bytes", "no_keep_alive", "timeout", "heartbeat"])]
    workload: Option<String>,
    /// Number of requests (N).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=fanout_core::plan::MAX_REQUESTS))]
    requests: Option<u64>,
    /// Server-side delay per request, e.g. 100ms or 1s.
    #[arg(long, short = 'd', value_parser = duration)]
    delay: Option<Duration>,
    /// Most requests in flight at once (default: unbounded).
    #[arg(long, short = 'c', value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: Option<u64>,
    /// Response body size in bytes.
    #[arg(long, default_value_t = 256)]
    bytes: u64,
    /// Send `Connection: close`: a new connection per request.
    #[arg(long)]
    no_keep_alive: bool,
    /// Per-request timeout, e.g. 30s.
    #[arg(long, value_parser = duration, default_value = "30s")]
    timeout: Duration,
    /// Heartbeat period, e.g. 10ms.
    #[arg(long, value_parser = duration, default_value = "10ms")]
    heartbeat: Duration,
    /// Base URL of a running target server (`fanout serve`); without it, a
    /// server is started in a child process and stopped afterwards.
    #[arg(long)]
    target: Option<String>,
    /// Print one JSON object per plan (one line each) instead of text.
    #[arg(long)]
    json: bool,
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 100ms, 2s)"))?;
    Ok(d)
}

/// Runs a command; returns the process exit code.
pub fn main(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::List => list(),
        Command::Serve(args) => serve(args),
        Command::Run(args) => run(args),
    }
}

fn list() -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<18} {:<34} {:<28} {:<16} upstream",
        "id", "runtime", "client", "model"
    )?;
    for row in registry::rows() {
        let d = row.describe();
        let id = match d.tuned {
            Some(_) => format!("{} (tuned)", row.id()),
            None => row.id().to_string(),
        };
        writeln!(
            out,
            "{id:<18} {:<34} {:<28} {:<16} {}",
            d.runtime,
            d.client,
            d.model.as_str(),
            d.upstream
        )?;
    }
    Ok(0)
}

fn serve(args: ServeArgs) -> anyhow::Result<i32> {
    if args.exit_with_parent {
        std::thread::spawn(|| {
            // Read until EOF: the parent closed our stdin or died.
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
    }
    let config = fanout_server::Config {
        bind: args.bind,
        port: args.port,
        workers: args.workers.map(|w| w as usize),
    };
    fanout_server::serve_foreground(config, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}");
        let _ = out.flush();
    })
    .with_context(|| format!("cannot serve on {}:{}", args.bind, args.port))?;
    Ok(0)
}

fn run(args: RunArgs) -> anyhow::Result<i32> {
    let row = registry::find(&args.runtime)?;
    let workload = match &args.workload {
        Some(id) => Some(Workload::get(id).with_context(|| {
            format!(
                "unknown workload {id:?}; known workloads: {}",
                Workload::ids()
            )
        })?),
        None => None,
    };
    if workload.is_none() && (args.requests.is_none() || args.delay.is_none()) {
        bail!(
            "give --workload W, or --requests N and --delay D (e.g. --requests 100 --delay 100ms)"
        );
    }

    // The server: given, or a child process of our own.
    let server = match &args.target {
        Some(_) => None,
        None => Some(ServerProcess::start(
            &std::env::current_exe().context("cannot find the fanout binary")?,
        )?),
    };
    let target = match (&args.target, &server) {
        (Some(t), _) => t.trim_end_matches('/').to_string(),
        (None, Some(s)) => s.base_url(),
        (None, None) => unreachable!("a server is started when no target is given"),
    };

    let plans = match workload {
        Some(w) => w.plans(&target),
        None => vec![Plan {
            bytes: args.bytes,
            concurrency: args.concurrency,
            keep_alive: !args.no_keep_alive,
            timeout: args.timeout,
            heartbeat: args.heartbeat,
            ..Plan::new(
                target,
                args.requests.unwrap_or(1),
                args.delay.unwrap_or_default(),
            )
        }],
    };
    for p in &plans {
        p.validate().context("invalid plan")?;
    }

    let mut session = row
        .start()
        .with_context(|| format!("cannot start row {}", row.id()))?;
    let mut failed = 0;
    for plan in &plans {
        let out = session.fan_out(plan);
        let summary = Summary::new(row.id(), workload.map(|w| w.id), plan, &out);
        failed += summary.failed();
        if args.json {
            println!("{}", serde_json::to_string(&summary)?);
        } else {
            print!("{}", summary.human());
        }
        if summary.failed() > 0 {
            let kinds: Vec<_> = summary
                .errors
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            eprintln!(
                "error: {} of {} requests to {} failed ({})",
                summary.failed(),
                summary.requests,
                plan.target,
                kinds.join(", ")
            );
        }
    }
    drop(session);
    drop(server);
    Ok(if failed > 0 { 1 } else { 0 })
}
