//! What every chart shares: its size, its font, its colours and dash
//! patterns, its legend's style, and how a plotters error reads.

use plotters::style::RGBColor;

/// Width of a single chart, px.
pub(crate) const WIDTH: u32 = 900;
/// Least height of a chart, px (bar charts grow with their rows).
pub(crate) const HEIGHT: u32 = 560;
/// The font family; the browser picks the face.
pub(crate) const FONT: &str = "sans-serif";

/// A colour per line or series, distinct for the first ten (Tableau 10).
pub(crate) fn series_color(i: usize) -> RGBColor {
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

/// A dash pattern per variant of a line: `None` is solid (the first),
/// then (dash, gap) pairs in px, told apart at a glance for the first six.
pub(crate) fn dash(i: usize) -> Option<(u32, u32)> {
    const DASHES: [(u32, u32); 5] = [(10, 5), (3, 4), (16, 4), (6, 3), (2, 8)];
    match i {
        0 => None,
        i => Some(DASHES[(i - 1) % DASHES.len()]),
    }
}

/// Draws a chart's legend (its series labels) at `at`, in the one style
/// every chart uses.
pub(crate) fn legend<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    at: plotters::chart::SeriesLabelPosition,
    font_px: u32,
) -> anyhow::Result<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::style::{BLACK, Color, WHITE};
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, font_px))
        .draw()
        .map_err(plot_err)
}

/// A plotters error as ours.
pub(crate) fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw a chart: {e}")
}
