//! The SVG charts (plotters' SVG backend; text stays `<text>`, so no fonts
//! are needed), one per [`ChartKind`] a workload declares, plus one per
//! idiom group. A chart whose data is missing is not drawn;
//! [`Chart::skipped`] says why, and the README says so in its place.

mod bars;
mod compared;
mod grouped;
mod lines;
mod per_row;

use std::fmt::Write as _;

use fanout_core::WORKLOADS;
use fanout_core::workload::Chart as ChartKind;
use plotters::style::RGBColor;

use crate::format::code;
use crate::idioms;
use crate::model::{Report, Table};
use compared::{idiom_chart, protocols};
use per_row::{cpu, heartbeat, memory, rate, wall_by_n};

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

/// Draws a chart's legend (its series labels) at `at`, in the one style
/// every chart uses.
fn legend<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    at: plotters::chart::SeriesLabelPosition,
    font_px: u32,
) -> anyhow::Result<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::style::{BLACK, Color, WHITE};
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, font_px))
        .draw()
        .map_err(plot_err)
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
pub(crate) fn slug(s: &str) -> String {
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
