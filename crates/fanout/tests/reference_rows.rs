//! The reference programs (Python, Node.js, Go), through the same code path
//! the sweep uses — a server child, the program in a child process, `wait4`
//! — each holding to the contract: every body verified and every JSON
//! document decoded and verified, over HTTP and HTTPS; keep-alive off and
//! the bound honoured; connect and TLS failures classified; injected
//! faults counted exactly as core decides them. A broken program fails
//! here instead of rotting.
//!
//! Each program is also held to the protocols it declares (the server
//! answered every request over HTTP/1.1, or HTTP/2), and the faults are
//! counted exactly over HTTP/2 too for the programs that speak it.
//!
//! Python's environment, Node.js and the Go build are set up by the harness
//! on first use. A machine without `go` skips the Go rows with the reason (the
//! README's test command passes on the bare image); CI installs Go and sets
//! `FANOUT_REQUIRE_GO=1`, which turns that skip into a failure.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use fanout::harness::child;
use fanout::harness::server::ServerProcess;
use fanout::reference::{Language, PROGRAMS};
use fanout::registry::RowSpec;
use fanout_core::conformance::CHECK_FAULTS;
use fanout_core::{ErrorKind, Fault, Format, Plan, Protocol};
use fanout_results::Summary;

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_fanout"))
}

/// The programs that can run here; Go is skipped (with the reason) when
/// it is missing, unless `FANOUT_REQUIRE_GO` is set.
fn programs() -> Vec<RowSpec> {
    let mut out = Vec::new();
    for p in &PROGRAMS {
        let row = RowSpec::Program(p);
        match row.unavailable() {
            None => out.push(row),
            Some(why)
                if p.language == Language::Go
                    && std::env::var_os("FANOUT_REQUIRE_GO").is_none() =>
            {
                eprintln!("skipped {}: {why}", p.id);
            }
            Some(why) => panic!("{} cannot run: {why}", p.id),
        }
    }
    out
}

fn plan(requests: u64, delay_ms: u64) -> Plan {
    Plan {
        heartbeat: Duration::from_millis(5),
        ..Plan::new(requests, Duration::from_millis(delay_ms))
    }
}

#[test]
fn every_program_verifies_every_body_and_document_over_http_and_https() {
    for row in programs() {
        for (format, tls, concurrency, keep_alive) in [
            (Format::Bytes, false, None, true),
            (Format::Bytes, false, Some(3), false),
            (Format::Json, false, Some(4), true),
            (Format::Json, true, None, true),
        ] {
            let n = 24;
            let p = Plan {
                bytes: 1500,
                format,
                tls,
                concurrency,
                keep_alive,
                ..plan(n, 20)
            };
            let r = fanout::harness::run_once(exe(), row.id(), &p)
                .unwrap_or_else(|e| panic!("{} on {p:?}: {e:#}", row.id()));
            let s = &r.summary;
            let what = format!(
                "{} ({format:?}, tls {tls}, bound {concurrency:?}, keep-alive {keep_alive})",
                row.id()
            );
            assert_eq!(s.row, row.id());
            assert_eq!((s.requests, s.ok, s.verified), (n, n, n), "{what}: {s:?}");
            assert!(s.errors.is_empty(), "{what}: {:?}", s.errors);
            let bytes = if format == Format::Bytes { n * 1500 } else { 0 };
            assert_eq!(s.bytes, bytes, "{what}");
            assert!(s.latency_ms.p50 >= 20.0 && s.wall_ms > 0.0, "{what}: {s:?}");
            assert!(s.heartbeat.ticks > 0, "{what}: no heartbeat ticks");
            assert!(
                r.peak_rss_kib > 0 && r.exit_code == 0 && r.threads_peak > 0,
                "{what}"
            );
            let cap = row.describe().max_concurrency.unwrap_or(u64::MAX);
            let max = concurrency.unwrap_or(n).min(cap);
            assert!(
                r.server.peak_in_flight <= max,
                "{what}: {} in flight, bound {max}",
                r.server.peak_in_flight
            );
            if !keep_alive {
                assert_eq!(r.server.connections, n, "{what}: a connection per request");
            }
            if tls {
                assert!(r.server.tls.handshakes > 0, "{what}: no TLS handshake");
            }
        }
    }
}

