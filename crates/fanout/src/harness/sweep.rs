//! The sweep's control loop, one way through: the [`jobs`](super::jobs)
//! decided up front → each group's cells run through the [child
//! runner](super::child), interleaved → [`Results`] → the writer
//! ([`crate::write`]). Nothing here renders.
//!
//! A group is one plan of one workload (one table). Every runnable cell of
//! the group gets a server of its own (a child process, kept for the
//! cell's runs), then the cells run round-robin: a warm-up round (row A,
//! row B, …), then each measured round. On a workload's first plan the load
//! generators it names take part in the same rounds, after the rows, each
//! with a server of its own. A drift of the machine during the group so
//! lands on every row and generator alike. A cell whose warm-up alone
//! takes over a third of the per-run budget gets one measured repeat, and
//! the cell says so by its count; one whose warm-up takes over the whole
//! budget is not measured, like a cell projected over it, and its reason
//! gives the warm-up's time; a workload may cap its measured repeats
//! ([`Workload::max_repeats`]). Ctrl-C stops between runs: the previous
//! results stay as they were and the finished groups are saved beside them.
//!
//! A group of a workload against a foreign server shares that server: the
//! user's (`--url`), or one local httpbin the group starts
//! ([`super::httpbin`]); it has no counters to reset or read.

use std::time::{Duration, Instant};

use fanout_core::workload::{Generator, Server as Serves};
use fanout_core::{Plan, Target, Workload};

use super::generators::{self, Ready, Tool};
use super::httpbin::HttpbinProcess;
use super::jobs::{self, Decision, Group};
use super::measure::measure;
use super::progress::Progress;
use super::server::{Server, ServerProcess};
use super::stop::{Interrupted, Stop};
use super::{Options, overhead};
use crate::registry::RowSpec;
use fanout_results::{Cell, CellStatus, ForeignServer, GeneratorLine, Repeat, Results, median};

/// A server for one cell of `plan`: a fresh child emulating its round
/// trip, or the remote one (checked to emulate it before the sweep began).
fn server_for(options: &Options, plan: &Plan) -> anyhow::Result<Server> {
    Ok(match &options.target {
        Some(t) => Server::Remote(t.clone()),
        None => Server::Local(ServerProcess::for_plan(&options.exe, plan)?),
    })
}

/// The measured repeats of each cell of `group`: the sweep's, at most the
/// workload's cap.
pub(crate) fn repeats_of(options: &Options, group: &Group) -> u32 {
    options
        .repeats
        .min(group.workload.max_repeats.unwrap_or(u32::MAX))
}

/// The runs of one cell of `group`: the warm-up (none with `--quick`) and
/// its measured repeats.
pub(crate) fn runs_per_cell(options: &Options, group: &Group) -> u64 {
    u64::from(!options.quick) + u64::from(repeats_of(options, group))
}

/// A foreign server a group runs against: its target, what the results say
/// of it, and the local httpbin process that serves it (kept alive while it
/// lives), if the group started one.
type Foreign = (Target, ForeignServer, Option<HttpbinProcess>);

/// The foreign server a group runs against, shared by its cells: the
/// user's (`--url`) or a local httpbin started for the group; `None`: the
/// project's server, a child per cell.
fn foreign_for(options: &Options, group: &Group) -> Option<Result<Foreign, String>> {
    match group.workload.server {
        Serves::Own => None,
        Serves::Url => Some(match &options.url {
            Some(url) => Ok((
                url.target.clone(),
                ForeignServer {
                    url: url.target.to_string(),
                    software: None,
                    echo: url
                        .target
                        .foreign
                        .as_ref()
                        .map(|f| f.echo)
                        .unwrap_or_default(),
                },
                None,
            )),
            None => Err("no --url was given".into()),
        }),
        Serves::Httpbin { path, echo } => Some(
            HttpbinProcess::start(&group.plan)
                .and_then(|h| {
                    let target = h.target(path, echo)?;
                    let info = ForeignServer {
                        url: target.to_string(),
                        software: Some(h.software()),
                        echo,
                    };
                    Ok((target, info, Some(h)))
                })
                .map_err(|e| format!("cannot start httpbin: {e:#}")),
        ),
    }
}

