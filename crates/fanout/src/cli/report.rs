//! `fanout report` (re-render a results directory, or merge result sets
//! from several hosts into one) and `fanout compare` (what got faster or
//! slower between two result sets).

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use fanout_results::Results;

use crate::registry::RowSpec;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Result sets to merge into one report with a host column (results
    /// directories or results.json files, e.g. one per client host);
    /// without them, `--out` is re-rendered from its own results.json.
    inputs: Vec<PathBuf>,
    /// The results directory to write (replaced whole).
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

pub(crate) fn report(args: ReportArgs) -> anyhow::Result<i32> {
    if args.inputs.is_empty() {
        crate::write::rerender(&args.out, complete)?;
        eprintln!("rendered {} from its results.json", args.out.display());
        return Ok(0);
    }
    if args.inputs.len() < 2 {
        bail!("give two or more result sets to merge (or none, to re-render --out)");
    }
    let sets = args
        .inputs
        .iter()
        .map(|p| Results::load_any(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut merged = fanout_results::merge(sets)?;
    complete(&mut merged);
    crate::write::results(&merged, &args.out)?;
    eprintln!(
        "merged {} result sets into {} ({} cells)",
        args.inputs.len(),
        args.out.display(),
        merged.cells.len()
    );
    Ok(0)
}

/// Completes the row descriptions of results written before a row named
/// the row it varies (`variant_of`, which the report's pitfalls pair rows
/// by): from this fanout's registry, for a row whose client, idiom and
/// tuned settings are still the registered row's. Says so on stderr.
fn complete(results: &mut Results) {
    let registry = crate::registry::all();
    let mut completed = Vec::new();
    for row in results.rows.iter_mut().filter(|r| r.variant_of.is_none()) {
        let Some(spec) = registry.iter().find(|s| s.id() == row.id) else {
            continue;
        };
        let (client, idiom, tuned, base) = match spec {
            RowSpec::Rust(r) => {
                let d = r.describe();
                (d.client, d.idiom, d.tuned, d.variant_of)
            }
            RowSpec::Program(p) => (p.client, p.idiom, p.tuned, p.variant_of),
        };
        let same = row.client == client && row.idiom == idiom && row.tuned.as_deref() == tuned;
        if let Some(base) = base.filter(|_| same) {
            row.variant_of = Some(base.to_string());
            completed.push(format!("{} varies {base}", row.id));
        }
    }
    if !completed.is_empty() {
        eprintln!(
            "note: results.json predates `variant_of`; taken from this fanout's registry for rows described as registered: {}",
            completed.join(", ")
        );
    }
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The old result set (a results directory or a results.json file), or
    /// several sweeps of the old code, comma-separated, pooled into one side
    /// (each cell gets every sweep's repeats).
    old: String,
    /// The new result set, or several sweeps of the new code, comma-separated.
    new: String,
    /// The change of median wall time a verdict needs, in percent, after
    /// the drift every cell of a plan shares is taken out; the change must
    /// also be beyond the plan's noise between sittings (Student's t, Holm's
    /// step over every cell at 5 %: on identical code, a verdict on any
    /// cell at most about 1 comparison in 20).
    #[arg(long, default_value_t = 5.0)]
    threshold: f64,
    /// Rows the change under test cannot touch (e.g. the reference programs
    /// in other languages when a Rust library changes), comma-separated:
    /// only their cells measure drift and noise. Without it every row does,
    /// which holds while fewer than half of a plan's rows changed.
    #[arg(long, value_delimiter = ',')]
    drift_from: Vec<String>,
    /// Exit 1 when any cell got slower beyond noise and the threshold, or a
    /// plan moved as a whole by more than twice the threshold that neither
    /// `--drift-from` nor the plan's reference programs (at least 3 cells,
    /// moved with it) explain as the machine's drift (for CI); unclear
    /// cells are listed, not failed. Measured here on identical code (four
    /// comparisons: 68, 68, 339 and 33 cells): no cell slower or faster,
    /// exit 0 each time; a row made 1.3× slower was named on some of its
    /// cells and no other row's (README, "Compare runs").
    #[arg(long)]
    fail_on_slower: bool,
}

pub(crate) fn compare(args: CompareArgs) -> anyhow::Result<i32> {
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        bail!("--threshold must be a percentage of 0 or more, e.g. 5");
    }
    let side = |paths: &str| -> anyhow::Result<Results> {
        let sets = paths
            .split(',')
            .map(|p| Results::load_any(p.as_ref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        fanout_results::pool(sets)
    };
    let old = side(&args.old)?;
    let new = side(&args.new)?;
    for row in &args.drift_from {
        let known = |r: &Results| r.cells.iter().any(|c| &c.row == row);
        if !known(&old) || !known(&new) {
            bail!(
                "--drift-from names {row:?}, which is not in both result sets: name rows measured on both sides"
            );
        }
    }
    let settings = fanout_results::CompareSettings {
        drift_from: args.drift_from.clone(),
        ..fanout_results::CompareSettings::new(args.threshold)
    };
    let c = fanout_results::compare(&old, &new, &settings);
    print!("{}", fanout_report::comparison_markdown(&c));
    if !args.fail_on_slower {
        return Ok(0);
    }
    let slower = c.slower();
    let whole = c.moved_unexplained();
    if slower.is_empty() && whole.is_empty() {
        return Ok(0);
    }
    if !slower.is_empty() {
        let names: Vec<String> = slower.iter().map(|s| s.name()).collect();
        eprintln!(
            "error: {} cell{} slower beyond noise and {}%: {}",
            slower.len(),
            if slower.len() == 1 { "" } else { "s" },
            args.threshold,
            names.join("; ")
        );
    }
    if !whole.is_empty() {
        let plans: Vec<String> = whole
            .iter()
            .map(|m| format!("{} {:.2}×", m.drift.group.0, m.drift.ratio))
            .collect();
        eprintln!(
            "error: moved as a whole by more than {}%, and too few reference programs moved with it to call it the machine: {} — name rows the change cannot touch with --drift-from",
            2.0 * args.threshold,
            plans.join("; ")
        );
    }
    Ok(1)
}
