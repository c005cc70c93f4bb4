//! The conformance kit: checks that a [`Runtime`] keeps the contract against
//! a live [`Target`] server. Every registered row runs it in `cargo test`
//! (see `crates/fanout/tests/conformance.rs`); a new row gets it for free.
//!
//! Checks, each on a fresh session:
//!
//! | check | plan | passes when |
//! |---|---|---|
//! | `bodies` | 30 × 20 ms, 777 B | N samples in plan order, all 200 and verified; the server served N |
//! | `heartbeat` | 8 × 100 ms, tick 5 ms | ticks recorded; concurrent rows tick throughout, the sequential row is blocked (a tick ≥ half the delay late) |
//! | `bound` | 24 × 40 ms, 3 at once | the server's peak in-flight ≤ 3 (and ≥ 2 unless sequential) |
//! | `unbounded` | 20 × 150 ms | concurrent rows reach ¾ of N (or of their pool) in flight; sequential stays at 1 |
//! | `keep-alive` | 40 × 2 ms, 4 at once | at most 8 connections accepted |
//! | `no-keep-alive` | 12 × 2 ms, 4 at once, keep-alive off | exactly 12 connections accepted |
//! | `connect-error` | 5 requests to a closed port | 5 samples, each a `connect` error, no panic |
//! | `faults` | 150 × 5 ms, 8 at once, 500 ms timeout; 6 % each of 503, reset, truncated, slow; 3 % stalls | each request ends as its fault implies (`status`, `reset`, `timeout`, `truncated`; slow ones succeed) and the server injected exactly the implied count of each (no retries) |
//! | `timeout` | 4 × 5 s, timeout 300 ms | every sample a `timeout`, each within timeout + 1 s |
//!
//! `timeout` runs last: the server keeps the abandoned requests until their
//! delay ends.
//!
//! A row may declare a check it cannot pass because of its client
//! (`Description::deviations`, with the reason, repeated in its README): the
//! check still runs and its failure is reported as a known deviation.

use std::fmt;
use std::time::Duration;

use crate::faults::{Fault, Faults};
use crate::plan::Plan;
use crate::runtime::{Model, Runtime};
use crate::sample::{ErrorKind, Outcome};
use crate::target::Target;

/// The faults of the kit's `faults` check (also used by the Python
/// baselines' test, so both hold clients to the same plan).
pub const CHECK_FAULTS: Faults = Faults {
    seed: 7,
    error: 60,
    reset: 60,
    stall: 30,
    truncate: 60,
    slow: 60,
};

/// One check's result.
#[derive(Debug)]
pub struct Check {
    /// The check's name (see the module table).
    pub name: &'static str,
    /// `Err(why)` when it failed.
    pub result: Result<(), String>,
    /// The row declares this check a known deviation (`Description::deviations`):
    /// the reason. A failure of such a check does not fail the row.
    pub deviation: Option<&'static str>,
}

/// All checks for one row.
#[derive(Debug)]
pub struct Report {
    /// The row's id.
    pub row: &'static str,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed, or failed only as the row declares.
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| c.result.is_ok() || c.deviation.is_some())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            match (&c.result, c.deviation) {
                (Ok(()), _) => writeln!(f, "{}: {}: ok", self.row, c.name)?,
                (Err(why), Some(known)) => writeln!(
                    f,
                    "{}: {}: known deviation: {why} — declared: {known}",
                    self.row, c.name
                )?,
                (Err(why), None) => writeln!(f, "{}: {}: FAILED: {why}", self.row, c.name)?,
            }
        }
        Ok(())
    }
}