/// Everything the sweep runs, filling `results` as it goes.
pub fn sweep(
    options: &Options,
    rows: &[RowSpec],
    workloads: &[Workload],
    results: &mut Results,
    stop: &Stop,
) -> Result<(), Interrupted> {
    let unavailable: Vec<Option<String>> = rows.iter().map(RowSpec::unavailable).collect();
    for (row, why) in rows.iter().zip(&unavailable) {
        if let Some(why) = why {
            eprintln!("note: {} cannot run here: {why}", row.id());
        }
    }
    let tools = tools(options, workloads);
    let installed: Vec<_> = tools.iter().map(|t| t.generator).collect();
    let mut groups = jobs::groups(
        rows,
        &unavailable,
        &installed,
        workloads,
        options.quick,
        options.cell_budget,
        options.url.as_ref().map(|u| &u.plan),
    );
    // A server started by hand emulates one round trip: the plans of
    // another cannot run against it, and their cells say so.
    if let Some(rtt_ms) = options.remote_rtt_ms {
        for g in &mut groups {
            if let Some(why) = super::server::rtt_mismatch(rtt_ms, g.plan.rtt) {
                g.cannot_run(&why);
            }
        }
    }
    let overhead_runs = overhead::runs(options, workloads);
    let total = unavailable.iter().filter(|u| u.is_none()).count() as u64
        + groups
            .iter()
            .map(|g| (g.runnable().count() + g.generators.len()) as u64 * runs_per_cell(options, g))
            .sum::<u64>()
        + overhead_runs;
    let mut progress = Progress::new(total, options.progress);

    for (info, (row, missing)) in results.rows.iter_mut().zip(rows.iter().zip(&unavailable)) {
        if missing.is_some() {
            continue;
        }
        progress.running(&format!("{} · idle RSS", row.id()));
        // At the sweep's round trip: a server by hand emulates only that one.
        let idle = Plan {
            rtt: groups.first().map_or(Duration::ZERO, |g| g.plan.rtt),
            ..Plan::new(1, Duration::ZERO)
        };
        info.idle_rss_kib = server_for(options, &idle)
            .and_then(|s| measure(&options.exe, row, &idle, &s))
            .ok()
            .map(|r| r.peak_rss_kib);
        progress.advance(1);
        stop.check()?;
    }

    for group in &groups {
        let (cells, lines) = run_group(options, rows, &tools, group, &mut progress, stop)?;
        results.cells.extend(cells);
        results.generators.extend(lines);
    }

    results.overhead = overhead::measure(options, workloads, &mut progress, stop)?;
    progress.finish("done");
    Ok(())
}

