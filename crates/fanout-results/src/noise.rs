//! Telling a change from noise between two sweeps.
//!
//! Two sweeps of the *same* code on this machine differ in two ways, and
//! neither is seen by a test that looks at one cell's repeats alone:
//!
//! - **drift**: the machine as a whole runs faster or slower in one sitting
//!   than in another (every `api` cell 4 % slower, say). It is shared by
//!   the cells of a plan, so it is measured as the median, over the cells
//!   of the plan measured on both sides, of ln(new median ÷ old median), and
//!   taken out of each cell's ratio. What was taken out is reported.
//! - **between-sitting noise**: one cell lands a few percent off in one
//!   sitting, even with tight repeats inside each (a port, a cache, a
//!   scheduler decision that holds for the sitting). Its scale is measured
//!   on the data too: the standard deviation of the drift-corrected log
//!   ratios of the plan's cells, leaving out those beyond [`OUTLIER_MADS`]
//!   robust deviations — the cells that truly changed must not widen the
//!   yardstick they are measured with.
//!
//! A cell's drift-corrected log ratio `r` is then set against
//! `σ = √(noise² + s²_old/n_old + s²_new/n_new)` — the plan's noise plus the
//! cell's own spread of ln(wall) over its repeats, so a cell noisier than
//! its plan needs a larger change — as `t = r / σ`. Its two-sided p-value
//! (Student's t, with the degrees of freedom of the noise estimate) goes
//! through Holm's step-down procedure at `alpha` over every cell compared:
//! the chance that identical code gets *any* verdict stays near `alpha`
//! (5 %) however many cells are compared, where a per-cell 5 % test would
//! name 15 of 300 cells by chance. A gate must not cry wolf.
//!
//! A cell is **slower** (**faster**) when it is beyond noise by that test
//! *and* its drift-corrected ratio moved by more than the threshold (a
//! real but negligible change is not worth a verdict); **unclear** when it
//! moved by more than the threshold but not beyond noise (measure it again
//! with more repeats); **same** otherwise.
//!
//! Why not a rank test on each cell's repeats: Mann–Whitney U needs about
//! five repeats a side to reach 5 % at all (three a side cannot go below
//! p = 0.1), and, like the min–max range test it replaces, it sees only the
//! spread inside each sweep — not the between-sitting noise that made
//! identical code look slower. `tests/noise.rs` checks the statistics on
//! synthetic sweeps shaped like this machine's; the figures measured on
//! real sweeps are in the README ("Compare runs").
//!
//! Drift and noise are measured on **calibration cells**: by default every
//! cell, which is right while fewer than half of a plan's cells changed
//! (the median and the trimmed spread ignore the ones that did). A change
//! that slows most rows of a plan — a new version of a library every row
//! uses — would be taken for drift; so a comparison names the rows the
//! change cannot touch (the reference programs in other languages, say:
//! `fanout compare --drift-from`), and only their cells calibrate. Without
//! them, a plan whose cells moved as a whole by more than twice the
//! threshold is reported as such, and the gate does not pass it.
//!
//! A plan with fewer than [`MIN_CELLS`] calibration cells borrows drift
//! and noise from all calibration cells pooled ([`Basis::Pooled`]); with
//! fewer than [`MIN_CELLS`] in all, there is nothing to measure drift against:
//! none is taken out, the cell's own repeats are the only noise, and the
//! verdict says so ([`Basis::OwnRepeats`]). A cell with one repeat on a side
//! is never beyond noise (at most unclear): one run has no spread of its own
//! to weigh.

use std::collections::BTreeMap;

/// The fewest cells of a plan (measured on both sides) from which its drift
/// and between-sitting noise are measured; below it they are pooled over
/// every cell.
pub const MIN_CELLS: usize = 5;

/// The fewest calibration cells of a plan from which its own noise is
/// measured; below it, noise is pooled over every plan's calibration
/// cells (each about its own plan's drift).
pub const PLAN_NOISE_CELLS: usize = 12;

/// Cells whose log ratio lies further than this many robust deviations
/// (1.4826 × MAD) from the plan's drift are left out of its noise estimate.
pub const OUTLIER_MADS: f64 = 4.0;

/// The default family-wise error rate of Holm's step: the chance that a
/// comparison of identical code names any cell at all.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// One cell measured on both sides: the plan it belongs to (cells of one
/// plan share drift and noise), the wall times of its repeats, and whether
/// it may measure drift and noise.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<G> {
    /// The plan (workload and label, and host when merged).
    pub group: G,
    /// A calibration cell: one the change under test cannot have touched,
    /// so its move is the machine's. By default every cell is (the
    /// median is robust while fewer than half of a plan's cells changed);
    /// `fanout compare --drift-from ROWS` names the rows that are.
    pub calibrates: bool,
    /// Old wall times, one per repeat (positive).
    pub old: Vec<f64>,
    /// New wall times, one per repeat (positive).
    pub new: Vec<f64>,
}

