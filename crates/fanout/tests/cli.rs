//! The `fanout` binary: bad arguments get a one-line error and a non-zero
//! exit; an unreachable target is a run of classified connect errors, not a
//! panic; a good run starts its own server child, verifies every body and
//! says what the server saw.

use std::process::{Command, Output};

mod common;
use common::{fanout, stderr};

/// Failed requests in a `fanout run --json` summary, all kinds.
fn failed(v: &serde_json::Value) -> u64 {
    v["errors"]
        .as_object()
        .expect("errors is an object")
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

fn assert_clean_failure(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "expected failure, got {:?}; stderr: {err}",
        o.status
    );
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
}

#[test]
fn an_unknown_row_lists_the_known_ids_on_one_line() {
    let o = fanout(&[
        "run",
        "--runtime",
        "nope",
        "--requests",
        "1",
        "--delay",
        "1ms",
    ]);
    assert_clean_failure(&o, "unknown row \"nope\"");
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for id in [
        "sequential-ureq",
        "threads-ureq",
        "threadpool-ureq",
        "tokio-reqwest",
        "tokio-hyper",
    ] {
        assert!(err.contains(id), "{err}");
    }
}

#[test]
fn bad_numbers_and_durations_are_rejected() {
    let base = [
        "run",
        "--runtime",
        "tokio-reqwest",
        "--target",
        "http://127.0.0.1:9",
    ];
    for (extra, needle) in [
        (&["--requests", "0", "--delay", "1ms"][..], "--requests"),
        (&["--requests", "-3", "--delay", "1ms"][..], "'-3'"),
        (&["--requests", "ten", "--delay", "1ms"][..], "--requests"),
        (&["--requests", "5", "--delay", "abc"][..], "--delay"),
        (&["--requests", "5", "--delay", "100"][..], "--delay"),
        (
            &["--requests", "5", "--delay", "1ms", "--concurrency", "0"][..],
            "--concurrency",
        ),
        (
            &["--requests", "5", "--delay", "1ms", "--timeout", "0s"][..],
            "timeout",
        ),
        (&["--requests", "5", "--delay", "61s"][..], "delay"),
        (&["--requests", "5"][..], "--delay"),
        (&["--workload", "nope"][..], "unknown workload \"nope\""),
        (&["--workload", "api", "--rtt", "-5ms"][..], "--rtt"),
        (&["--workload", "api", "--rtt", "soon"][..], "--rtt"),
        (&["--workload", "api", "--rtt", "11s"][..], "at most 10 s"),
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        assert_clean_failure(&fanout(&args), needle);
    }
}

