//! The Python reference programs, through the same code path the sweep uses
//! (server child, client child, `wait4`): each verifies every body of a tiny
//! plan and prints the same JSON summary as `fanout run --json`. A broken
//! baseline fails here instead of rotting. The harness builds their Python
//! environment on first use (`fanout::python_env`); if it cannot, these
//! tests fail with the reason.

use std::path::Path;
use std::time::Duration;

use fanout::reference::{PYTHON_ROWS, python_unavailable};
use fanout_core::Plan;

#[test]
fn every_python_baseline_verifies_every_body_through_the_sweep() {
    if let Some(why) = python_unavailable() {
        panic!("the Python baselines cannot run: {why}");
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_fanout"));
    for row in PYTHON_ROWS {
        for (requests, concurrency, keep_alive) in [(30, None, true), (12, Some(3), false)] {
            let plan = Plan {
                bytes: 1500,
                concurrency,
                keep_alive,
                heartbeat: Duration::from_millis(5),
                ..Plan::new("http://127.0.0.1:1", requests, Duration::from_millis(20))
            };
            let r = fanout::sweep::run_once(exe, row.id, &plan)
                .unwrap_or_else(|e| panic!("{}: {e:#}", row.id));
            let s = &r.summary;
            assert_eq!(s.runtime, row.id);
            assert_eq!(
                (s.requests, s.ok, s.verified),
                (requests, requests, requests),
                "{}: {s:?}",
                row.id
            );
            assert!(s.errors.is_empty(), "{}: {:?}", row.id, s.errors);
            assert_eq!(s.bytes, requests * 1500);
            assert!(
                s.latency_ms.p50 >= 20.0 && s.wall_ms > 0.0,
                "{}: {s:?}",
                row.id
            );
            assert!(s.heartbeat.ticks > 0, "{}: no heartbeat ticks", row.id);
            assert!(r.peak_rss_kib > 0 && r.exit_code == 0);
            let max = concurrency
                .unwrap_or(requests)
                .min(row.max_concurrency.unwrap_or(u64::MAX));
            assert!(
                r.server_peak_in_flight <= max,
                "{}: {} in flight, bound {max}",
                row.id,
                r.server_peak_in_flight
            );
            if !keep_alive {
                assert_eq!(
                    r.server_connections, requests,
                    "{}: keep-alive off must use a connection per request",
                    row.id
                );
            }
        }
    }
}

#[test]
fn a_python_baseline_against_a_closed_port_counts_connect_errors() {
    if python_unavailable().is_some() {
        panic!(
            "the Python baselines cannot run: {}",
            python_unavailable().unwrap_or_default()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let plan = Plan::new(format!("http://127.0.0.1:{port}"), 5, Duration::ZERO);
    for row in PYTHON_ROWS {
        let out = row
            .command(&serde_json::to_string(&plan).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", row.id);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["errors"]["connect"], 5, "{}: {v}", row.id);
    }
}

#[test]
fn python_baselines_fetch_the_same_faulty_urls_and_count_every_kind() {
    if let Some(why) = python_unavailable() {
        panic!("the Python baselines cannot run: {why}");
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_fanout"));
    let plan = Plan {
        concurrency: Some(8),
        timeout: Duration::from_millis(500),
        faults: fanout_core::conformance::CHECK_FAULTS,
        ..Plan::new("http://127.0.0.1:1", 120, Duration::from_millis(5))
    };
    let expected: std::collections::BTreeMap<String, u64> = fanout_core::Fault::ALL
        .into_iter()
        .filter_map(|f| {
            Some((
                f.expected_kind()?.as_str().to_string(),
                plan.faults.count(f, plan.requests),
            ))
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    for row in PYTHON_ROWS {
        let r = fanout::sweep::run_once(exe, row.id, &plan)
            .unwrap_or_else(|e| panic!("{}: {e:#}", row.id));
        assert_eq!(r.summary.errors, expected, "{}: errors by kind", row.id);
        assert_eq!(
            r.summary.plan.faults, plan.faults,
            "{}: the plan echoed back",
            row.id
        );
    }
}
