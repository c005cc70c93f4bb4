//! The SVG charts (plotters' SVG backend; text stays `<text>`, so no fonts
//! are needed): wall time vs N from `scaling`, client memory per in-flight
//! request on `c10k`, heartbeat lateness on `demo`, and request rate and CPU
//! per request on `throughput`. A chart whose workload has no data is not
//! drawn; [`Chart::skipped`] says why, and the README says so instead.

mod bars;
mod lines;

use plotters::style::RGBColor;

use super::figures::{Entry, Fate, Group, row_name};
use super::format::{duration_ms, floor_ms, num, projection_s};
use bars::{Bar, BarChart};
use lines::{Line, LineChart};

/// Width of every chart, px.
const WIDTH: u32 = 900;
/// Least height of every chart, px (bar charts grow with their rows).
const HEIGHT: u32 = 560;
/// The font family; the browser picks the face.
const FONT: &str = "sans-serif";

/// One chart file: drawn, or skipped with the reason.
pub(crate) struct Chart {
    /// File name inside the report directory, e.g. `scaling.svg`.
    pub file: &'static str,
    /// The chart's title (also the README's alt text).
    pub title: String,
    /// One sentence under the chart in the README.
    pub caption: String,
    /// The SVG text, when drawn.
    pub svg: Option<String>,
    /// Why it was not drawn.
    pub skipped: Option<String>,
}

impl Chart {
    fn drawn(file: &'static str, title: String, caption: &str, svg: String) -> Chart {
        Chart {
            file,
            title,
            caption: caption.to_string(),
            svg: Some(svg),
            skipped: None,
        }
    }

    fn skipped(file: &'static str, title: &str, why: &str) -> Chart {
        Chart {
            file,
            title: title.to_string(),
            caption: String::new(),
            svg: None,
            skipped: Some(why.to_string()),
        }
    }
}

fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw a chart: {e}")
}

/// Every chart, drawn or skipped.
pub(crate) fn charts(groups: &[Group<'_>]) -> anyhow::Result<Vec<Chart>> {
    Ok(vec![
        scaling(groups)?,
        c10k_memory(groups)?,
        heartbeat(groups)?,
        throughput(groups)?,
        throughput_cpu(groups)?,
    ])
}

/// A colour per line, distinct for the first ten (Tableau 10), then cycling.
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
fn model_group(e: &Entry<'_>) -> (String, RGBColor) {
    let model = e.row.model.to_lowercase();
    let (name, (r, g, b)) = if e.row.reference {
        ("reference".to_string(), (127, 127, 127))
    } else if model.contains("io_uring") || model.contains("io-uring") {
        (e.row.model.clone(), (148, 103, 189))
    } else if model.contains("async") {
        (e.row.model.clone(), (31, 119, 180))
    } else if model.contains("thread") {
        (e.row.model.clone(), (255, 127, 14))
    } else if model.contains("sequential") {
        (e.row.model.clone(), (214, 39, 40))
    } else if model.is_empty() {
        ("other".to_string(), (44, 160, 44))
    } else {
        (e.row.model.clone(), (44, 160, 44))
    };
    (name, RGBColor(r, g, b))
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
        Fate::Failed(_) => "failed".into(),
        Fate::NoRepeats => "no repeats".into(),
        Fate::NotRun => "not run".into(),
    }
}

/// A bar per entry of `g`: `value` gives the bar, its dot and its note.
fn bars(
    g: &Group<'_>,
    missing: &str,
    value: impl Fn(&Entry<'_>) -> Option<(f64, Option<f64>, String)>,
) -> Vec<Bar> {
    g.entries
        .iter()
        .map(|e| {
            let (group, color) = model_group(e);
            let (value, marker, note) = match value(e) {
                Some((v, m, note)) => (Some(v), m, note),
                None => (None, None, fate_note(e, missing)),
            };
            Bar {
                label: row_name(&e.row),
                group,
                color,
                value,
                marker,
                note,
            }
        })
        .collect()
}

fn first<'g, 'a>(groups: &'g [Group<'a>], workload: &str) -> Option<&'g Group<'a>> {
    groups.iter().find(|g| g.workload == workload)
}

fn scaling(groups: &[Group<'_>]) -> anyhow::Result<Chart> {
    const FILE: &str = "scaling.svg";
    let title = "Wall time vs N on scaling (log-log)";
    let of: Vec<&Group<'_>> = groups.iter().filter(|g| g.workload == "scaling").collect();
    if !of.iter().any(|g| g.measured().next().is_some()) {
        return Ok(Chart::skipped(FILE, title, "no `scaling` cell ran"));
    }
    let delay = of
        .first()
        .map(|g| duration_ms(g.plan.delay.as_secs_f64() * 1e3));
    let lines = of[0]
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| Line {
            label: row_name(&e.row),
            points: of
                .iter()
                .filter_map(|g| {
                    let f = g.entries.get(i)?.figures.as_ref()?;
                    Some((g.plan.requests as f64, f.d.wall_ms))
                })
                .collect(),
        })
        .collect();
    let spec = LineChart {
        title: title.into(),
        x_desc: "N — requests in the fan-out (log)".into(),
        y_desc: "median wall time, ms (log)".into(),
        lines,
        floor: of
            .iter()
            .map(|g| (g.plan.requests as f64, floor_ms(&g.plan)))
            .collect(),
    };
    let caption = format!(
        "Each line is a row; a missing point was skipped (see the `scaling` table). \
         Every request waits {} on the server, so the dashed floor is what full concurrency reaches.",
        delay.unwrap_or_default()
    );
    Ok(Chart::drawn(
        FILE,
        spec.title.clone(),
        &caption,
        lines::draw(&spec)?,
    ))
}

