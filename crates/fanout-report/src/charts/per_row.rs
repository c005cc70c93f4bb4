//! The charts of one table, a bar (or a line) per row: wall time against
//! N, memory per in-flight request, heartbeat lateness, request rate with
//! the load generators, and CPU per request — coloured by the row's model,
//! with a note in place of a missing bar saying what became of the cell.

use fanout_core::Model;
use fanout_results::RowInfo;
use plotters::style::RGBColor;

use super::Chart;
use super::bars::{self, Bar, BarChart};
use super::lines::{self, Line, LineChart};
use crate::format::{duration_ms, floor_ms, num, projection_s};
use crate::model::{Entry, Fate, Report, Table, described, row_label};
use crate::tables::resumed;

/// The legend group and colour of a row: its model (reference rows apart).
pub(super) fn model_group(row: &RowInfo) -> (String, RGBColor) {
    let (name, (r, g, b)) = if row.reference {
        ("reference".to_string(), (127, 127, 127))
    } else if !described(row) {
        ("other".to_string(), (44, 160, 44))
    } else {
        let rgb = match row.model {
            Model::Sequential => (214, 39, 40),
            Model::Threads => (255, 127, 14),
            Model::AsyncIoUring => (148, 103, 189),
            _ => (31, 119, 180),
        };
        (row.model.as_str().to_string(), rgb)
    };
    (name, RGBColor(r, g, b))
}

/// The label of an entry: the row, and its host when merged.
pub(super) fn entry_label(r: &Report<'_>, e: &Entry<'_>) -> String {
    if r.multi_host {
        format!("{} @ {}", row_label(&e.row), e.host)
    } else {
        row_label(&e.row)
    }
}

/// The note a bar chart prints in place of a missing bar.
pub(super) fn fate_note(e: &Entry<'_>, missing: &str) -> String {
    match e.fate() {
        Fate::Measured(_) => missing.to_string(),
        Fate::Skipped {
            projected_s: Some(s),
            ..
        } => format!("skipped (projected {})", projection_s(s)),
        Fate::Skipped { .. } => "skipped".into(),
        Fate::Unsupported(_) => "cannot".into(),
        Fate::Failed(_) => "failed".into(),
        Fate::NoRepeats => "no repeats".into(),
        Fate::NotRun => "not run".into(),
    }
}

/// A bar per entry of `t`: `value` gives the bar, its dot and its note.
pub(super) fn bars(
    r: &Report<'_>,
    t: &Table<'_>,
    missing: &str,
    value: impl Fn(&Entry<'_>) -> Option<(f64, Option<f64>, String)>,
) -> Vec<Bar> {
    t.entries
        .iter()
        .map(|e| {
            let (group, color) = model_group(&e.row);
            let (value, marker, note) = match value(e) {
                Some((v, m, note)) => (Some(v), m, note),
                None => (None, None, fate_note(e, missing)),
            };
            Bar {
                label: entry_label(r, e),
                group,
                color,
                value,
                marker,
                note,
            }
        })
        .collect()
}

pub(super) fn bar_chart(
    c: Chart,
    x_desc: &str,
    log_x: bool,
    bars: Vec<Bar>,
    caption: &str,
) -> anyhow::Result<Chart> {
    let spec = BarChart {
        title: c.title.clone(),
        x_desc: x_desc.into(),
        log_x,
        bars,
        marker_label: None,
        lines: Vec::new(),
    };
    let svg = bars::draw(&spec)?;
    Ok(c.drawn(caption, svg))
}

pub(super) fn wall_by_n(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
    let Some(first) = tables.first() else {
        return Ok(c.skip("no plan"));
    };
    let lines = first
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| Line {
            label: entry_label(r, e),
            points: tables
                .iter()
                .filter_map(|t| {
                    let f = t.entries.get(i)?.figures.as_ref()?;
                    Some((t.plan.requests as f64, f.d.wall_ms))
                })
                .collect(),
        })
        .collect();
    let spec = LineChart {
        title: c.title.clone(),
        x_desc: "N — requests in the fan-out (log)".into(),
        y_desc: "median wall time, ms (log)".into(),
        lines,
        floor: tables
            .iter()
            .map(|t| (t.plan.requests as f64, floor_ms(&t.plan)))
            .collect(),
    };
    let caption = format!(
        "Each line is a row; a missing point was not measured (see the table). Every request \
         waits {} on the server, so the dashed floor is what full concurrency reaches.",
        duration_ms(first.plan.delay.as_secs_f64() * 1e3)
    );
    let svg = lines::draw(&spec)?;
    Ok(c.drawn(&caption, svg))
}

pub(super) fn memory(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let bars = bars(r, t, "idle RSS unknown", |e| {
        let k = e.figures.as_ref()?.rss_per_inflight?.median;
        Some((k, None, format!("{} KiB", num(k))))
    });
    if bars.iter().all(|b| b.value.is_none()) {
        return Ok(c.skip("no cell ran with the row's idle RSS known"));
    }
    bar_chart(
        c,
        "(peak RSS − idle RSS) / peak in-flight requests, KiB (median of repeats)",
        false,
        bars,
        "Lower is better: client peak RSS above the row's idle RSS, divided by the requests the server saw in flight at once.",
    )
}

pub(super) fn heartbeat(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let bars = bars(r, t, "", |e| {
        let d = &e.figures.as_ref()?.d;
        Some((
            d.hb_max_ms,
            Some(d.hb_p99_ms),
            format!("p99 {} / max {} ms", num(d.hb_p99_ms), num(d.hb_max_ms)),
        ))
    });
    let spec = BarChart {
        title: c.title.clone(),
        x_desc: format!(
            "how late a {} ticker fired, ms (log)",
            duration_ms(t.plan.heartbeat.as_secs_f64() * 1e3)
        ),
        log_x: true,
        bars,
        marker_label: Some("p99 lateness".into()),
        lines: Vec::new(),
    };
    let svg = bars::draw(&spec)?;
    Ok(c.drawn(
        "Bars: the latest tick; dots: the 99th percentile; reference rows included. A sequential row can only tick between requests — the original asyncio argument.",
        svg,
    ))
}

pub(super) fn rate(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let bars = bars(r, t, "", |e| {
        let v = e.figures.as_ref()?.d.req_per_s;
        Some((v, None, format!("{} req/s", num(v))))
    });
    let spec = BarChart {
        title: c.title.clone(),
        x_desc: "requests per second (N over the median wall)".into(),
        log_x: false,
        bars,
        marker_label: None,
        lines: t
            .generators
            .iter()
            .map(|g| (g.req_per_s, format!("{} (load generator)", g.tool)))
            .collect(),
    };
    let svg = bars::draw(&spec)?;
    Ok(c.drawn(
        "Higher is better; the dashed lines, when present, are load generators against a server of their own (they neither decode nor verify).",
        svg,
    ))
}

pub(super) fn cpu(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let tls = t.plan.tls;
    let bars = bars(r, t, "", |e| {
        let f = e.figures.as_ref()?;
        let v = f.d.cpu_us_per_req;
        let mut note = format!("{} µs", num(v));
        if tls {
            note.push_str(&format!(
                ", resumed {}",
                resumed(f.d.resumed, f.d.handshakes)
            ));
        }
        Some((v, None, note))
    });
    bar_chart(
        c,
        "user + sys CPU of the client process per request, µs (median of repeats)",
        false,
        bars,
        "Lower is better: the client's own CPU (wait4 rusage) divided by the requests; on HTTPS plans the note says how many TLS handshakes the server saw resumed.",
    )
}
