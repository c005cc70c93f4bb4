//! A horizontal bar chart, one bar per row (top to bottom in report order),
//! coloured by model, with the value printed at the end of each bar and a
//! note in place of the bar where the row has no figure. Optional: a dot per
//! row for a second figure, and dashed vertical reference lines.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, HEIGHT, WIDTH, plot_err};
use crate::format::num;

/// What to draw.
pub(crate) struct BarChart {
    /// Caption above the plot.
    pub title: String,
    /// The value axis's description, with its unit.
    pub x_desc: String,
    /// Log value axis (for figures spanning decades).
    pub log_x: bool,
    /// One per row, top to bottom.
    pub bars: Vec<Bar>,
    /// Legend text of the dots, when bars carry a `marker`.
    pub marker_label: Option<String>,
    /// Dashed vertical lines at these values, with their legend texts.
    pub lines: Vec<(f64, String)>,
}

/// One row's bar.
pub(crate) struct Bar {
    /// The row, as the axis shows it.
    pub label: String,
    /// The legend group (the row's model).
    pub group: String,
    /// The group's colour.
    pub color: RGBColor,
    /// The bar's length; `None` draws only the note.
    pub value: Option<f64>,
    /// A dot on the bar (a second figure).
    pub marker: Option<f64>,
    /// Text after the bar, or in its place.
    pub note: String,
}

/// Pixels of a chart that are not the plot: caption, x labels, margins.
const FRAME_PX: u32 = 130;
/// The most pixels a row's bar band needs.
const ROW_PX: u32 = 34;

fn usable(v: Option<f64>, log: bool) -> Option<f64> {
    v.filter(|v| v.is_finite() && if log { *v > 0.0 } else { *v >= 0.0 })
}

/// The value axis range: from 0 (linear) or a decade below the smallest
/// value (log), with room on the right for the notes.
fn x_range(spec: &BarChart) -> (f64, f64) {
    let values: Vec<f64> = spec
        .bars
        .iter()
        .flat_map(|b| [b.value, b.marker])
        .chain(spec.lines.iter().map(|l| Some(l.0)))
        .filter_map(|v| usable(v, spec.log_x))
        .collect();
    let max = values.iter().copied().fold(0.0, f64::max);
    if spec.log_x {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        if !min.is_finite() {
            return (0.01, 10.0);
        }
        let lo = 10f64.powf((min / 2.0).log10().floor());
        (lo, (max * 12.0).max(lo * 100.0))
    } else {
        (0.0, if max > 0.0 { max * 1.45 } else { 1.0 })
    }
}

/// The chart as SVG text.
pub(crate) fn draw(spec: &BarChart) -> anyhow::Result<String> {
    let (lo, hi) = x_range(spec);
    if spec.log_x {
        draw_on(spec, (lo..hi).log_scale(), lo)
    } else {
        draw_on(spec, lo..hi, lo)
    }
}

fn draw_on<X>(spec: &BarChart, x: X, x0: f64) -> anyhow::Result<String>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let n = spec.bars.len();
    let groups = legend_groups(spec);
    let legend_entries = groups.len() + usize::from(spec.marker_label.is_some()) + spec.lines.len();
    // Rows fill 0..n on the y axis; a band above them, sized in pixels,
    // holds the legend so it never covers a bar.
    let band_px = 24 + 20 * legend_entries as u32;
    let height = HEIGHT.max(FRAME_PX + band_px + ROW_PX * n as u32);
    let plot_px = f64::from(height - FRAME_PX);
    let rows_px = (plot_px - f64::from(band_px)).max(1.0);
    let top = (n as f64 * plot_px / rows_px).max(1.0);
    // A gap between bars of a fifth of a row each side.
    let gap = (rows_px / n.max(1) as f64 * 0.2).round() as u32;
    let label_chars = spec.bars.iter().map(|b| b.label.chars().count()).max();
    let label_px = (label_chars.unwrap_or(4) as u32 * 8 + 24).clamp(80, 380);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&spec.title, (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d(x, 0.0..top)
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
        let y = |i: usize| n as f64 - i as f64 - 0.5;
        for (group, color) in groups {
            let rects: Vec<_> = spec
                .bars
                .iter()
                .enumerate()
                .filter(|(_, b)| b.group == group)
                .filter_map(|(i, b)| {
                    let v = usable(b.value, spec.log_x)?;
                    let mut r = Rectangle::new([(x0, y(i) - 0.5), (v, y(i) + 0.5)], color.filled());
                    r.set_margin(gap, gap, 0, 0);
                    Some(r)
                })
                .collect();
            if rects.is_empty() {
                continue;
            }
            chart
                .draw_series(rects)
                .map_err(plot_err)?
                .label(group)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        if let Some(label) = &spec.marker_label {
            let dots = spec.bars.iter().enumerate().filter_map(|(i, b)| {
                Some(Circle::new(
                    (usable(b.marker, spec.log_x)?, y(i)),
                    5,
                    BLACK.filled(),
                ))
            });
            chart
                .draw_series(dots)
                .map_err(plot_err)?
                .label(label.as_str())
                .legend(|(x, y)| Circle::new((x + 7, y), 5, BLACK.filled()));
        }
        // Told apart by dash pattern and shade.
        const DASHES: [(u32, u32, RGBColor); 3] = [
            (8, 5, BLACK),
            (3, 3, RGBColor(110, 110, 110)),
            (14, 4, RGBColor(60, 60, 60)),
        ];
        for (k, (v, label)) in spec.lines.iter().enumerate() {
            let Some(v) = usable(Some(*v), spec.log_x) else {
                continue;
            };
            let (dash, gap, color) = DASHES[k % DASHES.len()];
            let style = color.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(
                    [(v, 0.0), (v, n as f64)],
                    dash,
                    gap,
                    style,
                ))
                .map_err(plot_err)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], style));
        }
        let right =
            TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        let left = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let texts = spec.bars.iter().enumerate().flat_map(|(i, b)| {
            let end = usable(b.value, spec.log_x).unwrap_or(x0);
            [
                EmptyElement::at((x0, y(i))) + Text::new(b.label.clone(), (-10, 0), right.clone()),
                EmptyElement::at((end, y(i))) + Text::new(b.note.clone(), (8, 0), left.clone()),
            ]
        });
        chart.draw_series(texts).map_err(plot_err)?;
        super::legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The legend groups with a bar, in order of first appearance, with their
/// colours.
fn legend_groups(spec: &BarChart) -> Vec<(String, RGBColor)> {
    let mut groups: Vec<(String, RGBColor)> = Vec::new();
    for b in spec
        .bars
        .iter()
        .filter(|b| usable(b.value, spec.log_x).is_some())
    {
        if !groups.iter().any(|(g, _)| *g == b.group) {
            groups.push((b.group.clone(), b.color));
        }
    }
    groups
}
