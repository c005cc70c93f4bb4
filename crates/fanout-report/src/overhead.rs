//! The harness-overhead section: on each workload where the sweep measured
//! it ([`Results::overhead`]), the same client through the driver and in a
//! bare loop, alternately. Shown: the ratio of the medians (driver ÷ bare)
//! of wall time and of CPU, the least and greatest ratio of a pair, and
//! whether each target (≤ 1.02× wall, ≤ 1.05× CPU) is met.

use std::fmt::Write as _;

use fanout_results::{Overhead, Results, median};

use crate::format::{NONE, code, duration_ms, num, ratio2};
use crate::md::MdTable;

/// The most the driver may add to wall time, as a ratio.
pub(crate) const WALL_TARGET: f64 = 1.02;
/// The most the driver may add to CPU, as a ratio.
pub(crate) const CPU_TARGET: f64 = 1.05;

/// Driver ÷ bare for one figure: the ratio of medians and the range of the
/// per-pair ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ratio {
    /// Median of the driver's runs.
    pub driver: f64,
    /// Median of the bare loop's runs.
    pub bare: f64,
    /// `driver / bare`.
    pub ratio: f64,
    /// The least per-pair ratio.
    pub min: f64,
    /// The greatest per-pair ratio.
    pub max: f64,
}

/// The ratio of one figure (`pick` takes wall or CPU from a pair).
pub(crate) fn ratio(o: &Overhead, pick: fn(&(f64, f64)) -> f64) -> Option<Ratio> {
    let driver = median(o.driver.iter().map(pick).collect());
    let bare = median(o.bare.iter().map(pick).collect());
    let pairs: Vec<f64> = o
        .driver
        .iter()
        .zip(&o.bare)
        .map(|(d, b)| pick(d) / pick(b))
        .filter(|r| r.is_finite())
        .collect();
    let r = driver / bare;
    if pairs.is_empty() || !r.is_finite() {
        return None;
    }
    Some(Ratio {
        driver,
        bare,
        ratio: r,
        min: pairs.iter().copied().fold(f64::INFINITY, f64::min),
        max: pairs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

/// A ratio to three decimals, so a verdict never reads `1.05× > 1.05×`.
fn r3(x: f64) -> String {
    format!("{x:.3}×")
}

/// `met (1.012× ≤ 1.02×)` or `missed (1.043× > 1.02×)`.
fn verdict(r: Option<Ratio>, target: f64) -> String {
    match r {
        None => NONE.into(),
        Some(r) if r.ratio <= target => format!("met ({} ≤ {}×)", r3(r.ratio), ratio2(target)),
        Some(r) => format!("**missed** ({} > {}×)", r3(r.ratio), ratio2(target)),
    }
}

/// `1.012× (pairs 1.008–1.019)`.
fn with_range(r: Option<Ratio>) -> String {
    r.map_or(NONE.into(), |r| {
        let (lo, hi) = (format!("{:.3}", r.min), format!("{:.3}", r.max));
        let pairs = if lo == hi {
            format!("every pair {lo}")
        } else {
            format!("pairs {lo}–{hi}")
        };
        format!("{} ({pairs})", r3(r.ratio))
    })
}

/// The section's text (without its heading).
pub(crate) fn section(out: &mut String, results: &Results, multi_host: bool) {
    let _ = writeln!(
        out,
        "What the harness itself costs: on each workload marked for it, the row's client through \
         the driver every cell uses (`fanout run`) and the same client in a bare loop written \
         the way a user would, alternately against one server, each run in a child process of \
         its own. Driver ÷ bare is the ratio of the medians, with the least and greatest ratio \
         of a pair in brackets; a target is met when the ratio of the medians is at most the \
         target. Targets: wall ≤ {}×, CPU ≤ {}×.\n",
        ratio2(WALL_TARGET),
        ratio2(CPU_TARGET)
    );
    if results.overhead.is_empty() {
        let why = if results.settings.quick {
            "`--quick` skips it"
        } else {
            "the sweep did not run it (a remote `--target`, or its row or workloads not selected)"
        };
        let _ = writeln!(out, "Not measured: {why}.");
        return;
    }
    if multi_host {
        let _ = writeln!(
            out,
            "Measured on {} (the first result set).\n",
            code(&results.environment.host)
        );
    }
    let mut t = MdTable::numeric(
        [
            "Workload",
            "Row",
            "Pairs",
            "Wall driver / bare",
            "Wall driver ÷ bare",
            "Wall target",
            "CPU driver / bare",
            "CPU driver ÷ bare",
            "CPU target",
        ]
        .map(String::from)
        .to_vec(),
        2,
    );
    for o in &results.overhead {
        let wall = ratio(o, |p| p.0);
        let cpu = ratio(o, |p| p.1);
        t.push(vec![
            code(&o.workload),
            code(&o.row),
            num(o.driver.len().min(o.bare.len()) as f64),
            wall.map_or(NONE.into(), |r| {
                format!("{} / {}", duration_ms(r.driver), duration_ms(r.bare))
            }),
            with_range(wall),
            verdict(wall, WALL_TARGET),
            cpu.map_or(NONE.into(), |r| {
                format!(
                    "{} / {}",
                    duration_ms(r.driver * 1e3),
                    duration_ms(r.bare * 1e3)
                )
            }),
            with_range(cpu),
            verdict(cpu, CPU_TARGET),
        ]);
    }
    out.push_str(&t.render());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(driver: Vec<(f64, f64)>, bare: Vec<(f64, f64)>) -> Overhead {
        Overhead {
            workload: "latency".into(),
            row: "tokio-reqwest".into(),
            driver,
            bare,
        }
    }

    #[test]
    fn ratios_are_of_medians_with_the_pairs_range() {
        let x = o(
            vec![(102.0, 1.0), (101.0, 1.1), (103.0, 1.2)],
            vec![(100.0, 1.0), (100.0, 1.0), (101.0, 1.0)],
        );
        let w = ratio(&x, |p| p.0).unwrap();
        assert!((w.ratio - 1.02).abs() < 1e-9, "{w:?}");
        assert!((w.min - 1.01).abs() < 1e-9 && (w.max - 1.02).abs() < 1e-9);
        assert_eq!(verdict(Some(w), WALL_TARGET), "met (1.020× ≤ 1.02×)");
        assert_eq!(with_range(Some(w)), "1.020× (pairs 1.010–1.020)");
        let c = ratio(&x, |p| p.1).unwrap();
        assert_eq!(verdict(Some(c), CPU_TARGET), "**missed** (1.100× > 1.05×)");
        assert_eq!(ratio(&o(vec![], vec![]), |p| p.0), None);
    }
}
