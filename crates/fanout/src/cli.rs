//! The `fanout` command line: argument parsing and the commands. In the
//! library so that any binary of the workspace (the `sweep` bench too) can act
//! as the `fanout run` / `fanout serve` child the sweep starts.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::registry;
use crate::server_process::ServerProcess;
use crate::summary::{Summary, ThreadSampler};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use fanout_core::{Plan, Workload};

/// Measure how Rust runtimes and HTTP clients fan out many GET requests
/// against one local target server.
#[derive(Debug, Parser)]
#[command(name = "fanout", version)]
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
    /// Run every row on every workload, each in a fresh child process, and
    /// write results/ (README.md, results.json, results.csv, SVG charts).
    Sweep(SweepArgs),
    /// Re-render results/README.md, results.csv and the charts from results/results.json.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// A smoke run of everything in about 3 minutes: one repeat, N of 100 or
    /// more divided by 10, `scaling` without N = 10 000, a 5 s cell budget.
    #[arg(long)]
    quick: bool,
    /// Only these rows (comma-separated ids from `fanout list`, or the Python
    /// reference rows python-requests-sequential, python-threads-requests,
    /// python-aiohttp-gather; default: all of them).
    #[arg(long, value_delimiter = ',')]
    rows: Vec<String>,
    /// Only these workloads (comma-separated ids; default: all).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Measured repeats per cell, after one warm-up (default 3; 1 with --quick).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeats: Option<u32>,
    /// Skip a cell whose projected time per run (N × delay at the row's
    /// concurrency) is over this (default 15s; 5s with --quick); a cell whose
    /// warm-up takes over a third of it gets one measured repeat instead of
    /// --repeats.
    #[arg(long, value_parser = duration)]
    cell_budget: Option<Duration>,
    /// Where to write the results (replaced only when the sweep finishes).
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The results directory holding results.json.
    #[arg(long, default_value = "results")]
    out: PathBuf,
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
    /// A workload preset: demo, latency, throughput, c10k, payload, faults,
    /// scaling. The plan options below, when given, override its fields.
    #[arg(long, short = 'w')]
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
    /// Response body size in bytes [default: 256].
    #[arg(long)]
    bytes: Option<u64>,
    /// Send `Connection: close`: a new connection per request.
    #[arg(long)]
    no_keep_alive: bool,
    /// Per-request timeout, e.g. 30s [default: 30s].
    #[arg(long, value_parser = duration)]
    timeout: Option<Duration>,
    /// Heartbeat period, e.g. 10ms [default: 10ms].
    #[arg(long, value_parser = duration)]
    heartbeat: Option<Duration>,
    /// Base URL of a running target server (`fanout serve`); without it, a
    /// server is started in a child process and stopped afterwards.
    #[arg(long)]
    target: Option<String>,
    /// Print one JSON object per plan (one line each) instead of text.
    #[arg(long)]
    json: bool,
    /// The whole plan as JSON (what the sweep passes its children), instead
    /// of --workload or the plan options; its target is used as --target.
    #[arg(long, conflicts_with_all = ["workload", "requests", "delay", "concurrency", "bytes", "no_keep_alive", "timeout", "heartbeat", "target"])]
    plan: Option<String>,
}

impl RunArgs {
    /// Applies the plan options given on the command line to `plan`;
    /// returns what each one changed, e.g. `requests 2000 → 200`.
    fn override_plan(&self, plan: &mut Plan) -> Vec<String> {
        let mut changed = Vec::new();
        let mut set = |name: &str, old: String, new: String| {
            if old != new {
                changed.push(format!("{name} {old} → {new}"));
            }
        };
        let ms = |d: Duration| humantime::format_duration(d).to_string();
        let bound = |c: Option<u64>| c.map_or("unbounded".to_string(), |c| c.to_string());
        if let Some(n) = self.requests {
            set("requests", plan.requests.to_string(), n.to_string());
            plan.requests = n;
        }
        if let Some(d) = self.delay {
            set("delay", ms(plan.delay), ms(d));
            plan.delay = d;
        }
        if let Some(c) = self.concurrency {
            set("concurrency", bound(plan.concurrency), bound(Some(c)));
            plan.concurrency = Some(c);
        }
        if let Some(b) = self.bytes {
            set("bytes", plan.bytes.to_string(), b.to_string());
            plan.bytes = b;
        }
        if self.no_keep_alive {
            set("keep-alive", "on".into(), "off".into());
            plan.keep_alive = false;
        }
        if let Some(t) = self.timeout {
            set("timeout", ms(plan.timeout), ms(t));
            plan.timeout = t;
        }
        if let Some(h) = self.heartbeat {
            set("heartbeat", ms(plan.heartbeat), ms(h));
            plan.heartbeat = h;
        }
        changed
    }
}

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 100ms, 2s)"))?;
    Ok(d)
}

