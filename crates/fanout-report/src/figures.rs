//! The figures every output shows, computed once from [`Results`]: cells
//! grouped by (workload, plan label) with one [`Entry`] per row — every row,
//! measured or not — and for each measured cell its [`Derived`] medians plus
//! the comparisons the tables need (relative to the fastest row, speedup vs
//! [`BASELINE_ROW`], × each load generator, client RSS per in-flight
//! request).

use std::collections::BTreeMap;

use fanout_core::{Plan, WORKLOADS};

use crate::results::{BASELINE_ROW, Ceiling, Cell, CellStatus, Derived, Results, RowInfo};

/// One table's worth of cells: a workload's plan (one of several for
/// `scaling`), with an entry for every row.
pub(crate) struct Group<'a> {
    /// Workload id.
    pub workload: String,
    /// Plan label (`N=1000` for `scaling`, else the workload id).
    pub label: String,
    /// The plan the cells ran.
    pub plan: Plan,
    /// One per row, in report order.
    pub entries: Vec<Entry<'a>>,
    /// The load generators' figures on this workload, in results order, one
    /// per tool (`wrk`, `oha`); empty when none ran.
    pub generators: Vec<&'a Ceiling>,
}

/// One row in one group.
pub(crate) struct Entry<'a> {
    /// The row.
    pub row: RowInfo,
    /// Its cell, if the sweep has one.
    pub cell: Option<&'a Cell>,
    /// The figures, when the cell ran.
    pub figures: Option<Figures>,
}

/// A measured cell's figures.
#[derive(Debug, Clone)]
pub(crate) struct Figures {
    /// Medians and spreads over the repeats.
    pub d: Derived,
    /// Median wall / the fastest row's median wall in the same group.
    pub relative: f64,
    /// The baseline's median wall / this one, when the baseline ran.
    pub speedup: Option<f64>,
    /// req/s / each generator's req/s, in the order of [`Group::generators`].
    pub generator_multiples: Vec<Option<f64>>,
    /// req/s / the req/s of the fastest generator (the ceiling).
    pub ceiling_multiple: Option<f64>,
    /// (peak RSS − idle RSS) / server peak in-flight, KiB.
    pub rss_per_inflight_kib: Option<f64>,
    /// Failed requests by kind, summed over the repeats.
    pub errors_by_kind: BTreeMap<String, u64>,
}

/// What became of a row's cell.
pub(crate) enum Fate<'a> {
    /// Ran, with figures.
    Measured(&'a Figures),
    /// Skipped on purpose.
    Skipped {
        /// Why.
        reason: &'a str,
        /// Projected wall of one run, seconds.
        projected_s: Option<f64>,
    },
    /// Tried and failed.
    Failed(&'a str),
    /// Marked done but without a single repeat.
    NoRepeats,
    /// No cell in the results.
    NotRun,
}

impl Entry<'_> {
    /// What became of this row's cell.
    pub fn fate(&self) -> Fate<'_> {
        if let Some(f) = &self.figures {
            return Fate::Measured(f);
        }
        match self.cell.map(|c| &c.status) {
            None => Fate::NotRun,
            Some(CellStatus::Skipped {
                reason,
                projected_s,
            }) => Fate::Skipped {
                reason,
                projected_s: *projected_s,
            },
            Some(CellStatus::Failed { reason }) => Fate::Failed(reason),
            Some(CellStatus::Done { .. }) => Fate::NoRepeats,
        }
    }

    /// The row id with its markers: `id (reference)`, `id (tuned)`.
    pub fn display_name(&self) -> String {
        row_name(&self.row)
    }
}

/// A row id with its markers: `id (reference)`, `id (tuned)`.
pub(crate) fn row_name(row: &RowInfo) -> String {
    let mut name = row.id.clone();
    if row.reference {
        name.push_str(" (reference)");
    }
    if row.tuned.is_some() {
        name.push_str(" (tuned)");
    }
    name
}