#[test]
fn every_program_speaks_the_protocols_it_declares() {
    for row in programs() {
        let declared = row.describe().protocols;
        for protocol in [Protocol::Http1, Protocol::Http2] {
            if !declared.contains(&protocol) {
                continue;
            }
            let n = 20;
            let p = Plan {
                tls: true,
                protocol,
                format: Format::Json,
                concurrency: Some(5),
                ..plan(n, 5)
            };
            let r = fanout::harness::run_once(exe(), row.id(), &p)
                .unwrap_or_else(|e| panic!("{} on {protocol:?}: {e:#}", row.id()));
            let what = format!("{} on {protocol:?}", row.id());
            assert_eq!(r.summary.verified, n, "{what}: {:?}", r.summary.errors);
            let served = match protocol {
                Protocol::Http2 => r.server.http2.requests,
                _ => r.server.http1.requests,
            };
            assert_eq!(
                served, n,
                "{what}: the server answered {served} of {n} over it"
            );
        }
    }
}

#[test]
fn every_program_counts_every_injected_fault_exactly() {
    for row in programs() {
        let http2 = row.describe().protocols.contains(&Protocol::Http2);
        for (format, protocol) in [
            (Format::Bytes, Protocol::Auto),
            (Format::Json, Protocol::Auto),
            (Format::Json, Protocol::Http2),
        ] {
            if protocol == Protocol::Http2 && !http2 {
                continue;
            }
            let p = Plan {
                concurrency: Some(8),
                timeout: Duration::from_millis(500),
                faults: CHECK_FAULTS,
                format,
                bytes: 1024,
                tls: protocol == Protocol::Http2,
                protocol,
                ..plan(120, 5)
            };
            let expected: BTreeMap<ErrorKind, u64> = Fault::ALL
                .into_iter()
                .filter_map(|f| Some((f.expected_kind(format)?, p.faults.count(f, p.requests))))
                .filter(|&(_, n)| n > 0)
                .collect();
            let r = fanout::harness::run_once(exe(), row.id(), &p)
                .unwrap_or_else(|e| panic!("{}: {e:#}", row.id()));
            assert_eq!(
                r.summary.errors,
                expected,
                "{} ({format:?}, {protocol:?}): errors by kind",
                row.id()
            );
            for f in Fault::ALL {
                assert_eq!(
                    r.server.injected.of(f),
                    p.faults.count(f, p.requests),
                    "{} ({format:?}, {protocol:?}): the server injected {} {} faults (a retry?)",
                    row.id(),
                    r.server.injected.of(f),
                    f.as_str()
                );
            }
        }
    }
}

/// Runs `row` on `plan` against `server`'s address with `ca`, directly.
fn run_against(row: &RowSpec, plan: &Plan, server: &ServerProcess, ca: Option<&Path>) -> Summary {
    let mut target = server.target().clone();
    target.ca = ca.map(Path::to_path_buf);
    let cmd = row.command(exe(), plan, &target).unwrap();
    let f = child::run(cmd, Duration::from_secs(60)).unwrap();
    assert_eq!(
        f.status.code(),
        Some(1),
        "{}: {}",
        row.id(),
        f.last_error_line()
    );
    serde_json::from_str(child::last_line(&f.stdout))
        .unwrap_or_else(|e| panic!("{}: no summary ({e}): {}", row.id(), f.stdout))
}

#[test]
fn every_program_fails_cleanly_on_a_closed_port_and_an_untrusted_certificate() {
    let a = ServerProcess::start(exe(), &[]).unwrap();
    let b = ServerProcess::start(exe(), &[]).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for row in programs() {
        // HTTPS to server b, trusting only server a's CA: verification must fail.
        let p = Plan {
            tls: true,
            ..plan(5, 0)
        };
        let s = run_against(&row, &p, &b, a.target().ca.as_deref());
        assert_eq!(
            s.ok,
            0,
            "{}: succeeded against an untrusted certificate",
            row.id()
        );
        assert_eq!(
            s.errors.get(&ErrorKind::Tls),
            Some(&5),
            "{}: {:?}",
            row.id(),
            s.errors
        );

        let target = fanout_core::Target::parse(&format!("127.0.0.1:{port}")).unwrap();
        let cmd = row.command(exe(), &plan(5, 0), &target).unwrap();
        let f = child::run(cmd, Duration::from_secs(60)).unwrap();
        assert_eq!(f.status.code(), Some(1), "{}", row.id());
        let s: Summary = serde_json::from_str(child::last_line(&f.stdout)).unwrap();
        assert_eq!(
            s.errors.get(&ErrorKind::Connect),
            Some(&5),
            "{}: {:?}",
            row.id(),
            s.errors
        );
    }
}
