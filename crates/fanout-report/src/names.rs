//! How a row is named: in tables (with its markers and, for a reference
//! row, its runtime and version), in prose and on charts.

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

/// The row id with short markers, for chart labels: `id (reference)`.
pub(crate) fn row_label(row: &RowInfo) -> String {
    let mut name = row.id.clone();
    if row.reference {
        name.push_str(" (reference)");
    }
    if row.tuned.is_some() {
        name.push_str(" (tuned)");
    }
    name
}

/// The row id as code with short markers, for prose: `` `id` (reference)``.
pub(crate) fn row_prose(row: &RowInfo) -> String {
    let mut name = code(&row.id);
    if row.reference {
        name.push_str(" (reference)");
    }
    if row.tuned.is_some() {
        name.push_str(" (tuned)");
    }
    name
}