impl Group<'_> {
    /// The measured entries.
    pub fn measured(&self) -> impl Iterator<Item = (&Entry<'_>, &Figures)> {
        self.entries
            .iter()
            .filter_map(|e| e.figures.as_ref().map(|f| (e, f)))
    }

    /// The baseline row's entry.
    pub fn baseline(&self) -> Option<&Entry<'_>> {
        self.entries.iter().find(|e| e.row.id == BASELINE_ROW)
    }

    /// The baseline's wall in ms: measured (`false`) or projected (`true`).
    pub fn baseline_wall(&self) -> Option<(f64, bool)> {
        match self.baseline()?.fate() {
            Fate::Measured(f) => Some((f.d.wall_ms, false)),
            Fate::Skipped {
                projected_s: Some(s),
                ..
            } if s.is_finite() && s > 0.0 => Some((s * 1e3, true)),
            _ => None,
        }
    }

    /// The generator with the highest req/s: the practical ceiling.
    pub fn ceiling(&self) -> Option<&Ceiling> {
        top_generator(&self.generators)
    }

    /// The column header word of generator `i`: the tool's first word
    /// (`wrk`, `oha`), or the whole tool name when two share that word.
    pub fn generator_word(&self, i: usize) -> String {
        let word = |c: &Ceiling| c.tool.split_whitespace().next().unwrap_or("").to_string();
        let this = word(self.generators[i]);
        let shared = self.generators.iter().filter(|c| word(c) == this).count() > 1;
        if shared || this.is_empty() {
            self.generators[i].tool.clone()
        } else {
            this
        }
    }

    /// Whether any measured cell failed requests.
    pub fn has_errors(&self) -> bool {
        self.measured().any(|(_, f)| f.d.errors > 0)
    }
}

/// Every row of the results in report order, followed by any row that only
/// appears in the cells (so nothing measured is ever dropped).
pub(crate) fn rows(results: &Results) -> Vec<RowInfo> {
    let mut rows = results.rows.clone();
    for cell in &results.cells {
        if !rows.iter().any(|r| r.id == cell.row) {
            rows.push(RowInfo {
                id: cell.row.clone(),
                runtime: String::new(),
                client: String::new(),
                model: String::new(),
                upstream: String::new(),
                tuned: None,
                reference: false,
                idle_rss_kib: None,
            });
        }
    }
    rows
}

/// Workload ids in report order: the presets, then any other id in the cells.
pub(crate) fn workload_ids(results: &Results) -> Vec<String> {
    let mut ids: Vec<String> = WORKLOADS.iter().map(|w| w.id.to_string()).collect();
    for cell in &results.cells {
        if !ids.contains(&cell.workload) {
            ids.push(cell.workload.clone());
        }
    }
    ids
}

/// Every group, workload by workload in report order, plans by N.
pub(crate) fn groups(results: &Results) -> Vec<Group<'_>> {
    let rows = rows(results);
    let mut out = Vec::new();
    for workload in workload_ids(results) {
        for (label, plan) in labels(results, &workload) {
            out.push(group(results, &rows, &workload, label, plan));
        }
    }
    out
}

/// The distinct plan labels of a workload with their plan, by N then label.
fn labels<'a>(results: &'a Results, workload: &str) -> Vec<(&'a str, &'a Plan)> {
    let mut labels: Vec<(&str, &Plan)> = Vec::new();
    for cell in results.cells.iter().filter(|c| c.workload == workload) {
        match labels.iter_mut().find(|(l, _)| *l == cell.label) {
            // Prefer a plan from a cell that ran.
            Some(slot) if cell.repeats().is_some() => slot.1 = &cell.plan,
            Some(_) => {}
            None => labels.push((&cell.label, &cell.plan)),
        }
    }
    labels.sort_by(|a, b| a.1.requests.cmp(&b.1.requests).then(a.0.cmp(b.0)));
    labels
}

fn group<'a>(
    results: &'a Results,
    rows: &[RowInfo],
    workload: &str,
    label: &str,
    plan: &Plan,
) -> Group<'a> {
    let mut generators: Vec<&Ceiling> = Vec::new();
    for c in results.ceilings.iter().filter(|c| c.workload == workload) {
        if !generators.iter().any(|g| g.tool == c.tool) {
            generators.push(c);
        }
    }
    let ceiling = top_generator(&generators);
    let cell_of = |row: &str| {
        results
            .cells
            .iter()
            .find(|c| c.row == row && c.workload == workload && c.label == label)
    };
    let derived: Vec<(RowInfo, Option<&Cell>, Option<Derived>)> = rows
        .iter()
        .map(|row| {
            let cell = cell_of(&row.id);
            (row.clone(), cell, cell.and_then(Cell::derived))
        })
        .collect();
    let fastest = derived
        .iter()
        .filter_map(|(_, _, d)| d.map(|d| d.wall_ms))
        .filter(|w| w.is_finite())
        .fold(f64::INFINITY, f64::min);
    let baseline = derived
        .iter()
        .find(|(r, _, _)| r.id == BASELINE_ROW)
        .and_then(|(_, _, d)| d.map(|d| d.wall_ms));
    let entries = derived
        .into_iter()
        .map(|(row, cell, d)| {
            let figures = d.map(|d| Figures {
                relative: ratio(d.wall_ms, fastest).unwrap_or(f64::NAN),
                speedup: baseline.and_then(|b| ratio(b, d.wall_ms)),
                generator_multiples: generators
                    .iter()
                    .map(|c| ratio(d.req_per_s, c.req_per_s))
                    .collect(),
                ceiling_multiple: ceiling.and_then(|c| ratio(d.req_per_s, c.req_per_s)),
                rss_per_inflight_kib: rss_per_inflight(&row, &d),
                errors_by_kind: cell.map(errors_by_kind).unwrap_or_default(),
                d,
            });
            Entry { row, cell, figures }
        })
        .collect();
    Group {
        workload: workload.to_string(),
        label: label.to_string(),
        plan: plan.clone(),
        entries,
        generators,
    }
}

