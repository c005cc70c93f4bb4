//! The README's headline sentences, one kind per [`Headline`] a workload
//! declares, each computed from the figures and left out when the data it
//! needs is missing. The best row is decided on the headline's own metric
//! (wall time, requests per second, memory or CPU per request) by the tie
//! rule of [`crate::ties`]: when the top is tied, the sentence names the
//! tied group, never a single winner. With several hosts, each host gets
//! its own sentences.

use fanout_core::workload::Headline;
use fanout_core::{Format, Model, Protocol};

use crate::format::{
    and_list, code, duration_ms, duration_range_ms, floor_ms, int, num, plan_shape, times,
};
use crate::model::{Entry, Fate, Figures, Report, Table, row_prose};
use crate::multi::{h2_vs_h1, protocol_pair};
use crate::ties::{Better, Ties};

/// Every headline the data supports, in workload order, then the idioms'.
pub(crate) fn headlines(r: &Report<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (_, w, tables) in r.workloads() {
        let Some(h) = w.and_then(|w| w.headline) else {
            continue;
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
                Headline::CpuPerRequest => {
                    out.extend(tables.iter().filter_map(|t| cpu(r, t, host)))
                }
                Headline::Protocols => out.extend(protocols(r, &tables, host)),
            }
        }
    }
    out.extend(crate::idioms::headlines(r));
    out
}

/// `On `latency` (1 000 × 100 ms, unbounded)` with ` on `host`` when merged.
fn on(r: &Report<'_>, t: &Table<'_>, host: &str) -> String {
    format!(
        "On {} ({}){}",
        t.name(),
        plan_shape(&t.plan),
        r.on_host(host)
    )
}

