//! The verdict as Markdown: one line per scenario — the Rust choice, its
//! figure, the best Rust row outside noise and how far behind, and each
//! reference language's best program with its ratio to the Rust choice —
//! then the notes (why a cell is empty, who could not win), the rows named
//! with what they are, and where the figures come from.

use std::fmt::Write as _;

use crate::charts::chart::slug;
use crate::figures::shown;
use crate::format::{NONE, code, int, plural};
use crate::md::MdTable;
use crate::model::{Entry, Report};
use crate::names::{row_choice, row_prose, what};
use crate::ties::Spread;
use crate::verdict::{Outcome, ScenarioVerdict, host};

/// A ratio to the Rust choice: `1.99×`, `1.00×`.
fn times_best(s: Spread, best: Spread) -> String {
    crate::format::ratio_times(s.median / best.median)
}

/// A reference program in its language's column: its id, and `(tuned)`.
fn program(e: &Entry<'_>) -> String {
    let mut s = code(&e.row.id);
    if e.row.tuned.is_some() {
        s.push_str(" (tuned)");
    }
    s
}

/// The workload page of a workload, from the results directory.
pub(crate) fn page(id: &str) -> String {
    format!("workloads/{}.md", slug(id))
}

/// Numbered notes: the same text gets the same number.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn mark(&mut self, text: String) -> String {
        let n = match self.0.iter().position(|t| *t == text) {
            Some(i) => i + 1,
            None => {
                self.0.push(text);
                self.0.len()
            }
        };
        format!("({n})")
    }
}

