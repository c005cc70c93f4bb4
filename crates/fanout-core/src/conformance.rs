//! The conformance kit: checks that a [`Row`] keeps the contract against a
//! live [`TargetServer`]. Every registered row runs it in `cargo test` (see
//! `crates/fanout/tests/conformance.rs`); a new row gets it for free.
//!
//! Checks, each on a fresh session:
//!
//! | check | plan | passes when |
//! |---|---|---|
//! | `bodies` | 30 × 20 ms, 777 B | N samples in plan order, all 200 and verified; the server served N |
//! | `json` | 30 × 5 ms, ~2 KiB JSON | every document decoded by the client and verified |
//! | `heartbeat` | 8 × 100 ms, tick 5 ms | ticks recorded; concurrent rows tick throughout, the sequential row is blocked (a tick ≥ half the delay late) |
//! | `bound` | 24 × 40 ms, 3 at once | the server's peak in-flight ≤ 3 (and ≥ 2 unless sequential) |
//! | `unbounded` | 20 × 150 ms | concurrent rows reach ¾ of N (or of their pool) in flight; sequential stays at 1 |
//! | `keep-alive` | 40 × 2 ms, 4 at once | at most 8 connections accepted |
//! | `no-keep-alive` | 12 × 2 ms, 4 at once, keep-alive off | exactly 12 connections accepted |
//! | `connect-error` | 5 requests to a closed port | 5 samples, each a `connect` error, no panic |
//! | `faults` | 150 × 5 ms, 8 at once, 500 ms timeout; 6 % each of 503, reset, truncated, slow, corrupted; 3 % stalls | each request ends as its fault implies (`status`, `reset`, `timeout`, `truncated`, `body-mismatch`; slow ones succeed) and the server injected exactly the implied count of each (no retries) |
//! | `json-faults` | the same faults on JSON documents | the same, a corrupted document a `decode` error |
//! | `https` | 30 × 20 ms, HTTPS, ~2 KiB JSON | every document decoded and verified over TLS, the CA being the only root trusted; the server completed a handshake |
//! | `untrusted` | 6 × 0 ms, HTTPS to a server whose certificate is from another CA | 6 `tls` errors and no success: certificate verification is on |
//! | `http1`, `http2` | 20 × 20 ms, 10 at once, HTTPS when the row has TLS, else cleartext (h2c) | for each protocol the row can be held to: the server answered every request over that protocol and none over the other |
//! | `timeout` | 4 × 5 s, timeout 300 ms | every sample a `timeout`, each within timeout + 1 s |
//!
//! A row without a TLS stack ([`crate::Description::tls`] is `None`) skips
//! the HTTPS checks, which pass as "not applicable"; its HTTPS cells in the
//! sweep are reported as unsupported. `timeout` runs last: the server keeps
//! the abandoned requests until their delay ends.
//!
//! A row may declare a check it cannot pass because of its client
//! (`Description::deviations`, with the reason, repeated in its README): the
//! check still runs and its failure is reported as a known deviation.

use std::fmt;
use std::time::Duration;

use crate::faults::{Fault, Faults};
use crate::plan::{Format, Plan, Protocol};
use crate::row::{Model, Row};
use crate::sample::{ErrorKind, Outcome};
use crate::stats::ServerStats;
use crate::target::{Target, TargetServer};

