//! [`verdicts`]: whether each cell got slower or faster between two result
//! sets — the statistics of `fanout compare`, in one module so they can be
//! tested, and replaced, alone. A [`Side`] is what one set holds of a cell;
//! the test itself is [`crate::noise`]: drift per plan taken out,
//! between-sitting noise measured on the plan's cells, Student's t and
//! Holm's step over every cell compared.

use crate::noise::{self, Basis, Change, Drift, Pair};

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
        /// Every repeat's wall, ms, in the order measured.
        walls: Vec<f64>,
    },
    /// In the set but without figures.
    NotMeasured {
        /// `skipped`, `unsupported`, `failed`, or `done without repeats`.
        status: String,
        /// Why, as the set says.
        reason: String,
    },
}

impl Side {
    /// Measured repeats (0 when not measured).
    pub fn repeats(&self) -> usize {
        match self {
            Side::Measured { walls, .. } => walls.len(),
            _ => 0,
        }
    }
}

/// What became of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Slower beyond noise and the threshold.
    Slower,
    /// Faster beyond noise and the threshold.
    Faster,
    /// Moved by more than the threshold, but not beyond noise: measure it
    /// again with more repeats to tell.
    Unclear,
    /// Within the threshold.
    Same,
    /// Only the old set has it.
    OnlyOld,
    /// Only the new set has it.
    OnlyNew,
    /// In both sets, but not measured on at least one side.
    NotComparable,
}

/// A measured cell's figures behind its verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// New median ÷ old median, as measured.
    pub ratio: f64,
    /// The drift of its plan taken out (new ÷ old of the plan's typical cell).
    pub drift: f64,
    /// `ratio ÷ drift`: the cell's own change.
    pub corrected: f64,
    /// The corrected change in units of noise (Student's t).
    pub t: f64,
    /// Where drift and noise were measured.
    pub basis: Basis,
}

/// Every cell's verdict, and each plan's drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdicts<G> {
    /// One per cell given, in order: the verdict and, for cells measured on
    /// both sides, the figures behind it.
    pub cells: Vec<(Verdict, Option<Evidence>)>,
    /// Each plan's drift and noise.
    pub drifts: Vec<Drift<G>>,
}

/// Decides every cell: `(plan, old, new)` per cell, cells of one plan
/// sharing drift and noise. A cell measured on both sides is judged by
/// [`noise::judge`] at the threshold (percent of the drift-corrected
/// ratio) and family-wise error rate `alpha`; the others say which side
/// they lack.
pub fn verdicts<G: Ord + Clone>(
    cells: &[(G, &Side, &Side)],
    threshold_pct: f64,
    alpha: f64,
) -> Verdicts<G> {
    let mut pairs = Vec::new();
    let mut at = Vec::new();
    for (i, (g, old, new)) in cells.iter().enumerate() {
        if let (Side::Measured { walls: o, .. }, Side::Measured { walls: n, .. }) = (old, new) {
            at.push(i);
            pairs.push(Pair {
                group: g.clone(),
                old: o.clone(),
                new: n.clone(),
            });
        }
    }
    let judged = noise::judge(&pairs, threshold_pct, alpha);
    let mut out: Vec<(Verdict, Option<Evidence>)> = cells
        .iter()
        .map(|(_, old, new)| {
            let v = match (old, new) {
                (Side::Absent, Side::Absent) => Verdict::NotComparable,
                (_, Side::Absent) => Verdict::OnlyOld,
                (Side::Absent, _) => Verdict::OnlyNew,
                _ => Verdict::NotComparable,
            };
            (v, None)
        })
        .collect();
    for (i, j) in at.into_iter().zip(judged.cells) {
        let Some(j) = j else { continue };
        let v = match j.change {
            Change::Slower => Verdict::Slower,
            Change::Faster => Verdict::Faster,
            Change::Unclear => Verdict::Unclear,
            Change::Same => Verdict::Same,
        };
        out[i] = (
            v,
            Some(Evidence {
                ratio: j.ratio,
                drift: j.drift,
                corrected: j.corrected,
                t: j.z,
                basis: j.basis,
            }),
        );
    }
    Verdicts {
        cells: out,
        drifts: judged.drifts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::DEFAULT_ALPHA;

    fn m(walls: &[f64]) -> Side {
        let mut v = walls.to_vec();
        v.sort_by(f64::total_cmp);
        Side::Measured {
            median_ms: crate::median(v.clone()),
            min_ms: v[0],
            max_ms: v[v.len() - 1],
            walls: walls.to_vec(),
        }
    }

    #[test]
    fn missing_and_unmeasured_cells_are_not_judged() {
        let old = m(&[100.0, 99.0, 101.0]);
        let failed = Side::NotMeasured {
            status: "failed".into(),
            reason: "x".into(),
        };
        let cells = [
            (0, &old, &Side::Absent),
            (0, &Side::Absent, &old),
            (0, &old, &failed),
            (0, &m(&[0.0]), &old),
        ];
        let v = verdicts(&cells, 5.0, DEFAULT_ALPHA);
        let got: Vec<Verdict> = v.cells.iter().map(|c| c.0).collect();
        assert_eq!(
            got,
            [
                Verdict::OnlyOld,
                Verdict::OnlyNew,
                Verdict::NotComparable,
                Verdict::NotComparable
            ]
        );
        assert!(v.cells.iter().all(|c| c.1.is_none()));
    }

    #[test]
    fn one_slower_cell_among_steady_ones_is_slower_and_the_drift_is_reported() {
        // Eight rows of one plan, all 3 % slower in the new sitting (drift),
        // one of them 30 % slower on top.
        let olds: Vec<Side> = (0..8)
            .map(|r| {
                let w = 100.0 + 10.0 * r as f64;
                m(&[w, w * 1.01, w * 0.99])
            })
            .collect();
        let news: Vec<Side> = (0..8)
            .map(|r| {
                let w = (100.0 + 10.0 * r as f64) * 1.03 * if r == 5 { 1.3 } else { 1.0 };
                m(&[w * 1.005, w, w * 0.99])
            })
            .collect();
        let cells: Vec<(u8, &Side, &Side)> =
            olds.iter().zip(&news).map(|(o, n)| (0, o, n)).collect();
        let v = verdicts(&cells, 5.0, DEFAULT_ALPHA);
        for (r, (verdict, e)) in v.cells.iter().enumerate() {
            let e = e.unwrap();
            assert!((e.drift - 1.03).abs() < 0.01, "{e:?}");
            let want = if r == 5 {
                Verdict::Slower
            } else {
                Verdict::Same
            };
            assert_eq!(*verdict, want, "row {r}: {e:?}");
        }
        assert_eq!(v.drifts.len(), 1);
    }
}
