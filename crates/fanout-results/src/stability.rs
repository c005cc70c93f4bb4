//! [`stability`]: do two consecutive sweeps rank the rows the same? For
//! every table measured in both (matched by workload, label and host),
//! every pair of rows whose median walls differ in either sweep by more
//! than the gap *and* beyond noise is a ranking; it agrees when both sweeps
//! put the same row first.
//!
//! "Beyond noise" is `fanout compare`'s yardstick ([`crate::noise`]): the
//! spread of the table's cells between the two sweeps once the drift is
//! taken out is how far one row's standing moves between sittings, so two
//! rows whose log ratio is within Student's t (5 %, two-sided, the
//! estimate's degrees of freedom) of that spread are not ranked — no
//! sweep could order them reliably.

use std::collections::BTreeMap;

use crate::model::{Results, Stability};
use crate::noise::{self, Pair};

/// The two-sided 5 % level a ranking must clear.
const LEVEL: f64 = 0.05;

/// The rankings of `new` against `old` (see the module docs).
pub fn stability(old: &Results, new: &Results, gap_pct: f64) -> Stability {
    type Group = (String, String, String);
    let walls = |r: &Results| {
        let mut out: BTreeMap<Group, BTreeMap<String, (f64, Vec<f64>)>> = BTreeMap::new();
        for c in &r.cells {
            if let (Some(d), Some(reps)) = (c.derived(), c.repeats()) {
                let key = (
                    c.workload.clone(),
                    c.label.clone(),
                    r.host_of(c).to_string(),
                );
                let all = reps.iter().map(|x| x.summary.wall_ms).collect();
                out.entry(key)
                    .or_default()
                    .insert(c.row.clone(), (d.wall_ms, all));
            }
        }
        out
    };
    let (a, b) = (walls(old), walls(new));

    // Each table's between-sitting noise, as compare measures it.
    let mut pairs = Vec::new();
    for (key, olds) in &a {
        let Some(news) = b.get(key) else { continue };
        for (row, (_, o)) in olds {
            if let Some((_, n)) = news.get(row) {
                pairs.push(Pair {
                    group: key.clone(),
                    calibrates: true,
                    old: o.clone(),
                    new: n.clone(),
                });
            }
        }
    }
    let noise: BTreeMap<Group, f64> = noise::judge(&pairs, gap_pct, LEVEL)
        .drifts
        .into_iter()
        .map(|d| {
            let sigma = d.noise.ln_1p();
            (d.group, noise::t_quantile(1.0 - LEVEL / 2.0, d.df) * sigma)
        })
        .collect();

    let gap = (1.0 + gap_pct / 100.0).ln();
    let (mut rankings, mut agree, mut flipped) = (0, 0, Vec::new());
    for (key, olds) in &a {
        let Some(news) = b.get(key) else { continue };
        let apart = gap.max(noise.get(key).copied().unwrap_or(0.0));
        let rows: Vec<&String> = olds.keys().filter(|r| news.contains_key(*r)).collect();
        for (i, x) in rows.iter().enumerate() {
            for y in &rows[i + 1..] {
                let (ox, oy, nx, ny) = (olds[*x].0, olds[*y].0, news[*x].0, news[*y].0);
                let far = |p: f64, q: f64| (p / q).ln().abs() > apart;
                if !(far(ox, oy) || far(nx, ny)) {
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
        beyond_noise: true,
    }
}
