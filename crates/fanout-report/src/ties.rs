//! Ties within noise, decided one way for every table and headline.
//!
//! A figure of a cell is a [`Spread`] over its repeats: the median, the
//! least and the greatest. The *best* row of a table is the one with the
//! best median on the table's own metric (least wall time, most requests
//! per second, least memory or CPU per request; the first in report order
//! when two medians are equal). A row is *tied* with the best when its
//! [min, max] range overlaps the best row's range: the repeats cannot tell
//! them apart. With one repeat a range is a point, so only equal figures tie.

use fanout_results::median;

/// A figure over a cell's repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spread {
    /// The median.
    pub median: f64,
    /// The least repeat.
    pub min: f64,
    /// The greatest repeat.
    pub max: f64,
}

impl Spread {
    /// The spread of the finite values; `None` when there is none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        Some(Spread {
            min: v.iter().copied().fold(f64::INFINITY, f64::min),
            max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            median: median(v),
        })
    }

    /// Whether the two [min, max] ranges share a point.
    pub fn overlaps(&self, other: &Spread) -> bool {
        self.min <= other.max && other.min <= self.max
    }
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    /// Less is better: wall time, CPU, memory.
    Lower,
    /// More is better: requests per second.
    Higher,
}

/// The best entry and those tied with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ties {
    /// Index of the best entry.
    pub best: usize,
    /// Indices of every entry tied with it, the best included, in order.
    pub tied: Vec<usize>,
}

impl Ties {
    /// More than one entry shares the top.
    pub fn is_tie(&self) -> bool {
        self.tied.len() > 1
    }

    /// How entry `i` stands.
    pub fn mark(&self, i: usize) -> Mark {
        match (i == self.best, self.tied.contains(&i), self.is_tie()) {
            (true, _, false) => Mark::Best,
            (true, _, true) | (false, true, _) => Mark::Tied,
            _ => Mark::Behind,
        }
    }
}

/// How an entry stands against the best of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// The best, alone.
    Best,
    /// Tied with the best (the best itself, when others tie with it).
    Tied,
    /// Behind the best, beyond noise.
    Behind,
}

/// The best of `spreads` on a metric that improves `better`, and every
/// entry tied with it; `None` when no entry has a figure.
pub(crate) fn ties(spreads: &[Option<Spread>], better: Better) -> Option<Ties> {
    let mut best: Option<(usize, Spread)> = None;
    for (i, s) in spreads.iter().enumerate() {
        let Some(s) = s.filter(|s| s.median.is_finite()) else {
            continue;
        };
        let wins = best.is_none_or(|(_, b)| match better {
            Better::Lower => s.median < b.median,
            Better::Higher => s.median > b.median,
        });
        if wins {
            best = Some((i, s));
        }
    }
    let (best, b) = best?;
    let tied = spreads
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_some_and(|s| s.overlaps(&b)))
        .map(|(i, _)| i)
        .collect();
    Some(Ties { best, tied })
}

/// A row's figure relative to the best row's, as the Relative column shows
/// it: the ratio of the two minima and of the two maxima, low one first
/// (`(1.00, 1.04)`); (1, 1) for the best itself.
pub(crate) fn relative(row: &Spread, best: &Spread) -> Option<(f64, f64)> {
    let a = row.min / best.min;
    let b = row.max / best.max;
    (a.is_finite() && b.is_finite()).then(|| (a.min(b), a.max(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(median: f64, min: f64, max: f64) -> Option<Spread> {
        Some(Spread { median, min, max })
    }

    #[test]
    fn rows_whose_range_overlaps_the_best_are_tied() {
        let t = ties(
            &[
                s(190.0, 178.0, 192.0),
                s(172.0, 171.0, 179.0),
                s(307.0, 305.0, 308.0),
                None,
            ],
            Better::Lower,
        )
        .unwrap();
        assert_eq!(
            t,
            Ties {
                best: 1,
                tied: vec![0, 1]
            }
        );
        assert_eq!(
            (t.mark(0), t.mark(1), t.mark(2)),
            (Mark::Tied, Mark::Tied, Mark::Behind)
        );
    }

    #[test]
    fn touching_ranges_tie_and_disjoint_ones_do_not() {
        let touching = ties(&[s(10.0, 9.0, 11.0), s(12.0, 11.0, 13.0)], Better::Lower).unwrap();
        assert!(touching.is_tie());
        let apart = ties(&[s(10.0, 9.0, 11.0), s(12.0, 11.5, 13.0)], Better::Lower).unwrap();
        assert_eq!(apart.tied, vec![0]);
        assert_eq!(apart.mark(0), Mark::Best);
    }

    #[test]
    fn higher_is_better_picks_the_largest_median() {
        let t = ties(
            &[s(5.0, 4.0, 6.0), s(9.0, 8.0, 10.0), s(7.0, 6.5, 8.0)],
            Better::Higher,
        )
        .unwrap();
        assert_eq!(
            t,
            Ties {
                best: 1,
                tied: vec![1, 2]
            }
        );
    }

    #[test]
    fn equal_medians_keep_the_first_and_single_repeats_tie_only_when_equal() {
        let t = ties(
            &[s(3.0, 3.0, 3.0), s(3.0, 3.0, 3.0), s(3.1, 3.1, 3.1)],
            Better::Lower,
        )
        .unwrap();
        assert_eq!(
            t,
            Ties {
                best: 0,
                tied: vec![0, 1]
            }
        );
    }

    #[test]
    fn nothing_measured_has_no_best_and_nan_is_ignored() {
        assert_eq!(ties(&[None, None], Better::Lower), None);
        let t = ties(&[s(f64::NAN, 1.0, 2.0), s(4.0, 4.0, 4.0)], Better::Lower).unwrap();
        assert_eq!(t.best, 1);
    }

    #[test]
    fn relative_is_the_ratio_of_minima_and_of_maxima() {
        let best = Spread {
            median: 100.0,
            min: 90.0,
            max: 120.0,
        };
        let row = Spread {
            median: 110.0,
            min: 99.0,
            max: 114.0,
        };
        let (lo, hi) = relative(&row, &best).unwrap();
        assert!(
            (lo - 0.95).abs() < 1e-9 && (hi - 1.1).abs() < 1e-9,
            "{lo} {hi}"
        );
        assert_eq!(relative(&best, &best), Some((1.0, 1.0)));
        let zero = Spread {
            median: 0.0,
            min: 0.0,
            max: 0.0,
        };
        assert_eq!(relative(&row, &zero), None);
    }

    #[test]
    fn spreads_skip_non_finite_values() {
        let sp = Spread::of([3.0, f64::NAN, 1.0, 2.0]).unwrap();
        assert_eq!(
            sp,
            Spread {
                median: 2.0,
                min: 1.0,
                max: 3.0
            }
        );
        assert_eq!(Spread::of([f64::INFINITY]), None);
    }
}
