//! [`Results`]: what a sweep measured — every repeat of every cell, the rows,
//! and the environment — as written to `results/results.json` and read back
//! by `fanout report`. The report writer derives every figure from this.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use fanout_core::Plan;
use serde::{Deserialize, Serialize};

use crate::summary::Summary;

/// Version of the `results.json` layout; `fanout report` refuses others.
pub const SCHEMA: u32 = 1;

/// The reference row every speedup is measured against.
pub const BASELINE_ROW: &str = "sequential-ureq";

/// A whole sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`SCHEMA`].
    pub schema: u32,
    /// Where and how it ran.
    pub environment: Environment,
    /// The sweep's settings.
    pub settings: Settings,
    /// Every row in the sweep, in report order.
    pub rows: Vec<RowInfo>,
    /// Every (row, workload, plan) cell, in run order.
    pub cells: Vec<Cell>,
    /// Load generators run against the same server, beside the rows: `wrk`
    /// as the practical ceiling on `throughput`, `oha` on the plan's N
    /// (empty when none is installed). Several per workload are allowed.
    #[serde(default)]
    pub ceilings: Vec<Ceiling>,
}

/// A load generator's figure on a workload (historically "the ceiling").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ceiling {
    /// The tool, e.g. `wrk 4.2.0` or `oha 1.16.0`.
    pub tool: String,
    /// Workload id (`throughput`).
    pub workload: String,
    /// Requests per second it reached (median of repeats).
    pub req_per_s: f64,
    /// The exact command line, for the reader.
    pub command: String,
    /// Median wall time of the plan's N requests, ms, for a generator that
    /// runs a request count (`oha -n N`); `None` for a timed one (`wrk -d`)
    /// and in results written before this field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<f64>,
}

/// The machine and software a sweep ran on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// UTC start time, RFC 3339.
    pub date: String,
    /// `git rev-parse HEAD` (with `-dirty` when the tree had changes), or `unknown`.
    pub commit: String,
    /// CPU model name.
    pub cpu: String,
    /// Logical cores available.
    pub cores: u64,
    /// Total memory, bytes.
    pub memory_bytes: u64,
    /// Kernel release.
    pub kernel: String,
    /// `rustc --version`.
    pub rustc: String,
    /// Versions of the runtimes and clients, from `Cargo.lock`.
    pub crates: BTreeMap<String, String>,
    /// The command that produced the results.
    pub command: String,
}

/// Sweep settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Measured repeats per cell (after one warm-up).
    pub repeats: u32,
    /// `--quick`: one repeat, smaller N.
    pub quick: bool,
    /// A cell whose projected time per run is above this is skipped, seconds.
    pub cell_budget_s: f64,
}

/// A row as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowInfo {
    /// Row id.
    pub id: String,
    /// Runtime and configuration.
    pub runtime: String,
    /// HTTP client.
    pub client: String,
    /// Model: sequential, threads, async, async+io_uring.
    pub model: String,
    /// Upstream status, e.g. `maintained` or `discontinued: …`.
    pub upstream: String,
    /// The settings of a tuned variant; `None` for idiomatic rows.
    pub tuned: Option<String>,
    /// A reference row from outside Rust (e.g. the Python baselines).
    pub reference: bool,
    /// Peak RSS of the row's client process on a 1-request plan, KiB.
    pub idle_rss_kib: Option<u64>,
}

/// One (row, workload, plan) cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Row id.
    pub row: String,
    /// Workload id.
    pub workload: String,
    /// Which plan of the workload: `N=1000` for `scaling`, else the workload id.
    pub label: String,
    /// The plan (its target is the server of the first repeat).
    pub plan: Plan,
    /// What happened.
    pub status: CellStatus,
}

/// A cell's fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CellStatus {
    /// Ran: every measured repeat.
    Done {
        /// The measured repeats (the warm-up is not kept).
        repeats: Vec<Repeat>,
    },
    /// Not run, on purpose.
    Skipped {
        /// Why, in words.
        reason: String,
        /// Projected wall time of one run, seconds.
        projected_s: Option<f64>,
    },
    /// Tried and could not produce a result (the child crashed, timed out, …).
    Failed {
        /// What went wrong.
        reason: String,
    },
}

/// One measured run of a cell: the child's own summary plus what the OS and
/// the server saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repeat {
    /// What `fanout run --json` printed.
    pub summary: Summary,
    /// User CPU of the client process, seconds (`wait4` rusage).
    pub cpu_user_s: f64,
    /// System CPU of the client process, seconds.
    pub cpu_sys_s: f64,
    /// Peak RSS of the client process, KiB (`ru_maxrss`).
    pub peak_rss_kib: u64,
    /// The client's exit code.
    pub exit_code: i32,
    /// The server's peak in-flight count during the run.
    pub server_peak_in_flight: u64,
    /// Connections the server accepted during the run.
    pub server_connections: u64,
}

