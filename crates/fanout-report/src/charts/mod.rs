//! The SVG charts (plotters' SVG backend; text stays `<text>`, so no fonts
//! are needed): one per chart kind a workload declares
//! ([`fanout_core::workload::Chart`]), one per idiom group, and the summary
//! picture. A chart whose data is missing is not drawn; its
//! [`chart::Chart::skipped`] says why, and its page says so in its place.
//!
//! Layout: `chart` (a chart file), `style` (sizes, colours, dashes,
//! legend), `hbar` (the one horizontal bar chart), `lines` (log-log small
//! multiples), `heatmap`; `per_row`, `compared` and `summary` turn the
//! report's tables into those.

pub(crate) mod chart;
mod compared;
mod hbar;
mod heatmap;
mod lines;
mod per_row;
mod style;
mod summary;

use fanout_core::WORKLOADS;
use fanout_core::workload::Chart as ChartKind;

use crate::format::code;
use crate::idioms::group::groups;
use crate::model::{Report, Table};
use crate::verdict::ScenarioVerdict;
use chart::Chart;
use compared::{idiom_chart, protocols};
use per_row::{cpu, heartbeat, memory, rate, wall_by_n};

pub(crate) use summary::FILE as SUMMARY;

/// Every chart: the summary picture, those the presets declare (drawn or
/// skipped), then the idioms'.
pub(crate) fn charts(
    r: &Report<'_>,
    verdicts: &[ScenarioVerdict<'_>],
) -> anyhow::Result<Vec<Chart>> {
    let workloads = r.workloads();
    let mut out = vec![summary::summary(r, verdicts)?];
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
    for g in groups(r) {
        out.push(idiom_chart(r, &g)?);
    }
    Ok(out)
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
    let c = Chart::new(file, title, Some(id));
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
