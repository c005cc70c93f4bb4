//! What a sweep will run, decided before anything runs: one [`Group`] per
//! (workload, plan) — one table of the report — with a [`Slot`] per row and
//! each slot's [`Decision`]: run it, skip it (projected over the per-run
//! budget, with the projection), or report it unsupported (no TLS stack, a
//! protocol the client cannot be held to, a missing toolchain); and the
//! load generators that join the rows' rounds on a workload's first plan.

use std::time::Duration;

use fanout_core::workload::{Generator, Server};
use fanout_core::{Plan, Workload};

use crate::registry::RowSpec;

/// What becomes of one row's cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Measure it.
    Run,
    /// Not run on purpose: projected over the budget, or a row on a
    /// workload outside its [`fanout_core::row::Focus`].
    Skip {
        /// Why, in words, with the projection.
        reason: String,
        /// Projected wall of one run, seconds, when that is why.
        projected_s: Option<f64>,
    },
    /// The row cannot run this plan here.
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// One row's place in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// Index into the sweep's rows.
    pub row: usize,
    /// What becomes of it.
    pub decision: Decision,
}

/// One plan of one workload, with every row's slot.
#[derive(Debug, Clone)]
pub struct Group {
    /// The workload.
    pub workload: Workload,
    /// The plan's label (`N=1000`, `http2`, or the workload id).
    pub label: String,
    /// The plan.
    pub plan: Plan,
    /// One per row, in row order.
    pub slots: Vec<Slot>,
    /// The load generators that run beside the rows, in the same rounds:
    /// those the workload names and this machine has, on its first plan only.
    pub generators: Vec<Generator>,
}

impl Group {
    /// Makes every slot unsupported, for `why`, and drops the load
    /// generators: the plan cannot run here at all (a server started by
    /// hand that emulates another round trip).
    pub fn cannot_run(&mut self, why: &str) {
        for slot in &mut self.slots {
            slot.decision = Decision::Unsupported {
                reason: why.to_string(),
            };
        }
        self.generators.clear();
    }

    /// The slots that will run.
    pub fn runnable(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter(|s| s.decision == Decision::Run)
    }
}

/// Why a row that can have at most `cap` requests in flight skips `plan`
/// under a per-run `budget`, with the projection; `None` when it runs.
pub fn over_budget(plan: &Plan, cap: Option<u64>, budget: Duration) -> Option<(String, f64)> {
    let projected = plan.projection(cap);
    (projected > budget).then(|| {
        (
            format!(
                "projected {:.0} s per run ({} requests × {} ms{}, {} at a time) is over the {} s per-run budget",
                projected.as_secs_f64(),
                plan.requests,
                plan.delay.as_millis(),
                if plan.rtt.is_zero() {
                    String::new()
                } else {
                    format!(" and a {} ms round trip", plan.rtt.as_millis())
                },
                plan.in_flight_with(cap),
                budget.as_secs()
            ),
            projected.as_secs_f64(),
        )
    })
}

