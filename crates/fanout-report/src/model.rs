//! The report's model, computed once from [`Results`]: a [`Table`] per
//! (workload, plan label) with an [`Entry`] per row — every row, measured
//! or not — and, when result sets from several hosts were merged, per row
//! and host. A measured entry carries its [`Figures`]: the cell's
//! [`Derived`] medians, the spreads the tie rule needs, and its standing
//! against the best row of its table on the same host.

use std::collections::BTreeMap;

use fanout_core::{ErrorKind, Idiom, Model, Plan, Upstream, WORKLOADS, Workload};
use fanout_results::{Cell, CellStatus, Derived, GeneratorLine, Results, RowInfo};

use crate::format::code;
use crate::ties::{Better, Mark, Spread, Ties, relative, ties};

/// Everything the outputs render.
pub(crate) struct Report<'a> {
    /// What was loaded.
    pub results: &'a Results,
    /// Every row in report order, then rows only the cells name.
    pub rows: Vec<RowInfo>,
    /// The client hosts with cells, the first set's host first.
    pub hosts: Vec<String>,
    /// Cells from more than one host: tables get a Host column.
    pub multi_host: bool,
    /// Every table, workload by workload in report order.
    pub tables: Vec<Table<'a>>,
}

/// One plan of one workload: one table.
pub(crate) struct Table<'a> {
    /// Workload id.
    pub workload_id: String,
    /// The preset, when this fanout knows the id.
    pub workload: Option<Workload>,
    /// The plan's label (`N=1000`, `http2`, or the workload id).
    pub label: String,
    /// The plan the cells ran.
    pub plan: Plan,
    /// One per row (and host), in report order.
    pub entries: Vec<Entry<'a>>,
    /// The load generators' lines, on the workload's first plan (where the
    /// harness runs them), one per tool.
    pub generators: Vec<&'a GeneratorLine>,
}

/// One row (on one host) in one table.
pub(crate) struct Entry<'a> {
    /// The row.
    pub row: RowInfo,
    /// The client host of the cell.
    pub host: String,
    /// Its cell, if the results have one.
    pub cell: Option<&'a Cell>,
    /// The figures, when the cell ran.
    pub figures: Option<Figures>,
}

/// A measured cell's figures.
#[derive(Debug, Clone)]
pub(crate) struct Figures {
    /// Medians over the repeats.
    pub d: Derived,
    /// Wall time, ms.
    pub wall: Spread,
    /// Requests per second (N over each repeat's wall).
    pub rate: Spread,
    /// Client CPU (user + sys) per request, µs.
    pub cpu: Spread,
    /// Client CPU per TLS handshake the server completed, µs, on HTTPS plans
    /// without keep-alive (a handshake per request).
    pub cpu_per_handshake: Option<Spread>,
    /// (peak RSS − idle RSS) / server peak in-flight, KiB, per repeat.
    pub rss_per_inflight: Option<Spread>,
    /// `HTTP/1.1`, `HTTP/2`, `mixed`, or `—` when nothing was answered.
    pub protocol_used: &'static str,
    /// Failed requests by kind, summed over the repeats.
    pub errors_by_kind: BTreeMap<ErrorKind, u64>,
    /// Wall against the best row of the table (same host): ratio of minima
    /// and of maxima.
    pub relative: Option<(f64, f64)>,
    /// Its standing on wall time.
    pub mark: Mark,
    /// req/s over each generator's, in the order of [`Table::generators`].
    pub generator_multiples: Vec<Option<f64>>,
    /// req/s over the fastest generator's.
    pub ceiling_multiple: Option<f64>,
}

/// What became of an entry's cell.
pub(crate) enum Fate<'e> {
    /// Ran, with figures.
    Measured(&'e Figures),
    /// Skipped on purpose (projected over the budget).
    Skipped {
        /// Why.
        reason: &'e str,
        /// Projected wall of one run, seconds.
        projected_s: Option<f64>,
    },
    /// The row cannot run it here.
    Unsupported(&'e str),
    /// Tried and failed.
    Failed(&'e str),
    /// Recorded as done without a repeat.
    NoRepeats,
    /// No cell in the results.
    NotRun,
}

impl Entry<'_> {
    /// What became of this entry's cell.
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
            Some(CellStatus::Unsupported { reason }) => Fate::Unsupported(reason),
            Some(CellStatus::Failed { reason }) => Fate::Failed(reason),
            Some(CellStatus::Done { .. }) => Fate::NoRepeats,
        }
    }
}

