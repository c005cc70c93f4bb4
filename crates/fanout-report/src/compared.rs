//! [`comparison_markdown`]: a [`Comparison`] of two result sets (computed
//! by `fanout_results::compare`) as Markdown — what differs between the
//! environments, the drift taken out of each plan, then one critcmp-like
//! table — cell, old, new, new ÷ old, drift-corrected, t, verdict — by
//! effect, what to re-measure, and the reasons of the cells not measured on
//! a side.

use std::fmt::Write as _;

use fanout_results::noise::Basis;
use fanout_results::{CellChange, Comparison, Side, Verdict};

use crate::format::{NONE, code, num, one_line, times, wall_range};
use crate::md::MdTable;

/// The verdict in words: `slower`, `unclear`, `same`.
fn verdict_text(c: &CellChange) -> String {
    let word = match c.verdict {
        Verdict::Slower => "**slower**",
        Verdict::Faster => "faster",
        Verdict::Unclear => "unclear: more repeats",
        Verdict::Same => "same",
        Verdict::OnlyOld => "only in old",
        Verdict::OnlyNew => "only in new",
        Verdict::NotComparable => "not comparable",
    };
    match c.evidence.map(|e| e.basis) {
        Some(Basis::OwnRepeats) => format!("{word} (own repeats only)"),
        _ => word.to_string(),
    }
}

fn side(s: &Side) -> String {
    match s {
        Side::Absent => "*absent*".into(),
        Side::Measured {
            median_ms,
            min_ms,
            max_ms,
            walls,
        } => format!(
            "{}, n={}",
            wall_range(*median_ms, *min_ms, *max_ms),
            walls.len()
        ),
        Side::NotMeasured { status, .. } => format!("*{status}*"),
    }
}

/// The drift taken out of each plan, and its noise.
fn drifts(out: &mut String, cmp: &Comparison) {
    if cmp.drifts.is_empty() {
        return;
    }
    out.push_str(
        "\n### Drift taken out, per plan\n\n\
         Drift is how much the machine as a whole moved between the sittings, on a plan: the \
         median new ÷ old of its cells. Noise is how far one cell moves between sittings once the \
         drift is out (the standard deviation of the cells' corrected log ratios, leaving out \
         those beyond 4 robust deviations).\n\n",
    );
    let mut t = MdTable::numeric(
        ["Plan", "Cells", "Drift (new ÷ old)", "Noise", "Measured on"]
            .map(String::from)
            .to_vec(),
        1,
    )
    .text(4);
    for d in &cmp.drifts {
        let (w, l, h) = &d.group;
        let mut name = code(w);
        if l != w {
            let _ = write!(name, " · {l}");
        }
        if let Some(h) = h {
            let _ = write!(name, " · {}", code(h));
        }
        t.push(vec![
            name,
            d.cells.to_string(),
            times(d.ratio),
            format!("±{} %", num(d.noise * 100.0)),
            match d.basis {
                Basis::Plan => "its cells",
                Basis::Pooled => "every cell, pooled (under 5 on this plan)",
                Basis::OwnRepeats => "nothing: under 5 cells in all, none taken out",
            }
            .to_string(),
        ]);
    }
    out.push_str(&t.render());
}

/// The comparison as Markdown: a "What differs" list first when the
/// environments differ, then the counts, the test, the table and the
/// reasons.
pub fn comparison_markdown(cmp: &Comparison) -> String {
    {
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
        let count = |v: Verdict| cmp.with(v).len();
        let _ = writeln!(
            out,
            "## Cells\n\n\
             {} measured on both sides: {} slower, {} faster, {} unclear, {} same; {} only in \
             old, {} only in new, {} not measured on a side.\n\n\
             New ÷ old is the ratio of median walls; *corrected* divides it by its plan's drift. \
             A cell is *slower* or *faster* when its corrected change exceeds {} % **and** is \
             beyond noise: t = ln(corrected) ÷ √(plan noise² + the cell's own spread of ln(wall) \
             over its repeats), Student's t with the noise estimate's degrees of freedom, Holm's \
             step-down over all {} cells at {} % — so identical code gets any verdict at all at \
             most about {} % of the time, however many cells are compared. *Unclear*: beyond the \
             threshold, not beyond noise — measure it again with more repeats on both sides.",
            count(Verdict::Slower)
                + count(Verdict::Faster)
                + count(Verdict::Unclear)
                + count(Verdict::Same),
            count(Verdict::Slower),
            count(Verdict::Faster),
            count(Verdict::Unclear),
            count(Verdict::Same),
            count(Verdict::OnlyOld),
            count(Verdict::OnlyNew),
            count(Verdict::NotComparable),
            num(cmp.threshold_pct),
            count(Verdict::Slower)
                + count(Verdict::Faster)
                + count(Verdict::Unclear)
                + count(Verdict::Same),
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
                c.ratio.map_or(NONE.into(), times),
                e.map_or(NONE.into(), |e| times(e.corrected)),
                e.filter(|e| e.t.is_finite())
                    .map_or(NONE.into(), |e| format!("{:.1}", e.t)),
                verdict_text(c),
            ]);
        }
        out.push_str(&t.render());
        let unclear = cmp.with(Verdict::Unclear);
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
        let reasons: Vec<String> = cmp
            .changes
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
}