#[test]
fn a_bad_round_trip_is_one_line_and_exit_2_before_anything_runs() {
    for args in [
        &["run", "-r", "tokio-reqwest", "-w", "api", "--rtt", "-25ms"][..],
        &[
            "run",
            "-r",
            "tokio-reqwest",
            "-n",
            "1",
            "-d",
            "0ms",
            "--rtt",
            "25",
        ],
        &[
            "run",
            "-r",
            "tokio-reqwest",
            "-w",
            "api-wan",
            "--rtt",
            "10001ms",
        ],
        &[
            "sweep",
            "--workloads",
            "api-wan",
            "--rtt",
            "lots",
            "--out",
            "/nonexistent/x",
        ],
    ] {
        let o = fanout(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: --rtt"), "{args:?}: {err}");
    }
}

#[test]
fn a_target_that_emulates_another_round_trip_is_refused_before_anything_runs() {
    let server = fanout_server::Server::start(fanout_server::Config::default()).unwrap();
    let target = server.base_url();
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "-w",
        "api-wan",
        "--target",
        &target,
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("fanout serve --rtt 25ms"), "{err}");
    assert_eq!(server.stats().requests, 1, "only /stats was asked: {err}");
    // The sweep too, before its first cell (the server lets it reset).
    let server = resettable_server();
    let out = std::env::temp_dir().join(format!("fanout-rtt-refused-{}", std::process::id()));
    let o = fanout(&[
        "sweep",
        "--rows",
        "tokio-reqwest",
        "--workloads",
        "h2-wan",
        "--target",
        &server.base_url(),
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("fanout serve --rtt 25ms"), "{err}");
    assert!(!out.exists(), "nothing written");
    assert_eq!(server.stats().requests, 1, "a reset, then /stats: {err}");
}

#[test]
fn a_sweep_against_a_server_by_hand_runs_the_plans_of_its_round_trip_only() {
    let server = resettable_server();
    let out = std::env::temp_dir().join(format!("fanout-rtt-mixed-{}", std::process::id()));
    let o = fanout(&[
        "sweep",
        "--rows",
        "tokio-reqwest",
        "--workloads",
        "demo,api-wan",
        "--repeats",
        "1",
        "--no-tools",
        "--target",
        &server.base_url(),
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results = fanout_results::Results::load_any(&out).unwrap();
    let _ = std::fs::remove_dir_all(&out);
    let status = |w: &str| {
        let c = results.cells.iter().find(|c| c.workload == w).unwrap();
        c.status.clone()
    };
    assert!(
        matches!(status("demo"), fanout_results::CellStatus::Done { .. }),
        "{:?}",
        status("demo")
    );
    assert!(
        matches!(status("api-wan"), fanout_results::CellStatus::Unsupported { reason } if reason.contains("fanout serve --rtt 25ms")),
        "{:?}",
        status("api-wan")
    );
}

#[test]
fn a_cell_whose_warm_up_alone_is_over_the_budget_is_not_measured_and_says_why() {
    // `demo` is 5 × 500 ms at once: projected at 500 ms, within a 501 ms
    // budget, but its run takes the delay and the client's start besides.
    let out = std::env::temp_dir().join(format!("fanout-over-budget-{}", std::process::id()));
    let o = fanout(&[
        "sweep",
        "--rows",
        "tokio-reqwest",
        "--workloads",
        "demo",
        "--cell-budget",
        "501ms",
        "--no-tools",
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results = fanout_results::Results::load_any(&out).unwrap();
    let _ = std::fs::remove_dir_all(&out);
    let cell = results.cells.iter().find(|c| c.workload == "demo").unwrap();
    match &cell.status {
        fanout_results::CellStatus::Skipped {
            reason,
            projected_s: None,
        } => assert!(
            reason.contains("its warm-up run took") && reason.contains("(5 of 5 requests ok)"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_run_at_a_round_trip_costs_its_round_trips_through_a_row() {
    // 100 ms round trips, 20 ms delay, three requests one at a time; the
    // slack is one round trip per request for the machine's own time.
    let (rtt, delay, n) = (100.0, 20.0, 3.0);
    for (row, extra, want) in [
        // keep-alive HTTP: TCP's handshake once, then a round trip a request
        ("sequential-ureq", &[][..], rtt + n * (rtt + delay)),
        ("tokio-reqwest", &[][..], rtt + n * (rtt + delay)),
        // a new HTTPS connection a request: TCP + TLS 1.3 + the request
        // (HTTP/1.1: over ALPN's HTTP/2, `Connection: close` is moot)
        (
            "tokio-reqwest",
            &["--tls", "--no-keep-alive", "--protocol", "http1"][..],
            n * (3.0 * rtt + delay),
        ),
        (
            "sequential-ureq",
            &["--tls", "--no-keep-alive"][..],
            n * (3.0 * rtt + delay),
        ),
        // HTTP/2: TCP and TLS once, then a round trip a request
        (
            "tokio-reqwest",
            &["--tls", "--protocol", "http2"][..],
            2.0 * rtt + n * (rtt + delay),
        ),
    ] {
        let mut args = vec![
            "run", "-r", row, "-n", "3", "-d", "20ms", "-c", "1", "--rtt", "100ms", "--json",
        ];
        args.extend(extra);
        let o = fanout(&args);
        assert_eq!(o.status.code(), Some(0), "{row} {extra:?}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["ok"], 3, "{v}");
        let wall = v["wall_ms"].as_f64().unwrap();
        assert!(
            wall >= want && wall <= want + n * rtt,
            "{row} {extra:?}: {wall} ms, want {want} ms (+ up to {} ms)",
            n * rtt
        );
    }
}

#[test]
fn a_bad_target_url_is_rejected() {
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "-n",
        "1",
        "-d",
        "1ms",
        "--target",
        "ftp://x",
    ]);
    assert_clean_failure(&o, "target");
}

#[test]
fn an_unreachable_target_is_classified_connect_errors() {
    // A port with nothing listening: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}");
    for row in ["sequential-ureq", "tokio-reqwest"] {
        let o = fanout(&[
            "run", "-r", row, "-n", "7", "-d", "0ms", "--target", &target, "--json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{row}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
        assert_eq!(v["requests"], 7);
        assert_eq!(v["ok"], 0);
        assert_eq!(v["errors"]["connect"], 7, "{v}");
        assert!(stderr(&o).contains("7 of 7 requests"), "{}", stderr(&o));
    }
}

#[test]
fn a_run_starts_its_own_server_and_verifies_every_body() {
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "-n",
        "50",
        "-d",
        "10ms",
        "--bytes",
        "3000",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["row"], "tokio-reqwest");
    assert_eq!(v["ok"], 50);
    assert_eq!(v["verified"], 50);
    assert_eq!(v["bytes"], 150_000);
    assert!(v["errors"].as_object().unwrap().is_empty());
    for key in ["wall_ms", "req_per_s"] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key}: {v}");
    }
    for key in ["p50", "p99", "max"] {
        assert!(v["latency_ms"][key].as_f64().unwrap() >= 10.0, "{key}: {v}");
    }
    assert!(v["heartbeat"]["ticks"].as_u64().is_some());
}

#[test]
fn list_shows_every_row_with_model_and_status() {
    let o = fanout(&["list"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for row in fanout::registry::all() {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(row.id()))
            .unwrap_or_else(|| panic!("{} missing:\n{out}", row.id()));
        let d = row.describe();
        assert!(
            line.contains(d.client)
                && line.contains(d.model.as_str())
                && line.contains(d.idiom.as_str())
                && line.contains(d.tls.unwrap_or("none")),
            "{line}"
        );
    }
}

#[test]
fn report_refuses_missing_corrupt_or_foreign_results_and_overwrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let out_s = out.to_str().unwrap();
    // Missing.
    assert_clean_failure(&fanout(&["report", "--out", out_s]), "run `fanout sweep`");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("README.md"), "keep me").unwrap();
    for (json, needle) in [
        ("{not json", "not valid JSON"),
        ("{\"rows\": []}", "no schema field"),
        ("{\"schema\": 999}", "schema 999"),
        ("{\"schema\": 1, \"rows\": 5}", "written by an older fanout"),
        ("{\"schema\": 2, \"rows\": 5}", "does not match schema"),
    ] {
        std::fs::write(out.join("results.json"), json).unwrap();
        assert_clean_failure(&fanout(&["report", "--out", out_s]), needle);
        assert_eq!(
            std::fs::read_to_string(out.join("README.md")).unwrap(),
            "keep me"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("results.json")).unwrap(),
            json
        );
    }
}

#[test]
fn sweep_rejects_unknown_rows_and_workloads() {
    assert_clean_failure(
        &fanout(&["sweep", "--rows", "nope", "--out", "/nonexistent/x"]),
        "unknown row \"nope\"",
    );
    assert_clean_failure(
        &fanout(&["sweep", "--workloads", "nope", "--out", "/nonexistent/x"]),
        "unknown workload \"nope\"",
    );
    assert_clean_failure(&fanout(&["sweep", "--repeats", "0"]), "--repeats");
}

#[test]
fn a_target_that_is_not_an_http_server_is_classified_not_a_panic() {
    // Accepts every connection and closes it at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(200) {
            drop(stream);
        }
    });
    for row in ["sequential-ureq", "tokio-hyper", "tokio-reqwest"] {
        let o = fanout(&[
            "run", "-r", row, "-n", "5", "-d", "0ms", "--target", &target, "--json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{row}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
        let failed = failed(&v);
        assert_eq!((v["ok"].as_u64(), failed), (Some(0), 5), "{row}: {v}");
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn a_server_killed_mid_run_leaves_every_request_accounted_for() {
    use std::io::{BufRead, BufReader};
    let mut server = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut addr = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut addr)
        .unwrap();
    let target = addr.trim().to_string();
    assert!(target.starts_with("http://"), "{target}");
    let client = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "run",
            "-r",
            "tokio-reqwest",
            "-n",
            "60",
            "-d",
            "200ms",
            "-c",
            "6",
            "--timeout",
            "5s",
            "--target",
            &target,
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // 60 × 200 ms, 6 at a time, is about 2 s: kill the server part-way.
    std::thread::sleep(std::time::Duration::from_millis(700));
    server.kill().unwrap();
    server.wait().unwrap();
    let o = client.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let ok = v["ok"].as_u64().unwrap();
    let failed = failed(&v);
    assert_eq!(ok + failed, 60, "{v}");
    assert!(ok > 0 && failed > 0, "{v}");
    assert!(stderr(&o).contains("of 60 requests"), "{}", stderr(&o));
}

#[test]
fn an_interrupted_sweep_keeps_the_previous_results_and_saves_what_finished() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("README.md"), "previous results").unwrap();
    let sweep = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "sweep",
            "--rows",
            "tokio-hyper",
            "--workloads",
            "demo,latency",
            "--repeats",
            "3",
            "--no-progress",
            "--out",
        ])
        .arg(&out)
        // `latency` names oha: this test is about Ctrl-C, not about building it.
        .env("FANOUT_NO_TOOLS", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let pid = nix::unistd::Pid::from_raw(sweep.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let o = sweep.wait_with_output().unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("README.md")).unwrap(),
        "previous results"
    );
    assert!(!out.join("results.json").exists());
    let partial = fanout_results::Results::load(&dir.path().join("results.partial.json"))
        .expect("a readable partial file");
    assert_eq!(partial.rows.len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".results"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_workload_preset_takes_explicit_plan_options_and_says_what_changed() {
    let o = fanout(&[
        "run",
        "--runtime",
        "tokio-hyper",
        "-w",
        "faults",
        "-n",
        "200",
        "--json",
    ]);
    // Faults make some requests fail: exit 1, every request accounted for.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(v["requests"], 200, "{v}");
    let failed = failed(&v);
    assert!(failed > 0 && failed < 50, "{v}");
    assert!(
        stderr(&o).contains("workload faults with requests 500 → 200"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn https_and_json_from_the_command_line_are_verified() {
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "-n",
        "20",
        "-d",
        "1ms",
        "--tls",
        "--format",
        "json",
        "--bytes",
        "2048",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    assert_eq!(
        (v["ok"].as_u64(), v["verified"].as_u64()),
        (Some(20), Some(20)),
        "{v}"
    );
}

#[test]
fn a_plan_the_row_cannot_run_is_refused_with_the_reason() {
    let o = fanout(&[
        "run",
        "-r",
        "sequential-ureq",
        "-n",
        "2",
        "-d",
        "1ms",
        "--protocol",
        "http2",
    ]);
    assert_clean_failure(&o, "cannot be held to HTTP/2");
}

/// The `server` lines of a human `fanout run`, one per plan.
fn server_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("server "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn a_run_on_its_own_server_says_what_the_server_saw_under_each_plan() {
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "-r", "sequential-ureq", "-n", "5", "-d", "0ms"];
        args.extend_from_slice(extra);
        let o = fanout(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        server_lines(&o)
    };
    assert_eq!(
        run(&[]),
        ["server HTTP/1.1 · 1 connection opened · at most 1 request open on one connection"]
    );
    let tls = run(&["--tls", "--no-keep-alive"]);
    assert_eq!(tls.len(), 1, "{tls:?}");
    assert!(
        tls[0].starts_with(
            "server HTTP/1.1 · 5 connections opened · at most 1 request open on one connection · TLS 5 handshakes, "
        ),
        "{tls:?}"
    );
    // HTTP/2, one at a time: one connection, one stream open at a time.
    let o = fanout(&[
        "run",
        "-r",
        "tokio-hyper",
        "-n",
        "6",
        "-d",
        "0ms",
        "-c",
        "1",
        "--protocol",
        "http2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        server_lines(&o),
        ["server HTTP/2 · 1 connection opened · at most 1 request open on one connection"]
    );
    // A workload of two plans: a line under each, counted apart.
    let o = fanout(&[
        "run",
        "-r",
        "tokio-hyper",
        "-w",
        "h2",
        "-n",
        "20",
        "-d",
        "1ms",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = server_lines(&o);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("server HTTP/1.1 · "), "{lines:?}");
    assert!(lines[1].starts_with("server HTTP/2 · "), "{lines:?}");
    assert!(lines.iter().all(|l| l.contains(" · TLS ")), "{lines:?}");
    // JSON lines stay what the sweep reads: no server line, nothing asked of it.
    let o = fanout(&[
        "run",
        "-r",
        "sequential-ureq",
        "-n",
        "2",
        "-d",
        "0ms",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server_lines(&o).is_empty());
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("one JSON object");
}

/// A server by hand that lets a sweep zero its counters (`--allow-reset`).
fn resettable_server() -> fanout_server::Server {
    fanout_server::Server::start(fanout_server::Config {
        allow_reset: true,
        ..fanout_server::Config::default()
    })
    .unwrap()
}
