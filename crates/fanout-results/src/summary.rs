//! [`Summary`]: what one fan-out measured, as `fanout run --json` prints it
//! (one line) and as every reference program prints it too — the child's
//! side of the sweep's protocol. What only the OS or the server can tell
//! (CPU, peak RSS, threads, connections) the parent adds
//! ([`crate::Repeat`]).

use std::collections::BTreeMap;
use std::time::Duration;

use fanout_core::{Echo, ErrorKind, Outcome, Plan, Target};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latency quantiles in milliseconds, over the successful requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// The heartbeat ticker's record, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatSummary {
    /// The ticker's period.
    pub period_ms: f64,
    /// Ticks recorded.
    pub ticks: u64,
    /// Due ticks skipped because the ticker was blocked past them.
    pub missed: u64,
    /// Largest lateness.
    pub max_lateness_ms: f64,
    /// 99th-percentile lateness.
    pub p99_lateness_ms: f64,
}

/// One fan-out, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The row's id.
    pub row: String,
    /// N.
    pub requests: u64,
    /// Requests that returned 200 with a verified body or document.
    pub ok: u64,
    /// Failed requests by kind; empty when all succeeded.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// Bodies or documents that passed verification.
    pub verified: u64,
    /// Body bytes read, all requests (decoded JSON documents count 0).
    pub bytes: u64,
    /// Wall time of the fan-out.
    pub wall_ms: f64,
    /// Requests per second of wall time (all requests, ok or not).
    pub req_per_s: f64,
    /// Per-request latency, successful requests only.
    pub latency_ms: Latency,
    /// Heartbeat lateness.
    pub heartbeat: HeartbeatSummary,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Summary {
    /// Summarises an outcome of row `row`.
    pub fn new(row: &str, out: &Outcome) -> Summary {
        // Microseconds from 1 µs to 1 h at 3 significant figures; longer saturates.
        let mut hist = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)
            .expect("static histogram bounds are valid");
        for s in out.samples.iter().filter(|s| s.ok()) {
            hist.saturating_record(s.latency.as_micros().max(1) as u64);
        }
        let at = |q: f64| {
            if hist.is_empty() {
                0.0
            } else {
                hist.value_at_quantile(q) as f64 / 1e3
            }
        };
        let latency_ms = Latency {
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: if hist.is_empty() {
                0.0
            } else {
                hist.max() as f64 / 1e3
            },
            mean: if hist.is_empty() {
                0.0
            } else {
                hist.mean() / 1e3
            },
        };
        let hb = &out.heartbeat;
        let wall_ms = ms(out.wall);
        let n = out.samples.len() as u64;
        Summary {
            row: row.to_string(),
            requests: n,
            ok: out.ok_count(),
            errors: out.errors().into_iter().collect(),
            verified: out.samples.iter().filter(|s| s.verified).count() as u64,
            bytes: out.samples.iter().map(|s| s.bytes).sum(),
            wall_ms,
            req_per_s: if wall_ms > 0.0 {
                n as f64 / (wall_ms / 1e3)
            } else {
                0.0
            },
            latency_ms,
            heartbeat: HeartbeatSummary {
                period_ms: ms(hb.period),
                ticks: hb.ticks(),
                missed: hb.missed,
                max_lateness_ms: ms(hb.max_lateness()),
                p99_lateness_ms: ms(hb.lateness_quantile(0.99)),
            },
        }
    }

    /// Failed requests, all kinds.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The errors as `kind n, kind n`, or `none`.
    pub fn error_list(&self) -> String {
        if self.errors.is_empty() {
            return "none".into();
        }
        self.errors
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The human-readable report `fanout run` prints for `plan` on `target`
    /// (a foreign server's template instead of the delay and body size,
    /// which are not sent to it, and what was checked of its answers).
    pub fn human(&self, plan: &Plan, target: &Target) -> String {
        let bound = plan
            .concurrency
            .map_or("unbounded".to_string(), |c| format!("{c} at once"));
        let ka = if plan.keep_alive {
            "keep-alive"
        } else {
            "no keep-alive"
        };
        let floor = ms(plan.floor());
        let floor_note = if floor > 0.0 {
            format!(" ({:.2}× the {floor:.0} ms floor)", self.wall_ms / floor)
        } else {
            String::new()
        };
        let json = plan.format == fanout_core::Format::Json;
        let what = match &target.foreign {
            None if json => format!("{} documents decoded and verified", self.verified),
            None => format!("{} bodies verified", self.verified),
            Some(f) if f.echo != Echo::Nothing => format!(
                "{} echoes verified; a 2xx{}",
                self.verified,
                if json { ", JSON decoded" } else { "" }
            ),
            Some(_) => format!(
                "a 2xx{}; content not verified: a foreign server",
                if json {
                    ", JSON decoded by the client's own API"
                } else {
                    ", the body read whole"
                }
            ),
        };
        let shape = match &target.foreign {
            None => format!(
                "{} requests × {} ms, {} B {}",
                self.requests,
                plan.delay.as_millis(),
                plan.bytes,
                plan.format.as_str()
            ),
            Some(f) => format!(
                "{} requests to {} (a foreign server), {}",
                self.requests,
                f.url,
                plan.format.as_str()
            ),
        };
        let l = &self.latency_ms;
        let h = &self.heartbeat;
        format!(
            "{row}: {shape}, {bound}, {ka}, {scheme}, protocol {protocol}\n\
             wall       {wall:.1} ms{floor_note}, {rps:.0} req/s\n\
             latency    p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms, max {max:.1} ms (successful requests)\n\
             heartbeat  {ticks} ticks every {period:.0} ms, max lateness {hmax:.1} ms, p99 {hp99:.1} ms, {missed} missed\n\
             ok         {ok} of {n} ({what})\n\
             errors     {errors}\n",
            row = self.row,
            n = self.requests,
            scheme = plan.scheme(),
            protocol = plan.protocol.as_str(),
            wall = self.wall_ms,
            rps = self.req_per_s,
            p50 = l.p50,
            p90 = l.p90,
            p99 = l.p99,
            max = l.max,
            ticks = h.ticks,
            period = h.period_ms,
            hmax = h.max_lateness_ms,
            hp99 = h.p99_lateness_ms,
            missed = h.missed,
            ok = self.ok,
            errors = self.error_list(),
        )
    }
}
