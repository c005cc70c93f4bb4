//! The kit's checks, one function each, in the order [`ALL`] runs them
//! (the table in [`super`] says what each passes on). Each runs on a fresh
//! session; one that does not apply to the row (HTTPS without a TLS stack,
//! a protocol the row does not offer) passes as "not applicable".

use std::time::Duration;

use super::CHECK_FAULTS;
use super::kit::{Kit, all_ok};
use crate::faults::Fault;
use crate::plan::{Format, Plan, Protocol};
use crate::sample::{ErrorKind, Outcome};
use crate::stats::ServerStats;
use crate::target::Target;

/// A check: `Err(why)` when the row fails it.
pub(super) type CheckFn = fn(&Kit) -> Result<(), String>;

/// Every check, by name, in the order run: `timeout` last, since the
/// server keeps the abandoned requests until their delay ends.
pub(super) const ALL: [(&str, CheckFn); 16] = [
    ("bodies", bodies),
    ("json", json),
    ("heartbeat", heartbeat),
    ("bound", bound),
    ("unbounded", unbounded),
    ("keep-alive", keep_alive),
    ("no-keep-alive", no_keep_alive),
    ("connect-error", connect_error),
    ("faults", faults),
    ("json-faults", json_faults),
    ("https", https),
    ("untrusted", untrusted),
    ("http1", http1),
    ("http2", http2),
    ("foreign", foreign),
    ("timeout", timeout),
];

/// What a check that does not apply to the row returns.
const NOT_APPLICABLE: Result<(), String> = Ok(());

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `bodies`: every request 200 with a verified body, and the server served
/// exactly N.
fn bodies(kit: &Kit) -> Result<(), String> {
    let plan = Plan {
        bytes: 777,
        ..Plan::new(30, ms(20))
    };
    kit.run(plan, &|p, out, stats| {
        all_ok(out)?;
        if stats.requests != p.requests {
            return Err(format!(
                "server served {} requests, plan has {}",
                stats.requests, p.requests
            ));
        }
        Ok(())
    })
}

/// `json`: every document decoded by the client and verified.
fn json(kit: &Kit) -> Result<(), String> {
    let plan = Plan {
        bytes: 2048,
        format: Format::Json,
        ..Plan::new(30, ms(5))
    };
    kit.run(plan, &|_, out, _| all_ok(out))
}

/// `heartbeat`: ticks are recorded; a concurrent row keeps ticking during
/// the fan-out, the sequential row is blocked by each request (a tick at
/// least half the delay late).
fn heartbeat(kit: &Kit) -> Result<(), String> {
    let sequential = kit.sequential();
    let plan = Plan {
        heartbeat: ms(5),
        ..Plan::new(8, ms(100))
    };
    kit.run(plan, &|p, out, _| {
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
    })
}

/// `bound`: the server never sees more than 3 in flight with a bound of 3
/// (and at least 2, unless the row is sequential).
fn bound(kit: &Kit) -> Result<(), String> {
    let sequential = kit.sequential();
    let plan = Plan {
        concurrency: Some(3),
        ..Plan::new(24, ms(40))
    };
    kit.run(plan, &|_, out, stats| {
        all_ok(out)?;
        match (sequential, stats.peak_in_flight) {
            (_, p) if p > 3 => Err(format!("server saw {p} requests in flight, the bound is 3")),
            (true, p) if p != 1 => Err(format!("sequential row had {p} requests in flight")),
            (false, p) if p < 2 => Err(format!(
                "server saw at most {p} in flight: the row did not run requests concurrently"
            )),
            _ => Ok(()),
        }
    })
}

/// `unbounded`: without a bound a concurrent row reaches ¾ of N (or of its
/// own cap) in flight; the sequential row stays at 1.
fn unbounded(kit: &Kit) -> Result<(), String> {
    let (sequential, cap) = (kit.sequential(), kit.desc.max_concurrency);
    let plan = Plan::new(if sequential { 4 } else { 20 }, ms(150));
    kit.run(plan, &|p, out, stats| {
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
    })
}

