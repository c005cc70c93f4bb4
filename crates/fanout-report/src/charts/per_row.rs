//! The charts of one workload, a bar (or a line) per row: wall time against
//! N as small multiples, memory per in-flight request, heartbeat lateness,
//! request rate with the load generators, and CPU per request — bars
//! coloured by the row's model, with a note in place of a missing bar
//! saying what became of the cell.

use fanout_core::Model;
use fanout_results::RowInfo;
use plotters::style::RGBColor;

use crate::charts::chart::Chart;
use crate::charts::hbar::{self, Bar, Category, HBarChart};
use crate::charts::lines::{self, Line, Panel, Panels};
use crate::format::{duration_ms, floor_ms, num, projection_s};
use crate::model::{Entry, Fate, Report, Table};
use crate::names::{described, root, row_label};
use crate::tables::resumed;

/// The legend groups of rows and their colours: by model, reference rows apart.
const GROUPS: [(&str, (u8, u8, u8)); 6] = [
    ("sequential", (214, 39, 40)),
    ("threads", (255, 127, 14)),
    ("async", (31, 119, 180)),
    ("async-io-uring", (148, 103, 189)),
    ("reference", (127, 127, 127)),
    ("other", (44, 160, 44)),
];

/// The legend keys, in [`GROUPS`] order.
pub(crate) fn model_keys() -> Vec<(String, RGBColor)> {
    GROUPS
        .iter()
        .map(|(name, (r, g, b))| (name.to_string(), RGBColor(*r, *g, *b)))
        .collect()
}

/// A row's legend key: its model (green-thread rows with the async ones),
/// reference rows apart.
pub(crate) fn model_key(row: &RowInfo) -> usize {
    let name = if row.reference {
        "reference"
    } else if !described(row) {
        "other"
    } else {
        match row.model {
            Model::Sequential => "sequential",
            Model::Threads => "threads",
            Model::AsyncIoUring => "async-io-uring",
            _ => "async",
        }
    };
    GROUPS.iter().position(|(g, _)| *g == name).unwrap_or(0)
}

/// The label of an entry: the row, and its host when merged.
pub(crate) fn entry_label(r: &Report<'_>, e: &Entry<'_>) -> String {
    if r.multi_host {
        format!("{} @ {}", row_label(&e.row), e.host)
    } else {
        row_label(&e.row)
    }
}

