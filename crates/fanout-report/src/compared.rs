//! [`comparison_markdown`]: a [`Comparison`] of two result sets (computed
//! by `fanout_results::compare`) as Markdown — what differs between the
//! environments, the drift taken out of each plan, then one critcmp-like
//! table — cell, old, new, new ÷ old, drift-corrected, t, verdict — by
//! effect, what to re-measure, and the reasons of the cells not measured on
//! a side.

use std::fmt::Write as _;

use fanout_results::noise::{Basis, Change, OUTLIER_MADS};
use fanout_results::{CellChange, Comparison, MIN_REFERENCE_CELLS, Side, Verdict};

use crate::format::{NONE, code, num, one_line, times, wall_range};
use crate::md::MdTable;

/// The verdict in words: `slower`, `unclear: more repeats`, `same`;
/// `calibrated` marks the cells that measured drift when only some did.
fn verdict_text(c: &CellChange, calibrated: bool) -> String {
    let word = match c.verdict {
        Verdict::Judged(Change::Slower) => "**slower**",
        Verdict::Judged(Change::Faster) => "faster",
        Verdict::Judged(Change::Unclear) => "unclear: more repeats",
        Verdict::Judged(Change::Same) => "same",
        Verdict::OnlyOld => "only in old",
        Verdict::OnlyNew => "only in new",
        Verdict::NotComparable => "not comparable",
    };
    let mut text = word.to_string();
    if c.evidence.map(|e| e.basis) == Some(Basis::OwnRepeats) {
        text.push_str(" (own repeats only)");
    }
    if calibrated && c.calibrates && c.evidence.is_some() {
        text.push_str(" · calibration");
    }
    text
}

fn side(s: &Side) -> String {
    match (s, s.spread()) {
        (_, Some((median, min, max, n))) => format!("{}, n={n}", wall_range(median, min, max)),
        (Side::NotMeasured { status, .. }, _) => format!("*{status}*"),
        _ => "*absent*".into(),
    }
}

/// `` `workload` · label · `host` `` of a plan.
fn plan_name((w, l, h): &fanout_results::PlanKey) -> String {
    let mut name = code(w);
    if l != w {
        let _ = write!(name, " · {l}");
    }
    if let Some(h) = h {
        let _ = write!(name, " · {}", code(h));
    }
    name
}

