//! `results.csv`: one line per cell (per host, when merged) — measured,
//! skipped, unsupported or failed — with the figures the README shows, as
//! plain numbers (empty where there is none).
//!
//! `standing` is `best`, `tied` (within noise of the best on wall time) or
//! empty; `relative_min` / `relative_max` are the Relative column's bounds.
//! `tls` is the row's TLS stack on HTTPS plans (empty on plain HTTP);
//! `protocol_used` is `http1`, `http2`, `mixed` or empty. `ceiling_multiple`
//! is the row's req/s over the fastest load generator's on the workload
//! (empty when none ran); the generators' own figures are in results.json.
//! `errors_not_injected` counts the failed requests beyond those the plan's
//! injected faults account for (all of them on a plan without faults): a
//! row with any cannot be the verdict's choice.

use fanout_core::Protocol;
use fanout_results::CellStatus;

use crate::figures::Figures;
use crate::model::{Entry, Report, Table};
use crate::ties::Mark;

/// The header, in column order.
pub(crate) const HEADER: [&str; 48] = [
    "host",
    "row",
    "workload",
    "label",
    "requests",
    "delay_ms",
    "bytes",
    "format",
    "concurrency",
    "keep_alive",
    "https",
    "protocol_asked",
    "tls",
    "idiom",
    "reference",
    "tuned",
    "status",
    "reason",
    "projected_s",
    "repeats",
    "wall_ms_median",
    "wall_ms_min",
    "wall_ms_max",
    "relative_min",
    "relative_max",
    "standing",
    "req_per_s",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "cpu_us_per_req",
    "cpu_us_per_handshake",
    "peak_rss_kib",
    "rss_per_inflight_kib",
    "hb_p99_ms",
    "hb_max_ms",
    "threads",
    "errors",
    "errors_by_kind",
    "floor_multiple",
    "ceiling_multiple",
    "protocol_used",
    "connections",
    "max_streams",
    "handshakes",
    "resumed",
    "errors_not_injected",
];

/// The CSV text for every cell of every table.
pub(crate) fn results_csv(r: &Report<'_>) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for t in &r.tables {
        for e in t.entries.iter().filter(|e| e.cell.is_some()) {
            w.write_record(record(t, e))?;
        }
    }
    Ok(w.into_inner()?)
}

/// A figure with three decimals at most, trailing zeros trimmed; empty when
/// not finite.
pub(crate) fn fig(x: f64) -> String {
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

fn record(t: &Table<'_>, e: &Entry<'_>) -> Vec<String> {
    let plan = &t.plan;
    let (status, reason, projected, repeats) = match e.cell.map(|c| &c.status) {
        Some(CellStatus::Done { repeats }) => ("done", String::new(), None, repeats.len()),
        Some(CellStatus::Skipped {
            reason,
            projected_s,
        }) => ("skipped", reason.clone(), *projected_s, 0),
        Some(CellStatus::Unsupported { reason }) => ("unsupported", reason.clone(), None, 0),
        Some(CellStatus::Failed { reason }) => ("failed", reason.clone(), None, 0),
        None => ("not-run", String::new(), None, 0),
    };
    let mut rec = vec![
        e.host.clone(),
        e.row.id.clone(),
        t.workload_id.clone(),
        t.label.clone(),
        plan.requests.to_string(),
        plan.delay.as_millis().to_string(),
        plan.bytes.to_string(),
        plan.format.as_str().into(),
        plan.concurrency.map(|c| c.to_string()).unwrap_or_default(),
        plan.keep_alive.to_string(),
        plan.tls.to_string(),
        plan.protocol.as_str().into(),
        if plan.tls {
            e.row.tls.clone().unwrap_or_default()
        } else {
            String::new()
        },
        e.row.idiom.as_str().into(),
        e.row.reference.to_string(),
        e.row.tuned.is_some().to_string(),
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
        opt(f.relative.map(|r| r.0)),
        opt(f.relative.map(|r| r.1)),
        match f.mark {
            Mark::Best => "best",
            Mark::Tied => "tied",
            Mark::Behind => "",
        }
        .into(),
        fig(d.req_per_s),
        fig(d.p50_ms),
        fig(d.p90_ms),
        fig(d.p99_ms),
        fig(d.max_ms),
        fig(d.cpu_us_per_req),
        opt(f.cpu_per_handshake.map(|s| s.median)),
        fig(d.peak_rss_kib),
        opt(f.rss_per_inflight.map(|s| s.median)),
        fig(d.hb_p99_ms),
        fig(d.hb_max_ms),
        fig(d.threads),
        d.errors.to_string(),
        kinds.join(";"),
        opt(d.floor_multiple),
        opt(f.ceiling_multiple),
        match (d.protocol_used, f.protocol_used) {
            (Some(Protocol::Http1), _) => "http1",
            (Some(Protocol::Http2), _) => "http2",
            (_, "mixed") => "mixed",
            _ => "",
        }
        .into(),
        fig(d.connections),
        fig(d.max_streams),
        fig(d.handshakes),
        fig(d.resumed),
        d.failed.to_string(),
    ]
}