/// Runs every check of the kit on `row` against `target`.
pub fn check(row: &dyn Runtime, target: &dyn Target) -> Report {
    let desc = row.describe();
    let sequential = desc.model == Model::Sequential;
    let ms = Duration::from_millis;
    let base = target.base_url();
    let plan = |n, delay| Plan::new(base.clone(), n, delay);

    let mut checks = Vec::new();
    let run =
        |name: &'static str,
         p: Plan,
         verdict: &dyn Fn(&Plan, &Outcome, &crate::ServerStats) -> Result<(), String>| {
            let result = (|| {
                p.validate().map_err(|e| e.to_string())?;
                let mut session = row.start().map_err(|e| format!("start: {e}"))?;
                target.reset_stats();
                let out = session.fan_out(&p);
                let stats = target.stats();
                drop(session);
                if out.samples.len() as u64 != p.requests {
                    return Err(format!(
                        "{} samples for {} requests",
                        out.samples.len(),
                        p.requests
                    ));
                }
                if let Some((i, s)) = out
                    .samples
                    .iter()
                    .enumerate()
                    .find(|(i, s)| s.id != *i as u64)
                {
                    return Err(format!(
                        "sample {i} has id {}: samples are not in plan order",
                        s.id
                    ));
                }
                verdict(&p, &out, &stats)
            })();
            Check {
                name,
                result,
                deviation: None,
            }
        };

    checks.push(run(
        "bodies",
        Plan {
            bytes: 777,
            ..plan(30, ms(20))
        },
        &|p, out, stats| {
            all_ok(out)?;
            if stats.requests != p.requests {
                return Err(format!(
                    "server served {} requests, plan has {}",
                    stats.requests, p.requests
                ));
            }
            Ok(())
        },
    ));

    checks.push(run(
        "heartbeat",
        Plan {
            heartbeat: ms(5),
            ..plan(8, ms(100))
        },
        &|p, out, _| {
            all_ok(out)?;
            let hb = &out.heartbeat;
            if hb.ticks() == 0 {
                return Err("no heartbeat tick was recorded".into());
            }
            if sequential {
                if hb.max_lateness() < p.delay / 2 {
                    return Err(format!(
                        "the sequential heartbeat should be blocked by each request, but its max lateness is {:?}",
                        hb.max_lateness()
                    ));
                }
            } else {
                let due = (out.wall.as_nanos() / p.heartbeat.as_nanos()) as u64;
                if hb.ticks() < due / 4 {
                    return Err(format!(
                        "{} ticks and {} missed in {:?} at a {:?} period: the ticker did not run during the fan-out",
                        hb.ticks(),
                        hb.missed,
                        out.wall,
                        p.heartbeat
                    ));
                }
            }
            Ok(())
        },
    ));

    checks.push(run(
        "bound",
        Plan {
            concurrency: Some(3),
            ..plan(24, ms(40))
        },
        &|_, out, stats| {
            all_ok(out)?;
            let peak = stats.peak_in_flight;
            match (sequential, peak) {
                (_, p) if p > 3 => {
                    Err(format!("server saw {p} requests in flight, the bound is 3"))
                }
                (true, p) if p != 1 => Err(format!("sequential row had {p} requests in flight")),
                (false, p) if p < 2 => Err(format!(
                    "server saw at most {p} in flight: the row did not run requests concurrently"
                )),
                _ => Ok(()),
            }
        },
    ));

    let cap = desc.max_concurrency;
    checks.push(run(
        "unbounded",
        plan(if sequential { 4 } else { 20 }, ms(150)),
        &|p, out, stats| {
            all_ok(out)?;
            let peak = stats.peak_in_flight;
            let want = if sequential {
                1
            } else {
                cap.unwrap_or(p.requests).min(p.requests)
            };
            let enough = if sequential {
                peak == 1
            } else {
                peak * 4 >= want * 3 && peak <= want
            };
            if !enough {
                return Err(format!(
                    "server saw {peak} requests in flight, expected about {want}"
                ));
            }
            Ok(())
        },
    ));

    checks.push(run(
        "keep-alive",
        Plan {
            concurrency: Some(4),
            ..plan(40, ms(2))
        },
        &|_, out, stats| {
            all_ok(out)?;
            if stats.connections > 8 {
                return Err(format!(
                    "{} connections for 4 at once with keep-alive: connections are not reused",
                    stats.connections
                ));
            }
            Ok(())
        },
    ));

    checks.push(run(
        "no-keep-alive",
        Plan {
            concurrency: Some(4),
            keep_alive: false,
            ..plan(12, ms(2))
        },
        &|p, out, stats| {
            all_ok(out)?;
            if stats.connections != p.requests {
                return Err(format!(
                    "{} connections for {} requests with keep-alive off: expected one each",
                    stats.connections, p.requests
                ));
            }
            Ok(())
        },
    ));

    let closed = closed_port();
    let result = (|| {
        let p = Plan::new(
            format!("http://127.0.0.1:{}", closed.map_err(|e| e.to_string())?),
            5,
            ms(0),
        );
        let out = row.start().map_err(|e| format!("start: {e}"))?.fan_out(&p);
        if out.samples.len() != 5 {
            return Err(format!("{} samples for 5 requests", out.samples.len()));
        }
        match out
            .samples
            .iter()
            .find(|s| s.error != Some(ErrorKind::Connect))
        {
            Some(s) => Err(format!(
                "request {} to a closed port ended as {:?}, expected a connect error",
                s.id, s.error
            )),
            None => Ok(()),
        }
    })();
    checks.push(Check {
        name: "connect-error",
        result,
        deviation: None,
    });

    let faults = CHECK_FAULTS;
    checks.push(run(
        "faults",
        Plan {
            concurrency: Some(8),
            timeout: ms(500),
            faults,
            ..plan(if sequential { 100 } else { 150 }, ms(5))
        },
        &|p, out, stats| faults_match(p, out, stats),
    ));

    let timeout = ms(300);
    let n = if sequential { 2 } else { 4 };
    checks.push(run(
        "timeout",
        Plan {
            timeout,
            ..plan(n, ms(5_000))
        },
        &|p, out, _| {
            for s in &out.samples {
                if s.error != Some(ErrorKind::Timeout) {
                    return Err(format!(
                        "request {} ended as {:?} after {:?}, expected a timeout",
                        s.id, s.error, s.latency
                    ));
                }
                if s.latency > p.timeout + ms(1_000) {
                    return Err(format!(
                        "request {} timed out after {:?}, the timeout is {:?}",
                        s.id, s.latency, p.timeout
                    ));
                }
            }
            Ok(())
        },
    ));

    for c in &mut checks {
        c.deviation = desc
            .deviations
            .iter()
            .find(|(name, _)| *name == c.name)
            .map(|(_, why)| *why);
    }
    Report {
        row: row.id(),
        checks,
    }
}

