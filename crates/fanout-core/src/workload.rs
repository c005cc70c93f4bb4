//! The named workload presets of DESIGN.md, defined once here and used by the
//! CLI, the criterion bench and the sweep.

use std::time::Duration;

use crate::plan::Plan;

/// A named preset: one or more plans (several for `scaling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Stable id, e.g. `latency`.
    pub id: &'static str,
    /// What the workload shows.
    pub shows: &'static str,
}

/// Every preset, in report order.
pub const WORKLOADS: [Workload; 7] = [
    Workload {
        id: "demo",
        shows: "the original asyncio demo: 5 × /delay/500ms with a 100 ms heartbeat",
    },
    Workload {
        id: "latency",
        shows: "latency-bound fan-out: 1 000 × 100 ms, unbounded; the floor is 100 ms",
    },
    Workload {
        id: "throughput",
        shows: "protocol and CPU cost per request: 20 000 × 0 ms, 64 at once, keep-alive, 1 KiB",
    },
    Workload {
        id: "c10k",
        shows: "scale: 10 000 × 1 s, unbounded; memory and time per in-flight request",
    },
    Workload {
        id: "payload",
        shows: "bandwidth: 200 × 1 MiB bodies, 16 at once",
    },
    Workload {
        id: "faults",
        shows: "error accounting: 2 000 × 10 ms, 64 at once, 1 s timeout; 2 % each of 503s, resets, truncated and slow bodies, 0.5 % stalls",
    },
    Workload {
        id: "scaling",
        shows: "how cost grows with N: N ∈ {1, 10, 100, 1 000, 10 000} × 50 ms, unbounded",
    },
];

/// The N values of `scaling`.
pub const SCALING_N: [u64; 5] = [1, 10, 100, 1_000, 10_000];

impl Workload {
    /// Looks a preset up by id.
    pub fn get(id: &str) -> Option<Workload> {
        WORKLOADS.iter().copied().find(|w| w.id == id)
    }

    /// The ids of every preset, comma-separated (for error messages).
    pub fn ids() -> String {
        WORKLOADS
            .iter()
            .map(|w| w.id)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The plans of the quick variant (`fanout sweep --quick`): N of 100 or
    /// more divided by 10, and `scaling` without its largest N.
    pub fn quick_plans(&self, target: &str) -> Vec<Plan> {
        let mut plans = self.plans(target);
        if self.id == "scaling" {
            plans.pop();
        } else {
            for p in plans.iter_mut().filter(|p| p.requests >= 100) {
                p.requests /= 10;
            }
        }
        plans
    }

    /// A short label for each plan: `N=1000` for `scaling`, else the workload id.
    pub fn label(&self, plan: &Plan) -> String {
        if self.id == "scaling" {
            format!("N={}", plan.requests)
        } else {
            self.id.to_string()
        }
    }

    /// The plans of this preset against `target`.
    pub fn plans(&self, target: &str) -> Vec<Plan> {
        let ms = Duration::from_millis;
        let base = |n, delay| Plan::new(target, n, delay);
        match self.id {
            "demo" => vec![Plan {
                heartbeat: ms(100),
                ..base(5, ms(500))
            }],
            "latency" => vec![base(1_000, ms(100))],
            "throughput" => vec![Plan {
                bytes: 1024,
                concurrency: Some(64),
                ..base(20_000, ms(0))
            }],
            "c10k" => vec![base(10_000, ms(1_000))],
            "payload" => vec![Plan {
                bytes: 1 << 20,
                concurrency: Some(16),
                ..base(200, ms(0))
            }],
            "faults" => vec![Plan {
                concurrency: Some(64),
                timeout: ms(1_000),
                faults: crate::Faults {
                    seed: 42,
                    error: 20,
                    reset: 20,
                    stall: 5,
                    truncate: 20,
                    slow: 20,
                },
                ..base(2_000, ms(10))
            }],
            "scaling" => SCALING_N.iter().map(|&n| base(n, ms(50))).collect(),
            other => unreachable!("workload {other} is in WORKLOADS but has no plans"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_valid_plans() {
        for w in WORKLOADS {
            let plans = w.plans("http://127.0.0.1:1");
            assert!(!plans.is_empty(), "{}", w.id);
            for p in plans {
                assert_eq!(p.validate(), Ok(()), "{}", w.id);
            }
        }
        assert_eq!(
            Workload::get("scaling").unwrap().plans("http://h:1").len(),
            SCALING_N.len()
        );
        assert!(Workload::get("nope").is_none());
        let faults = &Workload::get("faults").unwrap().plans("http://h:1")[0];
        assert!(!faults.faults.is_none() && faults.url(0).contains("&seed=42"));
        let quick = Workload::get("latency").unwrap().quick_plans("http://h:1");
        assert_eq!(quick[0].requests, 100);
        assert_eq!(
            Workload::get("scaling")
                .unwrap()
                .quick_plans("http://h:1")
                .len(),
            SCALING_N.len() - 1
        );
    }
}
