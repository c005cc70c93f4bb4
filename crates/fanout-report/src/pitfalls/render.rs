//! The Pitfalls section: per rule with findings, what goes wrong, a table
//! of both figures, and the fix — the rule's words and, where the better
//! side is a tuned row, that row's own settings.

use std::fmt::Write as _;

use crate::figures::shown;
use crate::format::{and_list, code, num};
use crate::md::MdTable;
use crate::model::Table;
use crate::names::row_prose;
use crate::pitfalls::find::{Finding, Side};
use crate::pitfalls::rules::{Context, Judge, MATERIAL, RULES};
use crate::tables::resumed;

/// The findings a rule shows in the results README, largest first; all of
/// them are on `pitfalls.md`.
pub(crate) const README_PER_RULE: usize = 3;

/// The section's text (without its heading): every finding, or with
/// `limit` the largest `limit` of each rule and a line saying where the
/// rest are.
pub(crate) fn section(out: &mut String, findings: &[Finding<'_>], limit: Option<usize>) {
    out.push_str(
        "Setups that differ in one setting, measured side by side. Each is shown only where the \
         difference is beyond noise (the min–max ranges over the repeats do not overlap), with \
         both figures and the fix.\n\n",
    );
    if findings.is_empty() {
        out.push_str(
            "None of the pitfalls this report looks for shows beyond noise in these results.\n\n",
        );
        return;
    }
    for rule in &RULES {
        let mut mine: Vec<&Finding<'_>> = findings
            .iter()
            .filter(|f| std::ptr::eq(f.rule, rule))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let all = mine.len();
        if let Some(n) = limit.filter(|n| *n < all) {
            mine.sort_by(|a, b| b.ratio().total_cmp(&a.ratio()));
            mine.truncate(n);
        }
        let _ = writeln!(out, "### {}\n\n{}\n", rule.title, rule.why);
        let mut header = vec![
            "Plan",
            "Pitfall",
            "Fix",
            "Pitfall's figure",
            "Fix's figure",
            "Pitfall ÷ fix",
        ];
        match rule.context {
            Context::Connections => header.push("Connections (pitfall / fix)"),
            Context::Resumed => header.push("TLS sessions resumed (pitfall / fix)"),
            Context::Nothing => {}
        }
        let mut t = MdTable::numeric(header.into_iter().map(String::from).collect(), 3);
        let mut groups = Vec::new();
        for f in &mine {
            let apart = !std::ptr::eq(f.bad.table, f.good.table);
            let mut line = vec![
                plan(f.bad.table, apart),
                side(&f.bad, apart),
                side(&f.good, apart),
                shown(f.metric, f.bad.best()),
                shown(f.metric, f.good.best()),
                crate::format::ratio_times(f.ratio()),
            ];
            match rule.context {
                Context::Connections => line.push(connections(f)),
                Context::Resumed => {
                    line.push(format!("{} / {}", resumed_of(&f.bad), resumed_of(&f.good)))
                }
                Context::Nothing => {}
            }
            t.push(line);
            for s in [&f.bad, &f.good] {
                if s.rows.len() > 1 {
                    groups.push(s);
                }
            }
        }
        let judged = match rule.judge {
            Judge::Metric(m) => format!("Judged by {}", m.as_str()),
            Judge::Scenario => {
                "Judged on each plan by the figure that decides its workload's scenario".into()
            }
        };
        let _ = write!(
            out,
            "{judged}; shown where the pitfall costs at least {}× the fix.\n\n{}",
            crate::format::ratio2(MATERIAL),
            t.render()
        );
        if mine.len() < all {
            let _ = writeln!(
                out,
                "\nThe {} largest of {all}; every one is on [the pitfalls page](pitfalls.md).",
                mine.len()
            );
        }
        if !groups.is_empty() {
            out.push('\n');
        }
        for g in groups {
            let names: Vec<String> = g.rows.iter().map(|(e, _)| row_prose(&e.row)).collect();
            let _ = writeln!(
                out,
                "- {} (best first): {}.",
                crate::format::capitalise(&group_name(g)),
                and_list(&names)
            );
        }
        let _ = writeln!(out, "\nFix: {}.", rule.fix);
        let mut tuned: Vec<String> = Vec::new();
        for f in &mine {
            // The fix is a tuned row that varies the pitfall's row: its settings.
            let e = f.good.entry();
            let varies = f.good.rows.len() == 1
                && e.row.variant_of.as_deref() == Some(f.bad.entry().row.id.as_str());
            if let Some(what) = e.row.tuned.as_deref().filter(|_| varies) {
                let line = format!("- {}: {what}.", row_prose(&e.row));
                if !tuned.contains(&line) {
                    tuned.push(line);
                }
            }
        }
        if !tuned.is_empty() {
            let _ = writeln!(out, "\n{}", tuned.join("\n"));
        }
        out.push('\n');
    }
}

/// The plan cell: the workload, with the plan's label when both sides
/// ran one plan.
fn plan(t: &Table<'_>, apart: bool) -> String {
    if apart {
        code(&t.workload_id)
    } else {
        t.name()
    }
}

/// A side's cell: its row (with the plan's label when the two sides ran
/// different plans of one workload), or its group.
fn side(s: &Side<'_>, apart: bool) -> String {
    if s.rows.len() > 1 {
        return format!("{}: best {}", group_name(s), row_prose(&s.entry().row));
    }
    let mut cell = row_prose(&s.entry().row);
    if apart {
        let _ = write!(
            cell,
            " over {}",
            crate::format::protocol(s.table.plan.protocol)
        );
    }
    cell
}

/// A group's name, from the server counter that split it.
fn group_name(s: &Side<'_>) -> String {
    let resumed = s.rows[0]
        .0
        .figures
        .as_ref()
        .is_some_and(|f| f.d.resumed > 0.0);
    format!(
        "{} rows that {}",
        s.rows.len(),
        if resumed {
            "resumed TLS sessions"
        } else {
            "resumed none"
        }
    )
}

fn connections(f: &Finding<'_>) -> String {
    let one = |s: &Side<'_>| {
        let Some(fig) = s.entry().figures.as_ref() else {
            return crate::format::NONE.to_string();
        };
        let mut c = num(fig.d.connections);
        if fig.d.max_streams > 1.0 {
            let _ = write!(c, " (up to {} streams on one)", num(fig.d.max_streams));
        }
        c
    };
    format!("{} / {}", one(&f.bad), one(&f.good))
}

fn resumed_of(s: &Side<'_>) -> String {
    s.entry()
        .figures
        .as_ref()
        .map_or(crate::format::NONE.into(), |f| {
            resumed(f.d.resumed, f.d.handshakes)
        })
}
