//! The SVG charts (plotters' SVG backend; text stays `<text>`, so no fonts
//! are needed), one per [`ChartKind`] a workload declares, plus one per
//! idiom group. A chart whose data is missing is not drawn;
//! [`Chart::skipped`] says why, and the README says so in its place.

mod bars;
mod grouped;
mod lines;

use std::fmt::Write as _;

use fanout_core::workload::Chart as ChartKind;
use fanout_core::{Model, Protocol, WORKLOADS};
use fanout_results::RowInfo;
use plotters::style::RGBColor;

use crate::format::{code, duration_ms, floor_ms, num, projection_s, ratio2};
use crate::idioms::{self, chart_key, plain_name};
use crate::model::{Entry, Fate, Report, Table, described, row_label};
use crate::multi::protocol_pair;
use crate::tables::resumed;
use bars::{Bar, BarChart};
use grouped::GroupedChart;
use lines::{Line, LineChart};

/// Width of every chart, px.
const WIDTH: u32 = 900;
/// Least height of every chart, px (bar charts grow with their rows).
const HEIGHT: u32 = 560;
/// The font family; the browser picks the face.
const FONT: &str = "sans-serif";

/// One chart file: drawn, or skipped with the reason.
pub(crate) struct Chart {
    /// File name inside the results directory, e.g. `scaling.svg`.
    pub file: String,
    /// The chart's title (also the README's alt text).
    pub title: String,
    /// One sentence under the chart in the README.
    pub caption: String,
    /// The SVG text, when drawn.
    pub svg: Option<String>,
    /// Why it was not drawn.
    pub skipped: Option<String>,
    /// The workload it is drawn from, if any.
    pub workload: Option<String>,
    /// The idiom group it is drawn for ([`idioms::chart_key`]), if any.
    pub idiom_group: Option<String>,
}

impl Chart {
    fn new(file: String, title: String, workload: Option<&str>) -> Chart {
        Chart {
            file,
            title,
            caption: String::new(),
            svg: None,
            skipped: None,
            workload: workload.map(str::to_string),
            idiom_group: None,
        }
    }

    fn drawn(mut self, caption: &str, svg: String) -> Chart {
        self.caption = caption.to_string();
        self.svg = Some(svg);
        self
    }

    fn skip(mut self, why: &str) -> Chart {
        self.skipped = Some(why.to_string());
        self
    }
}

/// The chart in the README: the image and its caption, or why it is missing.
pub(crate) fn embed(out: &mut String, c: &Chart) {
    match &c.skipped {
        None => {
            let _ = writeln!(out, "![{}]({})\n\n*{}*\n", c.title, c.file, c.caption);
        }
        Some(why) => {
            let _ = writeln!(out, "*No chart `{}` ({}): {why}.*\n", c.file, c.title);
        }
    }
}

fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw a chart: {e}")
}

/// Every chart the presets declare, drawn or skipped, then the idioms'.
pub(crate) fn charts(r: &Report<'_>) -> anyhow::Result<Vec<Chart>> {
    let workloads = r.workloads();
    let mut out = Vec::new();
    for w in WORKLOADS {
        let tables = workloads
            .iter()
            .find(|(id, _, _)| *id == w.id)
            .map(|(_, _, t)| t.as_slice())
            .unwrap_or_default();
        for &kind in w.charts {
            out.push(chart(r, w.id, kind, tables)?);
        }
    }
    for g in idioms::groups(r) {
        out.push(idiom_chart(r, &g)?);
    }
    Ok(out)
}

/// A file name safe in a URL and a directory: `[a-z0-9.-]` only.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn chart(
    r: &Report<'_>,
    id: &str,
    kind: ChartKind,
    tables: &[&Table<'_>],
) -> anyhow::Result<Chart> {
    let (file, title) = match kind {
        ChartKind::WallByN => (
            format!("{id}.svg"),
            format!("Wall time vs N on {id} (log-log)"),
        ),
        ChartKind::MemoryPerInFlight => (
            format!("{id}-memory.svg"),
            format!("Client memory per in-flight request on {id}"),
        ),
        ChartKind::Heartbeat => (
            format!("{id}-heartbeat.svg"),
            format!("Heartbeat lateness during {id} (log)"),
        ),
        ChartKind::Rate => (
            format!("{id}-rate.svg"),
            format!("Requests per second on {id}"),
        ),
        ChartKind::CpuPerRequest => (
            format!("{id}-cpu.svg"),
            format!("Client CPU per request on {id}"),
        ),
        ChartKind::Protocols => (
            format!("{id}-protocols.svg"),
            format!("HTTP/1.1 and HTTP/2 wall time on {id}"),
        ),
    };
    let c = Chart::new(slug(&file), title, Some(id));
    let measured = tables.iter().find(|t| t.measured().next().is_some());
    let Some(t) = measured else {
        return Ok(c.skip(&format!("no {} cell ran", code(id))));
    };
    match kind {
        ChartKind::WallByN => wall_by_n(r, c, tables),
        ChartKind::MemoryPerInFlight => memory(r, c, t),
        ChartKind::Heartbeat => heartbeat(r, c, t),
        ChartKind::Rate => rate(r, c, t),
        ChartKind::CpuPerRequest => cpu(r, c, t),
        ChartKind::Protocols => protocols(r, c, tables),
    }
}

