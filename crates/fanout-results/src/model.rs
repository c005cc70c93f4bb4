//! The data model of `results.json`: [`Results`] → [`Cell`] →
//! [`CellStatus`] → [`Repeat`], with the rows, the load generators, the
//! harness overhead, the environment and the settings — and how a file is
//! loaded and checked.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use fanout_core::{Description, Echo, Idiom, Model, Plan, Protocol, ServerStats, Upstream};
use serde::{Deserialize, Serialize};

use crate::summary::Summary;

/// Version of the `results.json` layout; older files are refused with a
/// clear message (schema 1: the plan carried its target, error kinds were
/// free strings).
pub const SCHEMA: u32 = 2;

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
    /// Every (row, workload, plan) cell, in report order.
    pub cells: Vec<Cell>,
    /// Load generators (`wrk`, `oha`) run on a workload's first plan against
    /// a server of their own, beside the rows; empty when none is installed.
    #[serde(default)]
    pub generators: Vec<GeneratorLine>,
    /// The harness's own cost, when measured (`fanout sweep` measures it on
    /// the workloads marked `overhead` — `latency`, `c10k` — unless `--quick`).
    #[serde(default)]
    pub overhead: Vec<Overhead>,
    /// When result sets from several hosts are merged (`fanout report A B`):
    /// the environments of the sets after the first (whose environment is
    /// [`Results::environment`]); each cell names its host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<Environment>,
    /// How the rankings of this sweep agree with the previous sweep's in
    /// the same results directory, when there was one to compare with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<Stability>,
}

/// The rankings of two consecutive sweeps, compared: for every pair of rows
/// measured in the same table of both, whose median walls differ in either
/// sweep by more than `gap_pct` and beyond the table's between-sitting
/// noise (as `fanout compare` measures it), whether both sweeps order them
/// the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// The previous sweep's commit.
    pub previous_commit: String,
    /// The previous sweep's date.
    pub previous_date: String,
    /// The least gap that makes a ranking, percent of the faster median
    /// (a wider one where the table's noise asks for it).
    pub gap_pct: f64,
    /// Rankings compared.
    pub rankings: u64,
    /// Of those, ordered the same in both sweeps.
    pub agree: u64,
    /// The ones that flipped, one line each (`cell: a < b, then b < a`).
    pub flipped: Vec<String>,
    /// A ranking also had to be beyond the table's between-sitting noise
    /// (this fanout's rule); `false` in results written by an older fanout,
    /// whose rankings needed the gap alone.
    #[serde(default)]
    pub beyond_noise: bool,
}

/// A load generator's figure on a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorLine {
    /// The tool and version, e.g. `wrk 4.2.0` or `oha 1.16.0`.
    pub tool: String,
    /// Workload id.
    pub workload: String,
    /// Requests per second it reached (median of repeats).
    pub req_per_s: f64,
    /// The exact command line, for the reader.
    pub command: String,
    /// Median wall time of the plan's N requests, ms, for a generator that
    /// runs a request count (`oha -n N`); `None` for a timed one (`wrk -d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<f64>,
    /// Every measured repeat, in order, run in the same interleaved rounds
    /// as the rows (empty in results written before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repeats: Vec<GeneratorRepeat>,
}

/// One measured run of a load generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorRepeat {
    /// Requests per second of this run.
    pub req_per_s: f64,
    /// Wall time of the plan's N requests, ms (`None` for a timed run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<f64>,
}

impl GeneratorLine {
    /// The fewest and most requests per second over the repeats (the median
    /// alone when none were recorded).
    pub fn req_per_s_range(&self) -> (f64, f64) {
        min_max(self.repeats.iter().map(|r| r.req_per_s))
            .unwrap_or((self.req_per_s, self.req_per_s))
    }

    /// The shortest and longest wall over the repeats, when it ran a
    /// request count (the median alone when no repeats were recorded).
    pub fn wall_range(&self) -> Option<(f64, f64)> {
        let median = self.wall_ms?;
        Some(min_max(self.repeats.iter().filter_map(|r| r.wall_ms)).unwrap_or((median, median)))
    }
}

/// The least and the greatest of `values`, `None` when there are none.
fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The harness's overhead on one workload: the same client through the
/// driver and in a bare loop written the way a user would, interleaved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overhead {
    /// Workload id.
    pub workload: String,
    /// The row whose client both programs use (`tokio-reqwest`).
    pub row: String,
    /// Per repeat: (wall ms, CPU s) through the driver.
    pub driver: Vec<(f64, f64)>,
    /// Per repeat: (wall ms, CPU s) in the bare loop.
    pub bare: Vec<(f64, f64)>,
    /// The same pairs' client memory, when measured (sweeps before it was
    /// added have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<OverheadMemory>,
}