/// The note a bar chart prints in place of a missing bar.
pub(crate) fn fate_note(e: &Entry<'_>, missing: &str) -> String {
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

/// A band with one bar per entry of `t`: `value` gives the bar, its dot
/// and its note.
fn categories(
    r: &Report<'_>,
    t: &Table<'_>,
    missing: &str,
    value: impl Fn(&Entry<'_>) -> Option<(f64, Option<f64>, String)>,
) -> Vec<Category> {
    t.entries
        .iter()
        .map(|e| {
            let (value, marker, note) = match value(e) {
                Some((v, m, note)) => (Some(v), m, note),
                None => (None, None, fate_note(e, missing)),
            };
            Category {
                label: entry_label(r, e),
                bars: vec![Bar {
                    key: model_key(&e.row),
                    value,
                    marker,
                    note,
                }],
            }
        })
        .collect()
}

fn bar_chart(
    c: Chart,
    x_desc: &str,
    log_x: bool,
    categories: Vec<Category>,
    caption: &str,
) -> anyhow::Result<Chart> {
    let spec = HBarChart {
        title: c.title.clone(),
        x_desc: x_desc.into(),
        log_x,
        categories,
        keys: model_keys(),
        marker_label: None,
        lines: Vec::new(),
    };
    let svg = hbar::draw(&spec)?;
    Ok(c.drawn(caption, svg))
}

/// The panel a row's line goes in: reference programs together, blocking
/// rows together, async rows by their runtime's first word.
fn panel_of(row: &RowInfo) -> String {
    if row.reference {
        "reference programs".into()
    } else if matches!(row.model, Model::Sequential | Model::Threads) {
        "blocking clients and threads".into()
    } else {
        row.runtime
            .split_whitespace()
            .next()
            .unwrap_or("other")
            .to_string()
    }
}

/// Where each entry's line goes and how it is drawn: (panel, family within
/// the panel — the colour —, variant within the family — the dash).
/// Entries of one panel never share a colour and a dash.
fn line_styles(rows: &[RowInfo], entries: &[&RowInfo]) -> Vec<(String, usize, usize)> {
    let mut families: Vec<(String, Vec<String>)> = Vec::new();
    let mut taken: Vec<(String, usize, usize)> = Vec::new();
    for row in entries {
        let panel = panel_of(row);
        let k = match families.iter().position(|(p, _)| *p == panel) {
            Some(k) => k,
            None => {
                families.push((panel.clone(), Vec::new()));
                families.len() - 1
            }
        };
        let roots = &mut families[k].1;
        let family = root(rows, row).to_string();
        let f = match roots.iter().position(|x| *x == family) {
            Some(f) => f,
            None => {
                roots.push(family);
                roots.len() - 1
            }
        };
        let variant = taken
            .iter()
            .filter(|(p, g, _)| *p == panel && *g == f)
            .count();
        taken.push((panel, f, variant));
    }
    taken
}

pub(crate) fn wall_by_n(r: &Report<'_>, c: Chart, tables: &[&Table<'_>]) -> anyhow::Result<Chart> {
    let Some(first) = tables.first() else {
        return Ok(c.skip("no plan"));
    };
    // A row measured on no plan has no line (the table says why).
    let kept: Vec<(&Entry<'_>, Vec<(f64, f64)>)> = first
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let points = tables
                .iter()
                .filter_map(|t| {
                    let f = t.entries.get(i)?.figures.as_ref()?;
                    Some((t.plan.requests as f64, f.d.wall_ms))
                })
                .collect::<Vec<_>>();
            (e, points)
        })
        .filter(|(_, points)| !points.is_empty())
        .collect();
    let rows: Vec<&RowInfo> = kept.iter().map(|(e, _)| &e.row).collect();
    let mut panels: Vec<Panel> = Vec::new();
    for ((e, points), (name, family, variant)) in kept.into_iter().zip(line_styles(&r.rows, &rows))
    {
        let k = match panels.iter().position(|p| p.title == name) {
            Some(k) => k,
            None => {
                panels.push(Panel {
                    title: name,
                    lines: Vec::new(),
                });
                panels.len() - 1
            }
        };
        panels[k].lines.push(Line {
            label: entry_label(r, e),
            points,
            family,
            variant,
        });
    }
    let spec = Panels {
        title: c.title.clone(),
        x_desc: "N — requests in the fan-out (log)".into(),
        y_desc: "median wall time, ms (log)".into(),
        panels,
        floor: tables
            .iter()
            .map(|t| (t.plan.requests as f64, floor_ms(&t.plan)))
            .collect(),
    };
    let caption = format!(
        "A panel per group of rows, every other panel's lines in grey behind; in a panel a \
         colour per row and the rows that vary it, a dash per variant. A missing point was not \
         measured, and a row measured on no plan has no line (see the table). Every request waits {} on the server, so the dashed floor is \
         what full concurrency reaches.",
        duration_ms(first.plan.delay.as_secs_f64() * 1e3)
    );
    let svg = lines::draw(&spec)?;
    Ok(c.drawn(&caption, svg))
}

pub(crate) fn memory(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let cats = categories(r, t, "idle RSS unknown", |e| {
        let k = e.figures.as_ref()?.rss_per_inflight?.median;
        Some((k, None, format!("{} KiB", num(k))))
    });
    if cats
        .iter()
        .all(|c| c.bars.iter().all(|b| b.value.is_none()))
    {
        return Ok(c.skip("no cell ran with the row's idle RSS known"));
    }
    bar_chart(
        c,
        "(peak RSS − idle RSS) / peak in-flight requests, KiB (median of repeats)",
        false,
        cats,
        "Lower is better: client peak RSS above the row's idle RSS, divided by the requests the server saw in flight at once.",
    )
}

