//! The harness-overhead section: on each workload where the sweep measured
//! it ([`Results::overhead`]), the same client through the driver and in a
//! bare loop, alternately. Shown: the ratio of the medians (driver ÷ bare)
//! of wall time, of CPU and of memory per in-flight request, the least and
//! greatest ratio of a pair, and whether each target (≤ 1.02× wall, ≤ 1.05×
//! CPU, ≤ 1.02× memory) is met.

use std::fmt::Write as _;

use fanout_results::{Overhead, Results, median};

use crate::format::{NONE, code, duration_ms, num, ratio2};
use crate::md::MdTable;

/// The most the driver may add to wall time, as a ratio.
pub(crate) const WALL_TARGET: f64 = 1.02;
/// The most the driver may add to CPU, as a ratio.
pub(crate) const CPU_TARGET: f64 = 1.05;
/// The most the driver may add to memory per in-flight request, as a ratio.
pub(crate) const MEMORY_TARGET: f64 = 1.02;

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
    let pairs: Vec<(f64, f64)> = o
        .driver
        .iter()
        .zip(&o.bare)
        .map(|(d, b)| (pick(d), pick(b)))
        .collect();
    ratio_of(&pairs)
}

/// Driver ÷ bare memory per in-flight request, when it was measured.
pub(crate) fn memory_ratio(o: &Overhead) -> Option<Ratio> {
    ratio_of(&o.memory.as_ref()?.per_in_flight())
}

/// The ratio of medians of (driver, bare) pairs, with the pairs' range.
fn ratio_of(pairs: &[(f64, f64)]) -> Option<Ratio> {
    let driver = median(pairs.iter().map(|p| p.0).collect());
    let bare = median(pairs.iter().map(|p| p.1).collect());
    let each: Vec<f64> = pairs
        .iter()
        .map(|(d, b)| d / b)
        .filter(|r| r.is_finite())
        .collect();
    let r = driver / bare;
    if each.is_empty() || !r.is_finite() {
        return None;
    }
    Some(Ratio {
        driver,
        bare,
        ratio: r,
        min: each.iter().copied().fold(f64::INFINITY, f64::min),
        max: each.iter().copied().fold(f64::NEG_INFINITY, f64::max),
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
         target. Targets: wall ≤ {}×, CPU ≤ {}×, memory per in-flight request ≤ {}×.\n",
        ratio2(WALL_TARGET),
        ratio2(CPU_TARGET),
        ratio2(MEMORY_TARGET)
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
    // Sweeps from before memory was measured keep their table.
    let with_memory = results.overhead.iter().any(|o| o.memory.is_some());
    let mut header = vec![
        "Workload",
        "Row",
        "Pairs",
        "Wall driver / bare",
        "Wall driver ÷ bare",
        "Wall target",
        "CPU driver / bare",
        "CPU driver ÷ bare",
        "CPU target",
    ];
    if with_memory {
        header.extend([
            "Memory / in-flight driver / bare",
            "Memory driver ÷ bare",
            "Memory target",
        ]);
    }
    let mut t = MdTable::numeric(header.into_iter().map(String::from).collect(), 2);
    for o in &results.overhead {
        let wall = ratio(o, |p| p.0);
        let cpu = ratio(o, |p| p.1);
        let mut line = vec![
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
        ];
        if with_memory {
            let memory = memory_ratio(o);
            line.extend([
                memory.map_or(NONE.into(), |r| {
                    format!("{:.1} / {:.1} KiB", r.driver / 1024.0, r.bare / 1024.0)
                }),
                with_range(memory),
                verdict(memory, MEMORY_TARGET),
            ]);
        }
        t.push(line);
    }
    out.push_str(&t.render());
    if with_memory {
        let _ = writeln!(
            out,
            "\nMemory per in-flight request is (peak RSS − idle RSS) ÷ requests in flight, each \
             program's idle RSS from a one-request run; target ≤ {}×.",
            ratio2(MEMORY_TARGET)
        );
    }
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
            memory: None,
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

    #[test]
    fn memory_is_per_in_flight_request_above_each_programs_idle() {
        let mut x = o(vec![(1.0, 1.0)], vec![(1.0, 1.0)]);
        assert_eq!(memory_ratio(&x), None, "not measured");
        x.memory = Some(fanout_results::OverheadMemory {
            in_flight: 1_024,
            idle_rss_kib: (12_000, 11_000),
            driver_rss_kib: vec![12_000 + 25_600, 12_000 + 25_000],
            bare_rss_kib: vec![11_000 + 25_000, 11_000 + 25_000],
        });
        let m = memory_ratio(&x).unwrap();
        // 25 600 KiB over 1 024 requests = 25 KiB each, against 24.4 KiB.
        assert!(
            (m.max - 1.024).abs() < 1e-9 && (m.min - 1.0).abs() < 1e-9,
            "{m:?}"
        );
        assert!((m.ratio - 1.012).abs() < 1e-9, "{m:?}");
        assert_eq!(verdict(Some(m), MEMORY_TARGET), "met (1.012× ≤ 1.02×)");
    }
}
