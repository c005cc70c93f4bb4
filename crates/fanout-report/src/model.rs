//! The report's model, computed once from [`Results`]: a [`Table`] per
//! (workload, plan label) with an [`Entry`] per row — every row, measured
//! or not — and, when result sets from several hosts were merged, per row
//! and host. A measured entry carries its [`Figures`] ([`crate::figures`]):
//! the cell's medians, the spreads the tie rule needs, and its standing
//! against the best row of its table on the same host.

use fanout_core::{Idiom, Model, Plan, Upstream, WORKLOADS, Workload};
use fanout_results::{Cell, CellStatus, ForeignServer, GeneratorLine, Results, RowInfo};

use crate::figures::{Figures, figures, ratio, top_generator};
use crate::format::code;
use crate::ties::{Better, Spread, Ties, relative, ties};

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
    /// The server, when its cells ran against one that is not the
    /// project's (the first such cell's): no counters, content checked
    /// only as far as it echoes.
    pub foreign: Option<&'a ForeignServer>,
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
                    foreign: results
                        .cells
                        .iter()
                        .filter(|c| c.workload == id && c.label == label)
                        .find_map(|c| c.foreign.as_ref()),
                };
                for row in &rows {
                    for host in &hosts {
                        let cell = results.cells.iter().find(|c| {
                            c.row == row.id
                                && c.workload == id
                                && c.label == label
                                && results.host_of(c) == host
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
                roots: None,
                model: Model::Async,
                idiom: Idiom::Spawn,
                protocols: Vec::new(),
                upstream: Upstream::Maintained,
                tuned: None,
                variant_of: None,
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
    candidates.extend(results.cells.iter().map(|c| results.host_of(c).to_string()));
    let mut hosts: Vec<String> = Vec::new();
    for h in candidates {
        let used = results.cells.iter().any(|c| results.host_of(c) == h);
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