/// Whether the results describe the row (rows only the cells name do not).
pub(crate) fn described(row: &RowInfo) -> bool {
    !(row.runtime.is_empty() && row.client.is_empty())
}

/// The row's markers: ` (reference: Go go1.22)`, ` (tuned)`.
pub(crate) fn markers(row: &RowInfo) -> String {
    let mut out = String::new();
    if row.reference {
        out.push_str(&format!(" (reference: {})", row.runtime));
    }
    if row.tuned.is_some() {
        out.push_str(" (tuned)");
    }
    out
}

/// The row id as code with its markers, for tables and prose.
pub(crate) fn row_cell(row: &RowInfo) -> String {
    code(&row.id) + &markers(row)
}

/// The row id with short markers, for chart labels: `id (reference)`.
pub(crate) fn row_label(row: &RowInfo) -> String {
    let mut name = row.id.clone();
    if row.reference {
        name.push_str(" (reference)");
    }
    if row.tuned.is_some() {
        name.push_str(" (tuned)");
    }
    name
}

impl Table<'_> {
    /// The measured entries.
    pub fn measured(&self) -> impl Iterator<Item = (&Entry<'_>, &Figures)> {
        self.entries
            .iter()
            .filter_map(|e| e.figures.as_ref().map(|f| (e, f)))
    }

    /// The entries of one host.
    pub fn of_host<'t>(&'t self, host: &'t str) -> impl Iterator<Item = &'t Entry<'t>> + Clone {
        self.entries.iter().filter(move |e| e.host == host)
    }

    /// Among the entries of `host` that `keep` admits, the best on `metric`
    /// and those tied with it.
    pub fn ties_by<'t>(
        &'t self,
        host: &'t str,
        keep: impl Fn(&Entry<'_>) -> bool,
        metric: impl Fn(&Figures) -> Option<Spread>,
        better: Better,
    ) -> Option<(Vec<&'t Entry<'t>>, Ties)> {
        let entries: Vec<&Entry<'_>> = self.of_host(host).filter(|e| keep(e)).collect();
        let spreads: Vec<Option<Spread>> = entries
            .iter()
            .map(|e| e.figures.as_ref().and_then(&metric))
            .collect();
        let t = ties(&spreads, better)?;
        Some((entries, t))
    }

    /// The generator with the highest req/s: the practical ceiling.
    pub fn ceiling(&self) -> Option<&GeneratorLine> {
        top_generator(&self.generators)
    }

    /// The column header word of generator `i`: the tool's first word
    /// (`wrk`, `oha`), or the whole tool name when two share that word.
    pub fn generator_word(&self, i: usize) -> String {
        let word = |c: &GeneratorLine| c.tool.split_whitespace().next().unwrap_or("").to_string();
        let Some(this) = self.generators.get(i) else {
            return String::new();
        };
        let w = word(this);
        let shared = self.generators.iter().filter(|c| word(c) == w).count() > 1;
        if shared || w.is_empty() {
            this.tool.clone()
        } else {
            w
        }
    }

    /// The table's name in prose: `` `scaling` at N=1000 `` or `` `latency` ``.
    pub fn name(&self) -> String {
        if self.label == self.workload_id {
            code(&self.workload_id)
        } else {
            format!("{} at {}", code(&self.workload_id), self.label)
        }
    }
}

