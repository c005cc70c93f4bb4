//! The report writer: `results/README.md`, `results.csv` and the SVG charts,
//! all derived from [`Results`]. (Being written.)

use std::path::Path;

use crate::results::Results;

/// Writes README.md, results.csv and the charts for `results` into `dir`
/// (which exists). `results.json` is the sweep's to write.
pub fn write_report(results: &Results, dir: &Path) -> anyhow::Result<()> {
    let _ = (results, dir);
    Ok(())
}
