//! Applies the [`RULES`] to the report's tables: every pair (or group) a
//! rule names, on every plan it looks at, on the first result set's host,
//! judged by the tie rule — a [`Finding`] only where the two sides' min–max
//! ranges do not overlap and the pitfall's side is the worse one, by at
//! least [`MATERIAL`]. Rows with
//! requests that failed beyond the injected faults are left out.

use fanout_core::Metric;

use crate::figures::metric;
use crate::model::{Entry, Report, Table};
use crate::pitfalls::rules::{Judge, MATERIAL, Pair, Plans, RULES, Rule};
use crate::protocols::protocol_pair;
use crate::ties::Spread;
use crate::verdict::{Standing, host};

/// A pitfall found in the figures.
pub(crate) struct Finding<'r> {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// The figure it was judged by.
    pub metric: Metric,
    /// The pitfall's side.
    pub bad: Side<'r>,
    /// The fix's side.
    pub good: Side<'r>,
}

/// One side of a finding: one row, or a group of rows, on one plan.
pub(crate) struct Side<'r> {
    /// The rows with their figures, the best first.
    pub rows: Vec<Standing<'r>>,
    /// The plan they ran.
    pub table: &'r Table<'r>,
}

impl Side<'_> {
    /// The best row's figure.
    pub fn best(&self) -> Spread {
        self.rows[0].1
    }

    /// The best row.
    pub fn entry(&self) -> &Entry<'_> {
        self.rows[0].0
    }
}

impl Finding<'_> {
    /// The pitfall's figure over the fix's (medians).
    pub fn ratio(&self) -> f64 {
        self.bad.best().median / self.good.best().median
    }
}

/// Every finding of every rule, in rule order; a pair an earlier rule
/// found is not repeated.
pub(crate) fn findings<'r>(r: &'r Report<'r>) -> Vec<Finding<'r>> {
    let mut out: Vec<Finding<'_>> = Vec::new();
    for rule in &RULES {
        for f in find(r, rule) {
            if !out.iter().any(|o| same(o, &f)) {
                out.push(f);
            }
        }
    }
    out
}

fn key<'s>(s: &'s Side<'_>) -> (Vec<&'s str>, &'s str, &'s str) {
    (
        s.rows.iter().map(|(e, _)| e.row.id.as_str()).collect(),
        s.table.workload_id.as_str(),
        s.table.label.as_str(),
    )
}

fn same(a: &Finding<'_>, b: &Finding<'_>) -> bool {
    key(&a.bad) == key(&b.bad) && key(&a.good) == key(&b.good)
}

/// The plans a rule looks at.
fn plans<'r>(r: &'r Report<'r>, p: Plans) -> Vec<&'r Table<'r>> {
    match p {
        Plans::Any => r.tables.iter().collect(),
        Plans::Unbounded => r
            .tables
            .iter()
            .filter(|t| t.plan.concurrency.is_none())
            .collect(),
        Plans::NewTlsConnectionEach => r
            .tables
            .iter()
            .filter(|t| t.plan.tls && !t.plan.keep_alive)
            .collect(),
        Plans::Http2OfPair => r
            .workloads()
            .into_iter()
            .filter_map(|(_, _, ts)| protocol_pair(&ts).map(|(_, h2)| h2))
            .collect(),
    }
}

/// An entry's figure on `m`, when it was measured without failed requests.
fn figure<'r>(e: &'r Entry<'r>, m: Metric) -> Option<Standing<'r>> {
    let f = e.figures.as_ref().filter(|f| f.d.failed == 0)?;
    Some((e, metric(f, m)?))
}

/// `bad` is worse than `good` beyond noise and by at least [`MATERIAL`]
/// (less is better on every metric).
fn worse(bad: Spread, good: Spread) -> bool {
    !bad.overlaps(&good) && bad.median >= good.median * MATERIAL
}

fn one<'r>(s: Standing<'r>, table: &'r Table<'r>) -> Side<'r> {
    Side {
        rows: vec![s],
        table,
    }
}

/// What one rule finds.
fn find<'r>(r: &'r Report<'r>, rule: &'static Rule) -> Vec<Finding<'r>> {
    let host = host(r);
    let mut out = Vec::new();
    for t in plans(r, rule.plans) {
        let m = match rule.judge {
            Judge::Metric(m) => m,
            Judge::Scenario => match t.workload {
                Some(w) => w.scenario.decided_by,
                None => continue,
            },
        };
        let entries: Vec<&Entry<'_>> = t.of_host(host).collect();
        let row = |id: &str| entries.iter().copied().find(|e| e.row.id == id);
        let mut push = |bad: Side<'r>, good: Side<'r>| {
            if worse(bad.best(), good.best()) {
                out.push(Finding {
                    rule,
                    metric: m,
                    bad,
                    good,
                });
            }
        };
        match rule.pair {
            Pair::Protocols => {
                let Some(h1) = r.workloads().into_iter().find_map(|(id, _, ts)| {
                    (id == t.workload_id)
                        .then(|| protocol_pair(&ts).map(|(h1, _)| h1))
                        .flatten()
                }) else {
                    continue;
                };
                for e2 in &entries {
                    let Some(over_h2) = figure(e2, m) else {
                        continue;
                    };
                    let e1 = h1.of_host(host).find(|e| e.row.id == e2.row.id);
                    let Some(over_h1) = e1.and_then(|e| figure(e, m)) else {
                        continue;
                    };
                    // Queued at the cap: the connections the HTTP/2 plan ran
                    // over could not hold every request in flight at once.
                    let queued = e2.figures.as_ref().is_some_and(|f| {
                        f.d.connections * f.d.max_streams < t.plan.max_in_flight() as f64
                    });
                    if !queued || !worse(over_h2.1, over_h1.1) {
                        continue;
                    }
                    push(one(over_h2, t), one(over_h1, h1));
                    let tuned = entries.iter().filter(|v| {
                        v.row.tuned.is_some() && v.row.variant_of.as_deref() == Some(&e2.row.id)
                    });
                    for v in tuned {
                        if let Some(fix) = figure(v, m) {
                            push(one(over_h2, t), one(fix, t));
                        }
                    }
                }
            }
            Pair::Tuned | Pair::Idiom(_) => {
                for v in &entries {
                    let base = v.row.variant_of.as_deref().and_then(&row);
                    let (Some(vs), Some(bs)) = (figure(v, m), base.and_then(|b| figure(b, m)))
                    else {
                        continue;
                    };
                    match rule.pair {
                        Pair::Tuned if v.row.tuned.is_some() => push(one(bs, t), one(vs, t)),
                        Pair::Idiom(idioms)
                            if v.row.tuned.is_none() && idioms.contains(&v.row.idiom) =>
                        {
                            push(one(vs, t), one(bs, t));
                        }
                        _ => {}
                    }
                }
            }
            Pair::Resumption => {
                let mut never = Vec::new();
                let mut resumed = Vec::new();
                for s in entries.iter().filter_map(|e| figure(e, m)) {
                    if s.0.figures.as_ref().is_some_and(|f| f.d.resumed > 0.0) {
                        resumed.push(s);
                    } else {
                        never.push(s);
                    }
                }
                for g in [&mut never, &mut resumed] {
                    g.sort_by(|a, b| a.1.median.total_cmp(&b.1.median));
                }
                if !never.is_empty() && !resumed.is_empty() {
                    push(
                        Side {
                            rows: never,
                            table: t,
                        },
                        Side {
                            rows: resumed,
                            table: t,
                        },
                    );
                }
            }
        }
    }
    out
}
