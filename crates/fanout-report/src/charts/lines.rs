//! A log-log line chart: one line per row through its measured points (a
//! skipped point is simply absent), and a dashed floor line.

use plotters::prelude::*;

use super::{FONT, HEIGHT, WIDTH, plot_err, series_color};
use crate::format::{int, num};

/// What to draw.
pub(crate) struct LineChart {
    /// Caption above the plot.
    pub title: String,
    /// The x axis's description, with its unit.
    pub x_desc: String,
    /// The y axis's description, with its unit.
    pub y_desc: String,
    /// One per row.
    pub lines: Vec<Line>,
    /// The floor, drawn dashed (may be empty).
    pub floor: Vec<(f64, f64)>,
}

/// One row's line.
pub(crate) struct Line {
    /// Legend text.
    pub label: String,
    /// (x, y) points, x ascending.
    pub points: Vec<(f64, f64)>,
}

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
pub(crate) fn draw(spec: &LineChart) -> anyhow::Result<String> {
    let all: Vec<(f64, f64)> = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter())
        .chain(spec.floor.iter())
        .copied()
        .filter(positive)
        .collect();
    let (x_lo, x_hi) = log_range(all.iter().map(|p| p.0));
    let (y_lo, y_hi) = log_range(all.iter().map(|p| p.1));
    let height = HEIGHT.max(200 + 22 * spec.lines.len() as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&spec.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
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
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(plot_err)?;
        for (i, line) in spec.lines.iter().enumerate() {
            let color = series_color(i);
            let points: Vec<(f64, f64)> = line.points.iter().copied().filter(positive).collect();
            let label = if points.is_empty() {
                format!("{} (no data)", line.label)
            } else {
                line.label.clone()
            };
            let style = color.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .map_err(plot_err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color.filled())),
                )
                .map_err(plot_err)?;
        }
        let floor: Vec<(f64, f64)> = spec.floor.iter().copied().filter(positive).collect();
        if !floor.is_empty() {
            let style = BLACK.stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new(floor, 8, 6, style))
                .map_err(plot_err)?
                .label("floor (server delay)")
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        }
        super::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