/// The faults of the kit's `faults` checks (also used by the reference
/// programs' tests, so every row is held to the same plan).
pub const CHECK_FAULTS: Faults = Faults {
    seed: 7,
    error: 60,
    reset: 60,
    stall: 30,
    truncate: 60,
    slow: 60,
    corrupt: 60,
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

type Verdict<'a> = &'a dyn Fn(&Plan, &Outcome, &ServerStats) -> Result<(), String>;

/// Runs every check of the kit on `row` against `server`; `other` is a
/// second server, whose certificate is from another CA (for `untrusted`).
pub fn check(row: &dyn Row, server: &dyn TargetServer, other: &dyn TargetServer) -> Report {
    let desc = row.describe();
    let sequential = desc.model == Model::Sequential;
    let has_tls = desc.tls.is_some();
    let ms = Duration::from_millis;
    let target = server.target();

    // One fan-out on a fresh session against `on`, with `stats` read from
    // `server` around it; then the common checks and the verdict.
    let run_on = |on: &Target, p: Plan, verdict: Verdict<'_>| -> Result<(), String> {
        p.validate().map_err(|e| e.to_string())?;
        if let Some(why) = desc.unsupported(&p) {
            return Err(format!("the row declares it cannot run this plan: {why}"));
        }
        let mut session = row.start(on).map_err(|e| format!("start: {e}"))?;
        server.reset_stats();
        let out = session.fan_out(&p).map_err(|e| format!("fan-out: {e}"))?;
        let stats = server.stats();
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
    };
    let run = |p: Plan, verdict: Verdict<'_>| run_on(&target, p, verdict);

    let mut checks: Vec<(&'static str, Result<(), String>)> = Vec::new();

    checks.push((
        "bodies",
        run(
            Plan {
                bytes: 777,
                ..Plan::new(30, ms(20))
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
        ),
    ));

    checks.push((
        "json",
        run(
            Plan {
                bytes: 2048,
                format: Format::Json,
                ..Plan::new(30, ms(5))
            },
            &|_, out, _| all_ok(out),
        ),
    ));

    checks.push((
        "heartbeat",
        run(
            Plan {
                heartbeat: ms(5),
                ..Plan::new(8, ms(100))
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
        ),
    ));

    checks.push((
        "bound",
        run(
            Plan {
                concurrency: Some(3),
                ..Plan::new(24, ms(40))
            },
            &|_, out, stats| {
                all_ok(out)?;
                match (sequential, stats.peak_in_flight) {
                    (_, p) if p > 3 => {
                        Err(format!("server saw {p} requests in flight, the bound is 3"))
                    }
                    (true, p) if p != 1 => {
                        Err(format!("sequential row had {p} requests in flight"))
                    }
                    (false, p) if p < 2 => Err(format!(
                        "server saw at most {p} in flight: the row did not run requests concurrently"
                    )),
                    _ => Ok(()),
                }
            },
        ),
    ));

    let cap = desc.max_concurrency;
    checks.push((
        "unbounded",
        run(
            Plan::new(if sequential { 4 } else { 20 }, ms(150)),
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
        ),
    ));

    checks.push((
        "keep-alive",
        run(
            Plan {
                concurrency: Some(4),
                ..Plan::new(40, ms(2))
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
        ),
    ));

    checks.push((
        "no-keep-alive",
        run(
            Plan {
                concurrency: Some(4),
                keep_alive: false,
                ..Plan::new(12, ms(2))
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
        ),
    ));

    checks.push(("connect-error", connect_error(row)));

    for (name, format) in [("faults", Format::Bytes), ("json-faults", Format::Json)] {
        checks.push((
            name,
            run(
                Plan {
                    concurrency: Some(8),
                    timeout: ms(500),
                    faults: CHECK_FAULTS,
                    format,
                    bytes: if format == Format::Json { 1024 } else { 256 },
                    ..Plan::new(if sequential { 100 } else { 150 }, ms(5))
                },
                &|p, out, stats| faults_match(p, out, stats),
            ),
        ));
    }

    let not_applicable = || Ok(());
    checks.push((
        "https",
        if has_tls {
            run(
                Plan {
                    tls: true,
                    bytes: 2048,
                    format: Format::Json,
                    ..Plan::new(30, ms(20))
                },
                &|_, out, stats| {
                    all_ok(out)?;
                    if stats.tls.handshakes == 0 {
                        return Err("the server completed no TLS handshake".into());
                    }
                    Ok(())
                },
            )
        } else {
            not_applicable()
        },
    ));

    checks.push((
        "untrusted",
        if has_tls {
            untrusted(row, &target, other)
        } else {
            not_applicable()
        },
    ));

    for protocol in [Protocol::Http1, Protocol::Http2] {
        let name = match protocol {
            Protocol::Http2 => "http2",
            _ => "http1",
        };
        if !desc.protocols.contains(&protocol) {
            checks.push((name, not_applicable()));
            continue;
        }
        checks.push((
            name,
            run(
                Plan {
                    tls: has_tls,
                    protocol,
                    concurrency: Some(10),
                    ..Plan::new(20, ms(20))
                },
                &|p, out, stats| {
                    all_ok(out)?;
                    let (h1, h2) = (stats.http1.requests, stats.http2.requests);
                    let used = if p.protocol == Protocol::Http2 { h2 } else { h1 };
                    if used != p.requests || h1 + h2 != p.requests {
                        return Err(format!(
                            "asked for {}, the server answered {h1} requests over HTTP/1.1 and {h2} over HTTP/2",
                            p.protocol.as_str()
                        ));
                    }
                    Ok(())
                },
            ),
        ));
    }

    let timeout = ms(300);
    checks.push((
        "timeout",
        run(
            Plan {
                timeout,
                ..Plan::new(if sequential { 2 } else { 4 }, ms(5_000))
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
        ),
    ));

    Report {
        row: row.id(),
        checks: checks
            .into_iter()
            .map(|(name, result)| Check {
                name,
                result,
                deviation: desc
                    .deviations
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, why)| *why),
            })
            .collect(),
    }
}

/// Five requests to a closed port: five `connect` errors.
fn connect_error(row: &dyn Row) -> Result<(), String> {
    let port = closed_port().map_err(|e| e.to_string())?;
    let target = Target::parse(&format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    let p = Plan::new(5, Duration::ZERO);
    let out = row
        .start(&target)
        .map_err(|e| format!("start: {e}"))?
        .fan_out(&p)
        .map_err(|e| format!("fan-out: {e}"))?;
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
}

/// HTTPS to `other`, trusting only `server`'s CA: every request a `tls`
/// error — proof that the row verifies the certificate.
fn untrusted(row: &dyn Row, target: &Target, other: &dyn TargetServer) -> Result<(), String> {
    let ca = target.ca.clone().ok_or("the server has no CA")?;
    let wrong = Target {
        ca: Some(ca),
        ..other.target()
    };
    let p = Plan {
        tls: true,
        ..Plan::new(6, Duration::ZERO)
    };
    let out = row
        .start(&wrong)
        .map_err(|e| format!("start: {e}"))?
        .fan_out(&p)
        .map_err(|e| format!("fan-out: {e}"))?;
    if out.ok_count() > 0 {
        return Err(format!(
            "{} of 6 requests succeeded against a certificate from a CA the row was not given: verification is off",
            out.ok_count()
        ));
    }
    match out.samples.iter().find(|s| s.error != Some(ErrorKind::Tls)) {
        Some(s) => Err(format!(
            "request {} against an untrusted certificate ended as {}, expected a tls error",
            s.id,
            s.error.map_or("ok", ErrorKind::as_str)
        )),
        None => Ok(()),
    }
}

/// Under injected faults: every request's kind is the one its fault implies
/// (exactly, per request), every other request succeeded, and the server
/// injected each fault exactly as often as the plan implies (no retries).
pub fn faults_match(p: &Plan, out: &Outcome, stats: &ServerStats) -> Result<(), String> {
    let mut wrong = Vec::new();
    for s in &out.samples {
        let fault = p.faults.decide(s.id);
        let want = fault.and_then(|f| f.expected_kind(p.format));
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
    for f in Fault::ALL {
        let (got, want) = (stats.injected.of(f), p.faults.count(f, p.requests));
        if got != want {
            wrong.push(format!(
                "server injected {got} {} faults, the plan implies {want} (a retry, or a request not sent)",
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

/// Runs the kit on every row of `rows`, three at a time (more would load two
/// cores enough to make the heartbeat check about the machine, not the
/// row), each against two fresh servers from `start` (the second for
/// `untrusted`); prints every report and panics naming every row that
/// failed. A row crate's `tests/conformance.rs` is one call of this.
pub fn assert_rows_conform<S: TargetServer>(rows: &[Box<dyn Row>], start: impl Fn() -> S + Sync) {
    let reports: Vec<Report> = rows
        .chunks(3)
        .flat_map(|chunk| {
            std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|row| {
                        let start = &start;
                        s.spawn(move || {
                            let (server, other) = (start(), start());
                            check(row.as_ref(), &server, &other)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut failed = Vec::new();
    for r in &reports {
        print!("{r}");
        if !r.passed() {
            failed.push(r.row);
        }
    }
    assert!(
        failed.is_empty(),
        "rows failing the conformance kit: {failed:?}\n{}",
        reports
            .iter()
            .filter(|r| !r.passed())
            .map(|r| r.to_string())
            .collect::<String>()
    );
}
