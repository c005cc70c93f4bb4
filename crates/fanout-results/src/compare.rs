//! [`compare`]: what got faster or slower between two result sets, cell by
//! cell — and what differs between the machines and software they ran on.
//!
//! Cells are matched by row, workload and plan label, and by client host
//! when either set merges several hosts. A cell measured on both sides gets
//! the ratio of its median walls (new ÷ old) and a [`Verdict`] from
//! [`verdict`]; a cell on one side only, or not measured on either, is
//! listed with its status — never dropped. Rendering is the report's
//! (`fanout_report::comparison_markdown`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::{Cell, CellStatus, Environment, Results};
use crate::noise::Drift;
use crate::noise::{Change, Judged};
use crate::verdict::{Side, ToJudge, Verdict, verdicts};

/// A plan of a comparison: workload, label and (when matched by host) host.
pub type PlanKey = (String, String, Option<String>);

/// Two result sets, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The change a verdict needs, percent of the drift-corrected ratio.
    pub threshold_pct: f64,
    /// The family-wise error rate of the test over every cell compared.
    pub alpha: f64,
    /// The calibration rows (`--drift-from`); empty: every row calibrated.
    pub drift_from: Vec<String>,
    /// The reference programs (other languages) of either set: no change
    /// to a Rust row can move them, so a plan that moved as a whole with
    /// them moved with the machine.
    pub reference_rows: Vec<String>,
    /// Each plan's drift (taken out of its cells' ratios) and noise.
    pub drifts: Vec<Drift<PlanKey>>,
    /// What differs between the two sets' environments and settings, one
    /// line each (empty when nothing does).
    pub differs: Vec<String>,
    /// Every cell of either side, by effect: the slower cells (largest
    /// slowdown first), the same, the faster (largest speedup last), then
    /// the cells without a ratio.
    pub changes: Vec<CellChange>,
}

/// The fewest reference-program cells of a plan measured on both sides
/// from which its move as a whole is told to be the machine's.
pub const MIN_REFERENCE_CELLS: usize = 3;

/// A plan whose cells moved together by more than twice the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct MovedAsAWhole<'a> {
    /// Its drift and noise.
    pub drift: &'a Drift<PlanKey>,
    /// Its reference programs' cells measured on both sides and their own
    /// move (the geometric mean of their ratios), when it has at least
    /// [`MIN_REFERENCE_CELLS`].
    pub references: Option<(usize, f64)>,
    /// The reference programs — which no change to a Rust row can move —
    /// moved with it: not short of the plan's move, in its direction, by
    /// more than noise. The machine drifted; the gate may pass.
    pub machine: bool,
}

/// One cell, old and new.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    /// Row id.
    pub row: String,
    /// Workload id.
    pub workload: String,
    /// Plan label.
    pub label: String,
    /// The client host, when either set merges several.
    pub host: Option<String>,
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    /// The verdict.
    pub verdict: Verdict,
    /// The figures behind it (ratio, drift, corrected ratio, t), when both
    /// sides were measured.
    pub evidence: Option<Judged>,
    /// It calibrated its plan's drift and noise (see
    /// [`crate::noise::Pair::calibrates`]).
    pub calibrates: bool,
}

/// A cell's side.
fn side(cell: Option<&Cell>) -> Side {
    let Some(cell) = cell else {
        return Side::Absent;
    };
    let not = |status: &str, reason: &str| Side::NotMeasured {
        status: status.into(),
        reason: reason.into(),
    };
    match (&cell.status, cell.derived()) {
        (CellStatus::Done { repeats }, Some(_)) => {
            Side::Measured(repeats.iter().map(|r| r.summary.wall_ms).collect())
        }
        (CellStatus::Done { .. }, None) => not("done without repeats", ""),
        (CellStatus::Skipped { reason, .. }, _) => not("skipped", reason),
        (CellStatus::Unsupported { reason }, _) => not("unsupported", reason),
        (CellStatus::Failed { reason }, _) => not("failed", reason),
    }
}

type Key = (String, String, String, Option<String>);

fn keys(r: &Results, by_host: bool) -> Vec<(Key, &Cell)> {
    let mut out: Vec<(Key, &Cell)> = Vec::new();
    for c in &r.cells {
        let key = (
            c.row.clone(),
            c.workload.clone(),
            c.label.clone(),
            by_host.then(|| r.host_of(c).to_string()),
        );
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, c));
        }
    }
    out
}

/// How to compare: the threshold (percent of the drift-corrected ratio a
/// verdict needs), the family-wise error rate `alpha` of the test, and
/// the calibration rows — the rows the change cannot touch, whose cells
/// alone measure drift and noise (empty: every row's).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Percent.
    pub threshold_pct: f64,
    /// E.g. [`crate::noise::DEFAULT_ALPHA`].
    pub alpha: f64,
    /// Row ids; empty = every row calibrates.
    pub drift_from: Vec<String>,
}

