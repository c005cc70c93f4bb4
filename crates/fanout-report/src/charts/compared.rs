//! The charts that set figures side by side, as grouped bars: each
//! HTTP/2-capable row's wall time with HTTP/1.1 and with HTTP/2 forced, and
//! each idiom's wall time relative to its group's base row.

use fanout_core::Protocol;

use super::grouped::{self, GroupedChart};
use super::per_row::{entry_label, fate_note};
use super::{Chart, slug};
use crate::format::{duration_ms, floor_ms, ratio2};
use crate::idioms::{self, chart_key, plain_name};
use crate::model::{Entry, Report, Table};
use crate::multi::protocol_pair;

pub(super) fn protocols(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
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

pub(super) fn idiom_chart(r: &Report<'_>, g: &idioms::Group<'_, '_>) -> anyhow::Result<Chart> {
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
