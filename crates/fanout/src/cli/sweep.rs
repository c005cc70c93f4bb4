//! `fanout sweep`: every row on every workload, written to a results
//! directory.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use super::{current_exe, duration};
use crate::harness::{self, Options};

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// A smoke run of everything in about 3 minutes: one repeat, N of 100 or
    /// more divided by 10 (`scaling` without its largest N), a 5 s cell
    /// budget, no load generators' repeats and no overhead benchmark.
    #[arg(long)]
    quick: bool,
    /// Only these rows (comma-separated ids from `fanout list`, the
    /// reference rows included; default: all of them).
    #[arg(long, value_delimiter = ',')]
    rows: Vec<String>,
    /// Only these workloads (comma-separated: demo, latency, throughput,
    /// c10k, payload, faults, scaling, api, tls-handshake, json, h2,
    /// api-wan, h2-wan, httpbin; default: all of them; and url, your own
    /// server's, which --url runs alone).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Measured repeats per cell, after one warm-up; they run round-robin
    /// across rows (default 3; 1 with --quick).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeats: Option<u32>,
    /// Skip a cell whose projected time per run (the rounds of the delay,
    /// and of the round trip, at the row's concurrency) is over this (default 15s; 5s with --quick); a cell
    /// whose warm-up takes over a third of it gets one measured repeat, and
    /// one whose warm-up takes over all of it is not measured further (its
    /// reason says what the warm-up took).
    #[arg(long, value_parser = duration)]
    cell_budget: Option<Duration>,
    /// Where to write the results (replaced only when the sweep finishes).
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// No progress bar or progress lines.
    #[arg(long)]
    no_progress: bool,
    /// Do not install oha, the load generator behind the "× oha" columns
    /// (the sweep builds a pinned oha into target/fanout-tools on first use,
    /// a few minutes once); the sweep then says why there is no oha line.
    /// Setting FANOUT_NO_TOOLS=1 does the same.
    #[arg(long)]
    no_tools: bool,
    /// Run every cell against this server (`HOST:PORT`, e.g. a `fanout serve
    /// --allow-reset` on another host) instead of a local server child per
    /// cell; its counters are reset between runs.
    #[arg(long)]
    target: Option<String>,
    /// The `--target` server's CA certificate (PEM), for the HTTPS
    /// workloads; or the `--url` server's, then the only root every client
    /// trusts (without it, each client's usual roots, which `fanout list`
    /// names).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Sweep every row against a server of your own instead: a URL
    /// template, `{i}` each request's index, e.g.
    /// 'https://127.0.0.1:8443/items/{i}' (quote it for the shell). Runs
    /// the `url` workload only: 100 requests, 10 at once (-n, -c, --format
    /// change them); checked: a 2xx and, with --format json, a body the
    /// client's own JSON API decodes; not the content, nor the server's
    /// counters. A host outside loopback needs --allow-remote; the sweep
    /// first prints how many requests it will send.
    #[arg(long, conflicts_with_all = ["target", "rtt", "workloads"])]
    url: Option<String>,
    /// Let --url load a host outside this machine's loopback (127.0.0.0/8,
    /// ::1, localhost): the sweep sends every row's every run to it, so
    /// give it only for a service you may load. Without it such a URL is
    /// refused before any request is sent.
    #[arg(long, requires = "url")]
    allow_remote: bool,
    /// With --url: requests per run [default: 100].
    #[arg(long, short = 'n', requires = "url", value_parser = clap::value_parser!(u64).range(1..=fanout_core::plan::MAX_REQUESTS))]
    requests: Option<u64>,
    /// With --url: most requests in flight at once [default: 10].
    #[arg(long, short = 'c', requires = "url", value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: Option<u64>,
    /// With --url: `bytes` (read whole) or `json` (decoded by each
    /// client's own JSON API) [default: bytes].
    #[arg(long, requires = "url", value_parser = super::run::format)]
    format: Option<fanout_core::Format>,
    /// Run every plan at this emulated network round trip (e.g. 25ms; 0 for
    /// loopback as it is), the WAN workloads' own 25 ms included [default:
    /// each plan's own]. With `--target`, that server must have been started
    /// with the same `fanout serve --rtt`.
    #[arg(long, allow_hyphen_values = true)]
    rtt: Option<String>,
    /// The name this client host goes by in a merged report (`fanout
    /// report A B`) [default: the machine's host name].
    #[arg(long)]
    host: Option<String>,
}

pub(crate) fn sweep(args: SweepArgs) -> anyhow::Result<i32> {
    let mut options = Options::new(current_exe()?);
    options.rows = args.rows;
    options.workloads = args.workloads;
    options.quick = args.quick;
    options.repeats = args.repeats.unwrap_or(if args.quick { 1 } else { 3 });
    options.cell_budget = args
        .cell_budget
        .unwrap_or(Duration::from_secs(if args.quick { 5 } else { 15 }));
    options.out = args.out;
    options.progress = !args.no_progress;
    options.no_tools = args.no_tools;
    options.command = std::env::args().collect::<Vec<_>>().join(" ");
    options.host = args.host;
    options.rtt = args.rtt.as_deref().map(super::run::rtt).transpose()?;
    match &args.url {
        Some(url) => {
            let target = super::run::foreign_target(url, &args.ca, None, args.allow_remote)?;
            let base = fanout_core::WORKLOADS
                .iter()
                .find(|w| w.server == fanout_core::workload::Server::Url)
                .context("no workload runs against your server")?;
            let mut plan = base.plans().remove(0);
            plan.tls = target.foreign_tls() == Some(true);
            plan.requests = args.requests.unwrap_or(plan.requests);
            plan.concurrency = args.concurrency.or(plan.concurrency);
            plan.format = args.format.unwrap_or(plan.format);
            plan.validate().context("invalid plan")?;
            target
                .check(&plan)
                .with_context(|| format!("--url {target}"))?;
            let rows = crate::registry::select(&options.rows)?;
            let runs = u64::from(!options.quick) + u64::from(options.repeats);
            eprintln!(
                "note: the sweep sends {} per run to {target}, in at most {} runs ({} rows × {runs}): at most {} requests in all",
                super::run::load_line(std::slice::from_ref(&plan)),
                rows.len() as u64 * runs,
                rows.len(),
                rows.len() as u64 * runs * plan.requests
            );
            options.url = Some(harness::UrlRun { target, plan });
        }
        None => {
            if args.ca.is_some() && args.target.is_none() {
                bail!(
                    "--ca is the CA of the server given with --target or --url: give one of them"
                );
            }
            options.target = super::given_target(&args.target, &args.ca)?;
        }
    }
    let results = harness::run(&options)?;
    eprintln!(
        "wrote {} ({} cells)",
        options.out.display(),
        results.cells.len()
    );
    Ok(0)
}