/// The drift taken out of each plan, and its noise.
fn drifts(out: &mut String, cmp: &Comparison) {
    if cmp.drifts.is_empty() {
        return;
    }
    let calibration = if cmp.drift_from.is_empty() {
        "every cell".to_string()
    } else {
        format!(
            "the cells of the rows named as untouched by the change ({})",
            cmp.drift_from
                .iter()
                .map(|r| code(r))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = write!(
        out,
        "\n### Drift taken out, per plan\n\n\
         Drift is how much the machine as a whole moved between the sittings on a plan: the \
         median new ÷ old of its calibration cells. Noise is how far one cell moves between \
         sittings once the drift is out (the standard deviation of the calibration cells' \
         corrected log ratios, leaving out those beyond {} robust deviations). Calibration \
         cells: {calibration}.\n\n",
        num(OUTLIER_MADS)
    );
    let mut t = MdTable::numeric(
        [
            "Plan",
            "Cells",
            "Calibration",
            "Drift (new ÷ old)",
            "Noise",
            "Measured on",
        ]
        .map(String::from)
        .to_vec(),
        1,
    )
    .text(5);
    for d in &cmp.drifts {
        t.push(vec![
            plan_name(&d.group),
            d.cells.to_string(),
            d.calibration.to_string(),
            times(d.ratio),
            format!("±{} %", num(d.noise * 100.0)),
            match d.basis {
                Basis::Plan => "its calibration cells",
                Basis::Pooled => "noise pooled over every plan's calibration cells",
                Basis::OwnRepeats => "nothing: too few calibration cells, none taken out",
            }
            .to_string(),
        ]);
    }
    out.push_str(&t.render());
    let whole = cmp.moved_as_a_whole();
    if !whole.is_empty() {
        let _ = writeln!(
            out,
            "\n**Moved as a whole**: every cell of {} moved by more than twice the threshold \
             together. Either the machine drifted that much between the sittings, or the change \
             moved most rows of the plan, which taking out the drift would hide. The reference \
             programs in other languages, which no change to a Rust row can move, tell the two \
             apart where a plan has at least {MIN_REFERENCE_CELLS} of them; where they do not, \
             `--fail-on-slower` does not pass the plan — name rows the change cannot touch with \
             `--drift-from`.\n",
            if whole.len() == 1 {
                "this plan"
            } else {
                "these plans"
            }
        );
        for m in &whole {
            let said = match m.references {
                Some((n, r)) if m.machine => format!(
                    "its {n} reference-program cells moved {} with it: the machine",
                    times(r)
                ),
                Some((n, r)) => format!(
                    "its {n} reference-program cells moved {} only, short of it beyond noise: \
                     **not explained by the machine**",
                    times(r)
                ),
                None => format!(
                    "fewer than {MIN_REFERENCE_CELLS} reference-program cells: **cannot tell**"
                ),
            };
            let _ = writeln!(
                out,
                "- {} {} — {said}",
                plan_name(&m.drift.group),
                times(m.drift.ratio)
            );
        }
    }
}

/// The comparison as Markdown: a "What differs" list first when the
/// environments differ, then the counts, the test, the drift, the table,
/// what to re-measure and the reasons.
pub fn comparison_markdown(cmp: &Comparison) -> String {
    let mut out = String::new();
    if !cmp.differs.is_empty() {
        out.push_str("## What differs\n\n");
        for d in &cmp.differs {
            let _ = writeln!(out, "- {d}");
        }
        out.push_str(
            "\nFigures from different machines or software differ for those reasons too.\n\n",
        );
    }
    let count = |c: Change| cmp.with(Verdict::Judged(c)).len();
    let judged: usize = [
        Change::Slower,
        Change::Faster,
        Change::Unclear,
        Change::Same,
    ]
    .into_iter()
    .map(count)
    .sum();
    let _ = writeln!(
        out,
        "## Cells\n\n\
         {judged} measured on both sides: {} slower, {} faster, {} unclear, {} same; {} only in \
         old, {} only in new, {} not measured on a side.\n\n\
         New ÷ old is the ratio of median walls; *corrected* divides it by its plan's drift. \
         A cell is *slower* or *faster* when its corrected change exceeds {} % **and** is \
         beyond noise: t = ln(corrected) ÷ √(plan noise² + the cell's own spread of ln(wall) \
         over its repeats), Student's t with the noise estimate's degrees of freedom, Holm's \
         step-down over all {judged} cells at {} % — so identical code gets any verdict at all \
         at most about {} % of the time, however many cells are compared. *Unclear*: beyond \
         the threshold, not beyond noise — measure it again with more repeats on both sides.",
        count(Change::Slower),
        count(Change::Faster),
        count(Change::Unclear),
        count(Change::Same),
        cmp.with(Verdict::OnlyOld).len(),
        cmp.with(Verdict::OnlyNew).len(),
        cmp.with(Verdict::NotComparable).len(),
        num(cmp.threshold_pct),
        num(cmp.alpha * 100.0),
        num(cmp.alpha * 100.0),
    );
    drifts(&mut out, cmp);
    out.push('\n');
    let mut t = MdTable::numeric(
        [
            "Cell",
            "Old",
            "New",
            "New ÷ old",
            "Corrected",
            "t",
            "Verdict",
        ]
        .map(String::from)
        .to_vec(),
        1,
    )
    .text(6);
    for c in &cmp.changes {
        let e = c.evidence;
        t.push(vec![
            c.name(),
            side(&c.old),
            side(&c.new),
            e.map_or(NONE.into(), |e| times(e.ratio)),
            e.map_or(NONE.into(), |e| times(e.corrected)),
            e.filter(|e| e.t.is_finite())
                .map_or(NONE.into(), |e| format!("{:.1}", e.t)),
            verdict_text(c, !cmp.drift_from.is_empty()),
        ]);
    }
    out.push_str(&t.render());
    let unclear = cmp.with(Verdict::Judged(Change::Unclear));
    if !unclear.is_empty() {
        let rows: std::collections::BTreeSet<&str> =
            unclear.iter().map(|c| c.row.as_str()).collect();
        let workloads: std::collections::BTreeSet<&str> =
            unclear.iter().map(|c| c.workload.as_str()).collect();
        let _ = writeln!(
            out,
            "\n{} unclear: to tell, measure those cells again on both sides with more repeats \
             (e.g. `fanout sweep --rows {} --workloads {} --repeats 10`, on the old code and \
             the new, one after the other) and compare again.",
            if unclear.len() == 1 {
                "One cell is"
            } else {
                "Some cells are"
            },
            rows.into_iter().collect::<Vec<_>>().join(","),
            workloads.into_iter().collect::<Vec<_>>().join(","),
        );
    }
    let reasons: Vec<String> =
        cmp.changes
            .iter()
            .flat_map(|c| {
                [("old", &c.old), ("new", &c.new)]
                    .into_iter()
                    .filter_map(move |(which, s)| match s {
                        Side::NotMeasured { status, reason } if !reason.is_empty() => Some(
                            format!("{} — {which}: {status}: {}", c.name(), one_line(reason)),
                        ),
                        _ => None,
                    })
            })
            .collect();
    if !reasons.is_empty() {
        out.push_str("\nNot measured:\n\n");
        for r in reasons {
            let _ = writeln!(out, "- {r}");
        }
    }
    out
}