/// One group: a server per runnable cell (and per load generator), a
/// warm-up round, then the measured rounds, round-robin across rows, the
/// generators last in each round.
fn run_group(
    options: &Options,
    rows: &[RowSpec],
    tools: &[Tool],
    group: &Group,
    progress: &mut Progress,
    stop: &Stop,
) -> Result<(Vec<Cell>, Vec<GeneratorLine>), Interrupted> {
    struct Running {
        row: usize,
        server: Result<Server, String>,
        repeats: Vec<Repeat>,
        wanted: u32,
        /// How it ended before its repeats were done: failed, or its
        /// warm-up alone over the budget (skipped).
        ended: Option<CellStatus>,
    }
    let repeats = repeats_of(options, group);
    // Kept alive (a local httpbin) until the group's cells are done.
    let foreign = if group.runnable().next().is_some() {
        foreign_for(options, group)
    } else {
        None
    };
    let mut running: Vec<Running> = group
        .runnable()
        .map(|s| Running {
            row: s.row,
            server: match &foreign {
                None => server_for(options, &group.plan)
                    .map_err(|e| format!("cannot start the server: {e:#}")),
                Some(Ok((target, ..))) => Ok(Server::Foreign(target.clone())),
                Some(Err(e)) => Err(e.clone()),
            },
            repeats: Vec::new(),
            wanted: repeats,
            ended: None,
        })
        .collect();
    // A workload server that cannot start here (no Python for httpbin):
    // its cells cannot run, and say why, without spending their runs.
    let cannot = match &foreign {
        Some(Err(why)) => {
            progress.advance(running.len() as u64 * runs_per_cell(options, group));
            running.clear();
            Some(why.clone())
        }
        _ => None,
    };
    struct Beside {
        generator: Generator,
        ready: Result<Ready, String>,
        runs: Vec<generators::Run>,
    }
    let mut beside: Vec<Beside> = tools
        .iter()
        .filter(|t| group.generators.contains(&t.generator))
        .map(|t| Beside {
            generator: t.generator,
            ready: Ready::start(&options.exe, t, &group.plan, options.quick),
            runs: Vec::new(),
        })
        .collect();
    let per_cell = runs_per_cell(options, group);
    for b in &beside {
        if b.ready.is_err() {
            progress.advance(per_cell); // its runs will not happen
        }
    }
    // --quick is a smoke run: no warm-up round.
    let first = u32::from(options.quick);
    for round in first..=repeats {
        for r in running.iter_mut() {
            if r.ended.is_some() || round > r.wanted {
                continue;
            }
            stop.check()?;
            let row = &rows[r.row];
            let what = if round == 0 {
                "warm-up".to_string()
            } else {
                format!("repeat {round}/{}", r.wanted)
            };
            progress.running(&format!("{} · {} · {what}", row.id(), group.label));
            let started = Instant::now();
            let result = match &r.server {
                Ok(server) => measure(&options.exe, row, &group.plan, server),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            };
            progress.advance(1);
            match result {
                Ok(rep) if round > 0 => r.repeats.push(rep),
                Ok(rep) => {
                    let took = started.elapsed();
                    if took > options.cell_budget {
                        // Over the whole budget: not measured (as a projected
                        // skip), with what the warm-up showed.
                        progress.advance(u64::from(r.wanted));
                        r.ended = Some(CellStatus::Skipped {
                            reason: over_budget(&rep, took, options.cell_budget),
                            // Measured once, not projected: the reason holds the time.
                            projected_s: None,
                        });
                    } else if r.wanted > 1 && took > options.cell_budget / 3 {
                        // Over a third of the budget: one measured repeat.
                        progress.advance(u64::from(r.wanted - 1));
                        r.wanted = 1;
                    }
                }
                Err(e) => {
                    progress.advance(u64::from(r.wanted - round));
                    r.ended = Some(CellStatus::Failed {
                        reason: format!("{e:#}"),
                    });
                }
            }
        }
        for b in beside.iter_mut() {
            let Ok(ready) = &b.ready else { continue };
            stop.check()?;
            let what = if round == 0 {
                "warm-up".to_string()
            } else {
                format!("repeat {round}/{repeats}")
            };
            let name = generators::name(ready.generator());
            progress.running(&format!("{name} · {} · {what}", group.label));
            let result = ready.run();
            progress.advance(1);
            match result {
                Ok(run) if round > 0 => b.runs.push(run),
                Ok(_) => {}
                Err(why) => {
                    progress.advance(u64::from(repeats - round));
                    b.ready = Err(why);
                }
            }
        }
        if round < repeats && !(running.is_empty() && beside.is_empty()) {
            let what = if group.label == group.workload.id {
                group.label.clone()
            } else {
                format!("{} {}", group.workload.id, group.label)
            };
            progress.round(&what, round, repeats, round == 0);
        }
    }
    let mut cells = Vec::new();
    for slot in &group.slots {
        let row = &rows[slot.row];
        let status = match &slot.decision {
            Decision::Skip {
                reason,
                projected_s,
            } => CellStatus::Skipped {
                reason: reason.clone(),
                projected_s: *projected_s,
            },
            Decision::Unsupported { reason } => CellStatus::Unsupported {
                reason: reason.clone(),
            },
            Decision::Run if cannot.is_some() => CellStatus::Unsupported {
                reason: cannot.clone().unwrap_or_default(),
            },
            Decision::Run => {
                let r = running
                    .iter_mut()
                    .find(|r| r.row == slot.row)
                    .expect("every runnable slot is running");
                let status = r.ended.take().unwrap_or_else(|| CellStatus::Done {
                    repeats: std::mem::take(&mut r.repeats),
                });
                let line = match &status {
                    CellStatus::Done { repeats } => {
                        let walls: Vec<f64> = repeats.iter().map(|r| r.summary.wall_ms).collect();
                        let errors: u64 = repeats.iter().map(|r| r.summary.failed()).sum();
                        format!(
                            "{:.1} ms median of {} ({:.1}–{:.1}){}",
                            median(walls.clone()),
                            walls.len(),
                            walls.iter().copied().fold(f64::INFINITY, f64::min),
                            walls.iter().copied().fold(0.0, f64::max),
                            if errors > 0 {
                                format!(", {errors} failed requests")
                            } else {
                                String::new()
                            }
                        )
                    }
                    CellStatus::Failed { reason } => format!("failed: {reason}"),
                    CellStatus::Skipped { reason, .. } => format!("not measured: {reason}"),
                    _ => String::new(),
                };
                progress.cell(&format!("{} · {}", row.id(), group.label), &line);
                status
            }
        };
        cells.push(Cell {
            row: row.id().to_string(),
            workload: group.workload.id.to_string(),
            label: group.label.clone(),
            plan: group.plan.clone(),
            status,
            host: None,
            foreign: match &foreign {
                Some(Ok((_, info, _))) => Some(info.clone()),
                _ => None,
            },
        });
    }
    let mut lines = Vec::new();
    for b in beside {
        let name = generators::name(b.generator);
        match b.ready {
            Ok(ready) if !b.runs.is_empty() => {
                let line = ready.line(group.workload.id, b.runs);
                let (lo, hi) = line.req_per_s_range();
                progress.cell(
                    &format!("{name} · {}", group.label),
                    &format!(
                        "{:.0} req/s median of {} ({lo:.0}–{hi:.0})",
                        line.req_per_s,
                        line.repeats.len()
                    ),
                );
                lines.push(line);
            }
            Ok(_) => {}
            Err(why) => progress.note(&format!(
                "note: no {name} line on {}: {why}",
                group.workload.id
            )),
        }
    }
    Ok((cells, lines))
}