/// A colour per line or series, distinct for the first ten (Tableau 10).
fn series_color(i: usize) -> RGBColor {
    const TABLEAU: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = TABLEAU[i % TABLEAU.len()];
    RGBColor(r, g, b)
}

/// The legend group and colour of a row: its model (reference rows apart).
fn model_group(row: &RowInfo) -> (String, RGBColor) {
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
fn entry_label(r: &Report<'_>, e: &Entry<'_>) -> String {
    if r.multi_host {
        format!("{} @ {}", row_label(&e.row), e.host)
    } else {
        row_label(&e.row)
    }
}

/// The note a bar chart prints in place of a missing bar.
fn fate_note(e: &Entry<'_>, missing: &str) -> String {
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
fn bars(
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

fn bar_chart(
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

fn wall_by_n(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
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

fn memory(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
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

fn heartbeat(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
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

fn rate(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
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

fn cpu(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
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

fn protocols(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
    let Some((h1, h2)) = protocol_pair(tables) else {
        return Ok(c.skip("the workload has no HTTP/1.1 and HTTP/2 plan pair"));
    };
    let mut spec = GroupedChart {
        title: c.title.clone(),
        x_desc: "median wall time, ms".into(),
        categories: Vec::new(),
        series: vec!["HTTP/1.1".into(), "HTTP/2".into()],
        values: Vec::new(),
        notes: Vec::new(),
        line: (floor_ms(&h1.plan) > 0.0).then(|| (floor_ms(&h1.plan), "floor".to_string())),
    };
    for (a, b) in h1.entries.iter().zip(&h2.entries) {
        if !a.row.protocols.contains(&Protocol::Http2) {
            continue;
        }
        spec.categories.push(entry_label(r, a));
        let one = |e: &Entry<'_>| match &e.figures {
            Some(f) => (Some(f.d.wall_ms), duration_ms(f.d.wall_ms)),
            None => (None, fate_note(e, "")),
        };
        let ((va, na), (vb, nb)) = (one(a), one(b));
        spec.values.push(vec![va, vb]);
        spec.notes.push(vec![na, nb]);
    }
    if spec.values.iter().flatten().all(Option::is_none) {
        return Ok(c.skip("no HTTP/2-capable row was measured on either plan"));
    }
    let svg = grouped::draw(&spec)?;
    Ok(c.drawn(
        "Lower is better: each HTTP/2-capable row's median wall time with HTTP/1.1 forced and with HTTP/2 forced, against the same server (100 concurrent streams per connection).",
        svg,
    ))
}

fn idiom_chart(r: &Report<'_>, g: &idioms::Group<'_, '_>) -> anyhow::Result<Chart> {
    let base = g.rows[g.base];
    let file = if r.multi_host {
        format!("idioms-{}-{}.svg", base.id, g.host)
    } else {
        format!("idioms-{}.svg", base.id)
    };
    let mut c = Chart::new(
        slug(&file),
        format!(
            "Idioms of {} with {}: wall time relative to {}",
            base.runtime,
            base.client,
            base.idiom.as_str()
        ),
        None,
    );
    c.idiom_group = Some(chart_key(g));
    let mut spec = GroupedChart {
        title: c.title.clone(),
        x_desc: format!(
            "median wall time ÷ the {} row's ({})",
            base.idiom.as_str(),
            base.id
        ),
        categories: g.plans.iter().map(|p| plain_name(p.table)).collect(),
        series: g
            .rows
            .iter()
            .map(|row| row.idiom.as_str().to_string())
            .collect(),
        values: Vec::new(),
        notes: Vec::new(),
        line: Some((1.0, format!("1.0 = {}", base.idiom.as_str()))),
    };
    for p in &g.plans {
        let b = p.figures[g.base].map(|f| f.wall.median);
        let vals: Vec<Option<f64>> = p
            .figures
            .iter()
            .map(|f| Some(f.as_ref()?.wall.median / b?).filter(|v| v.is_finite()))
            .collect();
        spec.notes.push(
            vals.iter()
                .zip(&p.figures)
                .map(|(v, f)| match (v, f) {
                    (Some(v), _) => ratio2(*v),
                    (None, Some(_)) => "no base".into(),
                    (None, None) => "not measured".into(),
                })
                .collect(),
        );
        spec.values.push(vals);
    }
    let svg = grouped::draw(&spec)?;
    Ok(c.drawn(
        "Lower is better: each idiom's median wall over the base row's on the same plan; see the table for which differences are beyond noise.",
        svg,
    ))
}
