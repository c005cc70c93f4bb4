//! The types of what a [`Workload`](super::Workload) says beyond its plans:
//! the [`Scenario`] it stands for and the [`Metric`] that decides it, how
//! `--quick` shrinks it ([`Quick`]), how its plans are labelled ([`Label`]),
//! the load [`Generator`]s beside the rows, what the [`Criterion`] bench runs,
//! its [`Headline`] and its [`Chart`]s; and the server its plans run
//! against ([`Server`]).

use crate::target::Echo;

/// The server a workload's plans run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The project's own server (`fanout serve`), a child per cell: every
    /// body verified by core's rule, its counters read.
    Own,
    /// A local httpbin — the PyPI package, in the project's Python
    /// environment, under gunicorn — that the harness starts for the
    /// workload: request `i` asks for `path` with `{i}` replaced, and its
    /// answers are checked for `echo`. A foreign server: the plan's delay is
    /// what `path` is known to take (the floor), never sent.
    Httpbin {
        /// The path and query template, e.g. `/delay/1?i={i}`.
        path: &'static str,
        /// What httpbin echoes of each request, checked.
        echo: Echo,
    },
    /// The user's own server, given with `--url`: the workload runs only
    /// then, and nothing of it but status and decoding is checked.
    Url,
}

/// The scenario a workload stands for in the verdict: a user's situation
/// and the one figure that decides it, read on the workload's last plan
/// (the largest N of `scaling`, the HTTP/2 plan of `h2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// The situation, in a user's words, lowercase, no final period.
    pub says: &'static str,
    /// The figure that decides it.
    pub decided_by: Metric,
}

/// The figure that decides a scenario; less is better for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Wall time of the whole fan-out (median of repeats).
    Wall,
    /// Client CPU (user + system) per request.
    CpuPerRequest,
    /// Client CPU per request where each request is a new TLS connection:
    /// CPU per handshake.
    CpuPerHandshake,
    /// Client peak RSS above its idle RSS, per request in flight.
    MemoryPerInFlight,
}

impl Metric {
    /// The name a reader sees, e.g. `wall time`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Wall => "wall time",
            Metric::CpuPerRequest => "CPU per request",
            Metric::CpuPerHandshake => "CPU per handshake",
            Metric::MemoryPerInFlight => "memory per in-flight request",
        }
    }
}

/// How `--quick` shrinks a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quick {
    /// Every plan of 100 requests or more gets N / 10.
    TenthOfN,
    /// The last (largest) plan is dropped; the others are kept.
    DropLargest,
    /// Kept as it is (already a few requests, or the user's own numbers).
    Keep,
}

/// How a workload's plans are labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// One plan: the workload id.
    Id,
    /// By N: `N=1000`.
    ByN,
    /// By protocol: `http1`, `http2`.
    ByProtocol,
}

/// A load generator that can run a plan's URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// `wrk` for a fixed time with the plan's bound as connections: the
    /// practical ceiling of requests per second.
    Wrk,
    /// `oha -n N -c C` on the plan's own N and bound (`--http2` on HTTP/2 plans).
    Oha,
}

/// What the criterion bench runs of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// Nothing: the sweep's alone (too slow, or meaningful only with the
    /// sweep's per-process figures).
    Skip,
    /// Every plan.
    Plans,
    /// The quick variant's plans.
    QuickPlans,
    /// The plans with these N.
    OnlyN(&'static [u64]),
}

/// The sentence a workload gets among the README's headlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    /// The original demo: the sequential row against the fastest, with the
    /// heartbeat; and the reference rows' figures.
    Demo,
    /// The fastest row against the floor and the sequential row.
    Fastest,
    /// The fastest row at the largest N.
    LargestN,
    /// The highest request rate against the load generators, with CPU per request.
    Rate,
    /// The least client memory per in-flight request.
    MemoryPerInFlight,
    /// The least client CPU per request (a handshake, a decoded document).
    CpuPerRequest,
    /// HTTP/2 against HTTP/1.1, per row: wall and connections.
    Protocols,
}

/// A chart drawn from a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Wall time against N, log-log, a line per row (`scaling`).
    WallByN,
    /// Client memory per in-flight request, a bar per row.
    MemoryPerInFlight,
    /// Heartbeat lateness, a bar per row.
    Heartbeat,
    /// Requests per second, a bar per row, with the load generators.
    Rate,
    /// Client CPU per request, a bar per row.
    CpuPerRequest,
    /// Wall time per row, HTTP/1.1 beside HTTP/2.
    Protocols,
}