/// Why a cell whose warm-up took `took`, over the whole per-run `budget`, is
/// not measured further: the rule of a projected skip, with what the one
/// run showed.
fn over_budget(warm_up: &Repeat, took: Duration, budget: Duration) -> String {
    let s = &warm_up.summary;
    format!(
        "its warm-up run took {:.1} s ({} of {} requests ok), over the {} s per-run budget",
        took.as_secs_f64(),
        s.requests - s.failed(),
        s.requests,
        budget.as_secs()
    )
}

/// The load generators the selected workloads name that this machine has
/// (installing oha on first use), each missing one noted once; none
/// against a remote server (they run beside a local one only).
fn tools(options: &Options, workloads: &[Workload]) -> Vec<Tool> {
    let mut out: Vec<Tool> = Vec::new();
    if options.target.is_some() {
        return out;
    }
    let mut tried = Vec::new();
    for &g in workloads.iter().flat_map(|w| w.generators) {
        if tried.contains(&g) {
            continue;
        }
        tried.push(g);
        if options.no_tools && g == Generator::Oha {
            eprintln!("note: no oha lines: oha not installed: --no-tools was given");
            continue;
        }
        match generators::find(g) {
            Ok(tool) => out.push(tool),
            Err(why) => eprintln!("note: no {} lines: {why}", generators::name(g)),
        }
    }
    out
}