impl Results {
    /// Reads and checks `results.json`.
    pub fn load(path: &Path) -> anyhow::Result<Results> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read {}; run `fanout sweep` (or `cargo bench`) first",
                path.display()
            )
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON; re-run the sweep", path.display()))?;
        match value.get("schema").and_then(|s| s.as_u64()) {
            Some(s) if s == u64::from(SCHEMA) => {}
            Some(s) => bail!(
                "{} has schema {s}, this fanout reads schema {SCHEMA}; re-run the sweep",
                path.display()
            ),
            None => bail!(
                "{} has no schema field: not a fanout results file",
                path.display()
            ),
        }
        serde_json::from_value(value).with_context(|| {
            format!(
                "{} does not match schema {SCHEMA}; re-run the sweep",
                path.display()
            )
        })
    }
}

/// Figures derived from one cell's repeats (medians, with min–max where a
/// spread is shown). `None` where the cell did not run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derived {
    /// Median wall time, ms.
    pub wall_ms: f64,
    /// Fastest repeat, ms.
    pub wall_min_ms: f64,
    /// Slowest repeat, ms.
    pub wall_max_ms: f64,
    /// Requests per second at the median wall.
    pub req_per_s: f64,
    /// Median latency p50 / p90 / p99 / max, ms.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest latency.
    pub max_ms: f64,
    /// Median CPU (user + sys) per request, µs.
    pub cpu_us_per_req: f64,
    /// Median peak RSS, KiB.
    pub peak_rss_kib: f64,
    /// Median heartbeat p99 lateness, ms.
    pub hb_p99_ms: f64,
    /// Median heartbeat max lateness, ms.
    pub hb_max_ms: f64,
    /// Median peak thread count of the client.
    pub threads: f64,
    /// Median server peak in-flight.
    pub peak_in_flight: f64,
    /// Failed requests summed over all repeats.
    pub errors: u64,
    /// Requests summed over all repeats.
    pub requests: u64,
    /// Wall as a multiple of the plan's floor (`None` when the delay is 0).
    pub floor_multiple: Option<f64>,
}

/// The median of a non-empty list (mean of the middle two for even lengths).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Cell {
    /// The repeats, when the cell ran.
    pub fn repeats(&self) -> Option<&[Repeat]> {
        match &self.status {
            CellStatus::Done { repeats } if !repeats.is_empty() => Some(repeats),
            _ => None,
        }
    }

    /// Medians and spreads over the repeats.
    pub fn derived(&self) -> Option<Derived> {
        let reps = self.repeats()?;
        let med = |f: &dyn Fn(&Repeat) -> f64| median(reps.iter().map(f).collect());
        let walls: Vec<f64> = reps.iter().map(|r| r.summary.wall_ms).collect();
        let wall_ms = median(walls.clone());
        let floor_ms = self.plan.floor().as_secs_f64() * 1e3;
        Some(Derived {
            wall_ms,
            wall_min_ms: walls.iter().copied().fold(f64::INFINITY, f64::min),
            wall_max_ms: walls.iter().copied().fold(0.0, f64::max),
            req_per_s: if wall_ms > 0.0 {
                self.plan.requests as f64 / (wall_ms / 1e3)
            } else {
                0.0
            },
            p50_ms: med(&|r| r.summary.latency_ms.p50),
            p90_ms: med(&|r| r.summary.latency_ms.p90),
            p99_ms: med(&|r| r.summary.latency_ms.p99),
            max_ms: med(&|r| r.summary.latency_ms.max),
            cpu_us_per_req: med(&|r| {
                (r.cpu_user_s + r.cpu_sys_s) * 1e6 / r.summary.requests.max(1) as f64
            }),
            peak_rss_kib: med(&|r| r.peak_rss_kib as f64),
            hb_p99_ms: med(&|r| r.summary.heartbeat.p99_lateness_ms),
            hb_max_ms: med(&|r| r.summary.heartbeat.max_lateness_ms),
            threads: med(&|r| r.summary.threads_peak as f64),
            peak_in_flight: med(&|r| r.server_peak_in_flight as f64),
            errors: reps.iter().map(|r| r.summary.failed()).sum(),
            requests: reps.iter().map(|r| r.summary.requests).sum(),
            floor_multiple: (floor_ms > 0.0).then(|| wall_ms / floor_ms),
        })
    }
}