fn names(entries: &[&Entry<'_>]) -> String {
    entries
        .iter()
        .map(|e| row_choice(&e.row))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verdict: the table, its notes, the rows it names, and where the
/// figures come from. `up` leads every link (`results/` from the project
/// README).
pub(crate) fn section(
    out: &mut String,
    r: &Report<'_>,
    verdicts: &[ScenarioVerdict<'_>],
    up: &str,
) {
    let languages: Vec<String> = verdicts
        .iter()
        .find_map(|v| match &v.outcome {
            Outcome::Decided(d) => Some(d.references.iter().map(|x| x.language.clone()).collect()),
            Outcome::NotMeasured(_) => None,
        })
        .unwrap_or_default();
    let mut header: Vec<String> = [
        "Scenario",
        "Decided by",
        "Rust choice",
        "Its figure",
        "Next Rust row, × behind",
    ]
    .map(String::from)
    .to_vec();
    header.extend(languages.iter().map(|l| format!("{l}, × the Rust choice")));
    let mut t = MdTable::new(header);
    let mut notes = Notes::default();
    let mut excluded = Vec::new();
    let mut named: Vec<&Entry<'_>> = Vec::new();
    for v in verdicts {
        let w = v.workload;
        let mut scenario = format!("[{}]({up}{})", w.scenario.says, page(w.id));
        if v.table.is_none() {
            scenario = w.scenario.says.to_string();
        }
        let mut decided = w.scenario.decided_by.as_str().to_string();
        if let Some(t) = v.table.filter(|t| t.label != t.workload_id) {
            let _ = write!(decided, ", {}", t.label);
        }
        let mut line = vec![scenario, decided];
        match &v.outcome {
            Outcome::NotMeasured(why) => {
                line.push(format!("*not measured*: {why}"));
                line.extend(std::iter::repeat_n(NONE.to_string(), 2 + languages.len()));
            }
            Outcome::Decided(d) => {
                let m = w.scenario.decided_by;
                let choice: Vec<&Entry<'_>> = d.choice.iter().map(|(e, _)| *e).collect();
                named.extend(choice.iter().copied());
                line.push(names(&choice));
                line.push(shown(m, d.best()));
                line.push(match d.next {
                    Some((e, s)) => {
                        named.push(e);
                        format!("{} {}", row_choice(&e.row), times_best(s, d.best()))
                    }
                    None => "none: every Rust row measured is tied".into(),
                });
                for x in &d.references {
                    line.push(match (x.best, x.why_not.as_slice()) {
                        (Some((e, s)), _) => format!("{} {}", program(e), times_best(s, d.best())),
                        (None, []) => "no program in these results".into(),
                        (None, why) => {
                            let text: Vec<String> = why
                                .iter()
                                .map(|(e, w)| format!("{} — {w}", program(e)))
                                .collect();
                            format!("*not measured* {}", notes.mark(text.join("; ")))
                        }
                    });
                }
                for (e, n) in &d.excluded {
                    excluded.push(format!(
                        "{} on {} ({} failed beyond the injected faults, over the repeats)",
                        row_prose(&e.row),
                        w.scenario.says,
                        int(*n)
                    ));
                }
            }
        }
        t.push(line);
    }
    out.push_str(&t.render());
    out.push('\n');
    for (i, n) in notes.0.iter().enumerate() {
        let _ = writeln!(out, "({}) {n}.  ", i + 1);
    }
    if !excluded.is_empty() {
        let _ = writeln!(
            out,
            "Could not win, requests failed: {}.  ",
            excluded.join("; ")
        );
    }
    if !notes.0.is_empty() || !excluded.is_empty() {
        out.push('\n');
    }
    legend(out, &named);
    source(out, r, up);
}

/// Each row the verdict names, once, with what it is.
fn legend(out: &mut String, named: &[&Entry<'_>]) {
    let mut seen: Vec<&str> = Vec::new();
    let mut lines = Vec::new();
    for e in named {
        if seen.contains(&e.row.id.as_str()) {
            continue;
        }
        seen.push(&e.row.id);
        lines.push(format!("{}: {}", code(&e.row.id), what(&e.row)));
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>The Rust rows named above: runtime · client · idiom</summary>\n\n{}\n</details>\n",
        lines
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Where the figures come from, in one line.
fn source(out: &mut String, r: &Report<'_>, up: &str) {
    let e = &r.results.environment;
    let s = &r.results.settings;
    let machine = match (e.cores, e.cpu.trim()) {
        (0, "") => "an undescribed machine".to_string(),
        (0, cpu) => cpu.to_string(),
        (n, "") => plural(n, "core"),
        (n, cpu) => format!("{} ({cpu})", plural(n, "core")),
    };
    let wan: std::collections::BTreeSet<u128> = r
        .results
        .cells
        .iter()
        .map(|c| c.plan.rtt.as_millis())
        .filter(|ms| *ms > 0)
        .collect();
    let server = if e.server.is_empty() || e.server.starts_with("local") {
        let rtt = wan
            .iter()
            .map(|ms| format!("{ms} ms"))
            .collect::<Vec<_>>()
            .join(", ");
        if wan.is_empty() {
            "client and server on one machine over loopback".to_string()
        } else {
            format!(
                "client and server on one machine over loopback, with a round trip of {rtt} emulated by the server on the scenarios that say so"
            )
        }
    } else {
        format!("against a server at {}", code(&e.server))
    };
    let merged = if r.multi_host {
        format!(
            "; host {}, the first of {} merged",
            code(host(r)),
            r.hosts.len()
        )
    } else {
        String::new()
    };
    let date = e
        .date
        .get(..10)
        .filter(|d| !d.trim().is_empty())
        .unwrap_or("undated");
    let _ = writeln!(
        out,
        "Figures: medians of {}{} per cell, {date}, on {machine}, {server}{merged}; commit {}. \
         A ratio is the program's figure over the Rust choice's: less is better on every \
         scenario. [What this does not measure]({up}methods.md#what-this-does-not-measure).\n",
        plural(u64::from(s.repeats), "repeat"),
        if s.quick {
            " (`--quick`: a smoke test)"
        } else {
            ""
        },
        code(if e.commit.is_empty() {
            "unknown"
        } else {
            &e.commit
        }),
    );
}