/// The client memory of the overhead pairs: peak RSS from `wait4` of each
/// run, and each program's idle RSS (a one-request plan), so memory per
/// in-flight request is (peak − idle) ÷ in-flight, as in the tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverheadMemory {
    /// Requests in flight at once in the plan.
    pub in_flight: u64,
    /// Idle RSS, KiB: (driver, bare).
    pub idle_rss_kib: (u64, u64),
    /// Per repeat: peak RSS through the driver, KiB.
    pub driver_rss_kib: Vec<u64>,
    /// Per repeat: peak RSS of the bare loop, KiB.
    pub bare_rss_kib: Vec<u64>,
}

impl OverheadMemory {
    /// Per repeat: (driver, bare) bytes per in-flight request.
    pub fn per_in_flight(&self) -> Vec<(f64, f64)> {
        let per = |peak: u64, idle: u64| {
            peak.saturating_sub(idle) as f64 * 1024.0 / self.in_flight.max(1) as f64
        };
        self.driver_rss_kib
            .iter()
            .zip(&self.bare_rss_kib)
            .map(|(&d, &b)| (per(d, self.idle_rss_kib.0), per(b, self.idle_rss_kib.1)))
            .collect()
    }
}

/// The machine and software a sweep ran on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The client machine's host name (a column when result sets from
    /// several hosts are merged).
    #[serde(default)]
    pub host: String,
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
    /// Versions of the runtimes, clients and TLS stacks, from `Cargo.lock`,
    /// and of the reference toolchains (python, node, go) found.
    pub crates: BTreeMap<String, String>,
    /// The command that produced the results.
    pub command: String,
    /// Where the server ran: `local` (a child per cell) or the `--target`
    /// address of a server on another host.
    #[serde(default)]
    pub server: String,
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
    /// Repeats ran round-robin across rows (row A rep 1, row B rep 1, …).
    #[serde(default)]
    pub interleaved: bool,
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
    /// TLS stack; `None`: the row cannot do HTTPS.
    pub tls: Option<String>,
    /// The trust roots it uses against a server given without a CA (a
    /// foreign HTTPS server); absent in results written before they were
    /// named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roots: Option<String>,
    /// How requests are run.
    pub model: Model,
    /// The loop that runs them.
    pub idiom: Idiom,
    /// The HTTP versions it can be held to.
    pub protocols: Vec<Protocol>,
    /// Upstream status.
    pub upstream: Upstream,
    /// The settings of a tuned variant; `None` for idiomatic rows.
    pub tuned: Option<String>,
    /// The row this one differs from in one setting (its idiom or its
    /// tuned settings), by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_of: Option<String>,
    /// A reference program from outside Rust.
    pub reference: bool,
    /// Peak RSS of the row's process on a 1-request plan, KiB.
    pub idle_rss_kib: Option<u64>,
}

impl RowInfo {
    /// The row as described by its [`Description`].
    pub fn new(id: &str, d: &Description, reference: bool) -> RowInfo {
        RowInfo {
            id: id.to_string(),
            runtime: d.runtime.clone(),
            client: d.client.to_string(),
            tls: d.tls.map(str::to_string),
            roots: d.roots.map(str::to_string),
            model: d.model,
            idiom: d.idiom,
            protocols: d.protocols.to_vec(),
            upstream: d.upstream.clone(),
            tuned: d.tuned.map(str::to_string),
            variant_of: d.variant_of.map(str::to_string),
            reference,
            idle_rss_kib: None,
        }
    }
}

/// One (row, workload, plan) cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Row id.
    pub row: String,
    /// Workload id.
    pub workload: String,
    /// Which plan of the workload (`N=1000`, `http2`, or the workload id).
    pub label: String,
    /// The plan: what ran (where is in each repeat).
    pub plan: Plan,
    /// What happened.
    pub status: CellStatus,
    /// The client host, in a merged result set (else the environment's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The server, when it was not the project's own (`--url`, the
    /// `httpbin` workload's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<ForeignServer>,
}

