//! [`Derived`]: the figures the report shows for one cell, computed from its
//! repeats — medians, with min–max where a spread is shown — and the
//! requests that failed beyond the faults the plan injected.

use fanout_core::Protocol;

use crate::injected::{beyond, injected_errors};
use crate::model::{Cell, Repeat};

/// Figures derived from one cell's repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derived {
    /// Median wall time, ms.
    pub wall_ms: f64,
    /// Fastest repeat, ms.
    pub wall_min_ms: f64,
    /// Slowest repeat, ms.
    pub wall_max_ms: f64,
    /// Requests per second at the median wall.
    pub req_per_s: f64,
    /// Median latency p50, ms.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest latency.
    pub max_ms: f64,
    /// Median CPU (user + sys) per request, µs.
    pub cpu_us_per_req: f64,
    /// Median peak RSS, KiB.
    pub peak_rss_kib: f64,
    /// Median heartbeat p99 lateness, ms.
    pub hb_p99_ms: f64,
    /// Median heartbeat max lateness, ms.
    pub hb_max_ms: f64,
    /// Median peak thread count of the client.
    pub threads: f64,
    /// Median server peak in-flight.
    pub peak_in_flight: f64,
    /// Median connections the client opened.
    pub connections: f64,
    /// Median TLS handshakes the server completed.
    pub handshakes: f64,
    /// Median of those resumed.
    pub resumed: f64,
    /// The protocol the server answered every request with, when it was one
    /// protocol in every repeat; `None` when mixed or nothing was answered.
    pub protocol_used: Option<Protocol>,
    /// Median of the most requests open at once on one connection.
    pub max_streams: f64,
    /// Failed requests summed over all repeats.
    pub errors: u64,
    /// Of those, the ones beyond what the plan's injected faults account
    /// for ([`crate::injected_errors`]), summed over all repeats: on a plan
    /// without faults, every failed request. A cell with any cannot be the
    /// best of a scenario.
    pub failed: u64,
    /// Requests summed over all repeats.
    pub requests: u64,
    /// Wall as a multiple of the plan's floor (`None` when the delay is 0).
    pub floor_multiple: Option<f64>,
}

/// The median of a list (mean of the middle two for even lengths; 0 when empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The protocol of one repeat: all requests over HTTP/1.1, or all over HTTP/2.
fn protocol_of(r: &Repeat) -> Option<Protocol> {
    let (h1, h2) = (r.server.http1.requests, r.server.http2.requests);
    match (h1, h2) {
        (0, 0) => None,
        (_, 0) => Some(Protocol::Http1),
        (0, _) => Some(Protocol::Http2),
        _ => None,
    }
}

impl Cell {
    /// Medians and spreads over the repeats; `None` when the cell did not run.
    pub fn derived(&self) -> Option<Derived> {
        let reps = self.repeats()?;
        let med = |f: &dyn Fn(&Repeat) -> f64| median(reps.iter().map(f).collect());
        let walls: Vec<f64> = reps.iter().map(|r| r.summary.wall_ms).collect();
        let wall_ms = median(walls.clone());
        let floor_ms = self.plan.floor().as_secs_f64() * 1e3;
        let protocols: Vec<_> = reps.iter().map(protocol_of).collect();
        let injected = injected_errors(&self.plan);
        Some(Derived {
            wall_ms,
            wall_min_ms: walls.iter().copied().fold(f64::INFINITY, f64::min),
            wall_max_ms: walls.iter().copied().fold(0.0, f64::max),
            req_per_s: if wall_ms > 0.0 {
                self.plan.requests as f64 / (wall_ms / 1e3)
            } else {
                0.0
            },
            p50_ms: med(&|r| r.summary.latency_ms.p50),
            p90_ms: med(&|r| r.summary.latency_ms.p90),
            p99_ms: med(&|r| r.summary.latency_ms.p99),
            max_ms: med(&|r| r.summary.latency_ms.max),
            cpu_us_per_req: med(&|r| {
                (r.cpu_user_s + r.cpu_sys_s) * 1e6 / r.summary.requests.max(1) as f64
            }),
            peak_rss_kib: med(&|r| r.peak_rss_kib as f64),
            hb_p99_ms: med(&|r| r.summary.heartbeat.p99_lateness_ms),
            hb_max_ms: med(&|r| r.summary.heartbeat.max_lateness_ms),
            threads: med(&|r| r.threads_peak as f64),
            peak_in_flight: med(&|r| r.server.peak_in_flight as f64),
            connections: med(&|r| r.server.connections as f64),
            handshakes: med(&|r| r.server.tls.handshakes as f64),
            resumed: med(&|r| r.server.tls.resumed as f64),
            protocol_used: protocols
                .first()
                .copied()
                .flatten()
                .filter(|p| protocols.iter().all(|q| *q == Some(*p))),
            max_streams: med(&|r| {
                r.server.http1.max_streams.max(r.server.http2.max_streams) as f64
            }),
            errors: reps.iter().map(|r| r.summary.failed()).sum(),
            failed: reps
                .iter()
                .map(|r| beyond(&r.summary.errors, &injected))
                .sum(),
            requests: reps.iter().map(|r| r.summary.requests).sum(),
            floor_multiple: (floor_ms > 0.0).then(|| wall_ms / floor_ms),
        })
    }
}
