//! Workloads with several plans. Plans labelled by protocol — an HTTP/1.1
//! plan and an HTTP/2 plan of the same fan-out
//! ([`fanout_core::workload::Label::ByProtocol`]) —
//! get one table with both side by side per row; any other set of plans
//! (by N) gets a matrix of median wall times, a column per plan. Either way
//! each plan's full table follows, folded away.

use std::fmt::Write as _;

use fanout_core::Protocol;

use crate::figures::Figures;
use crate::format::{NONE, code, duration_ms, floor_ms, num, plan_shape_n, ratio2, wall_range};
use crate::md::MdTable;
use crate::model::{Entry, Fate, Report, Table};
use crate::names::row_cell;
use crate::protocols::{h2_vs_h1, protocol_pair};
use crate::tables::{fate_word, fates, plan_section, push_notes};
use crate::ties::Mark;

/// A median wall with the mark of its standing: `, fastest` or `, tied`.
fn marked(f: &Figures, text: String) -> String {
    match f.mark {
        Mark::Best => format!("{text}, fastest"),
        Mark::Tied => format!("{text}, tied"),
        Mark::Behind => text,
    }
}

/// What a side-by-side cell shows for an entry.
fn wall_or_fate(e: &Entry<'_>) -> String {
    match e.fate() {
        Fate::Measured(f) => marked(f, wall_range(f.d.wall_ms, f.d.wall_min_ms, f.d.wall_max_ms)),
        fate => fate_word(&fate).into(),
    }
}

/// The side-by-side table of an HTTP/1.1 and an HTTP/2 plan.
pub(crate) fn protocol_table(r: &Report<'_>, h1: &Table<'_>, h2: &Table<'_>) -> String {
    let mut header = vec!["Row".to_string()];
    if r.multi_host {
        header.push("Host".into());
    }
    if h1.plan.tls || h2.plan.tls {
        header.push("TLS".into());
    }
    let text_cols = header.len();
    header.extend(
        [
            "Wall HTTP/1.1 (median, min–max)",
            "Wall HTTP/2 (median, min–max)",
            "HTTP/2 ÷ HTTP/1.1",
            "Protocol used (h1 / h2)",
            "Connections (h1 / h2)",
            "Max streams / conn (h1 / h2)",
        ]
        .map(String::from),
    );
    let mut table = MdTable::numeric(header, text_cols);
    for (a, b) in h1.entries.iter().zip(&h2.entries) {
        let mut line = vec![row_cell(&a.row)];
        if r.multi_host {
            line.push(code(&a.host));
        }
        if text_cols > 1 + usize::from(r.multi_host) {
            line.push(a.row.tls.clone().unwrap_or_else(|| "none".into()));
        }
        line.push(wall_or_fate(a));
        line.push(wall_or_fate(b));
        let (fa, fb) = (a.figures.as_ref(), b.figures.as_ref());
        line.push(match fa.zip(fb).and_then(|(x, y)| h2_vs_h1(x, y)) {
            Some((ratio, verdict)) => format!("{}×, {}", ratio2(ratio), verdict.as_str()),
            None => NONE.into(),
        });
        let pair = |f: &dyn Fn(&Figures) -> String| {
            format!(
                "{} / {}",
                fa.map_or(NONE.into(), f),
                fb.map_or(NONE.into(), f)
            )
        };
        line.push(pair(&|f| f.protocol_used.to_string()));
        line.push(pair(&|f| num(f.d.connections)));
        line.push(pair(&|f| num(f.d.max_streams)));
        table.push(line);
    }
    table.render()
}

/// A matrix of median wall times, a column per plan.
fn matrix(r: &Report<'_>, tables: &[&Table<'_>]) -> String {
    let mut header = vec!["Row".to_string()];
    if r.multi_host {
        header.push("Host".into());
    }
    let text_cols = header.len();
    header.extend(tables.iter().map(|t| t.label.clone()));
    let mut m = MdTable::numeric(header, text_cols);
    let Some(first) = tables.first() else {
        return String::new();
    };
    for (i, e) in first.entries.iter().enumerate() {
        let mut line = vec![row_cell(&e.row)];
        if r.multi_host {
            line.push(code(&e.host));
        }
        for t in tables {
            line.push(match t.entries.get(i).map(Entry::fate) {
                Some(Fate::Measured(f)) => marked(f, duration_ms(f.d.wall_ms)),
                Some(fate) => fate_word(&fate).into(),
                None => fate_word(&Fate::NotRun).into(),
            });
        }
        m.push(line);
    }
    m.render()
}

/// The floors of several plans: `floor 50 ms at every plan` or each.
fn floors(tables: &[&Table<'_>]) -> String {
    let each: Vec<String> = tables
        .iter()
        .map(|t| duration_ms(floor_ms(&t.plan)))
        .collect();
    if each.windows(2).all(|w| w[0] == w[1]) {
        format!("floor {} at every plan", each.first().map_or(NONE, |s| s))
    } else {
        let each: Vec<String> = tables
            .iter()
            .zip(&each)
            .map(|(t, f)| format!("{} {f}", t.label))
            .collect();
        format!("floors: {}", each.join(", "))
    }
}

/// The entries without figures of several plans, one note per row, host
/// and fate, naming the plans it applies to.
fn notes(r: &Report<'_>, tables: &[&Table<'_>]) -> Vec<String> {
    let mut grouped: Vec<(String, String, Vec<&str>)> = Vec::new();
    for t in tables {
        for (who, what) in fates(r, t) {
            match grouped.iter_mut().find(|(w, x, _)| *w == who && *x == what) {
                Some((_, _, labels)) => labels.push(&t.label),
                None => grouped.push((who, what, vec![&t.label])),
            }
        }
    }
    grouped
        .into_iter()
        .map(|(who, what, labels)| {
            let at = if labels.len() == tables.len() && tables.len() > 1 {
                "every plan".to_string()
            } else {
                labels.join(", ")
            };
            format!("{who} at {at} — {what}")
        })
        .collect()
}

/// A workload with several plans: the side-by-side table or the matrix,
/// the notes, then each plan's full table folded away.
pub(crate) fn multi_section(out: &mut String, r: &Report<'_>, tables: &[&Table<'_>]) {
    let Some(first) = tables.first() else {
        return;
    };
    if let Some((h1, h2)) = protocol_pair(tables) {
        let _ = writeln!(
            out,
            "HTTP/1.1 and HTTP/2 side by side ({}); {}. \
             HTTP/2 ÷ HTTP/1.1 is the ratio of median walls, *within noise* when the two \
             min–max ranges overlap. Max streams / conn: the most requests the server saw open \
             at once on one connection.\n",
            {
                let mut both = h1.plan.clone();
                both.protocol = Protocol::Auto;
                crate::format::plan_shape(&both)
            },
            floors(tables)
        );
        out.push_str(&protocol_table(r, h1, h2));
    } else {
        let n = if tables
            .iter()
            .all(|t| t.plan.requests == first.plan.requests)
        {
            crate::format::int(first.plan.requests)
        } else {
            "N".to_string()
        };
        let _ = writeln!(
            out,
            "Median wall time per plan ({}); {}. *fastest*: the best row of the column; \
             *tied*: within noise of it.\n",
            plan_shape_n(&first.plan, &n),
            floors(tables)
        );
        out.push_str(&matrix(r, tables));
    }
    push_notes(out, &notes(r, tables));
    for t in tables {
        let _ = writeln!(
            out,
            "\n<details><summary>{} — full table</summary>\n",
            t.label
        );
        plan_section(out, r, t, false);
        out.push_str("\n</details>\n");
    }
}