/// Every group of the sweep. `unavailable[i]` is why row `i` cannot run on
/// this machine at all, if it cannot; `generators` are the load generators
/// this sweep has; `url_plan` is the plan of a workload against the user's
/// server (`--url`), which has none of its own.
pub fn groups(
    rows: &[RowSpec],
    unavailable: &[Option<String>],
    generators: &[Generator],
    workloads: &[Workload],
    quick: bool,
    budget: Duration,
    url_plan: Option<&Plan>,
) -> Vec<Group> {
    let mut out = Vec::new();
    for w in workloads {
        let plans = match (w.server, url_plan) {
            (Server::Url, Some(p)) => vec![p.clone()],
            (Server::Url, None) => Vec::new(),
            _ if quick => w.quick_plans(),
            _ => w.plans(),
        };
        for (k, plan) in plans.into_iter().enumerate() {
            let beside: Vec<Generator> = w
                .generators
                .iter()
                .copied()
                .filter(|g| k == 0 && generators.contains(g))
                .collect();
            let slots = rows
                .iter()
                .zip(unavailable)
                .enumerate()
                .map(|(i, (row, missing))| {
                    let d = row.describe();
                    let decision = if let Some(why) = missing {
                        Decision::Unsupported {
                            reason: why.clone(),
                        }
                    } else if let Some(why) = d.unsupported(&plan) {
                        Decision::Unsupported { reason: why }
                    } else if !d.focus.covers(w) {
                        Decision::Skip {
                            reason: d.focus.why_not(),
                            projected_s: None,
                        }
                    } else if let Some((reason, projected_s)) =
                        over_budget(&plan, d.max_concurrency, budget)
                    {
                        Decision::Skip {
                            reason,
                            projected_s: Some(projected_s),
                        }
                    } else {
                        Decision::Run
                    };
                    Slot { row: i, decision }
                })
                .collect();
            out.push(Group {
                workload: *w,
                label: w.label(&plan),
                plan,
                slots,
                generators: beside,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n: u64, delay_ms: u64) -> Plan {
        Plan::new(n, Duration::from_millis(delay_ms))
    }

    #[test]
    fn the_sequential_row_skips_c10k_with_the_projection_and_runs_demo() {
        let budget = Duration::from_secs(30);
        let (reason, projected) =
            over_budget(&plan(10_000, 1_000), Some(1), budget).expect("skipped");
        assert_eq!(projected, 10_000.0);
        assert!(
            reason.contains("10000 s per run") && reason.contains("30 s"),
            "{reason}"
        );
        assert!(over_budget(&plan(5, 500), Some(1), budget).is_none());
        assert!(over_budget(&plan(10_000, 1_000), None, budget).is_none());
    }

    #[test]
    fn every_row_gets_a_slot_with_its_decision() {
        let rows =
            crate::registry::select(&["sequential-ureq".into(), "tokio-reqwest".into()]).unwrap();
        let h2 = Workload::get("h2").unwrap();
        let missing = vec![None, Some("nothing here".to_string())];
        let g = groups(
            &rows,
            &missing,
            &[Generator::Oha],
            &[h2],
            true,
            Duration::from_secs(15),
            None,
        );
        assert_eq!(g.len(), 2, "h2 has an HTTP/1.1 and an HTTP/2 plan");
        assert!(g.iter().all(|g| g.slots.len() == 2));
        let (http1, http2) = (&g[0], &g[1]);
        assert_eq!(http1.slots[0].decision, Decision::Run, "ureq, 100 × 100 ms");
        assert!(
            matches!(&http2.slots[0].decision, Decision::Unsupported { reason } if reason.contains("cannot be held to HTTP/2")),
            "{:?}",
            http2.slots[0]
        );
        for g in [http1, http2] {
            assert!(
                matches!(&g.slots[1].decision, Decision::Unsupported { reason } if reason == "nothing here")
            );
        }
        assert_eq!(
            (http1.generators.as_slice(), http2.generators.as_slice()),
            (&[Generator::Oha][..], &[][..]),
            "oha joins the first plan's rounds only"
        );
        let full = groups(
            &rows,
            &missing,
            &[],
            &[h2],
            false,
            Duration::from_secs(15),
            None,
        );
        assert!(
            full.iter().all(|g| g.generators.is_empty()),
            "none installed"
        );
        assert!(
            matches!(full[0].slots[0].decision, Decision::Skip { .. }),
            "1 000 × 100 ms one at a time"
        );
    }

    #[test]
    fn the_users_server_gets_the_plan_given_for_it() {
        let rows = crate::registry::select(&["tokio-reqwest".into()]).unwrap();
        let url = Workload::default_set();
        let url: Vec<Workload> = fanout_core::WORKLOADS
            .iter()
            .copied()
            .filter(|w| w.server == Server::Url && !url.contains(w))
            .collect();
        let budget = Duration::from_secs(15);
        let none = groups(&rows, &[None], &[], &url, false, budget, None);
        assert!(none.is_empty(), "no --url, no plan");
        let mine = Plan {
            concurrency: Some(3),
            ..Plan::new(7, Duration::ZERO)
        };
        let g = groups(&rows, &[None], &[], &url, true, budget, Some(&mine));
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].plan, mine, "as given, even with --quick");
        assert_eq!(g[0].slots[0].decision, Decision::Run);
    }
}
