//! [`verdicts`]: whether each cell got slower or faster between two result
//! sets — the statistics of `fanout compare`, in one module so they can be
//! tested, and replaced, alone. A [`Side`] is what one set holds of a cell;
//! the test itself is [`crate::noise`]: drift per plan taken out,
//! between-sitting noise measured on the plan's cells, Student's t and
//! Holm's step over every cell compared.

use crate::noise::{self, Change, Drift, Judged, Pair};

/// One side of a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// No such cell in this set.
    Absent,
    /// Measured: every repeat's wall, ms, in the order measured (never empty).
    Measured(Vec<f64>),
    /// In the set but without figures.
    NotMeasured {
        /// `skipped`, `unsupported`, `failed`, or `done without repeats`.
        status: String,
        /// Why, as the set says.
        reason: String,
    },
}

impl Side {
    /// The walls when measured: (median, fastest, slowest, repeats).
    pub fn spread(&self) -> Option<(f64, f64, f64, usize)> {
        let Side::Measured(walls) = self else {
            return None;
        };
        let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
        let max = walls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((crate::median(walls.clone()), min, max, walls.len()))
    }
}

/// What became of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Measured on both sides and judged.
    Judged(Change),
    /// Only the old set has it.
    OnlyOld,
    /// Only the new set has it.
    OnlyNew,
    /// In both sets, but not measured on at least one side.
    NotComparable,
}

/// One cell to decide: its plan (cells of one plan share drift and
/// noise), both sides, and whether it calibrates (see [`Pair::calibrates`]).
#[derive(Debug, Clone, Copy)]
pub struct ToJudge<'a, G> {
    /// The plan.
    pub group: &'a G,
    /// The old side.
    pub old: &'a Side,
    /// The new side.
    pub new: &'a Side,
    /// A calibration cell.
    pub calibrates: bool,
}

/// Every cell's verdict, and each plan's drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdicts<G> {
    /// One per cell given, in order: the verdict and, for cells measured on
    /// both sides, the figures behind it.
    pub cells: Vec<(Verdict, Option<Judged>)>,
    /// Each plan's drift and noise.
    pub drifts: Vec<Drift<G>>,
}

/// Decides every cell. A cell measured on both sides is judged by
/// [`noise::judge`] at the threshold (percent of the drift-corrected
/// ratio) and family-wise error rate `alpha`; the others say which side
/// they lack.
pub fn verdicts<G: Ord + Clone>(
    cells: &[ToJudge<'_, G>],
    threshold_pct: f64,
    alpha: f64,
) -> Verdicts<G> {
    let mut pairs = Vec::new();
    let mut at = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if let (Side::Measured(o), Side::Measured(n)) = (c.old, c.new) {
            at.push(i);
            pairs.push(Pair {
                group: c.group.clone(),
                calibrates: c.calibrates,
                old: o.clone(),
                new: n.clone(),
            });
        }
    }
    let judged = noise::judge(&pairs, threshold_pct, alpha);
    let mut out: Vec<(Verdict, Option<Judged>)> = cells
        .iter()
        .map(|c| {
            let v = match (c.old, c.new) {
                (Side::Absent, Side::Absent) => Verdict::NotComparable,
                (_, Side::Absent) => Verdict::OnlyOld,
                (Side::Absent, _) => Verdict::OnlyNew,
                _ => Verdict::NotComparable,
            };
            (v, None)
        })
        .collect();
    for (i, j) in at.into_iter().zip(judged.cells) {
        if let Some(j) = j {
            out[i] = (Verdict::Judged(j.change), Some(j));
        }
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
        Side::Measured(walls.to_vec())
    }

    fn all<'a>(cells: &'a [(u8, Side, Side)]) -> Vec<ToJudge<'a, u8>> {
        cells
            .iter()
            .map(|(g, old, new)| ToJudge {
                group: g,
                old,
                new,
                calibrates: true,
            })
            .collect()
    }

    #[test]
    fn missing_and_unmeasured_cells_are_not_judged() {
        let old = m(&[100.0, 99.0, 101.0]);
        let failed = Side::NotMeasured {
            status: "failed".into(),
            reason: "x".into(),
        };
        let cells = [
            (0, old.clone(), Side::Absent),
            (0, Side::Absent, old.clone()),
            (0, old.clone(), failed),
            (0, m(&[0.0]), old),
        ];
        let v = verdicts(&all(&cells), 5.0, DEFAULT_ALPHA);
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
        let cells: Vec<(u8, Side, Side)> =
            olds.into_iter().zip(news).map(|(o, n)| (0, o, n)).collect();
        let v = verdicts(&all(&cells), 5.0, DEFAULT_ALPHA);
        for (r, (verdict, e)) in v.cells.iter().enumerate() {
            let e = e.unwrap();
            assert!((e.drift - 1.03).abs() < 0.01, "{e:?}");
            let want = Verdict::Judged(if r == 5 { Change::Slower } else { Change::Same });
            assert_eq!(*verdict, want, "row {r}: {e:?}");
        }
        assert_eq!(v.drifts.len(), 1);
    }
}
