//! The named workload presets, defined once here, each with everything that
//! is special about it: its plans, its quick variant, how its plans are
//! labelled, which load generators run beside the rows, what the criterion
//! bench runs of it, its headline and its charts. The CLI, the criterion
//! bench, the sweep and the report read these fields; none of them matches a
//! workload id.

mod aspects;

use std::time::Duration;

pub use self::aspects::{
    Chart, Criterion, Generator, Headline, Label, Metric, Quick, Scenario, Server,
};
use crate::faults::Faults;
use crate::plan::{Format, Plan, Protocol};
use crate::target::Echo;

/// A named preset: one or more plans and how the harness treats them.
/// Two workloads are equal when their ids are.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Stable id, e.g. `latency`.
    pub id: &'static str,
    /// What the workload shows, in one sentence with its numbers.
    pub shows: &'static str,
    /// The scenario it stands for, in a user's words ("many slow calls at
    /// once, cold"), and the figure that decides which row serves it best:
    /// one line of the report's verdict.
    pub scenario: Scenario,
    plans: fn() -> Vec<Plan>,
    /// How `--quick` shrinks it.
    pub quick: Quick,
    /// How its plans are told apart in tables.
    pub label: Label,
    /// The load generators that run its first plan beside the rows.
    pub generators: &'static [Generator],
    /// What the criterion bench runs of it.
    pub criterion: Criterion,
    /// The README sentence it gets, if any.
    pub headline: Option<Headline>,
    /// The charts drawn from it.
    pub charts: &'static [Chart],
    /// Its table is the one in the project README's results block.
    pub in_readme: bool,
    /// The sweep measures the harness's own overhead on it (the driver
    /// against a bare loop of the same client).
    pub overhead: bool,
    /// The idiom rows ([`crate::row::Focus::Idioms`]) run on it: the
    /// workloads where the loop can matter — latency-bound, CPU-bound,
    /// memory-bound and the real API call. Elsewhere their cells say so.
    pub idioms: bool,
    /// The server its plans run against: the project's own, a local
    /// httpbin, or the user's (`--url`).
    pub server: Server,
    /// At most this many measured repeats per cell, whatever the sweep's
    /// `--repeats` (a workload whose every run costs seconds); `None`: the
    /// sweep's.
    pub max_repeats: Option<u32>,
    /// The id of its loopback twin: the workload whose plans these are, at
    /// an emulated network round trip ([`Plan::rtt`]). Read it with
    /// [`Workload::twin`].
    twin: Option<&'static str>,
    /// Every plan at this round trip instead of its own ([`Workload::at_rtt`]).
    rtt: Option<Duration>,
}

impl PartialEq for Workload {
    fn eq(&self, other: &Workload) -> bool {
        self.id == other.id
    }
}

impl Eq for Workload {}

/// The N values of `scaling` (10 000 at once is `c10k`'s; at 50 ms here it
/// would cost the sweep minutes more to say the same).
pub const SCALING_N: [u64; 3] = [1, 100, 1_000];

