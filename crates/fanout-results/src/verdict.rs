//! [`verdict`]: whether one cell got slower or faster between two result
//! sets — the statistics of `fanout compare`, in one module so they can be
//! tested, and replaced, alone. A [`Side`] is what one set holds of a cell.

/// The fewest repeats on both sides for the range test (below: the
/// threshold alone, marked indicative).
pub const MIN_REPEATS: usize = 3;

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