/// What a cell's change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Slower, beyond noise and the threshold.
    Slower,
    /// Faster, beyond noise and the threshold.
    Faster,
    /// Moved by more than the threshold, but not beyond noise: more repeats
    /// would tell.
    Unclear,
    /// Within the threshold.
    Same,
}

/// Where a cell's drift and noise were measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// On the calibration cells of its own plan.
    Plan,
    /// Noise on every plan's calibration cells pooled (its plan had fewer
    /// than [`PLAN_NOISE_CELLS`]); drift on its own plan's when it had at
    /// least [`MIN_CELLS`], else on all of them.
    Pooled,
    /// On nothing: fewer than [`MIN_CELLS`] cells in all, so no drift was
    /// taken out and only the cell's own repeats measure noise.
    OwnRepeats,
}

/// One cell's judgement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    /// New median ÷ old median, as measured.
    pub ratio: f64,
    /// The drift taken out (new ÷ old of the plan's typical cell).
    pub drift: f64,
    /// `ratio ÷ drift`: the cell's own change.
    pub corrected: f64,
    /// The corrected log ratio in units of noise (Student's t).
    pub t: f64,
    /// The verdict.
    pub change: Change,
    /// Where drift and noise were measured.
    pub basis: Basis,
}

/// A plan's drift and noise, as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift<G> {
    /// The plan.
    pub group: G,
    /// Cells of the plan measured on both sides.
    pub cells: usize,
    /// Of those, the calibration cells its drift and noise were measured on
    /// (when at least [`MIN_CELLS`]; else they were pooled over all plans').
    pub calibration: usize,
    /// New ÷ old of the plan's typical cell (1.0: no drift, or none taken out).
    pub ratio: f64,
    /// The between-sitting noise of one cell, as a fraction (0.03 = 3 %).
    pub noise: f64,
    /// The degrees of freedom of that noise estimate.
    pub df: f64,
    /// Where they were measured.
    pub basis: Basis,
}

/// Every cell judged, in the order given (`None` for a pair without a
/// positive finite wall on a side), and each plan's drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement<G> {
    /// One per pair, in order.
    pub cells: Vec<Option<Judged>>,
    /// One per plan, in plan order.
    pub drifts: Vec<Drift<G>>,
}

/// Judges every pair: drift and noise per plan, t, Holm's step at
/// `alpha`, and the threshold (percent of the drift-corrected ratio).
pub fn judge<G: Ord + Clone>(pairs: &[Pair<G>], threshold_pct: f64, alpha: f64) -> Judgement<G> {
    let cells: Vec<Option<Cell>> = pairs.iter().map(Cell::new).collect();
    let valid: Vec<(usize, &Cell)> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
        .collect();

    // Drift and noise come from the calibration cells; every cell is judged.
    let mut cells_of: BTreeMap<&G, usize> = BTreeMap::new();
    let mut calibration: BTreeMap<&G, Vec<f64>> = BTreeMap::new();
    for &(i, c) in &valid {
        let g = &pairs[i].group;
        *cells_of.entry(g).or_default() += 1;
        let mine = calibration.entry(g).or_default();
        if pairs[i].calibrates {
            mine.push(c.log_ratio);
        }
    }
    let scales = scales(&calibration);

    let threshold = if threshold_pct.is_finite() {
        threshold_pct.max(0.0) / 100.0
    } else {
        0.0
    };
    let mut judged: Vec<Option<Judged>> = vec![None; pairs.len()];
    let mut p_values: Vec<(f64, usize)> = Vec::new();
    for &(i, c) in &valid {
        let (scale, basis) = scales[&pairs[i].group];
        let r = c.log_ratio - scale.drift;
        let sigma = (scale.noise.powi(2) + c.own_variance).sqrt();
        // Degrees of freedom: the plan's noise estimate, or the cell's own
        // repeats when there is no plan to measure against.
        let df = match basis {
            Basis::Plan | Basis::Pooled => scale.df,
            Basis::OwnRepeats => c.own_df,
        };
        let t = if sigma > 0.0 { r / sigma } else { 0.0 };
        // A side of one repeat has no spread of its own to set against
        // the plan's: it is never beyond noise.
        if sigma > 0.0 && df > 0.0 && c.repeats_each >= 2 {
            p_values.push((two_sided_p(t, df), i));
        }
        judged[i] = Some(Judged {
            ratio: c.log_ratio.exp(),
            drift: scale.drift.exp(),
            corrected: r.exp(),
            t,
            change: Change::Same,
            basis,
        });
    }

    let mut beyond = vec![false; pairs.len()];
    for i in holm(p_values, alpha) {
        beyond[i] = true;
    }
    for (j, beyond_noise) in judged.iter_mut().zip(beyond) {
        let Some(j) = j else { continue };
        let moved = (j.corrected - 1.0).abs() > threshold;
        j.change = match (moved, beyond_noise) {
            (false, _) => Change::Same,
            (true, false) => Change::Unclear,
            (true, true) if j.corrected > 1.0 => Change::Slower,
            (true, true) => Change::Faster,
        };
    }

    let drifts = scales
        .iter()
        .map(|(g, (s, basis))| Drift {
            group: (*g).clone(),
            cells: cells_of[g],
            calibration: calibration[g].len(),
            ratio: s.drift.exp(),
            noise: s.noise.exp_m1(),
            df: s.df,
            basis: *basis,
        })
        .collect();
    Judgement {
        cells: judged,
        drifts,
    }
}