fn c10k_memory(groups: &[Group<'_>]) -> anyhow::Result<Chart> {
    const FILE: &str = "c10k-memory.svg";
    let title = "Client memory per in-flight request on c10k";
    let Some(g) = first(groups, "c10k") else {
        return Ok(Chart::skipped(FILE, title, "no `c10k` cell in the results"));
    };
    let bars = bars(g, "idle RSS unknown", |e| {
        let k = e.figures.as_ref()?.rss_per_inflight_kib?;
        Some((k, None, format!("{} KiB", num(k))))
    });
    if bars.iter().all(|b| b.value.is_none()) {
        return Ok(Chart::skipped(
            FILE,
            title,
            "no `c10k` cell ran with the row's idle RSS known",
        ));
    }
    let spec = BarChart {
        title: title.into(),
        x_desc: "(peak RSS − idle RSS) / peak in-flight requests, KiB".into(),
        log_x: false,
        bars,
        marker_label: None,
        lines: Vec::new(),
    };
    let caption = "Client peak RSS above the row's idle RSS, divided by the requests the server saw in flight at once.";
    Ok(Chart::drawn(
        FILE,
        spec.title.clone(),
        caption,
        bars::draw(&spec)?,
    ))
}

fn heartbeat(groups: &[Group<'_>]) -> anyhow::Result<Chart> {
    const FILE: &str = "heartbeat.svg";
    let Some(g) = ["demo", "latency"]
        .into_iter()
        .filter_map(|w| first(groups, w))
        .find(|g| g.measured().next().is_some())
    else {
        return Ok(Chart::skipped(
            FILE,
            "Heartbeat lateness",
            "neither `demo` nor `latency` has a measured cell",
        ));
    };
    let bars = bars(g, "", |e| {
        let d = &e.figures.as_ref()?.d;
        Some((
            d.hb_max_ms,
            Some(d.hb_p99_ms),
            format!("p99 {} / max {} ms", num(d.hb_p99_ms), num(d.hb_max_ms)),
        ))
    });
    let spec = BarChart {
        title: format!("Heartbeat lateness during {} (log)", g.workload),
        x_desc: format!(
            "how late a {} ticker fired, ms (log)",
            duration_ms(g.plan.heartbeat.as_secs_f64() * 1e3)
        ),
        log_x: true,
        bars,
        marker_label: Some("p99 lateness".into()),
        lines: Vec::new(),
    };
    let caption = "Bars: the latest tick; dots: the 99th percentile. The sequential row can only tick between requests — the original asyncio argument.";
    Ok(Chart::drawn(
        FILE,
        spec.title.clone(),
        caption,
        bars::draw(&spec)?,
    ))
}

fn throughput(groups: &[Group<'_>]) -> anyhow::Result<Chart> {
    const FILE: &str = "throughput.svg";
    let title = "Requests per second on throughput";
    let Some(g) = first(groups, "throughput").filter(|g| g.measured().next().is_some()) else {
        return Ok(Chart::skipped(FILE, title, "no `throughput` cell ran"));
    };
    let bars = bars(g, "", |e| {
        let r = e.figures.as_ref()?.d.req_per_s;
        Some((r, None, format!("{} req/s", num(r))))
    });
    let spec = BarChart {
        title: title.into(),
        x_desc: "requests per second (median wall), req/s".into(),
        log_x: false,
        bars,
        marker_label: None,
        lines: g
            .generators
            .iter()
            .map(|c| (c.req_per_s, format!("{} (load generator)", c.tool)))
            .collect(),
    };
    let caption = "Higher is better; the dashed lines, when present, are load generators against the same server.";
    Ok(Chart::drawn(
        FILE,
        spec.title.clone(),
        caption,
        bars::draw(&spec)?,
    ))
}

fn throughput_cpu(groups: &[Group<'_>]) -> anyhow::Result<Chart> {
    const FILE: &str = "throughput-cpu.svg";
    let title = "Client CPU per request on throughput";
    let Some(g) = first(groups, "throughput").filter(|g| g.measured().next().is_some()) else {
        return Ok(Chart::skipped(FILE, title, "no `throughput` cell ran"));
    };
    let bars = bars(g, "", |e| {
        let c = e.figures.as_ref()?.d.cpu_us_per_req;
        Some((c, None, format!("{} µs", num(c))))
    });
    let spec = BarChart {
        title: title.into(),
        x_desc: "user + sys CPU of the client process per request, µs".into(),
        log_x: false,
        bars,
        marker_label: None,
        lines: Vec::new(),
    };
    let caption = "Lower is better: the client's own CPU (wait4 rusage), divided by the requests.";
    Ok(Chart::drawn(
        FILE,
        spec.title.clone(),
        caption,
        bars::draw(&spec)?,
    ))
}
