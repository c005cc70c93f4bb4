//! A horizontal grouped bar chart: one band per category (top to bottom),
//! one bar per series inside it in the series' colour, the value printed
//! at the end of each bar and a note in place of a missing one; an
//! optional dashed vertical reference line (e.g. at 1.0 for ratios).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, HEIGHT, WIDTH, plot_err, series_color};
use crate::format::num;

/// What to draw.
pub(crate) struct GroupedChart {
    /// Caption above the plot.
    pub title: String,
    /// The value axis's description, with its unit.
    pub x_desc: String,
    /// One band per category, top to bottom.
    pub categories: Vec<String>,
    /// The series, one bar each per category (the legend).
    pub series: Vec<String>,
    /// `values[category][series]`; `None` draws only the note.
    pub values: Vec<Vec<Option<f64>>>,
    /// `notes[category][series]`: text after the bar, or in its place.
    pub notes: Vec<Vec<String>>,
    /// A dashed vertical line at this value, with its legend text.
    pub line: Option<(f64, String)>,
}

/// Pixels of a chart that are not the plot: caption, x labels, margins.
const FRAME_PX: u32 = 130;
/// Pixels per bar.
const BAR_PX: u32 = 16;
/// Pixels between categories.
const GAP_PX: u32 = 14;

fn usable(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v >= 0.0)
}

/// The chart as SVG text.
pub(crate) fn draw(spec: &GroupedChart) -> anyhow::Result<String> {
    let n = spec.categories.len();
    let k = spec.series.len().max(1);
    let max = spec
        .values
        .iter()
        .flatten()
        .copied()
        .chain(spec.line.as_ref().map(|l| Some(l.0)))
        .filter_map(usable)
        .fold(0.0, f64::max);
    let x_hi = if max > 0.0 { max * 1.45 } else { 1.0 };
    let legend = spec.series.len() + usize::from(spec.line.is_some());
    let band_px = 24 + 20 * legend as u32;
    let rows_px = n as u32 * (k as u32 * BAR_PX + GAP_PX);
    let height = HEIGHT.max(FRAME_PX + band_px + rows_px);
    let plot_px = f64::from(height - FRAME_PX);
    let rows_share = (plot_px - f64::from(band_px)).max(1.0);
    let top = (n as f64 * plot_px / rows_share).max(1.0);
    let label_chars = spec.categories.iter().map(|c| c.chars().count()).max();
    let label_px = (label_chars.unwrap_or(4) as u32 * 8 + 24).clamp(80, 320);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&spec.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d(0.0..x_hi, 0.0..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(BLACK.mix(0.03))
            .y_labels(0)
            .x_desc(spec.x_desc.as_str())
            .x_label_formatter(&|v| num(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(plot_err)?;
        // Category c fills [n - c - 1, n - c): its bars share the middle 80 %.
        let bar_h = 0.8 / k as f64;
        let y = |c: usize, s: usize| n as f64 - c as f64 - 0.1 - bar_h * (s as f64 + 0.5);
        for (s, name) in spec.series.iter().enumerate() {
            let color = series_color(s);
            let rects: Vec<_> = (0..n)
                .filter_map(|c| {
                    let v = usable(spec.values.get(c)?.get(s).copied().flatten())?;
                    let mid = y(c, s);
                    Some(Rectangle::new(
                        [(0.0, mid - bar_h * 0.45), (v, mid + bar_h * 0.45)],
                        color.filled(),
                    ))
                })
                .collect();
            chart
                .draw_series(rects)
                .map_err(plot_err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        if let Some((v, label)) = &spec.line {
            let style = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(
                    [(*v, 0.0), (*v, n as f64)],
                    8,
                    5,
                    style,
                ))
                .map_err(plot_err)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], style));
        }
        let right =
            TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        let left = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let labels = spec.categories.iter().enumerate().map(|(c, name)| {
            EmptyElement::at((0.0, n as f64 - c as f64 - 0.5))
                + Text::new(name.clone(), (-10, 0), right.clone())
        });
        chart.draw_series(labels).map_err(plot_err)?;
        let left = &left;
        let notes = (0..n).flat_map(|c| {
            (0..k).filter_map(move |s| {
                let note = spec.notes.get(c)?.get(s)?.clone();
                let end = usable(spec.values.get(c)?.get(s).copied().flatten()).unwrap_or(0.0);
                Some(EmptyElement::at((end, y(c, s))) + Text::new(note, (6, 0), left.clone()))
            })
        });
        chart.draw_series(notes).map_err(plot_err)?;
        super::legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
