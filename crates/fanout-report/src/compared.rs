//! [`comparison_markdown`]: a [`Comparison`] of two result sets (computed
//! by `fanout_results::compare`) as Markdown — what differs between the
//! environments, then one critcmp-like table — cell, old, new, new ÷ old,
//! verdict — by effect, and the reasons of the cells not measured on a side.

use std::fmt::Write as _;

use fanout_results::{CellChange, Comparison, MIN_REPEATS, Side, Verdict};

use crate::format::{NONE, num, one_line, times, wall_range};
use crate::md::MdTable;

/// The verdict in words: `slower`, `same within noise (1 repeat: indicative)`.
fn verdict_text(c: &CellChange) -> String {
    let word = match c.verdict {
        Verdict::Slower => "**slower**",
        Verdict::Faster => "faster",
        Verdict::Same => "same within noise",
        Verdict::OnlyOld => "only in old",
        Verdict::OnlyNew => "only in new",
        Verdict::NotComparable => "not comparable",
    };
    match c.indicative {
        Some(n) => format!(
            "{word} ({n} repeat{}: indicative)",
            if n == 1 { "" } else { "s" }
        ),
        None => word.to_string(),
    }
}

fn side(s: &Side) -> String {
    match s {
        Side::Absent => "*absent*".into(),
        Side::Measured {
            median_ms,
            min_ms,
            max_ms,
            repeats,
        } => format!("{}, n={repeats}", wall_range(*median_ms, *min_ms, *max_ms)),
        Side::NotMeasured { status, .. } => format!("*{status}*"),
    }
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
        let count = |v: Verdict| cmp.changes.iter().filter(|c| c.verdict == v).count();
        let _ = writeln!(
            out,
            "## Cells\n\n\
             {} measured on both sides: {} slower, {} faster, {} same within noise; {} only in \
             old, {} only in new, {} not measured on a side.\n\n\
             New ÷ old is the ratio of median walls. A cell is *slower* or *faster* only when, \
             with at least {MIN_REPEATS} repeats on both sides, every repeat of one side is \
             beyond every repeat of the other (the min–max ranges do not overlap) and the \
             change exceeds {} %; with fewer repeats the threshold alone decides, and the \
             verdict is marked indicative.\n",
            count(Verdict::Slower) + count(Verdict::Faster) + count(Verdict::Same),
            count(Verdict::Slower),
            count(Verdict::Faster),
            count(Verdict::Same),
            count(Verdict::OnlyOld),
            count(Verdict::OnlyNew),
            count(Verdict::NotComparable),
            num(cmp.threshold_pct),
        );
        let mut t = MdTable::numeric(
            ["Cell", "Old", "New", "New ÷ old", "Verdict"]
                .map(String::from)
                .to_vec(),
            1,
        )
        .text(4);
        for c in &cmp.changes {
            t.push(vec![
                c.name(),
                side(&c.old),
                side(&c.new),
                c.ratio.map_or(NONE.into(), times),
                verdict_text(c),
            ]);
        }
        out.push_str(&t.render());
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