/// `keep-alive`: connections are reused — at most 2× the bound accepted.
fn keep_alive(kit: &Kit) -> Result<(), String> {
    let plan = Plan {
        concurrency: Some(4),
        ..Plan::new(40, ms(2))
    };
    kit.run(plan, &|_, out, stats| {
        all_ok(out)?;
        if stats.connections > 8 {
            return Err(format!(
                "{} connections for 4 at once with keep-alive: connections are not reused",
                stats.connections
            ));
        }
        Ok(())
    })
}

/// `no-keep-alive`: with keep-alive off, exactly one connection per request.
fn no_keep_alive(kit: &Kit) -> Result<(), String> {
    let plan = Plan {
        concurrency: Some(4),
        keep_alive: false,
        ..Plan::new(12, ms(2))
    };
    kit.run(plan, &|p, out, stats| {
        all_ok(out)?;
        if stats.connections != p.requests {
            return Err(format!(
                "{} connections for {} requests with keep-alive off: expected one each",
                stats.connections, p.requests
            ));
        }
        Ok(())
    })
}

/// `connect-error`: five requests to a closed port, five `connect` errors.
fn connect_error(kit: &Kit) -> Result<(), String> {
    let row = kit.row;
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

/// `faults`: every injected fault on byte bodies ends as core says.
fn faults(kit: &Kit) -> Result<(), String> {
    faults_on(kit, Format::Bytes)
}

/// `json-faults`: the same on JSON documents (a corrupted one a `decode` error).
fn json_faults(kit: &Kit) -> Result<(), String> {
    faults_on(kit, Format::Json)
}

/// [`CHECK_FAULTS`] on bodies of `format`, checked by [`faults_match`].
fn faults_on(kit: &Kit, format: Format) -> Result<(), String> {
    let plan = Plan {
        concurrency: Some(8),
        timeout: ms(500),
        faults: CHECK_FAULTS,
        format,
        bytes: if format == Format::Json { 1024 } else { 256 },
        ..Plan::new(if kit.sequential() { 100 } else { 150 }, ms(5))
    };
    kit.run(plan, &faults_match)
}

/// `https`: documents decoded and verified over TLS, the target's CA the
/// only root; the server completed a handshake.
fn https(kit: &Kit) -> Result<(), String> {
    if !kit.has_tls() {
        return NOT_APPLICABLE;
    }
    let plan = Plan {
        tls: true,
        bytes: 2048,
        format: Format::Json,
        ..Plan::new(30, ms(20))
    };
    kit.run(plan, &|_, out, stats| {
        all_ok(out)?;
        if stats.tls.handshakes == 0 {
            return Err("the server completed no TLS handshake".into());
        }
        Ok(())
    })
}

/// `untrusted`: HTTPS to the other server, trusting only the first one's
/// CA: every request a `tls` error — proof that the row verifies the
/// certificate.
fn untrusted(kit: &Kit) -> Result<(), String> {
    if !kit.has_tls() {
        return NOT_APPLICABLE;
    }
    let ca = kit.target.ca.clone().ok_or("the server has no CA")?;
    let wrong = Target {
        ca: Some(ca),
        ..kit.other.target()
    };
    let p = Plan {
        tls: true,
        ..Plan::new(6, Duration::ZERO)
    };
    let out = kit
        .row
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

/// `http1`: asked for HTTP/1.1, the server answered every request over it.
fn http1(kit: &Kit) -> Result<(), String> {
    protocol_used(kit, Protocol::Http1)
}

/// `http2`: asked for HTTP/2, the server answered every request over it.
fn http2(kit: &Kit) -> Result<(), String> {
    protocol_used(kit, Protocol::Http2)
}

/// 20 requests, 10 at once, over `protocol` (HTTPS when the row has TLS,
/// else cleartext — h2c for HTTP/2), if the row offers it.
fn protocol_used(kit: &Kit, protocol: Protocol) -> Result<(), String> {
    if !kit.desc.protocols.contains(&protocol) {
        return NOT_APPLICABLE;
    }
    let plan = Plan {
        tls: kit.has_tls(),
        protocol,
        concurrency: Some(10),
        ..Plan::new(20, ms(20))
    };
    kit.run(plan, &|p, out, stats| {
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
    })
}

/// `foreign`: the same rules against a foreign server (`--url`), here the
/// kit's server behind URL templates: a 2xx (not only 200) succeeds; a JSON
/// answer of any shape is decoded (`/stats`, which is not the project's
/// document) and a byte body read, both successes with their content not
/// verified; a body that is not JSON under a JSON plan is `decode`, a 503
/// `status`. Over HTTPS: with the server's CA every request succeeds;
/// without it, the row's usual roots ([`crate::Description::roots`]) do not
/// hold the server's throwaway CA, so every request is a `tls` error —
/// verification stays on.
fn foreign(kit: &Kit) -> Result<(), String> {
    let addr = &kit.target.addr;
    let at = |url: &str| Target::foreign(&format!("http://{addr}{url}")).map_err(|e| e.to_string());
    let json = |n| Plan {
        format: Format::Json,
        ..Plan::new(n, Duration::ZERO)
    };
    let unverified = |_: &Plan, out: &Outcome, _: &ServerStats| match out
        .samples
        .iter()
        .find(|s| !s.ok() || s.verified)
    {
        Some(s) => Err(format!(
            "request {} to a foreign server ended as {} (verified {}), expected a success with its content not verified",
            s.id,
            s.error.map_or("ok", ErrorKind::as_str),
            s.verified
        )),
        None => Ok(()),
    };
    let all = |kind: ErrorKind| {
        move |_: &Plan, out: &Outcome, _: &ServerStats| match out
            .samples
            .iter()
            .find(|s| s.error != Some(kind))
        {
            Some(s) => Err(format!(
                "request {} to a foreign server ended as {}, expected {kind}",
                s.id,
                s.error.map_or("ok", ErrorKind::as_str)
            )),
            None => Ok(()),
        }
    };
    let n = if kit.sequential() { 4 } else { 8 };
    kit.run_at(&at("/stats")?, json(n), &unverified)
        .map_err(|e| format!("JSON of another shape: {e}"))?;
    kit.run_at(
        &at("/status/201")?,
        Plan::new(n, Duration::ZERO),
        &unverified,
    )
    .map_err(|e| format!("a 201: {e}"))?;
    kit.run_at(
        &at("/delay/0?id={i}&bytes=64")?,
        json(n),
        &all(ErrorKind::Decode),
    )
    .map_err(|e| format!("a body that is not JSON: {e}"))?;
    kit.run_at(&at("/status/503")?, json(n), &all(ErrorKind::Status))
        .map_err(|e| format!("a 503: {e}"))?;
    if !kit.has_tls() {
        return Ok(());
    }
    let https = Target::foreign(&format!("https://{addr}/stats")).map_err(|e| e.to_string())?;
    let tls = |n| Plan {
        tls: true,
        ..json(n)
    };
    let with_ca = Target {
        ca: kit.target.ca.clone(),
        ..https.clone()
    };
    kit.run_at(&with_ca, tls(n), &unverified)
        .map_err(|e| format!("HTTPS with the server's CA: {e}"))?;
    kit.run_at(&https, tls(4), &all(ErrorKind::Tls))
        .map_err(|e| format!("HTTPS trusting the row's usual roots: {e}"))
}

/// `timeout`: a request stalled for 5 s with a 300 ms timeout ends as
/// `timeout`, within the timeout plus a second.
fn timeout(kit: &Kit) -> Result<(), String> {
    let plan = Plan {
        timeout: ms(300),
        ..Plan::new(if kit.sequential() { 2 } else { 4 }, ms(5_000))
    };
    kit.run(plan, &|p, out, _| {
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
    })
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

/// A loopback port with nothing listening (bound, then released).
fn closed_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.local_addr().map(|a| a.port())
}