impl Settings {
    /// The threshold given, the default `alpha`, every row calibrating.
    pub fn new(threshold_pct: f64) -> Settings {
        Settings {
            threshold_pct,
            alpha: crate::noise::DEFAULT_ALPHA,
            drift_from: Vec::new(),
        }
    }
}

/// Compares `new` against `old`: every cell of either, with a verdict
/// ([`verdicts`] — see [`crate::noise`]) where both sides were measured,
/// and what differs between their environments.
pub fn compare(old: &Results, new: &Results, settings: &Settings) -> Comparison {
    let (threshold_pct, alpha) = (settings.threshold_pct, settings.alpha);
    let by_host = old.is_merged() || new.is_merged();
    let (olds, news) = (keys(old, by_host), keys(new, by_host));
    let mut matched: Vec<(Key, Side, Side)> = Vec::new();
    for (key, o) in &olds {
        let n = news.iter().find(|(k, _)| k == key).map(|(_, c)| *c);
        matched.push((key.clone(), side(Some(o)), side(n)));
    }
    for (key, n) in &news {
        if !olds.iter().any(|(k, _)| k == key) {
            matched.push((key.clone(), Side::Absent, side(Some(n))));
        }
    }
    let plans: Vec<PlanKey> = matched
        .iter()
        .map(|(k, _, _)| (k.1.clone(), k.2.clone(), k.3.clone()))
        .collect();
    let calibrates =
        |row: &str| settings.drift_from.is_empty() || settings.drift_from.iter().any(|r| r == row);
    let cells: Vec<ToJudge<'_, PlanKey>> = matched
        .iter()
        .zip(&plans)
        .map(|((k, old, new), group)| ToJudge {
            group,
            old,
            new,
            calibrates: calibrates(&k.0),
        })
        .collect();
    let judged = verdicts(&cells, threshold_pct, alpha);
    let mut changes: Vec<CellChange> = matched
        .iter()
        .zip(judged.cells)
        .map(|((key, old, new), (verdict, evidence))| CellChange {
            row: key.0.clone(),
            workload: key.1.clone(),
            label: key.2.clone(),
            host: key.3.clone(),
            old: old.clone(),
            new: new.clone(),
            verdict,
            evidence,
            calibrates: calibrates(&key.0),
        })
        .collect();
    // By effect: slower, then same, then faster, each by ratio with the
    // largest slowdown first; the cells without a ratio keep their order
    // after them.
    let rank = |c: &CellChange| match c.verdict {
        Verdict::Judged(Change::Slower) => 0,
        Verdict::Judged(Change::Unclear) => 1,
        Verdict::Judged(Change::Same) => 2,
        Verdict::Judged(Change::Faster) => 3,
        _ => 4,
    };
    changes.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (a.evidence, b.evidence) {
                (Some(x), Some(y)) => y.corrected.total_cmp(&x.corrected),
                _ => std::cmp::Ordering::Equal,
            })
    });
    let mut reference_rows: Vec<String> = old
        .rows
        .iter()
        .chain(&new.rows)
        .filter(|r| r.reference)
        .map(|r| r.id.clone())
        .collect();
    reference_rows.sort();
    reference_rows.dedup();
    Comparison {
        threshold_pct,
        alpha,
        drift_from: settings.drift_from.clone(),
        reference_rows,
        drifts: judged.drifts,
        differs: differs(old, new),
        changes,
    }
}

impl CellChange {
    /// `` `row` · `workload` · label · `host` `` (the label when it is not
    /// the workload id, the host when matched by host).
    pub fn name(&self) -> String {
        let code = |s: &str| format!("`{}`", s.replace('`', "'"));
        let mut s = format!("{} · {}", code(&self.row), code(&self.workload));
        if self.label != self.workload {
            let _ = write!(s, " · {}", self.label);
        }
        if let Some(h) = &self.host {
            let _ = write!(s, " · {}", code(h));
        }
        s
    }
}

impl Comparison {
    /// The cells that got slower, largest slowdown first.
    pub fn slower(&self) -> Vec<&CellChange> {
        self.with(Verdict::Judged(Change::Slower))
    }

    /// The cells with this verdict, in table order.
    pub fn with(&self, v: Verdict) -> Vec<&CellChange> {
        self.changes.iter().filter(|c| c.verdict == v).collect()
    }

