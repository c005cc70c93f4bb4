//! The one horizontal bar chart every bar chart of the report is drawn
//! with: a band per category (a row, or a plan), top to bottom, holding one
//! bar or several side by side (one per series); each bar coloured by its
//! legend key, its value printed at its end and a note in place of a
//! missing bar. Optional: a dot per bar for a second figure, dashed
//! vertical reference lines, a log value axis.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::style::{FONT, HEIGHT, WIDTH, legend, plot_err};
use crate::format::num;

/// What to draw.
pub(crate) struct HBarChart {
    /// Caption above the plot.
    pub title: String,
    /// The value axis's description, with its unit.
    pub x_desc: String,
    /// Log value axis (for figures spanning decades).
    pub log_x: bool,
    /// One band per category, top to bottom.
    pub categories: Vec<Category>,
    /// The legend: a name and colour per key a bar can carry; a key
    /// without a drawn bar is left out.
    pub keys: Vec<(String, RGBColor)>,
    /// Legend text of the dots, when bars carry a `marker`.
    pub marker_label: Option<String>,
    /// Dashed vertical lines at these values, with their legend texts.
    pub lines: Vec<(f64, String)>,
}

/// One band: its label and its bars, top to bottom.
pub(crate) struct Category {
    /// As the axis shows it.
    pub label: String,
    /// One bar per series.
    pub bars: Vec<Bar>,
}

/// One bar.
pub(crate) struct Bar {
    /// Its legend key (an index into [`HBarChart::keys`]).
    pub key: usize,
    /// Its length; `None` draws only the note.
    pub value: Option<f64>,
    /// A dot on the bar (a second figure).
    pub marker: Option<f64>,
    /// Text after the bar, or in its place.
    pub note: String,
}

/// Pixels of a chart that are not the plot: caption, x labels, margins.
const FRAME_PX: u32 = 130;

fn usable(v: Option<f64>, log: bool) -> Option<f64> {
    v.filter(|v| v.is_finite() && if log { *v > 0.0 } else { *v >= 0.0 })
}

/// The value axis range: from 0 (linear) or a decade below the smallest
/// value (log), with room on the right for the notes.
fn x_range(spec: &HBarChart) -> (f64, f64) {
    let values: Vec<f64> = spec
        .categories
        .iter()
        .flat_map(|c| c.bars.iter().flat_map(|b| [b.value, b.marker]))
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
pub(crate) fn draw(spec: &HBarChart) -> anyhow::Result<String> {
    let (lo, hi) = x_range(spec);
    if spec.log_x {
        draw_on(spec, (lo..hi).log_scale(), lo)
    } else {
        draw_on(spec, lo..hi, lo)
    }
}

/// The legend keys with a drawn bar, in key order.
fn drawn_keys(spec: &HBarChart) -> Vec<usize> {
    (0..spec.keys.len())
        .filter(|&k| {
            spec.categories.iter().any(|c| {
                c.bars
                    .iter()
                    .any(|b| b.key == k && usable(b.value, spec.log_x).is_some())
            })
        })
        .collect()
}

fn draw_on<X>(spec: &HBarChart, x: X, x0: f64) -> anyhow::Result<String>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let n = spec.categories.len();
    let k = spec
        .categories
        .iter()
        .map(|c| c.bars.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let keys = drawn_keys(spec);
    let legend_entries = keys.len() + usize::from(spec.marker_label.is_some()) + spec.lines.len();
    // Categories fill 0..n on the y axis; a band above them, sized in
    // pixels, holds the legend so it never covers a bar.
    let band_px = 24 + 20 * legend_entries as u32;
    let (bar_px, gap_px) = if k == 1 { (24, 10) } else { (16, 14) };
    let rows_px = n as u32 * (k as u32 * bar_px + gap_px);
    let height = HEIGHT.max(FRAME_PX + band_px + rows_px);
    let plot_px = f64::from(height - FRAME_PX);
    let rows_share = (plot_px - f64::from(band_px)).max(1.0);
    let top = (n as f64 * plot_px / rows_share).max(1.0);
    let label_chars = spec
        .categories
        .iter()
        .map(|c| c.label.chars().count())
        .max();
    let label_px = (label_chars.unwrap_or(4) as u32 * 8 + 24).clamp(80, 380);
    // Category c fills [n - c - 1, n - c): its bars share the middle 80 %.
    let bar_h = 0.8 / k as f64;
    let y = |c: usize, s: usize| n as f64 - c as f64 - 0.1 - bar_h * (s as f64 + 0.5);
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
        for key in keys {
            let (name, color) = (&spec.keys[key].0, spec.keys[key].1);
            let rects: Vec<_> = spec
                .categories
                .iter()
                .enumerate()
                .flat_map(|(c, cat)| cat.bars.iter().enumerate().map(move |(s, b)| (c, s, b)))
                .filter(|(_, _, b)| b.key == key)
                .filter_map(|(c, s, b)| {
                    let v = usable(b.value, spec.log_x)?;
                    let mid = y(c, s);
                    Some(Rectangle::new(
                        [(x0, mid - bar_h * 0.45), (v, mid + bar_h * 0.45)],
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
        if let Some(label) = &spec.marker_label {
            let dots = spec.categories.iter().enumerate().flat_map(|(c, cat)| {
                cat.bars.iter().enumerate().filter_map(move |(s, b)| {
                    Some(Circle::new(
                        (usable(b.marker, spec.log_x)?, y(c, s)),
                        5,
                        BLACK.filled(),
                    ))
                })
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
        for (i, (v, label)) in spec.lines.iter().enumerate() {
            let Some(v) = usable(Some(*v), spec.log_x) else {
                continue;
            };
            let (dash, gap, color) = DASHES[i % DASHES.len()];
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
        let small = if k == 1 { 13 } else { 12 };
        let left =
            TextStyle::from((FONT, small).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let labels = spec.categories.iter().enumerate().map(|(c, cat)| {
            EmptyElement::at((x0, n as f64 - c as f64 - 0.5))
                + Text::new(cat.label.clone(), (-10, 0), right.clone())
        });
        chart.draw_series(labels).map_err(plot_err)?;
        let left = &left;
        let notes = spec.categories.iter().enumerate().flat_map(|(c, cat)| {
            cat.bars.iter().enumerate().map(move |(s, b)| {
                let end = usable(b.value, spec.log_x).unwrap_or(x0);
                EmptyElement::at((end, y(c, s))) + Text::new(b.note.clone(), (6, 0), left.clone())
            })
        });
        chart.draw_series(notes).map_err(plot_err)?;
        legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