/// The two-sided p-value of `t` under Student's t with `df` degrees of
/// freedom.
fn two_sided_p(t: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => 2.0 * dist.sf(t.abs()),
        Err(_) => 1.0,
    }
}

/// The `p` quantile of Student's t with `df` degrees of freedom; 0 without
/// degrees of freedom (no noise was measured, so none is allowed for).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) if df > 0.0 => dist.inverse_cdf(p),
        _ => 0.0,
    }
}

/// The indices whose p-values Holm's step-down procedure rejects at
/// family-wise error rate `alpha`: the smallest p against `alpha / m`, the
/// next against `alpha / (m − 1)`, … until one is not below its bound.
fn holm(mut p: Vec<(f64, usize)>, alpha: f64) -> Vec<usize> {
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    let m = p.len();
    p.iter()
        .enumerate()
        .take_while(|(k, (pv, _))| *pv <= alpha / (m - k) as f64)
        .map(|(_, &(_, i))| i)
        .collect()
}

/// A pair reduced to what the test needs.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// ln(new median ÷ old median).
    log_ratio: f64,
    /// s²_old/n_old + s²_new/n_new of ln(wall) (0 for a side of one repeat).
    own_variance: f64,
    /// (n_old − 1) + (n_new − 1).
    own_df: f64,
    /// The fewer repeats of the two sides.
    repeats_each: usize,
}

impl Cell {
    fn new<G>(p: &Pair<G>) -> Option<Cell> {
        let logs = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .filter(|x| x.is_finite() && **x > 0.0)
                .map(|x| x.ln())
                .collect()
        };
        let (old, new) = (logs(&p.old), logs(&p.new));
        if old.is_empty() || new.is_empty() {
            return None;
        }
        Some(Cell {
            log_ratio: median(&new) - median(&old),
            own_variance: variance_of_mean(&old) + variance_of_mean(&new),
            own_df: (old.len() + new.len()).saturating_sub(2) as f64,
            repeats_each: old.len().min(new.len()),
        })
    }
}

/// A plan's drift and between-sitting noise, in ln units, and the degrees
/// of freedom of the noise estimate.
#[derive(Debug, Clone, Copy)]
struct Scale {
    drift: f64,
    noise: f64,
    df: f64,
}

impl Scale {
    const NONE: Scale = Scale {
        drift: 0.0,
        noise: 0.0,
        df: 0.0,
    };

    /// Noise: the standard deviation of residuals (log ratios less their
    /// plan's drift) fitted with `centres` drifts, leaving out those beyond
    /// [`OUTLIER_MADS`] robust deviations (the cells that truly changed
    /// must not widen the yardstick they are measured with).
    fn spread(residuals: &[f64], centres: usize) -> (f64, f64) {
        let dev: Vec<f64> = residuals.iter().map(|r| r.abs()).collect();
        let mad = 1.4826 * median(&dev);
        let kept: Vec<f64> = dev
            .into_iter()
            .filter(|d| mad == 0.0 || *d <= OUTLIER_MADS * mad)
            .collect();
        let df = kept.len().saturating_sub(centres) as f64;
        let noise = if df > 0.0 {
            (kept.iter().map(|d| d * d).sum::<f64>() / df).sqrt()
        } else {
            0.0
        };
        (noise, df)
    }
}

