//! A workload at an emulated round trip against its loopback twin
//! ([`fanout_core::Workload::twin`]): the same calls, ranked both ways by
//! the figure the scenario is decided by, and the pairs of rows whose order
//! changes beyond noise (each order's min–max ranges apart, its medians
//! 1.05× apart or more, the pitfalls' threshold). Computed from
//! the report's tables on the verdict's host; no workload id is named here.

use std::fmt::Write as _;

use fanout_core::{WORKLOADS, Workload};

use crate::figures::{metric, shown};
use crate::format::{code, duration_ms, plural, ratio_times, ratio2};
use crate::model::{Entry, Report, Table};
use crate::names::{row_cell, row_prose};
use crate::pitfalls::rules::MATERIAL;
use crate::ties::Spread;
use crate::verdict::host;

/// Most order changes listed by name per plan.
const LISTED: usize = 8;

/// One row measured on both plans.
struct Both<'r> {
    entry: &'r Entry<'r>,
    twin: Spread,
    wan: Spread,
}

/// Two rows whose order changes: `first` led `second` on the twin beyond
/// noise and trails it beyond noise over the round trip.
struct Flip<'r> {
    first: &'r Both<'r>,
    second: &'r Both<'r>,
}

/// The rows measured on both tables, with their figures on the scenario's
/// metric, in the WAN table's order.
fn both<'r>(wan: &'r Table<'r>, twin: &'r Table<'r>, host: &'r str, w: &Workload) -> Vec<Both<'r>> {
    let m = w.scenario.decided_by;
    let figure = |e: &Entry<'_>| e.figures.as_ref().and_then(|f| metric(f, m));
    wan.of_host(host)
        .filter_map(|e| {
            let t = twin
                .of_host(host)
                .find(|t| t.row.id == e.row.id)
                .and_then(figure)?;
            Some(Both {
                entry: e,
                twin: t,
                wan: figure(e)?,
            })
        })
        .collect()
}

/// Every pair whose order changes beyond noise: each order's min–max
/// ranges apart, and its medians at least [`MATERIAL`] apart (the
/// pitfalls' threshold, so a single repeat's points do not count as a change).
fn flips<'r>(rows: &'r [Both<'r>]) -> Vec<Flip<'r>> {
    let ahead = |a: &Spread, b: &Spread| a.max < b.min && b.median >= a.median * MATERIAL;
    let mut out = Vec::new();
    for a in rows {
        for b in rows {
            if ahead(&a.twin, &b.twin) && ahead(&b.wan, &a.wan) {
                out.push(Flip {
                    first: a,
                    second: b,
                });
            }
        }
    }
    out
}

/// Ranks (1 = least) of `key` over `rows`, ties by median sharing a rank.
fn ranks(rows: &[Both<'_>], key: impl Fn(&Both<'_>) -> f64) -> Vec<usize> {
    rows.iter()
        .map(|r| 1 + rows.iter().filter(|o| key(o) < key(r)).count())
        .collect()
}

/// The line a loopback workload's page gets for each workload that runs its
/// calls over a round trip.
pub(crate) fn wan_note(out: &mut String, r: &Report<'_>, w: &Workload) {
    let rendered = |x: &Workload| r.tables.iter().any(|t| t.workload == Some(*x));
    for wan in WORKLOADS
        .iter()
        .filter(|x| x.twin() == Some(*w) && rendered(x))
    {
        let _ = writeln!(
            out,
            "The same calls over an emulated network round trip: [{}]({}.md), with both \
             rankings side by side.\n",
            code(wan.id),
            crate::charts::chart::slug(wan.id)
        );
    }
}

/// The section a WAN workload's page gets: each of its plans against the
/// same plan of its twin (paired in order).
pub(crate) fn section(out: &mut String, r: &Report<'_>, w: &Workload, tables: &[&Table<'_>]) {
    let Some(twin) = w.twin() else { return };
    let twins: Vec<&Table<'_>> = r
        .tables
        .iter()
        .filter(|t| t.workload == Some(twin))
        .collect();
    let rtt = tables.first().map_or(0, |t| t.plan.rtt.as_millis());
    let _ = writeln!(out, "## Against its loopback twin, {}\n", code(twin.id));
    if twins.is_empty() {
        let _ = writeln!(
            out,
            "{} runs the calls of {} over an emulated {rtt} ms round trip; {} is not in these \
             results.\n",
            code(w.id),
            code(twin.id),
            code(twin.id)
        );
        return;
    }
    let _ = writeln!(
        out,
        "{} runs the calls of [{}]({}.md) over an emulated {rtt} ms round trip (see \
         [Methods](../methods.md#round-trips)). Rows measured on both, ranked by {} (1 = best):\n",
        code(w.id),
        code(twin.id),
        crate::charts::chart::slug(twin.id),
        w.scenario.decided_by.as_str(),
    );
    let host = host(r);
    for (wan, twin_table) in tables.iter().zip(&twins) {
        plan(out, w, twin, wan, twin_table, host, tables.len() > 1);
    }
}

