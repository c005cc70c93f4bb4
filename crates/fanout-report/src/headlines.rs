//! The README's headline sentences, each computed from the figures and left
//! out when the data it needs is missing. "Fastest" and "best" pick among the
//! Rust rows; the reference rows (Python) get a sentence of their own.

use crate::results::BASELINE_ROW;

use super::figures::{Entry, Figures, Group};
use super::format::{code, duration_ms, floor_ms, int, num, plan_shape, speedup, times};

/// Every headline the data supports, in workload order.
pub(crate) fn headlines(groups: &[Group<'_>]) -> Vec<String> {
    let first = |w: &str| groups.iter().find(|g| g.workload == w);
    [
        first("demo").and_then(demo),
        first("demo").and_then(demo_reference),
        first("latency").and_then(latency),
        scaling(groups),
        first("throughput").and_then(throughput),
        first("c10k").and_then(c10k),
    ]
    .into_iter()
    .flatten()
    .collect()
}

type Measured<'g, 'a> = (&'g Entry<'a>, &'g Figures);

/// The measured Rust rows (not the reference rows) of a group.
fn rust_rows<'g, 'a>(g: &'g Group<'a>) -> impl Iterator<Item = Measured<'g, 'a>> + Clone {
    g.entries
        .iter()
        .filter(|e| !e.row.reference)
        .filter_map(|e| e.figures.as_ref().map(|f| (e, f)))
}

/// The measured entry with the least of `key` (finite values only).
fn least<'g, 'a>(
    rows: impl Iterator<Item = Measured<'g, 'a>>,
    key: impl Fn(&Figures) -> f64,
) -> Option<Measured<'g, 'a>> {
    rows.filter(|(_, f)| key(f).is_finite())
        .min_by(|a, b| key(a.1).total_cmp(&key(b.1)))
}

/// ` — 535× faster than `sequential-ureq` (100 s, projected)`.
fn versus_baseline(g: &Group<'_>, f: &Figures, entry: &Entry<'_>) -> String {
    if entry.row.id == BASELINE_ROW {
        return String::new();
    }
    match g.baseline_wall() {
        Some((base, projected)) if f.d.wall_ms > 0.0 => format!(
            " — {} than {} ({}{})",
            speedup(base / f.d.wall_ms),
            code(BASELINE_ROW),
            duration_ms(base),
            if projected { ", projected" } else { "" }
        ),
        _ => String::new(),
    }
}

/// `1.08× the 100 ms floor`, when the plan has one.
fn versus_floor(g: &Group<'_>, f: &Figures) -> Option<String> {
    let m = f.d.floor_multiple?;
    Some(format!(
        "{} the {} floor",
        times(m),
        duration_ms(floor_ms(&g.plan))
    ))
}

/// The fastest row against the floor and the baseline.
fn latency(g: &Group<'_>) -> Option<String> {
    let (entry, f) = least(rust_rows(g), |f| f.d.wall_ms)?;
    let floor = versus_floor(g, f)
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    Some(format!(
        "On {} ({}), the fastest row, {}, finishes in {}{floor}{}.",
        code(&g.workload),
        plan_shape(&g.plan),
        code(&entry.row.id),
        duration_ms(f.d.wall_ms),
        versus_baseline(g, f, entry),
    ))
}

/// At the largest N with data: the fastest row against the floor and the
/// baseline.
fn scaling(groups: &[Group<'_>]) -> Option<String> {
    let g = groups
        .iter()
        .filter(|g| g.workload == "scaling" && rust_rows(g).next().is_some())
        .max_by_key(|g| g.plan.requests)?;
    let (entry, f) = least(rust_rows(g), |f| f.d.wall_ms)?;
    let floor = versus_floor(g, f)
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    Some(format!(
        "On {} at N = {}, the fastest row, {}, takes {}{floor}{}.",
        code("scaling"),
        int(g.plan.requests),
        code(&entry.row.id),
        duration_ms(f.d.wall_ms),
        versus_baseline(g, f, entry),
    ))
}

/// ` — 0.95× `oha 1.16.0` (63 000 req/s) and 0.70× the `wrk 4.2.0` ceiling
/// of 90 000 req/s —`: the row against every load generator, the fastest
/// one last as the ceiling.
fn versus_generators(g: &Group<'_>, f: &Figures) -> String {
    let top = g.ceiling().map(|c| c.tool.as_str());
    let mut others = Vec::new();
    let mut ceiling = None;
    for (c, m) in g.generators.iter().zip(&f.generator_multiples) {
        let Some(m) = m else { continue };
        if Some(c.tool.as_str()) == top {
            ceiling = Some(format!(
                "{} the {} ceiling of {} req/s",
                times(*m),
                code(&c.tool),
                num(c.req_per_s)
            ));
        } else {
            others.push(format!(
                "{} {} ({} req/s)",
                times(*m),
                code(&c.tool),
                num(c.req_per_s)
            ));
        }
    }
    others.extend(ceiling);
    match others.split_last() {
        None => String::new(),
        Some((last, [])) => format!(" — {last} —"),
        Some((last, rest)) => format!(" — {} and {last} —", rest.join(", ")),
    }
}

/// The highest request rate, against the load generators, and the cheapest
/// CPU.
fn throughput(g: &Group<'_>) -> Option<String> {
    let (entry, f) = least(rust_rows(g), |f| -f.d.req_per_s)?;
    let ceiling = versus_generators(g, f);
    let cheapest = least(rust_rows(g), |f| f.d.cpu_us_per_req)
        .filter(|(e, _)| e.row.id != entry.row.id)
        .map(|(e, c)| {
            format!(
                "; the least CPU per request is {}'s {} µs",
                code(&e.row.id),
                num(c.d.cpu_us_per_req)
            )
        })
        .unwrap_or_default();
    Some(format!(
        "On {} ({}), {} reaches the highest rate, {} req/s{ceiling} at {} µs of client CPU per request{cheapest}.",
        code(&g.workload),
        plan_shape(&g.plan),
        code(&entry.row.id),
        num(f.d.req_per_s),
        num(f.d.cpu_us_per_req),
    ))
}

/// The least (and most) client memory per in-flight request.
fn c10k(g: &Group<'_>) -> Option<String> {
    let with_rss = rust_rows(g).filter(|(_, f)| f.rss_per_inflight_kib.is_some());
    let rss = |f: &Figures| f.rss_per_inflight_kib.unwrap_or(f64::NAN);
    let (low, lf) = least(with_rss.clone(), rss)?;
    let most = least(with_rss, |f| -rss(f))
        .filter(|(e, f)| e.row.id != low.row.id && num(rss(f)) != num(rss(lf)))
        .map(|(e, f)| format!("; the most is {} at {} KiB", code(&e.row.id), num(rss(f))))
        .unwrap_or_default();
    Some(format!(
        "On {} ({}), {} holds each in-flight request in the least client memory: {} KiB (peak RSS {} MiB at {} in flight){most}.",
        code(&g.workload),
        plan_shape(&g.plan),
        code(&low.row.id),
        num(rss(lf)),
        num(lf.d.peak_rss_kib / 1024.0),
        num(lf.d.peak_in_flight),
    ))
}

/// The original asyncio argument: sequential vs the best concurrent row, and
/// how late each one's heartbeat ran.
fn demo(g: &Group<'_>) -> Option<String> {
    let base = g.baseline()?.figures.as_ref()?;
    let concurrent = rust_rows(g).filter(|(e, _)| e.row.id != BASELINE_ROW);
    let (best, bf) = least(
        concurrent
            .clone()
            .filter(|(e, _)| e.row.model.contains("async")),
        |f| f.d.wall_ms,
    )
    .or_else(|| least(concurrent, |f| f.d.wall_ms))?;
    Some(format!(
        "On {} ({} — the original asyncio argument), {} takes {} and its heartbeat runs up to {} late; {} takes {} ({}) and its heartbeat is at most {} late.",
        code(&g.workload),
        plan_shape(&g.plan),
        code(BASELINE_ROW),
        duration_ms(base.d.wall_ms),
        duration_ms(base.d.hb_max_ms),
        code(&best.row.id),
        duration_ms(bf.d.wall_ms),
        speedup(base.d.wall_ms / bf.d.wall_ms),
        duration_ms(bf.d.hb_max_ms),
    ))
}

/// The reference rows on `demo`: the Python programs of the original
/// argument, measured the same way.
fn demo_reference(g: &Group<'_>) -> Option<String> {
    let each: Vec<String> = g
        .measured()
        .filter(|(e, _)| e.row.reference)
        .map(|(e, f)| {
            format!(
                "{} {} (heartbeat up to {} late)",
                code(&e.row.id),
                duration_ms(f.d.wall_ms),
                duration_ms(f.d.hb_max_ms)
            )
        })
        .collect();
    (!each.is_empty()).then(|| {
        format!(
            "The reference rows on {}, measured the same way: {}.",
            code(&g.workload),
            each.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::figures::{
        groups,
        sample::{generator, results},
    };
    use super::*;

    fn throughput_headline(ceilings: Vec<crate::results::Ceiling>) -> String {
        let r = results(&[("throughput", 400.0)], ceilings);
        throughput(&groups(&r)[0]).expect("a throughput headline")
    }

    #[test]
    fn the_throughput_headline_names_every_load_generator() {
        let wrk = || generator("wrk 4.2.0", "throughput", 100_000.0, None);
        let oha = || generator("oha 1.16.0", "throughput", 62_500.0, Some(320.0));
        let g = '\u{202f}';
        let both = throughput_headline(vec![wrk(), oha()]);
        assert!(
            both.contains(&format!(
                "50{g}000 req/s — 0.8× `oha 1.16.0` (62{g}500 req/s) and 0.5× the `wrk 4.2.0` ceiling of 100{g}000 req/s — at"
            )),
            "{both}"
        );
        let one = throughput_headline(vec![wrk()]);
        assert!(
            one.contains(&format!(
                " — 0.5× the `wrk 4.2.0` ceiling of 100{g}000 req/s — at"
            )),
            "{one}"
        );
        let none = throughput_headline(Vec::new());
        assert!(!none.contains('—'), "{none}");
    }
}
