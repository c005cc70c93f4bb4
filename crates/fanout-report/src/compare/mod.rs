//! [`compare`]: what got faster or slower between two result sets, cell by
//! cell — and what differs between the machines and software they ran on.
//!
//! Cells are matched by row, workload and plan label, and by client host
//! when either set merges several hosts. A cell measured on both sides gets
//! the ratio of its median walls (new ÷ old) and a [`Verdict`]; a cell on
//! one side only, or not measured on either, is listed with its status —
//! never dropped.

mod markdown;
mod ranking;

pub use ranking::stability;

use std::collections::BTreeSet;

use fanout_results::{Cell, CellStatus, Environment, Results};

use crate::model::host_of;

/// The fewest repeats on both sides for the range test (below: the
/// threshold alone, marked indicative).
pub const MIN_REPEATS: usize = 3;

/// Two result sets, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The change a verdict needs, percent of the old median.
    pub threshold_pct: f64,
    /// What differs between the two sets' environments and settings, one
    /// line each (empty when nothing does).
    pub differs: Vec<String>,
    /// Every cell of either side, by effect: the slower cells (largest
    /// slowdown first), the same, the faster (largest speedup last), then
    /// the cells without a ratio.
    pub changes: Vec<CellChange>,
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
    /// New median wall ÷ old, when both were measured.
    pub ratio: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// `Some(n)`: the fewer side had only `n` repeats (under
    /// [`MIN_REPEATS`]), so the verdict rests on the threshold alone and is
    /// indicative.
    pub indicative: Option<usize>,
}

/// One side of a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// No such cell in this set.
    Absent,
    /// Measured: wall time over the repeats.
    Measured {
        /// Median, ms.
        median_ms: f64,
        /// Fastest repeat, ms.
        min_ms: f64,
        /// Slowest repeat, ms.
        max_ms: f64,
        /// Measured repeats.
        repeats: usize,
    },
    /// In the set but without figures.
    NotMeasured {
        /// `skipped`, `unsupported`, `failed`, or `done without repeats`.
        status: String,
        /// Why, as the set says.
        reason: String,
    },
}

/// What became of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Slower beyond noise and the threshold.
    Slower,
    /// Faster beyond noise and the threshold.
    Faster,
    /// Not told apart: ranges overlap, or the change is within the threshold.
    Same,
    /// Only the old set has it.
    OnlyOld,
    /// Only the new set has it.
    OnlyNew,
    /// In both sets, but not measured on at least one side.
    NotComparable,
}

/// Decides one cell measured on both sides.
///
/// With at least [`MIN_REPEATS`] repeats on both sides, a cell is *slower*
/// (*faster*) only if the two min–max ranges of wall time do not overlap —
/// every new repeat is slower (faster) than every old one — **and** the
/// ratio of medians changed by more than `threshold_pct`. The range test
/// keeps noise out: with three repeats a side, identical programs have
/// every repeat of one side beyond every repeat of the other one time in
/// ten. The threshold keeps out real but negligible changes. With fewer
/// repeats there is no range to trust, so the threshold alone decides and
/// the verdict is marked indicative.
pub fn verdict(
    old: &Side,
    new: &Side,
    threshold_pct: f64,
) -> (Verdict, Option<f64>, Option<usize>) {
    let t = if threshold_pct.is_finite() {
        threshold_pct.max(0.0)
    } else {
        0.0
    };
    match (old, new) {
        (Side::Absent, Side::Absent) => (Verdict::NotComparable, None, None),
        (_, Side::Absent) => (Verdict::OnlyOld, None, None),
        (Side::Absent, _) => (Verdict::OnlyNew, None, None),
        (
            Side::Measured {
                median_ms: om,
                min_ms: omin,
                max_ms: omax,
                repeats: on,
            },
            Side::Measured {
                median_ms: nm,
                min_ms: nmin,
                max_ms: nmax,
                repeats: nn,
            },
        ) => {
            let ratio = nm / om;
            if !ratio.is_finite() || *om <= 0.0 {
                return (Verdict::NotComparable, None, None);
            }
            let change = (ratio - 1.0) * 100.0;
            let n = (*on).min(*nn);
            let (slower, faster, indicative) = if n >= MIN_REPEATS {
                (nmin > omax && change > t, nmax < omin && -change > t, None)
            } else {
                (change > t, -change > t, Some(n))
            };
            let v = if slower {
                Verdict::Slower
            } else if faster {
                Verdict::Faster
            } else {
                Verdict::Same
            };
            (v, Some(ratio), indicative)
        }
        _ => (Verdict::NotComparable, None, None),
    }
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
        (CellStatus::Done { repeats }, Some(d)) => Side::Measured {
            median_ms: d.wall_ms,
            min_ms: d.wall_min_ms,
            max_ms: d.wall_max_ms,
            repeats: repeats.len(),
        },
        (CellStatus::Done { .. }, None) => not("done without repeats", ""),
        (CellStatus::Skipped { reason, .. }, _) => not("skipped", reason),
        (CellStatus::Unsupported { reason }, _) => not("unsupported", reason),
        (CellStatus::Failed { reason }, _) => not("failed", reason),
    }
}

/// Whether a set holds cells from several hosts.
fn merged(r: &Results) -> bool {
    let hosts: BTreeSet<&str> = r.cells.iter().map(|c| host_of(r, c)).collect();
    !r.merged.is_empty() || hosts.len() > 1
}

type Key = (String, String, String, Option<String>);

