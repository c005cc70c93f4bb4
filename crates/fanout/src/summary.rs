//! [`Summary`]: what `fanout run --json` prints for one fan-out, and what the
//! sweep reads back from each child process.

use std::collections::BTreeMap;

use fanout_core::{Outcome, Plan};
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
    pub runtime: String,
    /// The workload preset, when the plan came from one.
    pub workload: Option<String>,
    /// The plan that ran.
    pub plan: Plan,
    /// N.
    pub requests: u64,
    /// Requests that returned 200 with a verified body.
    pub ok: u64,
    /// Failed requests by kind (`connect`, `timeout`, …); empty when all succeeded.
    pub errors: BTreeMap<String, u64>,
    /// Bodies that passed verification.
    pub verified: u64,
    /// Body bytes read, all requests.
    pub bytes: u64,
    /// Wall time of the fan-out.
    pub wall_ms: f64,
    /// Requests per second of wall time (all requests, ok or not).
    pub req_per_s: f64,
    /// Per-request latency, successful requests only.
    pub latency_ms: Latency,
    /// Heartbeat lateness.
    pub heartbeat: HeartbeatSummary,
    /// Most threads the client process had during the fan-out (Linux; 0
    /// where unknown), sampled every 5 ms, not counting the sampler.
    #[serde(default)]
    pub threads_peak: u64,
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Summary {
    /// Summarises an outcome of `plan` by row `runtime`; `threads_peak` as
    /// measured around the fan-out (0 where unknown).
    pub fn new(
        runtime: &str,
        workload: Option<&str>,
        plan: &Plan,
        out: &Outcome,
        threads_peak: u64,
    ) -> Summary {
        // Microseconds from 1 µs to 1 h at 3 significant figures; longer saturates.
        let mut hist = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)
            .expect("static histogram bounds are valid");
        for s in out.samples.iter().filter(|s| s.ok()) {
            hist.saturating_record(s.latency.as_micros().max(1) as u64);
        }
        let q = |q: f64| {
            if hist.is_empty() {
                0.0
            } else {
                hist.value_at_quantile(q) as f64 / 1e3
            }
        };
        let latency_ms = Latency {
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
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
        Summary {
            runtime: runtime.to_string(),
            workload: workload.map(str::to_string),
            plan: plan.clone(),
            requests: out.samples.len() as u64,
            ok: out.ok_count(),
            errors: out
                .errors()
                .into_iter()
                .map(|(k, n)| (k.as_str().to_string(), n))
                .collect(),
            verified: out.samples.iter().filter(|s| s.verified).count() as u64,
            bytes: out.samples.iter().map(|s| s.bytes).sum(),
            wall_ms,
            req_per_s: if wall_ms > 0.0 {
                out.samples.len() as f64 / (wall_ms / 1e3)
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
            threads_peak,
        }
    }

    /// Failed requests, all kinds.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The human-readable report `fanout run` prints.
    pub fn human(&self) -> String {
        let p = &self.plan;
        let bound = p
            .concurrency
            .map_or("unbounded".to_string(), |c| format!("{c} at once"));
        let ka = if p.keep_alive {
            "keep-alive"
        } else {
            "no keep-alive"
        };
        let floor = ms(p.floor());
        let floor_note = if floor > 0.0 {
            format!(" ({:.2}× the {floor:.0} ms floor)", self.wall_ms / floor)
        } else {
            String::new()
        };
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let l = &self.latency_ms;
        let h = &self.heartbeat;
        format!(
            "{rt}: {n} requests × {delay} ms, {bytes} B, {bound}, {ka}\n\
             wall       {wall:.1} ms{floor_note}, {rps:.0} req/s\n\
             latency    p50 {p50:.1} ms, p90 {p90:.1} ms, p99 {p99:.1} ms, max {max:.1} ms (successful requests)\n\
             heartbeat  {ticks} ticks every {period:.0} ms, max lateness {hmax:.1} ms, p99 {hp99:.1} ms, {missed} missed\n\
             ok         {ok} of {n} ({verified} bodies verified)\n\
             errors     {errors}\n",
            rt = self.runtime,
            n = self.requests,
            delay = p.delay.as_millis(),
            bytes = p.bytes,
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
            verified = self.verified,
        )
    }
}

/// Samples the process's thread count every 5 ms on a thread of its own
/// while a fan-out runs; [`ThreadSampler::finish`] returns the peak, not
/// counting the sampler itself.
pub struct ThreadSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<u64>,
}

impl ThreadSampler {
    /// Starts sampling.
    pub fn start() -> ThreadSampler {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut peak = 0;
            loop {
                peak = peak.max(fanout_core::drive::thread_count().unwrap_or(0));
                if flag.load(Ordering::Acquire) {
                    return peak;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        ThreadSampler { stop, handle }
    }

    /// Stops sampling; the peak thread count minus the sampler (0 where unknown).
    pub fn finish(self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        self.handle.join().unwrap_or(0).saturating_sub(1)
    }
}