/// Each plan's drift and noise from its calibration cells' log ratios.
///
/// Drift: the median of the plan's calibration cells when it has at least
/// [`MIN_CELLS`], else the median of every calibration cell. Noise: the
/// spread of the plan's own residuals when it has at least
/// [`PLAN_NOISE_CELLS`] ([`Basis::Plan`]); else of every plan's residuals
/// pooled ([`Basis::Pooled`]) — a few calibration rows a plan, many plans;
/// with fewer than [`MIN_CELLS`] calibration cells in all, none
/// ([`Basis::OwnRepeats`]).
fn scales<'g, G: Ord>(calibration: &BTreeMap<&'g G, Vec<f64>>) -> BTreeMap<&'g G, (Scale, Basis)> {
    let all: Vec<f64> = calibration.values().flatten().copied().collect();
    if all.len() < MIN_CELLS {
        return calibration
            .keys()
            .map(|g| (*g, (Scale::NONE, Basis::OwnRepeats)))
            .collect();
    }
    let everywhere = median(&all);
    let drift = |v: &[f64]| {
        if v.len() >= MIN_CELLS {
            median(v)
        } else {
            everywhere
        }
    };
    let mut residuals = Vec::new();
    let mut centres = 0;
    for v in calibration.values().filter(|v| !v.is_empty()) {
        let d = drift(v);
        residuals.extend(v.iter().map(|x| x - d));
        centres += usize::from(v.len() >= MIN_CELLS);
    }
    let (pooled_noise, pooled_df) = Scale::spread(&residuals, centres.max(1));
    calibration
        .iter()
        .map(|(g, v)| {
            let d = drift(v);
            let (scale, basis) = if v.len() >= PLAN_NOISE_CELLS {
                let own: Vec<f64> = v.iter().map(|x| x - d).collect();
                let (noise, df) = Scale::spread(&own, 1);
                (
                    Scale {
                        drift: d,
                        noise,
                        df,
                    },
                    Basis::Plan,
                )
            } else {
                let s = Scale {
                    drift: d,
                    noise: pooled_noise,
                    df: pooled_df,
                };
                (s, Basis::Pooled)
            };
            (*g, (scale, basis))
        })
        .collect()
}

fn median(v: &[f64]) -> f64 {
    crate::median(v.to_vec())
}

/// The sample variance of `v` divided by its length (0 under two values).
fn variance_of_mean(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // Student's t, two-sided 5 %: 12.706 (1 df), 2.086 (20), 1.96 (∞).
        assert!((t_quantile(0.975, 1.0) - 12.706).abs() < 1e-3);
        assert!((t_quantile(0.975, 20.0) - 2.086).abs() < 1e-3);
        assert!((t_quantile(0.975, 1e6) - 1.960).abs() < 1e-3);
        assert_eq!(t_quantile(0.975, 0.0), 0.0);
        assert!((two_sided_p(2.086, 20.0) - 0.05).abs() < 1e-4);
    }

    #[test]
    fn holm_steps_down() {
        // m = 4, alpha = 0.05: bounds 0.0125, 0.0167, 0.025, 0.05.
        let p = vec![(0.001, 0), (0.016, 1), (0.2, 2), (0.024, 3)];
        let mut r = holm(p, 0.05);
        r.sort();
        assert_eq!(r, [0, 1, 3]);
        assert_eq!(holm(vec![(0.001, 0), (0.03, 1), (0.04, 2)], 0.05), [0]);
        assert!(holm(vec![(0.03, 0), (0.5, 1)], 0.05).is_empty());
    }

    #[test]
    fn a_plan_of_identical_cells_has_no_noise_and_its_drift_is_taken_out() {
        let pairs: Vec<Pair<u8>> = (0..6)
            .map(|_| Pair {
                group: 0,
                calibrates: true,
                old: vec![100.0; 3],
                new: vec![104.0; 3],
            })
            .collect();
        let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
        assert!((j.drifts[0].ratio - 1.04).abs() < 1e-9);
        for c in j.cells.iter().flatten() {
            assert_eq!(c.change, Change::Same);
            assert!((c.corrected - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn too_few_cells_fall_back_to_the_pool_then_to_own_repeats() {
        let pair = |g, f: f64| Pair {
            group: g,
            calibrates: true,
            old: vec![100.0, 101.0, 99.0],
            new: vec![100.0 * f, 101.0 * f, 99.0 * f],
        };
        let few = judge(&[pair(0, 1.5), pair(1, 1.0)], 5.0, DEFAULT_ALPHA);
        assert!(
            few.cells
                .iter()
                .flatten()
                .all(|c| c.basis == Basis::OwnRepeats)
        );
        assert_eq!(few.cells[0].unwrap().change, Change::Slower);
        let pooled: Vec<_> = (0..6).map(|g| pair(g, 1.0)).collect();
        let j = judge(&pooled, 5.0, DEFAULT_ALPHA);
        assert!(j.drifts.iter().all(|d| d.basis == Basis::Pooled));
        assert!(
            judge(
                &[Pair {
                    group: 0,
                    calibrates: true,
                    old: vec![0.0],
                    new: vec![1.0]
                }],
                5.0,
                0.05
            )
            .cells[0]
                .is_none()
        );
    }
}
