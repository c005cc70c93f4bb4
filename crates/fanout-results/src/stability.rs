//! [`stability`]: do two consecutive sweeps rank the rows the same? For
//! every cell measured in both (matched by row, workload, label and host),
//! every pair of rows whose median walls differ by more than a gap in either
//! sweep is a ranking; it agrees when both sweeps put the same row first.

use std::collections::BTreeMap;

use crate::model::{Results, Stability};

/// The rankings of `new` against `old` (see the module docs).
pub fn stability(old: &Results, new: &Results, gap_pct: f64) -> Stability {
    type Group = (String, String, String);
    let medians = |r: &Results| {
        let mut out: BTreeMap<Group, BTreeMap<String, f64>> = BTreeMap::new();
        for c in &r.cells {
            if let Some(d) = c.derived() {
                let key = (
                    c.workload.clone(),
                    c.label.clone(),
                    r.host_of(c).to_string(),
                );
                out.entry(key).or_default().insert(c.row.clone(), d.wall_ms);
            }
        }
        out
    };
    let (a, b) = (medians(old), medians(new));
    let gap = 1.0 + gap_pct / 100.0;
    let (mut rankings, mut agree, mut flipped) = (0, 0, Vec::new());
    for (key, olds) in &a {
        let Some(news) = b.get(key) else { continue };
        let rows: Vec<&String> = olds.keys().filter(|r| news.contains_key(*r)).collect();
        for (i, x) in rows.iter().enumerate() {
            for y in &rows[i + 1..] {
                let (ox, oy, nx, ny) = (olds[*x], olds[*y], news[*x], news[*y]);
                let apart = |p: f64, q: f64| p.max(q) > p.min(q) * gap;
                if !(apart(ox, oy) || apart(nx, ny)) {
                    continue;
                }
                rankings += 1;
                if (ox < oy) == (nx < ny) {
                    agree += 1;
                } else {
                    let (w, l) = (&key.0, &key.1);
                    let cell = if w == l {
                        format!("`{w}`")
                    } else {
                        format!("`{w}` {l}")
                    };
                    let order = |p: f64, q: f64| {
                        if p < q {
                            format!("`{x}` {p:.1} ms < `{y}` {q:.1} ms")
                        } else {
                            format!("`{y}` {q:.1} ms < `{x}` {p:.1} ms")
                        }
                    };
                    flipped.push(format!("{cell}: {}, then {}", order(ox, oy), order(nx, ny)));
                }
            }
        }
    }
    Stability {
        previous_commit: old.environment.commit.clone(),
        previous_date: old.environment.date.clone(),
        gap_pct,
        rankings,
        agree,
        flipped,
    }
}
