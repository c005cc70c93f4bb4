//! `fanout list`: every row with what it is, the workloads it runs on, and,
//! under the table, what each tuned row changes from its client's defaults
//! and which trust roots each row uses for HTTPS when given no CA.

use std::io::Write;

use crate::registry;

/// The column headers of `fanout list`.
const HEADER: [&str; 9] = [
    "id",
    "runtime",
    "client",
    "tls",
    "model",
    "idiom",
    "protocols",
    "runs on",
    "upstream",
];

/// Prints one line per row, columns aligned.
pub fn list() -> anyhow::Result<i32> {
    let all = registry::all();
    let rows: Vec<[String; 9]> = all
        .iter()
        .map(|row| {
            let d = row.describe();
            let mut id = row.id().to_string();
            if row.is_reference() {
                id.push_str(" (reference)");
            }
            if d.tuned.is_some() {
                id.push_str(" (tuned)");
            }
            [
                id,
                d.runtime,
                d.client.to_string(),
                d.tls.unwrap_or("none").to_string(),
                d.model.as_str().to_string(),
                d.idiom.as_str().to_string(),
                d.protocols
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                d.focus.as_str().to_string(),
                d.upstream.to_string(),
            ]
        })
        .collect();
    let header = HEADER.map(String::from);
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for r in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i + 1 == HEADER.len() {
                    cell.clone()
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  "))?;
    }
    writeln!(
        out,
        "\ntuned rows, and what each changes from its client's defaults:"
    )?;
    for row in &all {
        if let Some(what) = row.describe().tuned {
            writeln!(out, "  {}: {what}", row.id())?;
        }
    }
    writeln!(
        out,
        "\nruns on: all = every workload; idioms, http2, memory = only the workloads \
         where that setting can matter (the sweep says so in the other cells)"
    )?;
    // Grouped by roots, in row order.
    let mut roots: Vec<(&str, Vec<&str>)> = Vec::new();
    for row in &all {
        let Some(r) = row.describe().roots else {
            continue;
        };
        match roots.iter_mut().find(|(k, _)| *k == r) {
            Some((_, ids)) => ids.push(row.id()),
            None => roots.push((r, vec![row.id()])),
        }
    }
    writeln!(
        out,
        "\ntrust roots for HTTPS without a CA (--url https://… without --ca); given a CA, \
         every row trusts that CA alone, and verification is always on:"
    )?;
    for (r, ids) in roots {
        writeln!(out, "  {r}: {}", ids.join(", "))?;
    }
    Ok(0)
}