impl<'a> Report<'a> {
    /// The model of `results`.
    pub fn new(results: &'a Results) -> Report<'a> {
        let rows = rows(results);
        let hosts = hosts(results);
        let multi_host = hosts.len() > 1;
        let mut tables = Vec::new();
        for (id, workload) in workload_ids(results) {
            for (i, (label, plan)) in labels(results, &id).into_iter().enumerate() {
                let generators = if i == 0 {
                    generators_of(results, &id)
                } else {
                    Vec::new()
                };
                let mut t = Table {
                    workload_id: id.clone(),
                    workload,
                    label: label.to_string(),
                    plan: plan.clone(),
                    entries: Vec::new(),
                    generators,
                };
                for row in &rows {
                    for host in &hosts {
                        let cell = results.cells.iter().find(|c| {
                            c.row == row.id
                                && c.workload == id
                                && c.label == label
                                && host_of(results, c) == host
                        });
                        // One idle RSS per row is recorded, the first host's.
                        let idle = if *host == results.environment.host || !multi_host {
                            row.idle_rss_kib
                        } else {
                            None
                        };
                        t.entries.push(Entry {
                            row: row.clone(),
                            host: host.clone(),
                            cell,
                            figures: cell.and_then(|c| figures(c, idle)),
                        });
                    }
                }
                stand(&mut t, &hosts, &results.environment.host);
                tables.push(t);
            }
        }
        Report {
            results,
            rows,
            hosts,
            multi_host,
            tables,
        }
    }

    /// The tables of each workload, in report order.
    pub fn workloads(&self) -> Vec<(&str, Option<Workload>, Vec<&Table<'a>>)> {
        let mut out: Vec<(&str, Option<Workload>, Vec<&Table<'a>>)> = Vec::new();
        for t in &self.tables {
            match out.iter_mut().find(|(id, _, _)| *id == t.workload_id) {
                Some((_, _, ts)) => ts.push(t),
                None => out.push((&t.workload_id, t.workload, vec![t])),
            }
        }
        out
    }

    /// ` on `host`` when tables have a Host column, else nothing.
    pub fn on_host(&self, host: &str) -> String {
        if self.multi_host {
            format!(" on {}", code(host))
        } else {
            String::new()
        }
    }
}

/// The client host a cell ran on.
pub(crate) fn host_of<'r>(results: &'r Results, cell: &'r Cell) -> &'r str {
    cell.host.as_deref().unwrap_or(&results.environment.host)
}

/// Every row of the results in report order, followed by any row that only
/// appears in the cells (so nothing measured is ever dropped).
fn rows(results: &Results) -> Vec<RowInfo> {
    let mut rows = results.rows.clone();
    for cell in &results.cells {
        if !rows.iter().any(|r| r.id == cell.row) {
            rows.push(RowInfo {
                id: cell.row.clone(),
                runtime: String::new(),
                client: String::new(),
                tls: None,
                model: Model::Async,
                idiom: Idiom::Spawn,
                protocols: Vec::new(),
                upstream: Upstream::Maintained,
                tuned: None,
                reference: false,
                idle_rss_kib: None,
            });
        }
    }
    rows
}

/// The hosts with cells: the first set's, the merged sets', then any other.
fn hosts(results: &Results) -> Vec<String> {
    let mut candidates = vec![results.environment.host.clone()];
    candidates.extend(results.merged.iter().map(|e| e.host.clone()));
    candidates.extend(
        results
            .cells
            .iter()
            .map(|c| host_of(results, c).to_string()),
    );
    let mut hosts: Vec<String> = Vec::new();
    for h in candidates {
        let used = results.cells.iter().any(|c| host_of(results, c) == h);
        if used && !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    if hosts.is_empty() {
        hosts.push(results.environment.host.clone());
    }
    hosts
}

/// Workload ids in report order: the presets, then any other id in the cells.
fn workload_ids(results: &Results) -> Vec<(String, Option<Workload>)> {
    let mut ids: Vec<(String, Option<Workload>)> = WORKLOADS
        .iter()
        .filter(|w| results.cells.iter().any(|c| c.workload == w.id))
        .map(|w| (w.id.to_string(), Some(*w)))
        .collect();
    for cell in &results.cells {
        if !ids.iter().any(|(id, _)| *id == cell.workload) {
            ids.push((cell.workload.clone(), Workload::get(&cell.workload)));
        }
    }
    ids
}

/// The distinct plan labels of a workload with their plan, in the order the
/// sweep ran them.
fn labels<'r>(results: &'r Results, workload: &str) -> Vec<(&'r str, &'r Plan)> {
    let mut labels: Vec<(&str, &Plan)> = Vec::new();
    for cell in results.cells.iter().filter(|c| c.workload == workload) {
        match labels.iter_mut().find(|(l, _)| *l == cell.label) {
            Some(slot) if cell.repeats().is_some() => slot.1 = &cell.plan,
            Some(_) => {}
            None => labels.push((&cell.label, &cell.plan)),
        }
    }
    labels
}

/// The load generators' lines on a workload, the first per tool.
fn generators_of<'r>(results: &'r Results, workload: &str) -> Vec<&'r GeneratorLine> {
    let mut out: Vec<&GeneratorLine> = Vec::new();
    for g in results.generators.iter().filter(|g| g.workload == workload) {
        if !out.iter().any(|o| o.tool == g.tool) {
            out.push(g);
        }
    }
    out
}

