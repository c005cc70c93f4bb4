//! The summary picture: every row against every scenario the results
//! measured, each cell the row's figure over the scenario's best on the
//! figure that decides it (the verdict's plan, host and metric), as a heat
//! map — which rows are good at everything, which only at one thing.

use fanout_core::Metric;

use crate::charts::chart::Chart;
use crate::charts::heatmap::{self, HeatCell, HeatRow, Heatmap};
use crate::figures::metric;
use crate::model::{Fate, Report};
use crate::names::row_label;
use crate::ties::{Better, Spread, ties};
use crate::verdict::{ScenarioVerdict, host};

/// The file name of the summary picture.
pub(crate) const FILE: &str = "summary.svg";

/// A metric's short name for a column header.
fn short(m: Metric) -> &'static str {
    match m {
        Metric::Wall => "wall",
        Metric::CpuPerRequest => "CPU / request",
        Metric::CpuPerHandshake => "CPU / handshake",
        Metric::MemoryPerInFlight => "KiB / in flight",
        _ => "other",
    }
}

/// The summary picture, or why it is not drawn.
pub(crate) fn summary(r: &Report<'_>, verdicts: &[ScenarioVerdict<'_>]) -> anyhow::Result<Chart> {
    let c = Chart::new(
        FILE.into(),
        "Every row on every scenario: its figure ÷ the scenario's best".into(),
        None,
    );
    let host = host(r);
    let mut columns = Vec::new();
    // Per column, per row (in `r.rows` order): the cell.
    let mut cells: Vec<Vec<HeatCell>> = Vec::new();
    for v in verdicts {
        let Some(t) = v.table else { continue };
        let m = v.workload.scenario.decided_by;
        let entries: Vec<_> = r
            .rows
            .iter()
            .map(|row| t.of_host(host).find(|e| e.row.id == row.id))
            .collect();
        let spreads: Vec<Option<Spread>> = entries
            .iter()
            .map(|e| {
                let f = e.as_ref()?.figures.as_ref().filter(|f| f.d.failed == 0)?;
                metric(f, m)
            })
            .collect();
        let Some(best) = ties(&spreads, Better::Lower) else {
            continue;
        };
        let best_median = spreads[best.best].map_or(f64::NAN, |s| s.median);
        columns.push((
            if t.label == t.workload_id {
                t.workload_id.clone()
            } else {
                format!("{} {}", t.workload_id, t.label)
            },
            short(m).to_string(),
        ));
        cells.push(
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let Some(e) = e else {
                        return HeatCell::Missing("–");
                    };
                    match (spreads[i], e.fate()) {
                        (Some(s), _) => HeatCell::Ratio {
                            value: s.median / best_median,
                            tied: best.tied.contains(&i),
                        },
                        (None, Fate::Measured(f)) if f.d.failed > 0 => HeatCell::Failed,
                        (None, Fate::Measured(_)) => HeatCell::Missing("–"),
                        (None, Fate::Skipped { .. }) => HeatCell::Missing("skip"),
                        (None, Fate::Unsupported(_)) => HeatCell::Missing("n/a"),
                        (None, Fate::Failed(_)) => HeatCell::Missing("fail"),
                        (None, _) => HeatCell::Missing("–"),
                    }
                })
                .collect(),
        );
    }
    if columns.is_empty() {
        return Ok(c.skip("no scenario has a measured row"));
    }
    let mut rows: Vec<HeatRow> = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| HeatRow {
            label: if row.reference {
                row.id.clone() + if row.tuned.is_some() { " (tuned)" } else { "" }
            } else {
                row_label(row)
            },
            marked: row.reference,
            cells: cells
                .iter_mut()
                .map(|col| std::mem::replace(&mut col[i], HeatCell::Missing("–")))
                .collect(),
        })
        .collect();
    // The reference programs as one block at the bottom, in their order.
    rows.sort_by_key(|row| row.marked);
    let svg = heatmap::draw(&Heatmap {
        title: c.title.clone(),
        columns,
        rows,
        marked_block: "reference programs (Python, Node.js, Go, …)".into(),
    })?;
    Ok(c.drawn(
        "Each column is a scenario on its deciding figure (the verdict's plan); each cell the \
         row's median over the best row's on it — 1.0 is the best, 2.0 twice the time, CPU or \
         memory. Outlined: within noise of the best. Reference programs at the bottom.",
        svg,
    ))
}
