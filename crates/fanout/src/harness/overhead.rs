//! The harness's own cost, measured: on each workload marked `overhead`,
//! the row [`ROW`] through the driver (`fanout run`, as every cell runs) and
//! the same client in a bare loop written the way a user would
//! (`rt_tokio::bare`, run as `fanout bare`), alternately against one
//! server (which goes first alternates too), each in a child process of its
//! own so `wait4` gives its CPU and peak RSS. Each program's idle RSS (a
//! one-request plan) is measured once, so memory per in-flight request is
//! (peak − idle) ÷ in-flight, as in the tables.
//! The report states the ratios of the medians (wall, CPU, memory per
//! in-flight request) beside the rows.

use std::time::Duration;

use anyhow::{Context, bail};
use fanout_core::{Plan, Workload};
use serde::{Deserialize, Serialize};

use super::measure;
use super::progress::Progress;
use super::server::{Server, ServerProcess};
use super::stop::{Interrupted, Stop};
use super::{Options, child};
use crate::registry;
use fanout_results::{Overhead, OverheadMemory};

/// The row whose client the bare loop uses.
pub const ROW: &str = "tokio-reqwest";

/// Measured pairs per workload, after one warm-up pair: the overhead is a
/// few per cent, about the run-to-run noise here, so it takes several pairs
/// to see it; six keep `c10k`'s (two seconds a run) inside the budget of
/// `cargo bench`.
const PAIRS: u32 = 6;

/// What `fanout bare` prints: one line of JSON.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct BareSummary {
    /// Wall time, ms.
    pub wall_ms: f64,
    /// Verified answers.
    pub ok: u64,
    /// N.
    pub requests: u64,
}

/// The workloads it measures, given the sweep's options.
fn workloads<'w>(options: &Options, selected: &'w [Workload]) -> Vec<&'w Workload> {
    let row_selected = options.rows.is_empty() || options.rows.iter().any(|r| r == ROW);
    if options.quick || options.target.is_some() || !row_selected {
        return Vec::new();
    }
    selected.iter().filter(|w| w.overhead).collect()
}

/// How many runs [`fn@measure`] will do (for the progress count).
pub fn runs(options: &Options, selected: &[Workload]) -> u64 {
    // Two idle runs, then the pairs.
    workloads(options, selected).len() as u64 * 2 * u64::from(2 + PAIRS)
}

/// Measures the overhead on every selected workload that asks for it
/// (none with `--quick` or a remote `--target`).
pub fn measure(
    options: &Options,
    selected: &[Workload],
    progress: &mut Progress,
    stop: &Stop,
) -> Result<Vec<Overhead>, Interrupted> {
    let mut out = Vec::new();
    for w in workloads(options, selected) {
        let Some(plan) = w.plans().into_iter().next() else {
            continue;
        };
        match one(options, w, &plan, progress, stop) {
            Ok(o) => out.push(o),
            Err(e) if e.is::<Interrupted>() => return Err(Interrupted),
            Err(e) => progress.note(&format!("note: no overhead figure on {}: {e:#}", w.id)),
        }
    }
    Ok(out)
}

fn one(
    options: &Options,
    w: &Workload,
    plan: &Plan,
    progress: &mut Progress,
    stop: &Stop,
) -> anyhow::Result<Overhead> {
    let row = registry::find(ROW)?;
    let server = Server::Local(ServerProcess::for_plan(&options.exe, plan)?);
    stop.check()?;
    progress.running(&format!("overhead on {} · idle RSS", w.id));
    // At the plan's round trip: the server emulates only that one.
    let idle = Plan {
        rtt: plan.rtt,
        ..Plan::new(1, Duration::ZERO)
    };
    let idle_rss_kib = (
        measure::measure(&options.exe, &row, &idle, &server)?.peak_rss_kib,
        bare_run(options, &idle, &server)?.rss_kib,
    );
    progress.advance(2);
    let mut driver = Vec::new();
    let mut bare = Vec::new();
    let mut driver_rss_kib = Vec::new();
    let mut bare_rss_kib = Vec::new();
    for k in 0..=PAIRS {
        stop.check()?;
        progress.running(&format!("overhead on {} · pair {k}/{PAIRS}", w.id));
        // Which runs first alternates, so neither always follows the other.
        let (d, b) = if k % 2 == 0 {
            let d = measure::measure(&options.exe, &row, plan, &server)?;
            (d, bare_run(options, plan, &server)?)
        } else {
            let b = bare_run(options, plan, &server)?;
            (measure::measure(&options.exe, &row, plan, &server)?, b)
        };
        progress.advance(2);
        if k > 0 {
            driver.push((d.summary.wall_ms, d.cpu_user_s + d.cpu_sys_s));
            bare.push((b.wall_ms, b.cpu_s));
            driver_rss_kib.push(d.peak_rss_kib);
            bare_rss_kib.push(b.rss_kib);
        }
    }
    Ok(Overhead {
        workload: w.id.to_string(),
        row: ROW.to_string(),
        driver,
        bare,
        memory: Some(OverheadMemory {
            in_flight: plan.max_in_flight(),
            idle_rss_kib,
            driver_rss_kib,
            bare_rss_kib,
        }),
    })
}

/// What one run of the bare loop measured.
struct BareRun {
    wall_ms: f64,
    cpu_s: f64,
    rss_kib: u64,
}

/// One run of the bare loop in a child process of its own.
fn bare_run(options: &Options, plan: &Plan, server: &Server) -> anyhow::Result<BareRun> {
    let target = server.target();
    let mut cmd = std::process::Command::new(&options.exe);
    cmd.args(["bare", "--plan", &serde_json::to_string(plan)?])
        .args(["--target", &target.addr]);
    if let Some(ca) = &target.ca {
        cmd.arg("--ca").arg(ca);
    }
    let limit = child::limit_for(plan);
    let f = child::run(cmd, limit)?;
    if !f.status.success() {
        bail!("the bare loop failed: {}", f.last_error_line());
    }
    let s: BareSummary = serde_json::from_str(child::last_line(&f.stdout))
        .context("the bare loop printed no summary")?;
    if s.ok != s.requests {
        bail!("the bare loop verified {} of {} answers", s.ok, s.requests);
    }
    Ok(BareRun {
        wall_ms: s.wall_ms,
        cpu_s: f.cpu_user_s + f.cpu_sys_s,
        rss_kib: f.peak_rss_kib,
    })
}