fn plan(
    out: &mut String,
    w: &Workload,
    twin: Workload,
    wan: &Table<'_>,
    twin_table: &Table<'_>,
    host: &str,
    labelled: bool,
) {
    if labelled {
        let _ = writeln!(out, "### {}\n", wan.label);
    }
    let rows = both(wan, twin_table, host, w);
    if rows.is_empty() {
        let _ = writeln!(out, "No row was measured on both.\n");
        return;
    }
    let m = w.scenario.decided_by;
    let twin_rank = ranks(&rows, |b| b.twin.median);
    let wan_rank = ranks(&rows, |b| b.wan.median);
    let _ = writeln!(
        out,
        "| Row | {} ({} requests) | rank | {} ({} requests) | rank |\n| :--- | ---: | ---: | ---: | ---: |",
        code(twin.id),
        twin_table.plan.requests,
        code(w.id),
        wan.plan.requests
    );
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (wan_rank[i], twin_rank[i]));
    for i in order {
        let b = &rows[i];
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row_cell(&b.entry.row),
            shown(m, b.twin),
            twin_rank[i],
            shown(m, b.wan),
            wan_rank[i]
        );
    }
    out.push('\n');
    let best = |rank: &[usize]| -> Vec<String> {
        rows.iter()
            .zip(rank)
            .filter(|(_, r)| **r == 1)
            .map(|(b, _)| row_prose(&b.entry.row))
            .collect()
    };
    let (was, is) = (best(&twin_rank), best(&wan_rank));
    let _ = writeln!(
        out,
        "- The best median: {} on {}; {} over the round trip{}.",
        was.join(", "),
        code(twin.id),
        is.join(", "),
        if was == is { " (unchanged)" } else { "" }
    );
    let _ = writeln!(
        out,
        "- The floor is {} on {} and {} here.",
        duration_ms(twin_table.plan.floor().as_secs_f64() * 1e3),
        code(twin.id),
        duration_ms(wan.plan.floor().as_secs_f64() * 1e3)
    );
    let flips = flips(&rows);
    if flips.is_empty() {
        let _ = writeln!(
            out,
            "- No two rows change order beyond noise (each order's min–max ranges apart, \
             the medians {}× apart or more).\n",
            ratio2(MATERIAL)
        );
        return;
    }
    let _ = writeln!(
        out,
        "- {} of rows {} order beyond noise (each order's min–max ranges apart, the medians \
         {}× apart or more):",
        plural(flips.len() as u64, "pair"),
        if flips.len() == 1 {
            "changes"
        } else {
            "change"
        },
        ratio2(MATERIAL)
    );
    for f in flips.iter().take(LISTED) {
        let _ = writeln!(
            out,
            "  - {} led {} on {} ({} against {}); over the round trip it trails ({} against {}, {} the time)",
            row_prose(&f.first.entry.row),
            row_prose(&f.second.entry.row),
            code(twin.id),
            shown(m, f.first.twin),
            shown(m, f.second.twin),
            shown(m, f.first.wan),
            shown(m, f.second.wan),
            ratio_times(f.first.wan.median / f.second.wan.median),
        );
    }
    if flips.len() > LISTED {
        let _ = writeln!(out, "  - and {} more", flips.len() - LISTED);
    }
    out.push('\n');
}
