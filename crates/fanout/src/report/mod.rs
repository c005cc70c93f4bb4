//! The report writer: `results/README.md`, `results.csv` and the SVG charts,
//! all derived from [`Results`] (what `fanout report` re-renders from
//! `results.json`).
//!
//! Measuring and rendering are separate: [`figures`] computes every number
//! once — cells grouped per table, medians, and the comparisons — and one
//! module per output renders it: [`markdown`] (with [`tables`] and
//! [`headlines`]), [`csv`](self::csv) and [`charts`]. Every file is written to
//! a temporary name and renamed into place, so an interrupted report never
//! leaves a half-written file behind.

mod charts;
mod csv;
mod figures;
mod format;
mod headlines;
mod markdown;
mod tables;

use std::path::Path;

use anyhow::Context;

use crate::results::Results;

/// Writes README.md, results.csv and the charts for `results` into `dir`
/// (which exists). `results.json` is the sweep's to write.
///
/// A chart whose workload has no data is not written (and the README says
/// so); a stale file of that name from an earlier report is removed.
pub fn write_report(results: &Results, dir: &Path) -> anyhow::Result<()> {
    let groups = figures::groups(results);
    let charts = charts::charts(&groups)?;
    for chart in &charts {
        let path = dir.join(chart.file);
        match &chart.svg {
            Some(svg) => write_atomic(&path, svg.as_bytes())?,
            None => remove_stale(&path)?,
        }
    }
    write_atomic(&dir.join("results.csv"), &csv::results_csv(&groups)?)?;
    let readme = markdown::readme(results, &groups, &charts);
    write_atomic(&dir.join("README.md"), readme.as_bytes())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "cannot move {} into place as {}",
            tmp.display(),
            path.display()
        )
    })
}

fn remove_stale(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove the stale chart {}", path.display()))
        }
        _ => Ok(()),
    }
}
