//! A heat map: rows down, columns across, each cell a ratio to its
//! column's best on a log colour scale (green at 1×, yellow near 3×, red
//! from 10×), the ratio printed in it, cells within noise of the best
//! outlined; a block of marked rows (the reference programs) apart at the
//! bottom; a legend of the scale and the marks under it.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::style::{FONT, plot_err};

/// What to draw.
pub(crate) struct Heatmap {
    /// Caption above the map.
    pub title: String,
    /// Column headers: two short lines each.
    pub columns: Vec<(String, String)>,
    /// The rows, top to bottom.
    pub rows: Vec<HeatRow>,
    /// The caption of the marked block.
    pub marked_block: String,
}

/// One row of the map.
pub(crate) struct HeatRow {
    /// As the axis shows it.
    pub label: String,
    /// In the marked block at the bottom.
    pub marked: bool,
    /// One per column.
    pub cells: Vec<HeatCell>,
}

/// One cell.
pub(crate) enum HeatCell {
    /// The row's figure over the column's best.
    Ratio {
        /// The ratio (≥ 1).
        value: f64,
        /// Within noise of the best.
        tied: bool,
    },
    /// Measured, but requests failed: it cannot be the best.
    Failed,
    /// No figure: a word saying why (`skip`, `n/a`, …).
    Missing(&'static str),
}

const CELL_W: i32 = 78;
const CELL_H: i32 = 24;
const TITLE_PX: i32 = 48;
const HEADER_PX: i32 = 44;
const GAP_PX: i32 = 26;
const LEGEND_PX: i32 = 130;
const MARGIN: i32 = 16;

/// The colour of a ratio: green at 1×, pale yellow at about 3×, red at 10×
/// and beyond (log scale); and whether text on it should be white.
pub(crate) fn shade(ratio: f64) -> (RGBColor, bool) {
    const GOOD: (f64, f64, f64) = (26.0, 150.0, 65.0);
    const MID: (f64, f64, f64) = (255.0, 255.0, 191.0);
    const BAD: (f64, f64, f64) = (215.0, 25.0, 28.0);
    let t = if ratio.is_finite() && ratio > 1.0 {
        (ratio.log10()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: (f64, f64, f64), b: (f64, f64, f64), u: f64| {
        let c = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
        RGBColor(c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    };
    let color = if t < 0.5 {
        mix(GOOD, MID, t * 2.0)
    } else {
        mix(MID, BAD, (t - 0.5) * 2.0)
    };
    (color, !(0.2..=0.85).contains(&t))
}

/// A ratio in a cell: `1.0`, `2.4`, `17`, `350`.
fn ratio_text(x: f64) -> String {
    if x < 9.95 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// The chart as SVG text.
pub(crate) fn draw(spec: &Heatmap) -> anyhow::Result<String> {
    let label_chars = spec.rows.iter().map(|r| r.label.chars().count()).max();
    let label_w = (label_chars.unwrap_or(10) as i32 * 8 + 24).clamp(180, 380);
    let cols = spec.columns.len() as i32;
    let marked = spec.rows.iter().any(|r| r.marked);
    let grid_h = CELL_H * spec.rows.len() as i32 + if marked { GAP_PX } else { 0 };
    let width = (MARGIN * 2 + label_w + CELL_W * cols).max(640);
    let height = TITLE_PX + HEADER_PX + grid_h + LEGEND_PX;
    let x0 = MARGIN + label_w;
    let y0 = TITLE_PX + HEADER_PX;
    let text =
        |px: u32, h: HPos| TextStyle::from((FONT, px).into_font()).pos(Pos::new(h, VPos::Center));
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        root.draw(&Text::new(
            spec.title.clone(),
            (width / 2, TITLE_PX / 2),
            text(20, HPos::Center),
        ))
        .map_err(plot_err)?;
        for (i, (a, b)) in spec.columns.iter().enumerate() {
            let cx = x0 + CELL_W * i as i32 + CELL_W / 2;
            for (k, line) in [a, b].into_iter().enumerate() {
                let style = if k == 0 {
                    text(13, HPos::Center)
                } else {
                    text(11, HPos::Center).color(&RGBColor(90, 90, 90))
                };
                root.draw(&Text::new(
                    line.clone(),
                    (cx, TITLE_PX + 12 + 17 * k as i32),
                    style,
                ))
                .map_err(plot_err)?;
            }
        }
        let mut y = y0;
        let mut in_block = false;
        for row in &spec.rows {
            if row.marked && !in_block {
                in_block = true;
                root.draw(&PathElement::new(
                    [
                        (MARGIN, y + GAP_PX / 2 + 6),
                        (x0 + CELL_W * cols, y + GAP_PX / 2 + 6),
                    ],
                    BLACK.mix(0.4).stroke_width(1),
                ))
                .map_err(plot_err)?;
                root.draw(&Text::new(
                    spec.marked_block.clone(),
                    (MARGIN, y + GAP_PX / 2 - 4),
                    text(12, HPos::Left).color(&RGBColor(90, 90, 90)),
                ))
                .map_err(plot_err)?;
                y += GAP_PX;
            }
            let label_style = if row.marked {
                text(13, HPos::Right).color(&RGBColor(70, 70, 70))
            } else {
                text(13, HPos::Right)
            };
            root.draw(&Text::new(
                row.label.clone(),
                (x0 - 8, y + CELL_H / 2),
                label_style,
            ))
            .map_err(plot_err)?;
            for (i, cell) in row.cells.iter().enumerate() {
                let cx = x0 + CELL_W * i as i32;
                let rect = [(cx + 1, y + 1), (cx + CELL_W - 1, y + CELL_H - 1)];
                let (fill, word, white, outline) = match cell {
                    HeatCell::Ratio { value, tied } => {
                        let (c, white) = shade(*value);
                        (c, ratio_text(*value), white, *tied)
                    }
                    HeatCell::Failed => (RGBColor(250, 215, 215), "errors".into(), false, false),
                    HeatCell::Missing(w) => (RGBColor(238, 238, 238), (*w).into(), false, false),
                };
                root.draw(&Rectangle::new(rect, fill.filled()))
                    .map_err(plot_err)?;
                if outline {
                    root.draw(&Rectangle::new(rect, BLACK.stroke_width(2)))
                        .map_err(plot_err)?;
                }
                let color = if white { WHITE } else { BLACK };
                let muted = matches!(cell, HeatCell::Missing(_));
                let style = text(12, HPos::Center).color(if muted {
                    &RGBColor(120, 120, 120)
                } else {
                    &color
                });
                root.draw(&Text::new(word, (cx + CELL_W / 2, y + CELL_H / 2), style))
                    .map_err(plot_err)?;
            }
            y += CELL_H;
        }
        legend(&root, MARGIN, y + 22, &text)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The scale from 1× to 10× and the marks, in one line under the map.
fn legend(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    x: i32,
    y: i32,
    text: &dyn Fn(u32, HPos) -> TextStyle<'static>,
) -> anyhow::Result<()> {
    const STEPS: [f64; 7] = [1.0, 1.25, 1.6, 2.0, 3.0, 5.0, 10.0];
    root.draw(&Text::new(
        "figure ÷ the column's best:".to_string(),
        (x, y + CELL_H / 2),
        text(12, HPos::Left),
    ))
    .map_err(plot_err)?;
    let mut cx = x + 176;
    for s in STEPS {
        let (c, white) = shade(s);
        root.draw(&Rectangle::new(
            [(cx, y), (cx + 44, y + CELL_H)],
            c.filled(),
        ))
        .map_err(plot_err)?;
        let label = if s >= 10.0 {
            "≥ 10".to_string()
        } else {
            format!("{s}")
        };
        root.draw(&Text::new(
            label,
            (cx + 22, y + CELL_H / 2),
            text(11, HPos::Center).color(if white { &WHITE } else { &BLACK }),
        ))
        .map_err(plot_err)?;
        cx += 46;
    }
    let y2 = y + CELL_H + 14;
    root.draw(&Rectangle::new(
        [(x, y2), (x + 30, y2 + 18)],
        BLACK.stroke_width(2),
    ))
    .map_err(plot_err)?;
    let marks = [
        "within noise of the column's best (overlapping min–max ranges)",
        "errors: requests failed beyond the injected faults, so it cannot be the best",
        "skip / n/a / fail / –: skipped (over the budget, or not a workload for the row), cannot run here, the run failed, not run",
    ];
    for (i, m) in marks.iter().enumerate() {
        root.draw(&Text::new(
            m.to_string(),
            (x + 40, y2 + 9 + 18 * i as i32),
            text(12, HPos::Left),
        ))
        .map_err(plot_err)?;
    }
    Ok(())
}