pub(crate) fn heartbeat(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let cats = categories(r, t, "", |e| {
        let d = &e.figures.as_ref()?.d;
        Some((
            d.hb_max_ms,
            Some(d.hb_p99_ms),
            format!("p99 {} / max {} ms", num(d.hb_p99_ms), num(d.hb_max_ms)),
        ))
    });
    let spec = HBarChart {
        title: c.title.clone(),
        x_desc: format!(
            "how late a {} ticker fired, ms (log)",
            duration_ms(t.plan.heartbeat.as_secs_f64() * 1e3)
        ),
        log_x: true,
        categories: cats,
        keys: model_keys(),
        marker_label: Some("p99 lateness".into()),
        lines: Vec::new(),
    };
    let svg = hbar::draw(&spec)?;
    Ok(c.drawn(
        "Bars: the latest tick; dots: the 99th percentile; reference rows included. A sequential row can only tick between requests — the original asyncio argument.",
        svg,
    ))
}

pub(crate) fn rate(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let cats = categories(r, t, "", |e| {
        let v = e.figures.as_ref()?.d.req_per_s;
        Some((v, None, format!("{} req/s", num(v))))
    });
    let spec = HBarChart {
        title: c.title.clone(),
        x_desc: "requests per second (N over the median wall)".into(),
        log_x: false,
        categories: cats,
        keys: model_keys(),
        marker_label: None,
        lines: t
            .generators
            .iter()
            .map(|g| (g.req_per_s, format!("{} (load generator)", g.tool)))
            .collect(),
    };
    let svg = hbar::draw(&spec)?;
    Ok(c.drawn(
        "Higher is better; the dashed lines, when present, are load generators against a server of their own (they neither decode nor verify).",
        svg,
    ))
}

pub(crate) fn cpu(r: &Report<'_>, c: Chart, t: &Table<'_>) -> anyhow::Result<Chart> {
    let tls = t.plan.tls;
    let cats = categories(r, t, "", |e| {
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
        cats,
        "Lower is better: the client's own CPU (wait4 rusage) divided by the requests; on HTTPS plans the note says how many TLS handshakes the server saw resumed.",
    )
}

#[cfg(test)]
mod tests {
    use fanout_core::{Idiom, Upstream};

    use super::*;

    fn row(id: &str, runtime: &str, model: Model, base: Option<&str>, reference: bool) -> RowInfo {
        RowInfo {
            id: id.into(),
            runtime: runtime.into(),
            client: "c".into(),
            tls: None,
            model,
            idiom: Idiom::Spawn,
            protocols: Vec::new(),
            upstream: Upstream::Maintained,
            tuned: None,
            variant_of: base.map(str::to_string),
            reference,
            idle_rss_kib: None,
        }
    }

    #[test]
    fn every_line_of_a_panel_has_its_own_colour_and_dash() {
        let rows = vec![
            row("seq", "none", Model::Sequential, None, false),
            row("threads", "std", Model::Threads, None, false),
            row("a", "tokio (multi-thread)", Model::Async, None, false),
            row(
                "a-1",
                "tokio (multi-thread)",
                Model::Async,
                Some("a"),
                false,
            ),
            row(
                "a-2",
                "tokio (multi-thread)",
                Model::Async,
                Some("a"),
                false,
            ),
            row("b", "tokio (current-thread)", Model::Async, None, false),
            row(
                "b-1",
                "tokio (current-thread)",
                Model::Async,
                Some("b"),
                false,
            ),
            row("s", "smol", Model::Async, None, false),
            row("py", "CPython 3.11", Model::Async, None, true),
            row("go", "Go go1.19", Model::GreenThreads, None, true),
            row("go-1", "Go go1.19", Model::GreenThreads, Some("go"), true),
        ];
        let refs: Vec<&RowInfo> = rows.iter().collect();
        let styles = line_styles(&rows, &refs);
        let panels: Vec<&str> = styles.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            panels,
            [
                "blocking clients and threads",
                "blocking clients and threads",
                "tokio",
                "tokio",
                "tokio",
                "tokio",
                "tokio",
                "smol",
                "reference programs",
                "reference programs",
                "reference programs",
            ]
        );
        // A row and its variants share a colour, each with its own dash.
        let drawn: Vec<(usize, usize)> = styles.iter().map(|(_, f, v)| (*f, *v)).collect();
        assert_eq!(&drawn[2..7], &[(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]);
        assert_eq!(&drawn[8..], &[(0, 0), (1, 0), (1, 1)]);
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a, b, "two lines drawn alike");
            }
        }
    }
}
