//! How a row is named: in tables (with its markers and, for a reference
//! row, its runtime and version), in prose and on charts.

use fanout_core::Upstream;
use fanout_results::RowInfo;

use crate::format::code;

/// Whether the results describe the row (rows only the cells name do not).
pub(crate) fn described(row: &RowInfo) -> bool {
    !(row.runtime.is_empty() && row.client.is_empty())
}

/// The row's markers: ` (reference: Go go1.22)`, ` (tuned)`.
pub(crate) fn markers(row: &RowInfo) -> String {
    let mut out = String::new();
    if row.reference {
        out.push_str(&format!(" (reference: {})", row.runtime));
    }
    if row.tuned.is_some() {
        out.push_str(" (tuned)");
    }
    out
}

/// The row id as code with its markers, for tables and prose.
pub(crate) fn row_cell(row: &RowInfo) -> String {
    code(&row.id) + &markers(row)
}

/// Short markers: ` (reference)`, ` (tuned)`, ` (reference, tuned)`.
fn short_markers(row: &RowInfo) -> &'static str {
    match (row.reference, row.tuned.is_some()) {
        (true, true) => " (reference, tuned)",
        (true, false) => " (reference)",
        (false, true) => " (tuned)",
        (false, false) => "",
    }
}

/// The row id with short markers, for chart labels: `id (reference)`.
pub(crate) fn row_label(row: &RowInfo) -> String {
    row.id.clone() + short_markers(row)
}

/// The row id as code with short markers, for prose: `` `id` (reference)``.
pub(crate) fn row_prose(row: &RowInfo) -> String {
    code(&row.id) + short_markers(row)
}

/// The language of a reference program, as its runtime names it: the
/// runtime's first word (`CPython`, `Node.js`, `Go`); `None` for a Rust row.
pub(crate) fn language(row: &RowInfo) -> Option<String> {
    if !row.reference {
        return None;
    }
    row.runtime
        .split_whitespace()
        .next()
        .map(str::to_string)
        .or_else(|| Some("other".into()))
}

/// What a row is, for a reader: `tokio (current-thread) · reqwest · spawn`,
/// with ` · tuned: …` for a tuned row.
pub(crate) fn what(row: &RowInfo) -> String {
    if !described(row) {
        return "not described in results.json".into();
    }
    let mut s = format!("{} · {} · {}", row.runtime, row.client, row.idiom.as_str());
    if let Some(t) = &row.tuned {
        s.push_str(&format!(" · tuned: {t}"));
    }
    if row.upstream != Upstream::Maintained {
        s.push_str(&format!(" · **{}**", row.upstream));
    }
    s
}

/// The row as code with its markers and, when a library in it is not
/// maintained upstream, that warning: `` `async-std-surf` (discontinued upstream)``.
pub(crate) fn row_choice(row: &RowInfo) -> String {
    let warning = match row.upstream {
        Upstream::Maintained => "",
        Upstream::Discontinued(_) => " (**discontinued** upstream)",
        Upstream::Unmaintained(_) => " (**unmaintained** upstream)",
        _ => " (see its upstream status)",
    };
    row_prose(row) + warning
}

/// The id of the row a row's family starts from: following `variant_of`
/// to a row that varies none (a row is its own root; a chain that leaves
/// the results or loops stops where it does).
pub(crate) fn root<'r>(rows: &'r [RowInfo], row: &'r RowInfo) -> &'r str {
    let mut at = row;
    for _ in 0..rows.len() {
        match at
            .variant_of
            .as_deref()
            .and_then(|b| rows.iter().find(|r| r.id == b))
        {
            Some(base) if base.id != row.id => at = base,
            _ => break,
        }
    }
    &at.id
}