/// The tied group's names and the range of their medians on `metric`.
fn group(
    entries: &[&Entry<'_>],
    ties: &Ties,
    metric: impl Fn(&Figures) -> f64,
) -> (String, f64, f64) {
    let names: Vec<String> = ties
        .tied
        .iter()
        .map(|&i| row_prose(&entries[i].row))
        .collect();
    let values: Vec<f64> = ties
        .tied
        .iter()
        .filter_map(|&i| entries[i].figures.as_ref().map(&metric))
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (and_list(&names), lo, hi)
}

/// A range of plain figures: `17–18`, or one when equal.
fn range(lo: f64, hi: f64) -> String {
    let (a, b) = (num(lo), num(hi));
    if a == b { a } else { format!("{a}–{b}") }
}

fn figures<'e>(entries: &[&'e Entry<'_>], i: usize) -> Option<&'e Figures> {
    entries.get(i)?.figures.as_ref()
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

/// ` (0.95× `oha 1.16.0` at 63 000 req/s and 0.70× the `wrk 4.2.0` ceiling
/// of 90 000 req/s)`: the best row against every load generator.
fn versus_generators(t: &Table<'_>, f: &Figures) -> String {
    let top = t.ceiling().map(|c| c.tool.as_str());
    let mut others = Vec::new();
    let mut ceiling = None;
    for (g, m) in t.generators.iter().zip(&f.generator_multiples) {
        let Some(m) = m else { continue };
        if Some(g.tool.as_str()) == top {
            ceiling = Some(format!(
                "{} the {} ceiling of {} req/s",
                times(*m),
                code(&g.tool),
                num(g.req_per_s)
            ));
        } else {
            others.push(format!(
                "{} {} at {} req/s",
                times(*m),
                code(&g.tool),
                num(g.req_per_s)
            ));
        }
    }
    others.extend(ceiling);
    match others.split_last() {
        None => String::new(),
        Some((last, [])) => format!(" ({last})"),
        Some((last, rest)) => format!(" ({} and {last})", rest.join(", ")),
    }
}

/// The least client CPU per request, as a clause: `` `a` (11.7 µs)`` or
/// the tied group.
fn least_cpu(t: &Table<'_>, host: &str) -> Option<(String, bool)> {
    let (entries, ties) = t.ties_by(host, |_| true, |f| Some(f.cpu), Better::Lower)?;
    let (names, lo, hi) = group(&entries, &ties, |f| f.cpu.median);
    Some((format!("{names}, {} µs,", range(lo, hi)), ties.is_tie()))
}

/// The highest request rate, against the load generators, and the least CPU.
fn rate(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let (entries, ties) = t.ties_by(host, |_| true, |f| Some(f.rate), Better::Higher)?;
    let best = figures(&entries, ties.best)?;
    let (names, lo, hi) = group(&entries, &ties, |f| f.rate.median);
    let gens = versus_generators(t, best);
    let top = if ties.is_tie() {
        format!(
            "{names} are tied for the highest rate at {} req/s{gens}",
            range(lo, hi)
        )
    } else {
        format!(
            "{names} reaches the highest rate, {} req/s{gens}, at {} µs of client CPU per request",
            num(best.d.req_per_s),
            num(best.d.cpu_us_per_req)
        )
    };
    let cpu = least_cpu(t, host)
        .map(|(who, tie)| {
            let what = if tie { "are tied for" } else { "spends" };
            format!("; {who} {what} the least client CPU per request")
        })
        .unwrap_or_default();
    Some(format!("{}, {top}{cpu}.", on(r, t, host)))
}

/// The least (and most) client memory per in-flight request.
fn memory(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let kib = |f: &Figures| f.rss_per_inflight;
    let has = |e: &Entry<'_>| e.figures.as_ref().and_then(kib).is_some();
    let (entries, ties) = t.ties_by(host, has, kib, Better::Lower)?;
    let best = figures(&entries, ties.best)?;
    let median = |f: &Figures| f.rss_per_inflight.map_or(f64::NAN, |s| s.median);
    let (names, lo, hi) = group(&entries, &ties, median);
    let top = if ties.is_tie() {
        format!(
            "{names} are tied for the least client memory per in-flight request at {} KiB",
            range(lo, hi)
        )
    } else {
        format!(
            "{names} holds each in-flight request in the least client memory: {} KiB (peak RSS {} MiB at {} in flight)",
            num(lo),
            num(best.d.peak_rss_kib / 1024.0),
            num(best.d.peak_in_flight)
        )
    };
    let most = t
        .ties_by(host, has, kib, Better::Higher)
        .filter(|(e, most)| !most.tied.iter().any(|i| ties.tied.contains(i)) && !e.is_empty())
        .map(|(e, most)| {
            let (names, lo, hi) = group(&e, &most, median);
            format!("; the most: {names} at {} KiB", range(lo, hi))
        })
        .unwrap_or_default();
    Some(format!("{}, {top}{most}.", on(r, t, host)))
}

/// The least client CPU per request (per decoded document, per handshake),
/// with whether TLS sessions were resumed on HTTPS plans.
fn cpu(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
    let (entries, ties) = t.ties_by(host, |_| true, |f| Some(f.cpu), Better::Lower)?;
    let (names, lo, hi) = group(&entries, &ties, |f| f.cpu.median);
    let per = match (t.plan.format, t.plan.tls && !t.plan.keep_alive) {
        (_, true) => "per request (a TLS handshake each)",
        (Format::Json, false) => "per decoded document",
        (Format::Bytes, false) => "per request",
    };
    let top = if ties.is_tie() {
        format!(
            "{names} are tied for the least client CPU {per} at {} µs",
            range(lo, hi)
        )
    } else {
        format!("{names} spends the least client CPU {per}: {} µs", num(lo))
    };
    let mut s = format!("{}, {top}", on(r, t, host));
    if t.plan.tls {
        let measured: Vec<&Entry<'_>> = t.of_host(host).filter(|e| e.figures.is_some()).collect();
        let resumed: Vec<String> = measured
            .iter()
            .filter(|e| e.figures.as_ref().is_some_and(|f| f.d.resumed > 0.0))
            .map(|e| row_prose(&e.row))
            .collect();
        s.push_str(&match resumed.len() {
            0 => "; no row resumed a TLS session (every handshake was a full one)".to_string(),
            n if n == measured.len() => "; every row resumed TLS sessions".to_string(),
            _ => format!(
                "; {} of {} rows resumed TLS sessions ({}), the others did a full handshake every time",
                resumed.len(),
                measured.len(),
                and_list(&resumed)
            ),
        });
    }
    s.push('.');
    Some(s)
}

/// `1 connection`, `10 connections`.
fn connections(n: f64) -> String {
    let n = num(n);
    if n == "1" {
        "1 connection".into()
    } else {
        format!("{n} connections")
    }
}

/// HTTP/2 against HTTP/1.1 per HTTP/2-capable row: which got faster, which
/// slower, which stayed within noise, and the connections each opened.
fn protocols(r: &Report<'_>, tables: &[&Table<'_>], host: &str) -> Option<String> {
    let (h1, h2) = protocol_pair(tables)?;
    let mut faster = Vec::new();
    let mut slower = Vec::new();
    let mut same = Vec::new();
    let mut not_h2 = Vec::new();
    for (a, b) in h1.entries.iter().zip(&h2.entries) {
        if a.host != host || !a.row.protocols.contains(&Protocol::Http2) {
            continue;
        }
        let (Some(fa), Some(fb)) = (&a.figures, &b.figures) else {
            continue;
        };
        let Some((ratio, verdict)) = h2_vs_h1(fa, fb) else {
            continue;
        };
        if fb.protocol_used != "HTTP/2" {
            not_h2.push(format!("{} ({})", row_prose(&b.row), fb.protocol_used));
        }
        let text = format!(
            "{} ({}, {} against {})",
            row_prose(&a.row),
            times(ratio),
            connections(fb.d.connections),
            num(fa.d.connections)
        );
        match verdict {
            "HTTP/2 faster" => faster.push(text),
            "HTTP/2 slower" => slower.push(text),
            _ => same.push(row_prose(&a.row)),
        }
    }
    if faster.is_empty() && slower.is_empty() && same.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !faster.is_empty() {
        parts.push(format!("faster for {}", and_list(&faster)));
    }
    if !slower.is_empty() {
        parts.push(format!("slower for {}", and_list(&slower)));
    }
    if !same.is_empty() {
        parts.push(format!(
            "no difference beyond noise for {}",
            and_list(&same)
        ));
    }
    let mut s = format!(
        "On {} ({} × {}){}, HTTP/2 against HTTP/1.1 (median walls, HTTP/2 ÷ HTTP/1.1): {}",
        code(&h1.workload_id),
        int(h1.plan.requests),
        crate::format::delay(&h1.plan),
        r.on_host(host),
        parts.join("; ")
    );
    if !not_h2.is_empty() {
        s.push_str(&format!(
            "; asked for HTTP/2, the server saw otherwise for {}",
            and_list(&not_h2)
        ));
    }
    s.push('.');
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_speedups_read_well() {
        assert_eq!(range(17.0, 18.04), "17–18");
        assert_eq!(range(17.0, 17.01), "17");
        assert_eq!(speedup(5.0), "5× faster");
        assert_eq!(speedup(0.5), "2× slower");
        assert_eq!(range_times(1.0, 1.06), "1.00–1.06×");
    }
}
