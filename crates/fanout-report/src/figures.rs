//! [`Figures`]: what the tables show of one measured cell — its
//! [`Derived`] medians and the per-repeat spreads the tie rule needs — and
//! [`metric`], the spread of the figure a scenario is decided by.

use std::collections::BTreeMap;

use fanout_core::{ErrorKind, Metric};
use fanout_results::{Cell, Derived, GeneratorLine};

use crate::ties::{Mark, Spread};

/// A measured cell's figures.
#[derive(Debug, Clone)]
pub(crate) struct Figures {
    /// Medians over the repeats.
    pub d: Derived,
    /// Wall time, ms.
    pub wall: Spread,
    /// Requests per second (N over each repeat's wall).
    pub rate: Spread,
    /// Client CPU (user + sys) per request, µs.
    pub cpu: Spread,
    /// Client CPU per TLS handshake the server completed, µs, on HTTPS plans
    /// without keep-alive (a handshake per request).
    pub cpu_per_handshake: Option<Spread>,
    /// (peak RSS − idle RSS) / server peak in-flight, KiB, per repeat.
    pub rss_per_inflight: Option<Spread>,
    /// `HTTP/1.1`, `HTTP/2`, `mixed`, or `—` when nothing was answered.
    pub protocol_used: &'static str,
    /// Failed requests by kind, summed over the repeats.
    pub errors_by_kind: BTreeMap<ErrorKind, u64>,
    /// Wall against the best row of the table (same host): ratio of minima
    /// and of maxima.
    pub relative: Option<(f64, f64)>,
    /// Its standing on wall time.
    pub mark: Mark,
    /// req/s over each generator's, in the order of [`crate::model::Table::generators`].
    pub generator_multiples: Vec<Option<f64>>,
    /// req/s over the fastest generator's.
    pub ceiling_multiple: Option<f64>,
}

/// The generator with the highest finite req/s.
pub(crate) fn top_generator<'g>(generators: &[&'g GeneratorLine]) -> Option<&'g GeneratorLine> {
    generators
        .iter()
        .copied()
        .filter(|c| c.req_per_s.is_finite())
        .max_by(|a, b| a.req_per_s.total_cmp(&b.req_per_s))
}

/// `a / b` when both are finite and `b` is positive.
pub(crate) fn ratio(a: f64, b: f64) -> Option<f64> {
    (a.is_finite() && b.is_finite() && b > 0.0).then(|| a / b)
}

/// A measured cell's figures; `idle` is the row's idle RSS on the cell's host.
pub(crate) fn figures(cell: &Cell, idle: Option<u64>) -> Option<Figures> {
    let d = cell.derived()?;
    let reps = cell.repeats()?;
    let n = cell.plan.requests as f64;
    let cpu_s = |r: &fanout_results::Repeat| r.cpu_user_s + r.cpu_sys_s;
    let mut errors_by_kind = BTreeMap::new();
    for r in reps {
        for (kind, k) in &r.summary.errors {
            *errors_by_kind.entry(*kind).or_insert(0) += k;
        }
    }
    errors_by_kind.retain(|_, k| *k > 0);
    let answered: u64 = reps
        .iter()
        .map(|r| r.server.http1.requests + r.server.http2.requests)
        .sum();
    Some(Figures {
        wall: Spread {
            median: d.wall_ms,
            min: d.wall_min_ms,
            max: d.wall_max_ms,
        },
        rate: Spread {
            median: d.req_per_s,
            min: n / (d.wall_max_ms / 1e3),
            max: n / (d.wall_min_ms / 1e3),
        },
        cpu: Spread::of(
            reps.iter()
                .map(|r| cpu_s(r) * 1e6 / r.summary.requests.max(1) as f64),
        )?,
        // Per handshake only where every request makes one (no keep-alive).
        cpu_per_handshake: Spread::of(
            reps.iter()
                .filter(|r| cell.plan.tls && !cell.plan.keep_alive && r.server.tls.handshakes > 0)
                .map(|r| cpu_s(r) * 1e6 / r.server.tls.handshakes as f64),
        ),
        rss_per_inflight: idle.and_then(|idle| {
            Spread::of(
                reps.iter()
                    .filter(|r| r.server.peak_in_flight > 0)
                    .map(|r| {
                        r.peak_rss_kib.saturating_sub(idle) as f64 / r.server.peak_in_flight as f64
                    }),
            )
        }),
        protocol_used: match d.protocol_used {
            Some(fanout_core::Protocol::Http1) => "HTTP/1.1",
            Some(fanout_core::Protocol::Http2) => "HTTP/2",
            _ if answered > 0 => "mixed",
            _ => crate::format::NONE,
        },
        errors_by_kind,
        relative: None,
        mark: Mark::Behind,
        generator_multiples: Vec::new(),
        ceiling_multiple: None,
        d,
    })
}

/// The spread of the figure `m` decides by, where the cell has it (CPU per
/// handshake only on HTTPS plans without keep-alive; memory per in-flight
/// request only with the row's idle RSS known).
pub(crate) fn metric(f: &Figures, m: Metric) -> Option<Spread> {
    match m {
        Metric::Wall => Some(f.wall),
        Metric::CpuPerRequest => Some(f.cpu),
        Metric::CpuPerHandshake => f.cpu_per_handshake,
        Metric::MemoryPerInFlight => f.rss_per_inflight,
        _ => None,
    }
}

/// A figure on metric `m` as the workload tables show its median: a wall
/// time with its unit (`149 ms`, `1.05 s`), the others as numbers with
/// theirs (`9.81 µs`, `18.8 KiB`).
pub(crate) fn shown(m: Metric, s: Spread) -> String {
    match m {
        Metric::Wall => crate::format::wall_range(s.median, s.median, s.median),
        Metric::MemoryPerInFlight => format!("{} KiB", crate::format::num(s.median)),
        _ => format!("{} µs", crate::format::num(s.median)),
    }
}
