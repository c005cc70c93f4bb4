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
pub mod httpbin;
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
use fanout_core::workload::Server as Serves;
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
    /// The user's own server (`--url`): the workload against it runs, with
    /// this plan, and no other.
    pub url: Option<UrlRun>,
}

/// A sweep against the user's own server (`fanout sweep --url`).
#[derive(Debug, Clone)]
pub struct UrlRun {
    /// The server: a foreign target (its loopback checked, or allowed).
    pub target: Target,
    /// The plan every row runs against it.
    pub plan: Plan,
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
            url: None,
        }
    }
}

/// The workloads with these ids. When none are named: every workload but
/// the one against the user's server ([`Workload::default_set`]); with
/// `url` (`--url`), that one only.
pub fn select_workloads(ids: &[String], url: bool) -> anyhow::Result<Vec<Workload>> {
    let users = |w: &Workload| w.server == Serves::Url;
    if ids.is_empty() {
        return Ok(if url {
            WORKLOADS.iter().copied().filter(users).collect()
        } else {
            Workload::default_set()
        });
    }
    ids.iter()
        .map(|id| {
            let w = Workload::get(id).with_context(|| {
                format!(
                    "unknown workload {id:?}; known workloads: {}",
                    Workload::ids()
                )
            })?;
            match (users(&w), url) {
                (true, false) => {
                    anyhow::bail!("workload {id} runs against your server: give --url TEMPLATE")
                }
                (false, true) => anyhow::bail!(
                    "--url runs the workload against your server only; {id} runs against {}: drop --workloads",
                    if w.server == Serves::Own {
                        "the project's server"
                    } else {
                        "a local httpbin"
                    }
                ),
                _ => Ok(w),
            }
        })
        .collect()
}

/// Runs the sweep and writes `options.out` (atomically, at the end).
pub fn run(options: &Options) -> anyhow::Result<Results> {
    let rows = registry::select(&options.rows)?;
    let mut workloads = select_workloads(&options.workloads, options.url.is_some())?;
    if let Some(rtt) = options.rtt {
        // A foreign server (httpbin, the user's) emulates no round trip.
        workloads = workloads
            .into_iter()
            .map(|w| {
                if w.server == Serves::Own {
                    w.at_rtt(rtt)
                } else {
                    eprintln!(
                        "note: workload {} runs against a foreign server, which emulates no round trip: --rtt does not apply to it",
                        w.id
                    );
                    w
                }
            })
            .collect();
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
    environment.server = match (&options.target, &options.url) {
        (Some(t), _) => t.addr.clone(),
        (None, Some(url)) => format!("your server: {}", url.target),
        (None, None) => "local (a server child per cell)".into(),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_server_workload_runs_with_url_and_alone() {
        let ids = |ws: Vec<Workload>| ws.iter().map(|w| w.id).collect::<Vec<_>>();
        let default = ids(select_workloads(&[], false).unwrap());
        assert_eq!(default, ids(Workload::default_set()));
        assert!(default.contains(&"httpbin") && !default.contains(&"url"));
        let url = ids(select_workloads(&[], true).unwrap());
        assert_eq!(url, ["url"]);
        // Named: the user's server needs --url, and --url runs nothing else.
        let e = select_workloads(&["url".into()], false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--url"), "{e}");
        let e = select_workloads(&["latency".into()], true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("drop --workloads"), "{e}");
        assert_eq!(
            ids(select_workloads(&["url".into()], true).unwrap()),
            ["url"]
        );
    }
}
