//! The Markdown pages of a results directory: `README.md` (the answer:
//! verdict, summary picture, pitfalls, conditions, links), one
//! `workloads/<id>.md` per workload, `idioms.md` and `methods.md` — and the
//! project README's block.
//!
//! Layout: `readme`, `workload`, `idioms`, `methods` (one file per page);
//! `verdict` (the verdict table, on the results README and in the project
//! README's block), `about` (environment, settings, rows, cells not
//! measured) and `measuring` (the methods' text).

mod about;
mod idioms;
mod measuring;
mod methods;
mod readme;
mod verdict;
mod workload;

use crate::charts::chart::{Chart, slug};
use crate::model::Report;
use crate::pitfalls::find::Finding;
use crate::verdict::ScenarioVerdict;

/// Every page, as (path inside the results directory, text).
pub(crate) fn pages(
    r: &Report<'_>,
    verdicts: &[ScenarioVerdict<'_>],
    findings: &[Finding<'_>],
    charts: &[Chart],
) -> Vec<(String, String)> {
    let mut out = vec![(
        "README.md".to_string(),
        readme::page(r, verdicts, findings, charts),
    )];
    if !r.results.cells.is_empty() {
        for (id, w, tables) in r.workloads() {
            out.push((
                format!("workloads/{}.md", slug(id)),
                workload::page(r, id, w, &tables, charts),
            ));
        }
    }
    out.push(("idioms.md".into(), idioms::page(r, charts)));
    out.push(("methods.md".into(), methods::page(r)));
    out
}

/// The project README's block: the verdict (its links into `results/`),
/// then the full table of the workload marked `in_readme`.
pub(crate) fn readme_block(r: &Report<'_>, verdicts: &[ScenarioVerdict<'_>]) -> String {
    let mut out = String::new();
    if r.results.cells.is_empty() {
        out.push_str("No results yet: run `cargo bench`.\n");
        return out;
    }
    verdict::section(&mut out, r, verdicts, "results/");
    for (id, w, tables) in r.workloads() {
        if !w.is_some_and(|w| w.in_readme) {
            continue;
        }
        for t in tables {
            out.push_str(&format!(
                "The full table of [{}](results/workloads/{}.md), {}:\n\n",
                crate::format::code(id),
                slug(id),
                crate::tables::plan_line(t)
                    .trim_end_matches('.')
                    .replacen("Plan: ", "", 1)
            ));
            out.push_str(&crate::tables::plan_table(r, t));
        }
    }
    out
}