/// The generator with the highest finite req/s.
fn top_generator<'a>(generators: &[&'a Ceiling]) -> Option<&'a Ceiling> {
    generators
        .iter()
        .copied()
        .filter(|c| c.req_per_s.is_finite())
        .max_by(|a, b| a.req_per_s.total_cmp(&b.req_per_s))
}

/// `a / b` when both are finite and `b` is positive.
pub(crate) fn ratio(a: f64, b: f64) -> Option<f64> {
    (a.is_finite() && b.is_finite() && b > 0.0).then(|| a / b)
}

/// (peak RSS − the row's idle RSS) / server peak in-flight, KiB; `None` when
/// the idle RSS is unknown or nothing was in flight.
fn rss_per_inflight(row: &RowInfo, d: &Derived) -> Option<f64> {
    let idle = row.idle_rss_kib? as f64;
    if !(d.peak_in_flight.is_finite() && d.peak_in_flight > 0.0 && d.peak_rss_kib.is_finite()) {
        return None;
    }
    Some((d.peak_rss_kib - idle).max(0.0) / d.peak_in_flight)
}

/// Failed requests by kind over all repeats of a cell.
fn errors_by_kind(cell: &Cell) -> BTreeMap<String, u64> {
    let mut kinds = BTreeMap::new();
    for rep in cell.repeats().unwrap_or_default() {
        for (kind, n) in &rep.summary.errors {
            *kinds.entry(kind.clone()).or_insert(0) += n;
        }
    }
    kinds.retain(|_, n| *n > 0);
    kinds
}

/// Small hand-built results for the report modules' unit tests.
#[cfg(test)]
pub(crate) mod sample {
    use fanout_core::Workload;

    use crate::results::{
        Ceiling, Cell, CellStatus, Environment, Repeat, Results, RowInfo, SCHEMA, Settings,
    };
    use crate::summary::Summary;

    /// One row, `tokio-hyper`, measured once per `(workload, wall ms)`, with
    /// these load generators.
    pub(crate) fn results(walls: &[(&str, f64)], ceilings: Vec<Ceiling>) -> Results {
        let cells = walls
            .iter()
            .map(|(w, wall_ms)| {
                let plan = Workload::get(w).unwrap().plans("http://127.0.0.1:1")[0].clone();
                let summary = Summary {
                    runtime: "tokio-hyper".into(),
                    workload: Some(w.to_string()),
                    requests: plan.requests,
                    ok: plan.requests,
                    errors: Default::default(),
                    verified: plan.requests,
                    bytes: 0,
                    wall_ms: *wall_ms,
                    req_per_s: plan.requests as f64 / (wall_ms / 1e3),
                    latency_ms: Default::default(),
                    heartbeat: Default::default(),
                    threads_peak: 3,
                    plan: plan.clone(),
                };
                Cell {
                    row: "tokio-hyper".into(),
                    workload: w.to_string(),
                    label: w.to_string(),
                    plan,
                    status: CellStatus::Done {
                        repeats: vec![Repeat {
                            summary,
                            cpu_user_s: 0.1,
                            cpu_sys_s: 0.1,
                            peak_rss_kib: 10_000,
                            exit_code: 0,
                            server_peak_in_flight: 64,
                            server_connections: 64,
                        }],
                    },
                }
            })
            .collect();
        Results {
            schema: SCHEMA,
            environment: Environment::default(),
            settings: Settings::default(),
            rows: vec![RowInfo {
                id: "tokio-hyper".into(),
                runtime: "tokio".into(),
                client: "hyper".into(),
                model: "async".into(),
                upstream: "maintained".into(),
                tuned: None,
                reference: false,
                idle_rss_kib: Some(8_000),
            }],
            cells,
            ceilings,
        }
    }

    /// A load generator's line.
    pub(crate) fn generator(tool: &str, workload: &str, rps: f64, wall_ms: Option<f64>) -> Ceiling {
        Ceiling {
            tool: tool.into(),
            workload: workload.into(),
            req_per_s: rps,
            command: format!("{tool} --on {workload}"),
            wall_ms,
        }
    }
}
