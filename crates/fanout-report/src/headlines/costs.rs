//! The headlines on costs and protocols: the highest request rate against
//! the load generators, the least memory per in-flight request, the least
//! CPU per request (per decoded document, per TLS handshake, with session
//! resumption), and HTTP/2 against HTTP/1.1 per row.

use fanout_core::{Format, Protocol};

use crate::figures::Figures;
use crate::format::{and_list, code, int, num, times};
use crate::headlines::common::{figures, group, on, range};
use crate::model::{Entry, Report, Table};
use crate::names::row_prose;
use crate::protocols::{H2Verdict, h2_vs_h1, protocol_pair};
use crate::ties::Better;

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
pub(crate) fn rate(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
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
pub(crate) fn memory(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
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
pub(crate) fn cpu(r: &Report<'_>, t: &Table<'_>, host: &str) -> Option<String> {
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
pub(crate) fn protocols(r: &Report<'_>, tables: &[&Table<'_>], host: &str) -> Option<String> {
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
            H2Verdict::Faster => faster.push(text),
            H2Verdict::Slower => slower.push(text),
            H2Verdict::WithinNoise => same.push(row_prose(&a.row)),
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