/// Parses `args` (the first is the program name), runs the command, and
/// returns the process exit code: 0 ok, 1 some requests failed, 2 bad
/// arguments or a setup error (printed as one `error:` line).
pub fn main_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run_command(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// Runs a parsed command; returns the process exit code.
pub fn run_command(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::List => list(),
        Command::Serve(args) => serve(args),
        Command::Run(args) => run(args),
        Command::Sweep(args) => sweep(args),
        Command::Report(args) => report(args),
    }
}

fn list() -> anyhow::Result<i32> {
    let rows: Vec<[String; 5]> = registry::rows()
        .iter()
        .map(|row| {
            let d = row.describe();
            let id = match d.tuned {
                Some(_) => format!("{} (tuned)", row.id()),
                None => row.id().to_string(),
            };
            [
                id,
                d.runtime,
                d.client.to_string(),
                d.model.as_str().to_string(),
                d.upstream.to_string(),
            ]
        })
        .collect();
    let header = ["id", "runtime", "client", "model", "upstream"].map(String::from);
    let width = |c: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[c].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = std::io::stdout().lock();
    for r in std::iter::once(&header).chain(&rows) {
        writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
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
        ..fanout_server::Config::default()
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
    if let Some(json) = &args.plan {
        let plan: Plan = serde_json::from_str(json).context("--plan is not a plan in JSON")?;
        plan.validate().context("invalid plan")?;
        return run_plans(row.as_ref(), None, &[plan], args.json);
    }
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

    let mut plans = match workload {
        Some(w) => w.plans(&target),
        None => vec![Plan::new(
            target,
            args.requests.unwrap_or(1),
            args.delay.unwrap_or_default(),
        )],
    };
    for plan in &mut plans {
        let changed = args.override_plan(plan);
        if let (Some(w), false) = (workload, changed.is_empty()) {
            eprintln!(
                "note: workload {} with {} (from the command line)",
                w.id,
                changed.join(", ")
            );
        }
    }
    for p in &plans {
        p.validate().context("invalid plan")?;
    }
    let code = run_plans(row.as_ref(), workload.map(|w| w.id), &plans, args.json)?;
    drop(server);
    Ok(code)
}

/// Runs `plans` on one session of `row`, printing each summary.
fn run_plans(
    row: &dyn fanout_core::Runtime,
    workload: Option<&str>,
    plans: &[Plan],
    json: bool,
) -> anyhow::Result<i32> {
    let mut session = row
        .start()
        .with_context(|| format!("cannot start row {}", row.id()))?;
    let mut failed = 0;
    for plan in plans {
        let sampler = ThreadSampler::start();
        let out = session.fan_out(plan);
        let threads = sampler.finish();
        let summary = Summary::new(row.id(), workload, plan, &out, threads);
        failed += summary.failed();
        if json {
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
    Ok(if failed > 0 { 1 } else { 0 })
}

fn sweep(args: SweepArgs) -> anyhow::Result<i32> {
    let mut options = crate::sweep::Options::new(
        std::env::current_exe().context("cannot find the fanout binary")?,
    );
    options.rows = args.rows;
    options.workloads = args.workloads;
    options.quick = args.quick;
    options.repeats = args.repeats.unwrap_or(if args.quick { 1 } else { 3 });
    options.cell_budget = args
        .cell_budget
        .unwrap_or(Duration::from_secs(if args.quick { 5 } else { 15 }));
    options.out = args.out;
    options.progress = !args.no_progress;
    options.command = std::env::args().collect::<Vec<_>>().join(" ");
    let results = crate::sweep::run(&options)?;
    eprintln!(
        "wrote {} ({} cells)",
        options.out.display(),
        results.cells.len()
    );
    Ok(0)
}

fn report(args: ReportArgs) -> anyhow::Result<i32> {
    let json = args.out.join("results.json");
    let results = crate::results::Results::load(&json)?;
    // Render into a temporary copy, then swap: a failed render loses nothing.
    let parent = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".results-tmp-")
        .tempdir_in(parent)?;
    std::fs::copy(&json, tmp.path().join("results.json"))?;
    crate::report::write_report(&results, tmp.path())?;
    crate::sweep::swap_into_place(tmp, &args.out)?;
    crate::sweep::update_project_readme(&results, &args.out)?;
    eprintln!("rendered {} from results.json", args.out.display());
    Ok(0)
}
