//! `results.csv`: one line per cell — measured, skipped or failed — with the
//! same figures the README shows, as plain numbers (empty where there is none).
//!
//! `ceiling_multiple` is the row's req/s over the req/s of the fastest load
//! generator on that workload (`wrk` or `oha`, whichever reached more; empty
//! when none ran). The per-tool ratios and the generators' own figures are
//! in the README's tables and in `results.json` (`ceilings`).

use crate::results::CellStatus;

use super::figures::{Entry, Figures, Group};

/// The header, in column order.
pub(crate) const HEADER: [&str; 29] = [
    "row",
    "workload",
    "label",
    "requests",
    "delay_ms",
    "concurrency",
    "status",
    "reason",
    "projected_s",
    "repeats",
    "wall_ms_median",
    "wall_ms_min",
    "wall_ms_max",
    "req_per_s",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "cpu_us_per_req",
    "peak_rss_kib",
    "rss_per_inflight_kib",
    "hb_p99_ms",
    "hb_max_ms",
    "threads",
    "errors",
    "errors_by_kind",
    "speedup_vs_sequential",
    "floor_multiple",
    "ceiling_multiple",
];

/// The CSV text for every cell of every group.
pub(crate) fn results_csv(groups: &[Group<'_>]) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for g in groups {
        for e in g.entries.iter().filter(|e| e.cell.is_some()) {
            w.write_record(record(g, e))?;
        }
    }
    Ok(w.into_inner()?)
}

/// A figure with three decimals at most, trailing zeros trimmed; empty when
/// not finite.
fn fig(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn opt(x: Option<f64>) -> String {
    x.map(fig).unwrap_or_default()
}

fn record(g: &Group<'_>, e: &Entry<'_>) -> Vec<String> {
    let plan = &g.plan;
    let (status, reason, projected, repeats) = match e.cell.map(|c| &c.status) {
        Some(CellStatus::Done { repeats }) => ("done", String::new(), None, repeats.len()),
        Some(CellStatus::Skipped {
            reason,
            projected_s,
        }) => ("skipped", reason.clone(), *projected_s, 0),
        Some(CellStatus::Failed { reason }) => ("failed", reason.clone(), None, 0),
        None => ("not-run", String::new(), None, 0),
    };
    let mut rec = vec![
        e.row.id.clone(),
        g.workload.clone(),
        g.label.clone(),
        plan.requests.to_string(),
        plan.delay.as_millis().to_string(),
        plan.concurrency.map(|c| c.to_string()).unwrap_or_default(),
        status.into(),
        reason,
        opt(projected),
        repeats.to_string(),
    ];
    rec.extend(match &e.figures {
        Some(f) => measured(f),
        None => vec![String::new(); HEADER.len() - rec.len()],
    });
    rec
}

fn measured(f: &Figures) -> Vec<String> {
    let d = &f.d;
    let kinds: Vec<String> = f
        .errors_by_kind
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect();
    vec![
        fig(d.wall_ms),
        fig(d.wall_min_ms),
        fig(d.wall_max_ms),
        fig(d.req_per_s),
        fig(d.p50_ms),
        fig(d.p90_ms),
        fig(d.p99_ms),
        fig(d.max_ms),
        fig(d.cpu_us_per_req),
        fig(d.peak_rss_kib),
        opt(f.rss_per_inflight_kib),
        fig(d.hb_p99_ms),
        fig(d.hb_max_ms),
        fig(d.threads),
        d.errors.to_string(),
        kinds.join(";"),
        opt(f.speedup),
        opt(d.floor_multiple),
        opt(f.ceiling_multiple),
    ]
}