const fn preset(
    id: &'static str,
    shows: &'static str,
    scenario: (&'static str, Metric),
    plans: fn() -> Vec<Plan>,
) -> Workload {
    Workload {
        id,
        shows,
        scenario: Scenario {
            says: scenario.0,
            decided_by: scenario.1,
        },
        plans,
        quick: Quick::TenthOfN,
        label: Label::Id,
        generators: &[],
        criterion: Criterion::Skip,
        headline: None,
        charts: &[],
        in_readme: false,
        overhead: false,
        idioms: false,
        server: Server::Own,
        max_repeats: None,
        twin: None,
        rtt: None,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The round trip of the WAN workloads: a call to an API in a neighbouring
/// region (Frankfurt–London, US East–US Central).
pub const WAN_RTT: Duration = Duration::from_millis(25);

/// `plans` at the [`WAN_RTT`], each with at most `requests` requests.
fn wan(plans: Vec<Plan>, requests: u64) -> Vec<Plan> {
    plans
        .into_iter()
        .map(|p| Plan {
            rtt: WAN_RTT,
            requests: p.requests.min(requests),
            ..p
        })
        .collect()
}

/// `api`'s plan.
fn api() -> Vec<Plan> {
    vec![Plan {
        bytes: 2048,
        format: Format::Json,
        tls: true,
        concurrency: Some(100),
        ..Plan::new(1_000, ms(20))
    }]
}

/// `h2`'s plans: HTTP/1.1, then HTTP/2.
fn h2() -> Vec<Plan> {
    [Protocol::Http1, Protocol::Http2]
        .into_iter()
        .map(|protocol| Plan {
            tls: true,
            protocol,
            ..Plan::new(1_000, ms(100))
        })
        .collect()
}

/// Every preset, in report order.
pub const WORKLOADS: [Workload; 15] = [
    Workload {
        headline: Some(Headline::Demo),
        charts: &[Chart::Heartbeat],
        ..preset(
            "demo",
            "the original asyncio demo: 5 × /delay/500ms with a 100 ms heartbeat",
            (
                "the tutorial's demo: a few slow calls at once while a ticker keeps time",
                Metric::Wall,
            ),
            || {
                vec![Plan {
                    heartbeat: ms(100),
                    ..Plan::new(5, ms(500))
                }]
            },
        )
    },
    Workload {
        generators: &[Generator::Oha],
        criterion: Criterion::Plans,
        headline: Some(Headline::Fastest),
        in_readme: true,
        overhead: true,
        idioms: true,
        ..preset(
            "latency",
            "latency-bound fan-out: 1 000 × 100 ms, unbounded; the floor is 100 ms",
            ("many slow calls at once, cold", Metric::Wall),
            || vec![Plan::new(1_000, ms(100))],
        )
    },
    Workload {
        generators: &[Generator::Wrk, Generator::Oha],
        headline: Some(Headline::Rate),
        charts: &[Chart::Rate, Chart::CpuPerRequest],
        idioms: true,
        ..preset(
            "throughput",
            "protocol and CPU cost per request: 10 000 × 0 ms, 64 at once, keep-alive, 1 KiB",
            (
                "a steady stream to one API, CPU-bound",
                Metric::CpuPerRequest,
            ),
            || {
                vec![Plan {
                    bytes: 1024,
                    concurrency: Some(64),
                    ..Plan::new(10_000, ms(0))
                }]
            },
        )
    },
    Workload {
        generators: &[Generator::Oha],
        headline: Some(Headline::MemoryPerInFlight),
        charts: &[Chart::MemoryPerInFlight],
        overhead: true,
        idioms: true,
        // Two seconds a run and peak RSS steady between runs: the warm-up
        // and two measured repeats (the budget of `cargo bench`).
        max_repeats: Some(2),
        ..preset(
            "c10k",
            "scale: 10 000 × 1 s, unbounded; memory and time per in-flight request; two measured repeats after the warm-up (the budget of `cargo bench`)",
            ("10 000 calls in flight", Metric::MemoryPerInFlight),
            || vec![Plan::new(10_000, ms(1_000))],
        )
    },
    Workload {
        ..preset(
            "payload",
            "bandwidth: 200 × 1 MiB bodies, 16 at once",
            ("large downloads, 16 at once", Metric::Wall),
            || {
                vec![Plan {
                    bytes: 1 << 20,
                    concurrency: Some(16),
                    ..Plan::new(200, ms(0))
                }]
            },
        )
    },
    Workload {
        // Exact counts, not speed: the warm-up and one measured repeat.
        max_repeats: Some(1),
        ..preset(
            "faults",
            "error accounting: 500 × 10 ms, 64 at once, 500 ms timeout; 2 % each of 503s, resets, truncated, slow and corrupted bodies, 0.5 % stalls; the counts are exact in every run, so one measured repeat after the warm-up (the budget of `cargo bench`)",
            (
                "a flaky API: errors, resets and stalls, every one counted",
                Metric::Wall,
            ),
            || {
                vec![Plan {
                    concurrency: Some(64),
                    timeout: ms(500),
                    faults: Faults {
                        seed: 42,
                        error: 20,
                        reset: 20,
                        stall: 5,
                        truncate: 20,
                        slow: 20,
                        corrupt: 20,
                    },
                    ..Plan::new(500, ms(10))
                }]
            },
        )
    },
    Workload {
        quick: Quick::DropLargest,
        label: Label::ByN,
        headline: Some(Headline::LargestN),
        charts: &[Chart::WallByN],
        ..preset(
            "scaling",
            "how cost grows with N: N ∈ {1, 100, 1 000} × 50 ms, unbounded (10 000 at once is `c10k`)",
            ("from one call to a thousand at once", Metric::Wall),
            || SCALING_N.iter().map(|&n| Plan::new(n, ms(50))).collect(),
        )
    },
    Workload {
        generators: &[Generator::Oha],
        criterion: Criterion::Plans,
        headline: Some(Headline::Fastest),
        idioms: true,
        ..preset(
            "api",
            "the real API call: HTTPS with a verified certificate, ~2 KiB JSON documents decoded by each client's JSON API, keep-alive, 100 at once (aiohttp's default connector limit), 1 000 × 20 ms, the client's default protocol; the floor is 200 ms",
            ("an HTTPS JSON API, 100 at once", Metric::Wall),
            api,
        )
    },
    Workload {
        generators: &[Generator::Oha],
        headline: Some(Headline::CpuPerRequest),
        charts: &[Chart::CpuPerRequest],
        ..preset(
            "tls-handshake",
            "a full TLS handshake per request: HTTPS over HTTP/1.1, keep-alive off, 1 000 × 0 ms, 16 at once; client CPU per handshake, and whether the client resumed sessions",
            ("a new TLS connection per call", Metric::CpuPerHandshake),
            || {
                vec![Plan {
                    tls: true,
                    keep_alive: false,
                    protocol: Protocol::Http1,
                    concurrency: Some(16),
                    ..Plan::new(1_000, ms(0))
                }]
            },
        )
    },
    Workload {
        headline: Some(Headline::CpuPerRequest),
        charts: &[Chart::CpuPerRequest],
        ..preset(
            "json",
            "decode cost: ~16 KiB JSON documents over plain HTTP (no TLS cost in the way), keep-alive, 2 000 × 0 ms, 64 at once; client CPU per decoded document",
            ("large JSON documents, decoded", Metric::CpuPerRequest),
            || {
                vec![Plan {
                    bytes: 16 * 1024,
                    format: Format::Json,
                    concurrency: Some(64),
                    ..Plan::new(2_000, ms(0))
                }]
            },
        )
    },
    Workload {
        label: Label::ByProtocol,
        quick: Quick::TenthOfN,
        generators: &[Generator::Oha],
        headline: Some(Headline::Protocols),
        charts: &[Chart::Protocols],
        ..preset(
            "h2",
            "HTTP/2 at the streams cap: HTTPS, 1 000 × 100 ms, unbounded, against the server's 100 concurrent streams per connection; HTTP/2 forced beside HTTP/1.1 (one connection at the cap takes ten rounds, 1 s; the floor is 100 ms)",
            ("an HTTP/2 API, many calls at once", Metric::Wall),
            h2,
        )
    },
    Workload {
        twin: Some("api"),
        ..preset(
            "api-wan",
            "`api` across a WAN: the same HTTPS JSON calls, 100 at once, over an emulated 25 ms round trip, 500 × 20 ms; connection set-up (TCP and TLS, 2 round trips) and a round trip per call now count, and the floor counts them",
            (
                "an HTTPS JSON API in another region, 100 at once",
                Metric::Wall,
            ),
            || wan(api(), 500),
        )
    },
    Workload {
        twin: Some("h2"),
        label: Label::ByProtocol,
        ..preset(
            "h2-wan",
            "`h2` across a WAN: HTTPS, 300 × 100 ms, unbounded, over an emulated 25 ms round trip; HTTP/1.1 opens a connection per call (3 round trips each, side by side), HTTP/2 one connection at the server's 100 streams (three rounds of a round trip and the delay); the floor counts the round trips of one round and the set-up",
            ("an HTTP/2 API across a WAN", Metric::Wall),
            || wan(h2(), 300),
        )
    },
    Workload {
        server: Server::Httpbin {
            path: HTTPBIN_PATH,
            echo: Echo::Args,
        },
        charts: &[Chart::Heartbeat],
        // A run costs a second at least, five for the sequential rows:
        // the warm-up and one measured repeat (see the budget in the README).
        max_repeats: Some(1),
        quick: Quick::Keep,
        ..preset(
            "httpbin",
            "the tutorials' own call against their own service: 5 × GET /delay/1?i={i} at once to a local httpbin (the PyPI package under gunicorn), JSON decoded by each client's JSON API, a 100 ms heartbeat; httpbin echoes each query, so every body is verified; the floor is 1 s, a loop takes 5 s; a run costs a second at least, so each cell has one measured repeat after its warm-up (the budget of `cargo bench`)",
            (
                "the tutorials' call: a few httpbin /delay/1 at once while a ticker keeps time",
                Metric::Wall,
            ),
            || {
                vec![Plan {
                    format: Format::Json,
                    heartbeat: ms(100),
                    ..Plan::new(5, ms(1_000))
                }]
            },
        )
    },
    Workload {
        server: Server::Url,
        quick: Quick::Keep,
        ..preset(
            "url",
            "your own API: the `--url` template, `{i}` each request's index, 100 requests, 10 at once (`-n`, `-c`, `--format` change them); a 2xx and, for JSON, a body the client's JSON API decodes are checked, the content is not",
            ("your own API, through every row", Metric::Wall),
            || {
                vec![Plan {
                    concurrency: Some(10),
                    ..Plan::new(100, Duration::ZERO)
                }]
            },
        )
    },
];

/// The `httpbin` workload's request: the tutorials' `/delay/1`, its index
/// in the query for httpbin to echo.
pub const HTTPBIN_PATH: &str = "/delay/1?i={i}";

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

    /// The presets a sweep runs when none are named: all but the ones that
    /// need the user's `--url`.
    pub fn default_set() -> Vec<Workload> {
        WORKLOADS
            .iter()
            .copied()
            .filter(|w| w.server != Server::Url)
            .collect()
    }

    /// The workload whose table the project README shows.
    pub fn readme() -> Option<Workload> {
        WORKLOADS.iter().copied().find(|w| w.in_readme)
    }

    /// The plans of this preset (at the round trip [`Workload::at_rtt`]
    /// set, if it was).
    pub fn plans(&self) -> Vec<Plan> {
        let mut plans = (self.plans)();
        if let Some(rtt) = self.rtt {
            for p in &mut plans {
                p.rtt = rtt;
            }
        }
        plans
    }

    /// The same preset with every plan at round trip `rtt` (`fanout sweep
    /// --rtt`); the WAN workloads' own round trip is replaced too.
    pub fn at_rtt(self, rtt: Duration) -> Workload {
        Workload {
            rtt: Some(rtt),
            ..self
        }
    }

    /// The plans of the quick variant (`fanout sweep --quick`).
    pub fn quick_plans(&self) -> Vec<Plan> {
        let mut plans = self.plans();
        match self.quick {
            Quick::DropLargest => {
                plans.pop();
            }
            Quick::TenthOfN => {
                for p in plans.iter_mut().filter(|p| p.requests >= 100) {
                    p.requests /= 10;
                }
            }
            Quick::Keep => {}
        }
        plans
    }

    /// The plans the criterion bench runs.
    pub fn criterion_plans(&self) -> Vec<Plan> {
        match self.criterion {
            Criterion::Skip => Vec::new(),
            Criterion::Plans => self.plans(),
            Criterion::QuickPlans => self.quick_plans(),
            Criterion::OnlyN(ns) => self
                .plans()
                .into_iter()
                .filter(|p| ns.contains(&p.requests))
                .collect(),
        }
    }

    /// Its loopback twin, when it is a workload at an emulated round trip:
    /// the same calls on loopback, whose rankings the report compares.
    pub fn twin(&self) -> Option<Workload> {
        self.twin.and_then(Workload::get)
    }

    /// Whether its own plans run over an emulated network round trip
    /// (whatever [`Workload::at_rtt`] set).
    pub fn over_wan(&self) -> bool {
        (self.plans)().iter().any(|p| !p.rtt.is_zero())
    }

    /// A short label for one of its plans: the workload id, `N=1000`, or the
    /// protocol.
    pub fn label(&self, plan: &Plan) -> String {
        match self.label {
            Label::Id => self.id.to_string(),
            Label::ByN => format!("N={}", plan.requests),
            Label::ByProtocol => plan.protocol.as_str().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_valid_plans_and_distinct_labels() {
        for w in WORKLOADS {
            for plans in [w.plans(), w.quick_plans()] {
                assert!(!plans.is_empty(), "{}", w.id);
                for p in &plans {
                    assert_eq!(p.validate(), Ok(()), "{}", w.id);
                }
                let mut labels: Vec<_> = plans.iter().map(|p| w.label(p)).collect();
                labels.dedup();
                assert_eq!(labels.len(), plans.len(), "{}: labels repeat", w.id);
            }
        }
        for w in WORKLOADS {
            let says = w.scenario.says;
            assert!(
                !says.is_empty() && !says.ends_with('.') && !says.starts_with(char::is_uppercase),
                "{}: a scenario is a lowercase phrase without a final period: {says:?}",
                w.id
            );
        }
        let ids: std::collections::BTreeSet<_> = WORKLOADS.iter().map(|w| w.id).collect();
        assert_eq!(ids.len(), WORKLOADS.len(), "duplicate workload ids");
        assert_eq!(
            WORKLOADS.iter().filter(|w| w.in_readme).count(),
            1,
            "exactly one workload's table is in the README"
        );
    }

    #[test]
    fn foreign_server_workloads_declare_what_they_can() {
        let httpbin = Workload::get("httpbin").unwrap();
        let Server::Httpbin { path, echo } = httpbin.server else {
            panic!("httpbin runs against httpbin");
        };
        let plan = &httpbin.plans()[0];
        // The path asks httpbin for the delay the plan's floor counts.
        let secs = path["/delay/".len()..].split('?').next().unwrap();
        assert_eq!(Duration::from_secs(secs.parse().unwrap()), plan.delay);
        assert_eq!(echo, Echo::Args);
        let target = crate::Target::foreign(&format!("http://127.0.0.1:1{path}"))
            .unwrap()
            .echoing(echo);
        assert_eq!(target.check(plan), Ok(()));
        assert_eq!(plan.url(&target, 3), "http://127.0.0.1:1/delay/1?i=3");
        for w in WORKLOADS.iter().filter(|w| w.server != Server::Own) {
            assert!(
                w.generators.is_empty() && w.criterion == Criterion::Skip && !w.overhead,
                "{}: load generators, criterion and the overhead run against the project's server",
                w.id
            );
            assert!(w.plans().iter().all(|p| p.faults.is_none()), "{}", w.id);
        }
        let default: Vec<_> = Workload::default_set().iter().map(|w| w.id).collect();
        assert!(default.contains(&"httpbin") && !default.contains(&"url"));
        assert_eq!(default.len(), WORKLOADS.len() - 1);
    }

    #[test]
    fn wan_workloads_are_their_twins_over_a_round_trip() {
        let wan: Vec<_> = WORKLOADS.iter().filter(|w| w.over_wan()).collect();
        assert_eq!(wan.len(), 2);
        for w in wan {
            let twin = w
                .twin()
                .unwrap_or_else(|| panic!("{} names its twin", w.id));
            assert!(!twin.over_wan() && twin.twin().is_none(), "{}", w.id);
            let (plans, twins) = (w.plans(), twin.plans());
            assert_eq!(plans.len(), twins.len(), "{}", w.id);
            for (p, t) in plans.iter().zip(&twins) {
                assert_eq!(p.rtt, WAN_RTT);
                assert!(p.requests <= t.requests);
                let same = Plan {
                    rtt: t.rtt,
                    requests: t.requests,
                    ..p.clone()
                };
                assert_eq!(&same, t, "{}: only N and the round trip differ", w.id);
                if w.label != Label::Id {
                    assert_eq!(w.label(p), twin.label(t), "tables line up");
                }
            }
            // Its server emulates the round trip: no load generator against
            // a loopback server, no criterion run on the shared one.
            assert!(w.generators.is_empty() && w.criterion == Criterion::Skip);
        }
        assert!(
            WORKLOADS
                .iter()
                .filter(|w| !w.over_wan())
                .all(|w| w.twin().is_none())
        );
        let api = Workload::get("api").unwrap().at_rtt(ms(40));
        assert!(
            api.plans()
                .iter()
                .chain(&api.quick_plans())
                .all(|p| p.rtt == ms(40))
        );
        assert!(!api.over_wan());
    }

    #[test]
    fn presets_shrink_and_select_as_declared() {
        let scaling = Workload::get("scaling").unwrap();
        assert_eq!(scaling.plans().len(), SCALING_N.len());
        assert_eq!(scaling.quick_plans().len(), SCALING_N.len() - 1);
        assert!(scaling.criterion_plans().is_empty());
        assert_eq!(Workload::get("api").unwrap().criterion_plans().len(), 1);
        assert_eq!(Workload::get("faults").unwrap().plans()[0].requests, 500);
        let latency = Workload::get("latency").unwrap();
        assert_eq!(latency.quick_plans()[0].requests, 100);
        assert!(Workload::get("nope").is_none());
        let faults = &Workload::get("faults").unwrap().plans()[0];
        assert!(!faults.faults.is_none() && faults.path(0).contains("&seed=42"));
        let h2 = Workload::get("h2").unwrap();
        let labels: Vec<_> = h2.plans().iter().map(|p| h2.label(p)).collect();
        assert_eq!(labels, ["http1", "http2"]);
    }
}
