//! Log-log line charts as small multiples: a panel per group of rows, all
//! on the same axes, each line through its row's measured points (a
//! skipped point is simply absent). Inside a panel a colour per family (a
//! row and the rows that vary it) and a dash per variant, so every line is
//! told apart; every other panel's lines stay in light grey behind, and
//! the floor is dashed black.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::charts::style::{FONT, dash, legend, plot_err, series_color};
use crate::format::{int, num};

/// What to draw.
pub(crate) struct Panels {
    /// Caption above the panels.
    pub title: String,
    /// The x axis's description, with its unit.
    pub x_desc: String,
    /// The y axis's description, with its unit.
    pub y_desc: String,
    /// One per group of rows.
    pub panels: Vec<Panel>,
    /// The floor, drawn dashed in every panel (may be empty).
    pub floor: Vec<(f64, f64)>,
}

/// One group of rows.
pub(crate) struct Panel {
    /// The panel's title.
    pub title: String,
    /// Its lines.
    pub lines: Vec<Line>,
}

/// One row's line.
pub(crate) struct Line {
    /// Legend text.
    pub label: String,
    /// (x, y) points, x ascending.
    pub points: Vec<(f64, f64)>,
    /// Its family within the panel: the colour.
    pub family: usize,
    /// Its variant within the family (0: the family's own row): the dash.
    pub variant: usize,
}

/// Width of one panel, px.
const PANEL_W: u32 = 440;
/// Height of one panel, px.
const PANEL_H: u32 = 400;
/// Pixels above the panels for the title.
const TITLE_PX: u32 = 44;

fn positive(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite() && p.0 > 0.0 && p.1 > 0.0
}

/// A log range around the values, padded; a decade around a single value.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || hi <= 0.0 {
        (1.0, 10.0)
    } else {
        (lo / 1.8, hi * 1.8)
    }
}

/// The chart as SVG text.
pub(crate) fn draw(spec: &Panels) -> anyhow::Result<String> {
    let all: Vec<(f64, f64)> = spec
        .panels
        .iter()
        .flat_map(|p| p.lines.iter().flat_map(|l| l.points.iter()))
        .chain(spec.floor.iter())
        .copied()
        .filter(positive)
        .collect();
    let (x_lo, x_hi) = log_range(all.iter().map(|p| p.0));
    let (y_lo, y_hi) = log_range(all.iter().map(|p| p.1));
    let n = spec.panels.len().max(1);
    let cols = if n > 4 { 3 } else { n.min(2) };
    let rows = n.div_ceil(cols);
    let (w, h) = (PANEL_W * cols as u32, TITLE_PX + PANEL_H * rows as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (title, body) = root.split_vertically(TITLE_PX);
        title.titled(&spec.title, (FONT, 22)).map_err(plot_err)?;
        let areas = body.split_evenly((rows, cols));
        for (k, (panel, area)) in spec.panels.iter().zip(&areas).enumerate() {
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, (FONT, 16))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc(spec.x_desc.as_str())
                .y_desc(spec.y_desc.as_str())
                .x_label_formatter(&|v| {
                    if *v >= 1.0 {
                        int(v.round() as u64)
                    } else {
                        num(*v)
                    }
                })
                .y_label_formatter(&|v| num(*v))
                .light_line_style(BLACK.mix(0.04))
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw()
                .map_err(plot_err)?;
            // Every other panel's lines, faint, for context.
            let grey = RGBColor(205, 205, 205).stroke_width(1);
            for other in spec.panels.iter().enumerate().filter(|(j, _)| *j != k) {
                for line in &other.1.lines {
                    let points: Vec<(f64, f64)> =
                        line.points.iter().copied().filter(positive).collect();
                    chart
                        .draw_series(LineSeries::new(points, grey))
                        .map_err(plot_err)?;
                }
            }
            let floor: Vec<(f64, f64)> = spec.floor.iter().copied().filter(positive).collect();
            if !floor.is_empty() {
                let style = BLACK.stroke_width(1);
                chart
                    .draw_series(DashedLineSeries::new(floor, 8, 6, style))
                    .map_err(plot_err)?
                    .label("floor (server delay)")
                    .legend(move |(x, y)| {
                        DashedPathElement::new([(x, y), (x + 26, y)], 8, 6, style)
                    });
            }
            for line in &panel.lines {
                draw_line(&mut chart, line)?;
            }
            legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::combinators::LogCoord<f64>,
        plotters::coord::combinators::LogCoord<f64>,
    >,
>;

/// One row's line, its points and its legend entry.
fn draw_line(chart: &mut Chart<'_, '_>, line: &Line) -> anyhow::Result<()> {
    let color = series_color(line.family);
    let style = color.stroke_width(2);
    let points: Vec<(f64, f64)> = line.points.iter().copied().filter(positive).collect();
    let label = if points.is_empty() {
        format!("{} (no data)", line.label)
    } else {
        line.label.clone()
    };
    let anno = match dash(line.variant) {
        None => chart
            .draw_series(LineSeries::new(points.clone(), style))
            .map_err(plot_err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 26, y)], style)),
        Some((d, g)) => chart
            .draw_series(DashedLineSeries::new(points.clone(), d, g, style))
            .map_err(plot_err)?
            .label(label)
            .legend(move |(x, y)| DashedPathElement::new([(x, y), (x + 26, y)], d, g, style)),
    };
    let _ = anno;
    chart
        .draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )
        .map_err(plot_err)?;
    Ok(())
}
