//! A workload's headline sentences, one kind per [`Headline`] it declares,
//! each computed from the figures and left out when the data it needs is
//! missing; they open the workload's page. The best row is decided on the headline's own metric
//! (wall time, requests per second, memory or CPU per request) by the tie
//! rule of [`crate::ties`]: when the top is tied, the sentence names the
//! tied group, never a single winner. With several hosts, each host gets
//! its own sentences. The headlines on costs and protocols are in
//! [`costs`].

use fanout_core::workload::Headline;
use fanout_core::{Model, Workload};

mod common;
mod costs;

use crate::format::{code, duration_ms, duration_range_ms, floor_ms, times};
use crate::headlines::common::{figures, group, on};
use crate::headlines::costs::{cpu, memory, protocols, rate};
use crate::model::{Entry, Fate, Report, Table};
use crate::ties::Better;

/// Every headline the data supports for workload `w`, host by host.
pub(crate) fn headlines(r: &Report<'_>, w: Workload, tables: &[&Table<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(h) = w.headline else {
        return out;
    };
    for host in &r.hosts {
        match h {
            Headline::Demo => {
                out.extend(tables.first().and_then(|t| demo(r, t, host)));
                out.extend(tables.first().and_then(|t| demo_reference(r, t, host)));
            }
            Headline::Fastest => out.extend(tables.iter().filter_map(|t| fastest(r, t, host))),
            Headline::LargestN => {
                let largest = tables
                    .iter()
                    .filter(|t| t.of_host(host).any(|e| e.figures.is_some()))
                    .max_by_key(|t| t.plan.requests);
                out.extend(largest.and_then(|t| fastest(r, t, host)));
            }
            Headline::Rate => out.extend(tables.iter().filter_map(|t| rate(r, t, host))),
            Headline::MemoryPerInFlight => {
                out.extend(tables.iter().filter_map(|t| memory(r, t, host)));
            }
            Headline::CpuPerRequest => out.extend(tables.iter().filter_map(|t| cpu(r, t, host))),
            Headline::Protocols => out.extend(protocols(r, tables, host)),
        }
    }
    out
}

/// The first idiomatic sequential row of `host`, and its wall: measured
/// (`false`) or projected by the sweep (`true`).
fn sequential<'t>(t: &'t Table<'_>, host: &'t str) -> Option<(&'t Entry<'t>, f64, bool)> {
    let e = t
        .of_host(host)
        .find(|e| e.row.model == Model::Sequential && !e.row.reference && e.row.tuned.is_none())?;
    match e.fate() {
        Fate::Measured(f) => Some((e, f.d.wall_ms, false)),
        Fate::Skipped {
            projected_s: Some(s),
            ..
        } if s.is_finite() && s > 0.0 => Some((e, s * 1e3, true)),
        _ => None,
    }
}

/// `5.0× faster` for a speedup `x` (a ratio of walls, baseline over row).
fn speedup(x: f64) -> String {
    if x >= 1.0 {
        format!("{} faster", times(x))
    } else {
        format!("{} slower", times(1.0 / x))
    }
}

/// The least wall time: the fastest row, or the tied group, against the
/// floor and the sequential row.
fn fastest(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let (entries, ties) = t.ties_by(host, |_| true, |f| Some(f.wall), Better::Lower)?;
    let best = figures(&entries, ties.best)?;
    let (names, lo, hi) = group(&entries, &ties, |f| f.wall.median);
    let floor = floor_ms(&t.plan);
    let floor_text = |lo: f64, hi: f64| {
        if floor > 0.0 {
            format!(
                ", {} the {} floor",
                range_times(lo / floor, hi / floor),
                duration_ms(floor)
            )
        } else {
            String::new()
        }
    };
    let mut s = if ties.is_tie() {
        format!(
            "{}, {names} are tied for the least wall time at {}{}",
            on(r, t, host),
            duration_range_ms(lo, hi),
            floor_text(lo, hi)
        )
    } else {
        format!(
            "{}, the fastest row, {names}, finishes in {}{}",
            on(r, t, host),
            crate::format::wall_range(best.wall.median, best.wall.min, best.wall.max),
            floor_text(lo, hi)
        )
    };
    if let Some((seq, wall, projected)) = sequential(t, host)
        && !ties.tied.iter().any(|&i| entries[i].row.id == seq.row.id)
        && best.wall.median > 0.0
    {
        s.push_str(&format!(
            " — {} than the sequential row {} ({}{})",
            speedup(wall / best.wall.median),
            code(&seq.row.id),
            duration_ms(wall),
            if projected { ", projected" } else { "" }
        ));
    }
    s.push('.');
    Some(s)
}

/// `1.72×` or `1.72–1.79×`.
fn range_times(lo: f64, hi: f64) -> String {
    format!("{}×", crate::format::ratio_range(lo, hi))
}

/// The original asyncio argument: the sequential row against the fastest
/// concurrent rows, and how late each one's heartbeat ran.
fn demo(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let (seq, wall, _) = sequential(t, host).filter(|(_, _, projected)| !projected)?;
    let sf = seq.figures.as_ref()?;
    let (entries, ties) = t.ties_by(
        host,
        |e| e.row.model != Model::Sequential,
        |f| Some(f.wall),
        Better::Lower,
    )?;
    let best = figures(&entries, ties.best)?;
    let (names, lo, hi) = group(&entries, &ties, |f| f.wall.median);
    let hb = ties
        .tied
        .iter()
        .filter_map(|&i| figures(&entries, i).map(|f| f.d.hb_max_ms))
        .fold(0.0, f64::max);
    let who = if ties.is_tie() {
        format!(
            "{names} are tied for the fastest at {}",
            duration_range_ms(lo, hi)
        )
    } else {
        format!(
            "the fastest, {names}, takes {}",
            duration_ms(best.wall.median)
        )
    };
    Some(format!(
        "{}, the sequential row {} takes {} and its heartbeat runs up to {} late; {who} ({}) with the heartbeat at most {} late.",
        on(r, t, host),
        code(&seq.row.id),
        duration_ms(wall),
        duration_ms(sf.d.hb_max_ms),
        speedup(wall / best.wall.median),
        duration_ms(hb),
    ))
}

/// The reference rows on the demo, measured the same way.
fn demo_reference(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let each: Vec<String> = t
        .of_host(host)
        .filter(|e| e.row.reference)
        .filter_map(|e| {
            let f = e.figures.as_ref()?;
            Some(format!(
                "{} {} (heartbeat up to {} late)",
                code(&e.row.id),
                duration_ms(f.d.wall_ms),
                duration_ms(f.d.hb_max_ms)
            ))
        })
        .collect();
    (!each.is_empty()).then(|| {
        format!(
            "The reference rows on {}{}, measured the same way: {}.",
            t.name(),
            r.on_host(host),
            each.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_speedups_read_well() {
        use crate::headlines::common::range;
        assert_eq!(range(17.0, 18.04), "17–18");
        assert_eq!(range(17.0, 17.01), "17");
        assert_eq!(speedup(5.0), "5× faster");
        assert_eq!(speedup(0.5), "2× slower");
        assert_eq!(range_times(1.0, 1.06), "1.00–1.06×");
    }
}
