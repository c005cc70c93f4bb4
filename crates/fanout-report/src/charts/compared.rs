//! The charts that set figures side by side, as bands of bars: each
//! HTTP/2-capable row's wall time with HTTP/1.1 and with HTTP/2 forced, and
//! each idiom's wall time relative to its group's base row.

use fanout_core::Protocol;

use crate::charts::chart::Chart;
use crate::charts::hbar::{self, Bar, Category, HBarChart};
use crate::charts::per_row::{entry_label, fate_note};
use crate::charts::style::series_color;
use crate::format::{duration_ms, floor_ms, ratio2};
use crate::idioms::group::{Group, chart_key, plain_name};
use crate::model::{Entry, Report, Table};
use crate::protocols::protocol_pair;

/// Legend keys, one per series, in the series' colours.
fn keys(series: &[String]) -> Vec<(String, plotters::style::RGBColor)> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), series_color(i)))
        .collect()
}

pub(crate) fn protocols(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
    let Some((h1, h2)) = protocol_pair(tables) else {
        return Ok(c.skip("the workload has no HTTP/1.1 and HTTP/2 plan pair"));
    };
    let mut categories = Vec::new();
    for (a, b) in h1.entries.iter().zip(&h2.entries) {
        if !a.row.protocols.contains(&Protocol::Http2) {
            continue;
        }
        let bar = |key: usize, e: &Entry<'_>| match &e.figures {
            Some(f) => Bar {
                key,
                value: Some(f.d.wall_ms),
                marker: None,
                note: duration_ms(f.d.wall_ms),
            },
            None => Bar {
                key,
                value: None,
                marker: None,
                note: fate_note(e, ""),
            },
        };
        // A row measured on neither plan has no band (the table says why).
        if a.figures.is_none() && b.figures.is_none() {
            continue;
        }
        categories.push(Category {
            label: entry_label(r, a),
            bars: vec![bar(0, a), bar(1, b)],
        });
    }
    if categories.is_empty() {
        return Ok(c.skip("no HTTP/2-capable row was measured on either plan"));
    }
    let spec = HBarChart {
        title: c.title.clone(),
        x_desc: "median wall time, ms".into(),
        log_x: false,
        categories,
        keys: keys(&["HTTP/1.1".into(), "HTTP/2".into()]),
        marker_label: None,
        lines: (floor_ms(&h1.plan) > 0.0)
            .then(|| (floor_ms(&h1.plan), "floor".to_string()))
            .into_iter()
            .collect(),
    };
    let svg = hbar::draw(&spec)?;
    Ok(c.drawn(
        "Lower is better: each HTTP/2-capable row's median wall time with HTTP/1.1 forced and with HTTP/2 forced, against the same server (100 concurrent streams per connection); a row measured on neither plan is left out (the table says why).",
        svg,
    ))
}

pub(crate) fn idiom_chart(r: &Report<'_>, g: &Group<'_, '_>) -> anyhow::Result<Chart> {
    let base = g.rows[g.base];
    let file = if r.multi_host {
        format!("idioms-{}-{}.svg", base.id, g.host)
    } else {
        format!("idioms-{}.svg", base.id)
    };
    let mut c = Chart::new(
        file,
        format!(
            "Idioms of {} with {}: wall time relative to {}",
            base.runtime,
            base.client,
            base.idiom.as_str()
        ),
        None,
    );
    c.idiom_group = Some(chart_key(g));
    let series: Vec<String> = g
        .rows
        .iter()
        .map(|row| row.idiom.as_str().to_string())
        .collect();
    let categories = g
        .plans
        .iter()
        .map(|p| {
            let b = p.figures[g.base].map(|f| f.wall.median);
            Category {
                label: plain_name(p.table),
                bars: p
                    .figures
                    .iter()
                    .enumerate()
                    .map(|(s, f)| {
                        let v = f
                            .as_ref()
                            .and_then(|f| Some(f.wall.median / b?))
                            .filter(|v| v.is_finite());
                        Bar {
                            key: s,
                            value: v,
                            marker: None,
                            note: match (v, f) {
                                (Some(v), _) => ratio2(v),
                                (None, Some(_)) => "no base".into(),
                                (None, None) => "not measured".into(),
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let spec = HBarChart {
        title: c.title.clone(),
        x_desc: format!(
            "median wall time ÷ the {} row's ({})",
            base.idiom.as_str(),
            base.id
        ),
        log_x: false,
        categories,
        keys: keys(&series),
        marker_label: None,
        lines: vec![(1.0, format!("1.0 = {}", base.idiom.as_str()))],
    };
    let svg = hbar::draw(&spec)?;
    Ok(c.drawn(
        "Lower is better: each idiom's median wall over the base row's on the same plan; see the table for which differences are beyond noise.",
        svg,
    ))
}
