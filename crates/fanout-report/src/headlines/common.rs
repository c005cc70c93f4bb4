//! What the headline sentences share: how a sentence opens, the tied
//! group's names and the range of their figures.

use crate::figures::Figures;
use crate::format::{and_list, num, plan_shape};
use crate::model::{Entry, Report, Table};
use crate::names::row_prose;
use crate::ties::Ties;

/// `On `latency` (1 000 × 100 ms, unbounded)` with ` on `host`` when merged.
pub(crate) fn on(r: &Report<'_>, t: &Table<'_>, host: &str) -> String {
    format!(
        "On {} ({}){}",
        t.name(),
        plan_shape(&t.plan),
        r.on_host(host)
    )
}

/// The tied group's names and the range of their medians on `metric`.
pub(crate) fn group(
    entries: &[&Entry<'_>],
    ties: &Ties,
    metric: impl Fn(&Figures) -> f64,
) -> (String, f64, f64) {
    let names: Vec<String> = ties
        .tied
        .iter()
        .map(|&i| row_prose(&entries[i].row))
        .collect();
    let values: Vec<f64> = ties
        .tied
        .iter()
        .filter_map(|&i| entries[i].figures.as_ref().map(&metric))
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (and_list(&names), lo, hi)
}

/// A range of plain figures: `17–18`, or one when equal.
pub(crate) fn range(lo: f64, hi: f64) -> String {
    let (a, b) = (num(lo), num(hi));
    if a == b { a } else { format!("{a}–{b}") }
}

pub(crate) fn figures<'e>(entries: &[&'e Entry<'_>], i: usize) -> Option<&'e Figures> {
    entries.get(i)?.figures.as_ref()
}