/// A server a cell ran against that is not the project's own: what can be
/// checked of its answers is a 2xx, a JSON body decoded and what it
/// [`Echo`]es; its counters (connections, streams, handshakes) are not
/// available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignServer {
    /// The URL template the requests went to.
    pub url: String,
    /// What the server is, when the harness started it, e.g. `httpbin
    /// 0.10.4 under gunicorn 27.0.1 (gthread: 1 worker × 16 threads)`;
    /// `None`: the user's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// What its answers echo of each request, checked; nothing: the
    /// content was not verified.
    #[serde(default, skip_serializing_if = "Echo::is_nothing")]
    pub echo: Echo,
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
    /// Not run, on purpose: projected over the per-run budget, or its
    /// warm-up run alone took longer than the budget.
    Skipped {
        /// Why, in words.
        reason: String,
        /// Projected wall time of one run, seconds.
        projected_s: Option<f64>,
    },
    /// Not run: the row cannot (no TLS stack, a protocol its client cannot
    /// be held to, a toolchain missing on this machine).
    Unsupported {
        /// Why, in words.
        reason: String,
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
    /// What the child printed.
    pub summary: Summary,
    /// The server it ran against (`HOST:PORT`; a foreign server's URL
    /// template).
    pub target: String,
    /// User CPU of the client process, seconds (`wait4` rusage).
    pub cpu_user_s: f64,
    /// System CPU of the client process, seconds.
    pub cpu_sys_s: f64,
    /// Peak RSS of the client process, KiB (`ru_maxrss`).
    pub peak_rss_kib: u64,
    /// Most threads the client process had, sampled from `/proc` every
    /// 10 ms by the harness (0 where unknown).
    pub threads_peak: u64,
    /// The client's exit code.
    pub exit_code: i32,
    /// What the server counted during the run (the harness's own `/stats`
    /// connection taken off); `None` against a foreign server, which has no
    /// counters (connections, streams, handshakes are then not known).
    #[serde(default)]
    pub server: Option<ServerStats>,
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
            Some(s) if s < u64::from(SCHEMA) => bail!(
                "{} has schema {s}, written by an older fanout; this one reads schema {SCHEMA}: re-run the sweep to compare with it",
                path.display()
            ),
            Some(s) => bail!(
                "{} has schema {s}, newer than this fanout reads ({SCHEMA}); update fanout",
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

    /// Loads `path`: a results directory (its `results.json`) or the file.
    pub fn load_any(path: &Path) -> anyhow::Result<Results> {
        if path.is_dir() {
            Results::load(&path.join("results.json"))
        } else {
            Results::load(path)
        }
    }

    /// The row's description, by id.
    pub fn row(&self, id: &str) -> Option<&RowInfo> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// The client host a cell ran on: its own, in a merged set, else the
    /// environment's.
    pub fn host_of<'r>(&'r self, cell: &'r Cell) -> &'r str {
        cell.host.as_deref().unwrap_or(&self.environment.host)
    }

    /// Whether the set holds cells from several client hosts.
    pub fn is_merged(&self) -> bool {
        let mut hosts = self.cells.iter().map(|c| self.host_of(c));
        let first = hosts.next();
        !self.merged.is_empty() || hosts.any(|h| Some(h) != first)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_line_without_repeats_still_loads_and_shows_its_median() {
        // As written before the repeats were recorded.
        let old = r#"{"tool":"oha 1.16.0","workload":"latency","req_per_s":5000.0,"command":"oha","wall_ms":200.0}"#;
        let g: GeneratorLine = serde_json::from_str(old).unwrap();
        assert!(g.repeats.is_empty());
        assert_eq!(g.wall_range(), Some((200.0, 200.0)));
        assert_eq!(g.req_per_s_range(), (5000.0, 5000.0));
    }

    #[test]
    fn a_generator_line_spans_its_repeats() {
        let g = GeneratorLine {
            tool: "oha 1.16.0".into(),
            workload: "latency".into(),
            req_per_s: 5000.0,
            command: "oha".into(),
            wall_ms: Some(200.0),
            repeats: [(4000.0, 250.0), (5000.0, 200.0), (6250.0, 160.0)]
                .map(|(r, w)| GeneratorRepeat {
                    req_per_s: r,
                    wall_ms: Some(w),
                })
                .to_vec(),
        };
        assert_eq!(g.wall_range(), Some((160.0, 250.0)));
        assert_eq!(g.req_per_s_range(), (4000.0, 6250.0));
        let back: GeneratorLine =
            serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
        assert_eq!(back, g);
        let timed = GeneratorLine { wall_ms: None, ..g };
        assert_eq!(timed.wall_range(), None);
    }
}