/// Runs [`check`] and panics with the whole report if any check failed.
pub fn assert_conforms(row: &dyn Runtime, target: &dyn Target) {
    let report = check(row, target);
    assert!(
        report.passed(),
        "row {} does not conform:\n{report}",
        row.id()
    );
}

/// Under injected faults: every request's kind is the one its fault implies
/// (exactly, per request), every other request succeeded, and the server
/// injected each fault exactly as often as the plan implies (no retries).
fn faults_match(p: &Plan, out: &Outcome, stats: &crate::ServerStats) -> Result<(), String> {
    let mut wrong = Vec::new();
    for s in &out.samples {
        let fault = p.faults.decide(s.id);
        let want = fault.and_then(Fault::expected_kind);
        if s.error != want {
            wrong.push(format!(
                "request {} ({}) ended as {}",
                s.id,
                fault.map_or("no fault", Fault::as_str),
                s.error.map_or("ok", ErrorKind::as_str)
            ));
        }
        if want.is_none() && !s.verified {
            wrong.push(format!(
                "request {} succeeded without a verified body",
                s.id
            ));
        }
    }
    let i = stats.injected;
    let injected = [i.error, i.reset, i.stall, i.truncate, i.slow];
    for (f, n) in Fault::ALL.into_iter().zip(injected) {
        let want = p.faults.count(f, p.requests);
        if n != want {
            wrong.push(format!(
                "server injected {n} {} faults, the plan implies {want} (a retry, or a request not sent)",
                f.as_str()
            ));
        }
    }
    if wrong.is_empty() {
        return Ok(());
    }
    let more = if wrong.len() > 3 {
        format!(" (and {} more)", wrong.len() - 3)
    } else {
        String::new()
    };
    Err(format!("{}{more}", wrong[..wrong.len().min(3)].join("; ")))
}

fn all_ok(out: &Outcome) -> Result<(), String> {
    match out.samples.iter().find(|s| !s.ok() || !s.verified) {
        Some(s) => Err(format!(
            "request {} failed: error {:?}, status {:?}, {} bytes, verified {}",
            s.id, s.error, s.status, s.bytes, s.verified
        )),
        None => Ok(()),
    }
}

/// A loopback port with nothing listening (bound, then released).
fn closed_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.local_addr().map(|a| a.port())
}