    /// The plans whose calibration cells moved as a whole by more than
    /// twice the threshold while every row calibrated: either the machine
    /// drifted that much, or the change moved most rows of the plan, which
    /// the drift correction would hide. The plan's reference programs tell
    /// the two apart when it has at least [`MIN_REFERENCE_CELLS`] of them
    /// ([`MovedAsAWhole::machine`]); rows named as untouched by the change
    /// (`--drift-from`) do it for every plan, and then none is listed.
    pub fn moved_as_a_whole(&self) -> Vec<MovedAsAWhole<'_>> {
        if !self.drift_from.is_empty() {
            return Vec::new();
        }
        let limit = 2.0 * self.threshold_pct.max(0.0) / 100.0;
        self.drifts
            .iter()
            .filter(|d| (d.ratio - 1.0).abs() > limit)
            .map(|d| {
                let logs: Vec<f64> = self
                    .changes
                    .iter()
                    .filter(|c| {
                        (&c.workload, &c.label, &c.host) == (&d.group.0, &d.group.1, &d.group.2)
                            && self.reference_rows.contains(&c.row)
                    })
                    .filter_map(|c| c.evidence.map(|e| e.ratio.ln()))
                    .filter(|l| l.is_finite())
                    .collect();
                let references = (logs.len() >= MIN_REFERENCE_CELLS).then(|| {
                    (
                        logs.len(),
                        (logs.iter().sum::<f64>() / logs.len() as f64).exp(),
                    )
                });
                // The machine, unless the reference programs moved less than
                // the plan, in its direction, beyond noise (a mean of n cells
                // of the plan's noise, two-sided 5 %).
                let machine = references.is_some_and(|(n, r)| {
                    let (plan, refs) = (d.ratio.ln(), r.ln());
                    let short = (plan - refs) * plan.signum();
                    // `noise` is a fraction (e^σ − 1); back to ln units.
                    let bound = crate::noise::t_quantile(0.975, d.df.max(1.0)) * d.noise.ln_1p()
                        / (n as f64).sqrt();
                    short <= bound
                });
                MovedAsAWhole {
                    drift: d,
                    references,
                    machine,
                }
            })
            .collect()
    }

    /// The plans moved as a whole that the reference programs do not
    /// explain: a gate must not pass them.
    pub fn moved_unexplained(&self) -> Vec<MovedAsAWhole<'_>> {
        self.moved_as_a_whole()
            .into_iter()
            .filter(|m| !m.machine)
            .collect()
    }
}

/// An environment field: its name and how to read it.
type Field = (&'static str, fn(&Environment) -> String);

/// What differs between two sets' environments and settings.
fn differs(old: &Results, new: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let envs = |r: &Results| -> Vec<Environment> {
        std::iter::once(&r.environment)
            .chain(&r.merged)
            .cloned()
            .collect()
    };
    let (eo, en) = (envs(old), envs(new));
    let hosts = |es: &[Environment]| es.iter().map(|e| e.host.clone()).collect::<Vec<_>>();
    if hosts(&eo) != hosts(&en) {
        out.push(format!(
            "hosts: {} → {}",
            list(&hosts(&eo)),
            list(&hosts(&en))
        ));
    }
    // Each host's environment against the same host's when either set is
    // merged; the two sets' environments against each other otherwise.
    if old.is_merged() || new.is_merged() {
        for b in &en {
            if let Some(a) = eo.iter().find(|a| a.host == b.host) {
                environment_differs(&mut out, &format!("on {}, ", shown(&a.host)), a, b);
            }
        }
    } else {
        environment_differs(&mut out, "", &old.environment, &new.environment);
    }
    let (s, t) = (&old.settings, &new.settings);
    if s.repeats != t.repeats {
        out.push(format!("repeats: {} → {}", s.repeats, t.repeats));
    }
    if s.quick != t.quick {
        out.push(format!(
            "`--quick`: {} → {} (the plans differ)",
            s.quick, t.quick
        ));
    }
    if s.cell_budget_s != t.cell_budget_s {
        out.push(format!(
            "cell budget: {} s → {} s",
            s.cell_budget_s, t.cell_budget_s
        ));
    }
    if s.interleaved != t.interleaved {
        out.push(format!(
            "interleaved: {} → {}",
            s.interleaved, t.interleaved
        ));
    }
    out
}

/// What differs between two environments, each line led by `on`.
fn environment_differs(out: &mut Vec<String>, on: &str, a: &Environment, b: &Environment) {
    let fields: [Field; 7] = [
        ("commit", |e| e.commit.clone()),
        ("CPU", |e| e.cpu.clone()),
        ("cores", |e| e.cores.to_string()),
        ("memory bytes", |e| e.memory_bytes.to_string()),
        ("kernel", |e| e.kernel.clone()),
        ("rustc", |e| e.rustc.clone()),
        ("server", |e| e.server.clone()),
    ];
    for (name, f) in fields {
        let (x, y) = (f(a), f(b));
        if x != y {
            out.push(format!("{on}{name}: {} → {}", shown(&x), shown(&y)));
        }
    }
    let names: BTreeSet<&String> = a.crates.keys().chain(b.crates.keys()).collect();
    for name in names {
        let (x, y) = (a.crates.get(name), b.crates.get(name));
        if x != y {
            let v = |v: Option<&String>| v.map_or("absent".to_string(), |s| shown(s));
            out.push(format!("{on}`{name}`: {} → {}", v(x), v(y)));
        }
    }
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "unknown".into()
    } else {
        format!("`{}`", s.replace('`', "'"))
    }
}

fn list(hosts: &[String]) -> String {
    hosts
        .iter()
        .map(|h| shown(h))
        .collect::<Vec<_>>()
        .join(", ")
}