/// The generator with the highest finite req/s.
fn top_generator<'g>(generators: &[&'g GeneratorLine]) -> Option<&'g GeneratorLine> {
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

/// A measured cell's figures; `idle` is the row's idle RSS on the cell's host.
fn figures(cell: &Cell, idle: Option<u64>) -> Option<Figures> {
    let d = cell.derived()?;
    let reps = cell.repeats()?;
    let n = cell.plan.requests as f64;
    let cpu_s = |r: &fanout_results::Repeat| r.cpu_user_s + r.cpu_sys_s;
    let mut errors_by_kind = BTreeMap::new();
    for r in reps {
        for (kind, k) in &r.summary.errors {
            *errors_by_kind.entry(*kind).or_insert(0) += k;
        }
    }
    errors_by_kind.retain(|_, k| *k > 0);
    let answered: u64 = reps
        .iter()
        .map(|r| r.server.http1.requests + r.server.http2.requests)
        .sum();
    Some(Figures {
        wall: Spread {
            median: d.wall_ms,
            min: d.wall_min_ms,
            max: d.wall_max_ms,
        },
        rate: Spread {
            median: d.req_per_s,
            min: n / (d.wall_max_ms / 1e3),
            max: n / (d.wall_min_ms / 1e3),
        },
        cpu: Spread::of(
            reps.iter()
                .map(|r| cpu_s(r) * 1e6 / r.summary.requests.max(1) as f64),
        )?,
        // Per handshake only where every request makes one (no keep-alive).
        cpu_per_handshake: Spread::of(
            reps.iter()
                .filter(|r| cell.plan.tls && !cell.plan.keep_alive && r.server.tls.handshakes > 0)
                .map(|r| cpu_s(r) * 1e6 / r.server.tls.handshakes as f64),
        ),
        rss_per_inflight: idle.and_then(|idle| {
            Spread::of(
                reps.iter()
                    .filter(|r| r.server.peak_in_flight > 0)
                    .map(|r| {
                        r.peak_rss_kib.saturating_sub(idle) as f64 / r.server.peak_in_flight as f64
                    }),
            )
        }),
        protocol_used: match d.protocol_used {
            Some(fanout_core::Protocol::Http1) => "HTTP/1.1",
            Some(fanout_core::Protocol::Http2) => "HTTP/2",
            _ if answered > 0 => "mixed",
            _ => crate::format::NONE,
        },
        errors_by_kind,
        relative: None,
        mark: Mark::Behind,
        generator_multiples: Vec::new(),
        ceiling_multiple: None,
        d,
    })
}

/// Sets each measured entry's standing against the best row of its host,
/// and (on the first host, where the generators ran) its generator ratios.
fn stand(t: &mut Table<'_>, hosts: &[String], generator_host: &str) {
    let ceiling = top_generator(&t.generators).map(|c| c.req_per_s);
    let gens: Vec<f64> = t.generators.iter().map(|g| g.req_per_s).collect();
    for host in hosts {
        let idx: Vec<usize> = (0..t.entries.len())
            .filter(|&i| t.entries[i].host == *host)
            .collect();
        let spreads: Vec<Option<Spread>> = idx
            .iter()
            .map(|&i| t.entries[i].figures.as_ref().map(|f| f.wall))
            .collect();
        let Some(tie) = ties(&spreads, Better::Lower) else {
            continue;
        };
        let best = spreads[tie.best].unwrap_or(Spread {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        });
        for (k, &i) in idx.iter().enumerate() {
            let Some(f) = t.entries[i].figures.as_mut() else {
                continue;
            };
            f.mark = tie.mark(k);
            f.relative = relative(&f.wall, &best);
            if host == generator_host {
                f.generator_multiples = gens.iter().map(|g| ratio(f.d.req_per_s, *g)).collect();
                f.ceiling_multiple = ceiling.and_then(|c| ratio(f.d.req_per_s, c));
            } else {
                f.generator_multiples = vec![None; gens.len()];
            }
        }
    }
}

/// The row id as code with short markers, for prose: `` `id` (reference)``.
pub(crate) fn row_prose(row: &RowInfo) -> String {
    let mut name = code(&row.id);
    if row.reference {
        name.push_str(" (reference)");
    }
    if row.tuned.is_some() {
        name.push_str(" (tuned)");
    }
    name
}