fn keys(r: &Results, by_host: bool) -> Vec<(Key, &Cell)> {
    let mut out: Vec<(Key, &Cell)> = Vec::new();
    for c in &r.cells {
        let key = (
            c.row.clone(),
            c.workload.clone(),
            c.label.clone(),
            by_host.then(|| host_of(r, c).to_string()),
        );
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, c));
        }
    }
    out
}

/// Compares `new` against `old`: every cell of either, with a verdict
/// ([`verdict`]) where both sides were measured, and what differs between
/// their environments.
pub fn compare(old: &Results, new: &Results, threshold_pct: f64) -> Comparison {
    let by_host = merged(old) || merged(new);
    let (olds, news) = (keys(old, by_host), keys(new, by_host));
    let mut changes = Vec::new();
    let mut push = |key: &Key, o: Option<&Cell>, n: Option<&Cell>| {
        let (old_side, new_side) = (side(o), side(n));
        let (verdict, ratio, indicative) = verdict(&old_side, &new_side, threshold_pct);
        changes.push(CellChange {
            row: key.0.clone(),
            workload: key.1.clone(),
            label: key.2.clone(),
            host: key.3.clone(),
            old: old_side,
            new: new_side,
            ratio,
            verdict,
            indicative,
        });
    };
    for (key, o) in &olds {
        let n = news.iter().find(|(k, _)| k == key).map(|(_, c)| *c);
        push(key, Some(o), n);
    }
    for (key, n) in &news {
        if !olds.iter().any(|(k, _)| k == key) {
            push(key, None, Some(n));
        }
    }
    // By effect: slower, then same, then faster, each by ratio with the
    // largest slowdown first; the cells without a ratio keep their order
    // after them.
    let rank = |c: &CellChange| match c.verdict {
        Verdict::Slower => 0,
        Verdict::Same => 1,
        Verdict::Faster => 2,
        _ => 3,
    };
    changes.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (a.ratio, b.ratio) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                _ => std::cmp::Ordering::Equal,
            })
    });
    Comparison {
        threshold_pct,
        differs: differs(old, new),
        changes,
    }
}

impl Comparison {
    /// The cells that got slower, largest slowdown first.
    pub fn slower(&self) -> Vec<&CellChange> {
        self.changes
            .iter()
            .filter(|c| c.verdict == Verdict::Slower)
            .collect()
    }
}

/// An environment field: its name and how to read it.
pub(crate) type Field = (&'static str, fn(&Environment) -> String);

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
    if merged(old) || merged(new) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(median: f64, min: f64, max: f64, repeats: usize) -> Side {
        Side::Measured {
            median_ms: median,
            min_ms: min,
            max_ms: max,
            repeats,
        }
    }

    #[test]
    fn equal_medians_are_the_same() {
        let (v, r, i) = verdict(&m(100.0, 99.0, 101.0, 3), &m(100.0, 95.0, 105.0, 3), 5.0);
        assert_eq!((v, r, i), (Verdict::Same, Some(1.0), None));
    }

    #[test]
    fn disjoint_ranges_beyond_the_threshold_decide() {
        let old = m(100.0, 98.0, 102.0, 3);
        assert_eq!(
            verdict(&old, &m(110.0, 108.0, 112.0, 3), 5.0).0,
            Verdict::Slower
        );
        assert_eq!(
            verdict(&old, &m(90.0, 89.0, 91.0, 5), 5.0).0,
            Verdict::Faster
        );
    }

    #[test]
    fn overlapping_ranges_are_the_same_however_large_the_change() {
        let old = m(100.0, 90.0, 200.0, 3);
        let (v, r, _) = verdict(&old, &m(150.0, 140.0, 160.0, 3), 5.0);
        assert_eq!(v, Verdict::Same);
        assert_eq!(r, Some(1.5));
    }

    #[test]
    fn disjoint_ranges_within_the_threshold_are_the_same() {
        let (v, _, _) = verdict(&m(100.0, 99.9, 100.1, 3), &m(101.0, 100.9, 101.1, 3), 5.0);
        assert_eq!(v, Verdict::Same);
    }

    #[test]
    fn one_repeat_uses_the_threshold_alone_and_is_indicative() {
        let old = m(100.0, 100.0, 100.0, 1);
        assert_eq!(
            verdict(&old, &m(110.0, 110.0, 110.0, 3), 5.0),
            (Verdict::Slower, Some(1.1), Some(1))
        );
        assert_eq!(
            verdict(&old, &m(104.0, 104.0, 104.0, 1), 5.0),
            (Verdict::Same, Some(1.04), Some(1))
        );
        assert_eq!(
            verdict(&old, &m(80.0, 80.0, 80.0, 2), 5.0).0,
            Verdict::Faster
        );
    }

    #[test]
    fn missing_and_unmeasured_cells_are_not_compared() {
        let old = m(100.0, 99.0, 101.0, 3);
        let failed = Side::NotMeasured {
            status: "failed".into(),
            reason: "x".into(),
        };
        assert_eq!(verdict(&old, &Side::Absent, 5.0).0, Verdict::OnlyOld);
        assert_eq!(verdict(&Side::Absent, &old, 5.0).0, Verdict::OnlyNew);
        assert_eq!(
            verdict(&old, &failed, 5.0),
            (Verdict::NotComparable, None, None)
        );
        assert_eq!(
            verdict(&m(0.0, 0.0, 0.0, 3), &old, 5.0).0,
            Verdict::NotComparable
        );
    }

    #[test]
    fn a_bad_threshold_counts_as_zero() {
        let (v, _, _) = verdict(
            &m(100.0, 99.0, 101.0, 3),
            &m(102.0, 101.5, 103.0, 3),
            f64::NAN,
        );
        assert_eq!(v, Verdict::Slower);
    }
}
