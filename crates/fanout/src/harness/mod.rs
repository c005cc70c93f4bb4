//! The harness: what `fanout sweep` and `cargo bench` run. It flows one way:
//!
//! 1. [`jobs`] — what to run, decided up front: a group per (workload, plan),
//!    a slot per row, each run, skipped (projected over budget) or
//!    unsupported (with the reason);
//! 2. [`sweep`] — the control loop, interleaving each group's rows; each
//!    run is one [`measure::measure`] (counters reset, client child, its
//!    summary); Ctrl-C sets the [`stop`] flag, checked between runs;
//! 3. [`child`] — the one child runner every measured process goes through
//!    (rows, reference programs, load generators, the overhead loop):
//!    output, watchdog, thread sampling, `wait4`;
//! 4. [`server`] — the target server, a child per cell or a remote one;
//! 5. [`generators`] — `wrk` and `oha` beside the rows; [`overhead`] — the
//!    harness's own cost against a bare loop;
//! 6. → [`Results`] → [`crate::write`], which writes every file atomically.
//!
//! [`progress`] keeps the reader informed on a terminal and in a log.

pub mod child;
pub mod generators;
pub mod jobs;
pub mod measure;
pub mod overhead;
pub mod progress;
pub mod server;
pub mod stop;
pub mod sweep;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use fanout_core::{Plan, Target, WORKLOADS, Workload};

use crate::registry;
use fanout_results::{Repeat, Results, RowInfo, SCHEMA, Settings};

/// What to sweep and where to write it.
#[derive(Debug, Clone)]
pub struct Options {
    /// Row ids; empty = every row.
    pub rows: Vec<String>,
    /// Workload ids; empty = every workload.
    pub workloads: Vec<String>,
    /// Measured repeats per cell, after one warm-up.
    pub repeats: u32,
    /// Smaller N (see `Workload::quick_plans`).
    pub quick: bool,
    /// The results directory (replaced atomically at the end).
    pub out: PathBuf,
    /// A cell whose projected run time is over this is skipped.
    pub cell_budget: Duration,
    /// The binary that acts as the `fanout run` / `fanout serve` children.
    pub exe: PathBuf,
    /// Show progress (a bar on a terminal, a line per cell off one).
    pub progress: bool,
    /// The command line, recorded in the results.
    pub command: String,
    /// A server started by hand (perhaps on another host) instead of a
    /// server child per cell.
    pub target: Option<Target>,
    /// The client host's name in the results (default: the host name).
    pub host: Option<String>,
    /// The round trip the `target` server emulates, ms (read from it when
    /// the sweep starts; its plans of another round trip do not run).
    pub remote_rtt_ms: Option<u64>,
    /// Every plan at this emulated round trip instead of its own.
    pub rtt: Option<Duration>,
    /// Do not install the load generators the project installs (oha), as
    /// `FANOUT_NO_TOOLS=1` does.
    pub no_tools: bool,
}

impl Options {
    /// Defaults: every row and workload, 3 repeats, `results/`, 15 s budget,
    /// a local server per cell.
    pub fn new(exe: PathBuf) -> Options {
        Options {
            rows: Vec::new(),
            workloads: Vec::new(),
            repeats: 3,
            quick: false,
            out: PathBuf::from("results"),
            cell_budget: Duration::from_secs(15),
            exe,
            progress: true,
            command: String::new(),
            target: None,
            host: None,
            remote_rtt_ms: None,
            rtt: None,
            no_tools: false,
        }
    }
}

/// The workloads with these ids; every workload when empty.
pub fn select_workloads(ids: &[String]) -> anyhow::Result<Vec<Workload>> {
    if ids.is_empty() {
        return Ok(WORKLOADS.to_vec());
    }
    ids.iter()
        .map(|id| {
            Workload::get(id).with_context(|| {
                format!(
                    "unknown workload {id:?}; known workloads: {}",
                    Workload::ids()
                )
            })
        })
        .collect()
}

/// Runs the sweep and writes `options.out` (atomically, at the end).
pub fn run(options: &Options) -> anyhow::Result<Results> {
    let rows = registry::select(&options.rows)?;
    let mut workloads = select_workloads(&options.workloads)?;
    if let Some(rtt) = options.rtt {
        workloads = workloads.into_iter().map(|w| w.at_rtt(rtt)).collect();
    }
    anyhow::ensure!(options.repeats >= 1, "--repeats must be at least 1");
    let mut options = options.clone();
    if let Some(t) = &options.target {
        // A server on another host must be reachable and let us reset its
        // counters between runs; it emulates one round trip, so at least one
        // plan must ask for it (the others' cells say why they did not run).
        let remote = server::Server::Remote(t.clone());
        remote.reset()?;
        let rtt_ms = remote.stats()?.rtt_ms;
        let plans: Vec<Plan> = workloads
            .iter()
            .flat_map(|w| {
                if options.quick {
                    w.quick_plans()
                } else {
                    w.plans()
                }
            })
            .collect();
        if let Some(why) = plans
            .iter()
            .map(|p| server::rtt_mismatch(rtt_ms, p.rtt))
            .reduce(|a, b| a.and(b))
            .flatten()
        {
            anyhow::bail!(
                "{why} (server at {}; no selected plan can run against it)",
                t.addr
            );
        }
        options.remote_rtt_ms = Some(rtt_ms);
    }
    let options = &options;
    let stop = stop::Stop::install();
    let mut environment = crate::environment::collect(&options.command);
    if let Some(host) = &options.host {
        environment.host = host.clone();
    }
    environment.server = options
        .target
        .as_ref()
        .map_or("local (a server child per cell)".into(), |t| t.addr.clone());
    let mut results = Results {
        schema: SCHEMA,
        environment,
        settings: Settings {
            repeats: options.repeats,
            quick: options.quick,
            cell_budget_s: options.cell_budget.as_secs_f64(),
            interleaved: true,
        },
        rows: rows
            .iter()
            .map(|r| RowInfo::new(r.id(), &r.describe(), r.is_reference()))
            .collect(),
        cells: Vec::new(),
        generators: Vec::new(),
        overhead: Vec::new(),
        merged: Vec::new(),
        stability: None,
    };
    match sweep::sweep(options, &rows, &workloads, &mut results, &stop) {
        Ok(()) => {
            // The previous sweep in the same directory, when comparable: do
            // the two rank the rows the same?
            if let Ok(previous) = Results::load(&options.out.join("results.json"))
                && previous.settings.quick == results.settings.quick
            {
                results.stability = Some(fanout_results::stability(&previous, &results, 10.0));
            }
            crate::write::results(&results, &options.out)?;
            Ok(results)
        }
        Err(stop::Interrupted) => Err(crate::write::partial(&results, &options.out)),
    }
}

/// Measures one run of row `id` on `plan` exactly as the sweep does — a
/// server child from `exe`, the client in a child process, `wait4` —
/// without writing anything.
pub fn run_once(exe: &std::path::Path, id: &str, plan: &Plan) -> anyhow::Result<Repeat> {
    let row = registry::find(id)?;
    if let Some(why) = row.unavailable() {
        anyhow::bail!("{id} cannot run here: {why}");
    }
    let server = server::Server::Local(server::ServerProcess::for_plan(exe, plan)?);
    measure::measure(exe, &row, plan, &server)
}
