//! `--url`: every row against a server that is not the project's. A tiny
//! HTTP server written here (that no row knows) answers JSON, HTML and a
//! 404; the project's own server stands in for an HTTPS API given with
//! `--ca` (and without it, each client's usual roots refuse it); the local
//! httpbin of the `httpbin` workload echoes each request's query. A host
//! outside loopback is refused before anything is sent. No network beyond
//! loopback: the remote hosts are `*.invalid` names, never resolved.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};

use fanout::harness::server::ServerProcess;

mod common;
use common::{fanout, stderr};

/// The summaries a `--json` run printed, one per line.
fn summaries(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `(ok, verified, errors)` of a one-plan `--json` run.
fn outcome(o: &Output) -> (u64, u64, serde_json::Value) {
    let s = summaries(o);
    assert_eq!(s.len(), 1, "stdout: {s:?}; stderr: {}", stderr(o));
    (
        s[0]["ok"].as_u64().unwrap(),
        s[0]["verified"].as_u64().unwrap(),
        s[0]["errors"].clone(),
    )
}

/// A tiny HTTP/1.1 server no row knows: `/items/N` answers `{"item": N,
/// "tags": [...]}` as JSON, `/page` HTML, anything else a 404; keep-alive
/// honoured. It records every path it was asked for.
struct Tiny {
    addr: String,
    paths: Arc<Mutex<Vec<String>>>,
}

impl Tiny {
    fn start() -> Tiny {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&paths);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(conn, &seen));
            }
        });
        Tiny { addr, paths }
    }

    fn paths(&self) -> Vec<String> {
        let mut p = self.paths.lock().unwrap().clone();
        p.sort();
        p
    }
}

fn serve(conn: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut close = false;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h.to_ascii_lowercase().starts_with("connection: close") {
                close = true;
            }
            if h == "\r\n" {
                break;
            }
        }
        seen.lock().unwrap().push(path.clone());
        let (status, kind, body) = if let Some(n) = path.strip_prefix("/items/") {
            (
                "200 OK",
                "application/json",
                format!(r#"{{"item": {n}, "tags": ["a", "b"], "nested": {{"ok": true}}}}"#),
            )
        } else if path.split('?').next() == Some("/page") {
            (
                "200 OK",
                "text/html",
                "<html><body>hello</body></html>".into(),
            )
        } else {
            ("404 Not Found", "text/plain", "not found".into())
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(body.as_bytes()).is_err() {
            return;
        }
        if close {
            let _ = reader.read_to_end(&mut Vec::new());
            return;
        }
    }
}

#[test]
fn every_row_kind_fetches_the_template_from_a_server_no_row_knows() {
    let tiny = Tiny::start();
    let url = format!("http://{}/items/{{i}}", tiny.addr);
    // A blocking row, an async one, and a reference program.
    for row in ["sequential-ureq", "tokio-reqwest", "python-aiohttp-gather"] {
        for format in ["json", "bytes"] {
            let o = fanout(&[
                "run", "-r", row, "--url", &url, "-n", "6", "-c", "3", "--format", format, "--json",
            ]);
            assert!(o.status.success(), "{row} {format}: {}", stderr(&o));
            let (ok, verified, errors) = outcome(&o);
            assert_eq!(
                (ok, verified),
                (6, 0),
                "{row} {format}: content is not verified"
            );
            assert_eq!(errors, serde_json::json!({}), "{row} {format}");
            // The load is said before anything is sent.
            let err = stderr(&o);
            assert!(
                err.contains("sends 6 requests (at most 3 at once)") && err.contains(&url),
                "{row}: {err}"
            );
        }
    }
    let want: Vec<String> = (0..6).map(|i| format!("/items/{i}")).collect();
    let paths = tiny.paths();
    assert_eq!(paths.len(), 3 * 2 * 6, "{paths:?}");
    for p in &want {
        assert_eq!(
            paths.iter().filter(|q| *q == p).count(),
            6,
            "{p}: {paths:?}"
        );
    }
}

#[test]
fn html_to_a_json_plan_is_decode_a_404_is_status_and_no_server_is_connect() {
    let tiny = Tiny::start();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    for row in ["tokio-hyper", "python-httpx-gather"] {
        for (url, format, kind) in [
            (
                format!("http://{}/page?i={{i}}", tiny.addr),
                "json",
                "decode",
            ),
            (
                format!("http://{}/nothing/{{i}}", tiny.addr),
                "json",
                "status",
            ),
            (
                format!("http://{}/nothing/{{i}}", tiny.addr),
                "bytes",
                "status",
            ),
            (format!("http://{closed}/items/{{i}}"), "json", "connect"),
        ] {
            let o = fanout(&[
                "run", "-r", row, "--url", &url, "-n", "4", "--format", format, "--json",
            ]);
            assert_eq!(o.status.code(), Some(1), "{row} {url}: {}", stderr(&o));
            let (ok, _, errors) = outcome(&o);
            assert_eq!(ok, 0);
            assert_eq!(
                errors,
                serde_json::json!({ kind: 4 }),
                "{row} {url} {format}"
            );
            assert!(!stderr(&o).contains("panicked"));
        }
    }
}

#[test]
fn https_to_a_foreign_server_trusts_the_ca_given_and_else_the_usual_roots() {
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_fanout"));
    let server = ServerProcess::start(exe, &[]).expect("a server");
    let target = server.target();
    let ca = target.ca.as_ref().unwrap().to_str().unwrap();
    let url = format!("https://{}/delay/0?id={{i}}&bytes=64", target.addr);
    for row in [
        "sequential-ureq",
        "tokio-reqwest",
        "tokio-hyper",
        "python-requests-sequential",
    ] {
        let o = fanout(&[
            "run", "-r", row, "--url", &url, "--ca", ca, "-n", "3", "--json",
        ]);
        assert!(o.status.success(), "{row}: {}", stderr(&o));
        assert_eq!(outcome(&o).0, 3, "{row}");
        // Its throwaway CA is in no client's usual roots: verification is on.
        let o = fanout(&["run", "-r", row, "--url", &url, "-n", "3", "--json"]);
        assert_eq!(o.status.code(), Some(1), "{row}: {}", stderr(&o));
        assert_eq!(outcome(&o).2, serde_json::json!({"tls": 3}), "{row}");
    }
    // A plan the URL's scheme contradicts is refused, not run.
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "--url",
        &url,
        "--tls",
        "-n",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn the_httpbin_workload_starts_httpbin_and_verifies_its_echoes() {
    for row in ["tokio-hyper", "python-aiohttp-gather"] {
        let o = fanout(&[
            "run",
            "-r",
            row,
            "-w",
            "httpbin",
            "-n",
            "3",
            "--heartbeat",
            "10ms",
            "--json",
        ]);
        assert!(o.status.success(), "{row}: {}", stderr(&o));
        let (ok, verified, _) = outcome(&o);
        assert_eq!((ok, verified), (3, 3), "{row}: every echo verified");
        let s = &summaries(&o)[0];
        let wall = s["wall_ms"].as_f64().unwrap();
        assert!(
            wall >= 1000.0,
            "{row}: /delay/1 takes a second, took {wall} ms"
        );
    }
    // Not sent to httpbin, so refused rather than ignored.
    let o = fanout(&[
        "run",
        "-r",
        "tokio-hyper",
        "-w",
        "httpbin",
        "--delay",
        "5ms",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--delay"), "{}", stderr(&o));
}

#[test]
fn a_remote_host_is_refused_before_anything_is_sent() {
    for cmd in [
        &[
            "run",
            "-r",
            "tokio-reqwest",
            "--url",
            "https://api.example.invalid/items/{i}",
            "-n",
            "5",
        ][..],
        &[
            "run",
            "-r",
            "python-aiohttp-gather",
            "--url",
            "http://10.1.2.3:8080/{i}",
        ][..],
        &[
            "sweep",
            "--url",
            "http://api.example.invalid/{i}",
            "--out",
            "/nonexistent/out",
        ][..],
    ] {
        let o = fanout(cmd);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with("error: ")
                && err.contains("outside this machine's loopback")
                && err.contains("--allow-remote"),
            "{err}"
        );
        assert!(
            !err.contains("note:"),
            "nothing announced, nothing sent: {err}"
        );
        assert!(o.stdout.is_empty());
    }
    // With it, the run goes ahead: an `.invalid` name does not resolve, so
    // every request is a `connect` error, counted.
    let o = fanout(&[
        "run",
        "-r",
        "tokio-reqwest",
        "--url",
        "http://api.example.invalid/{i}",
        "--allow-remote",
        "-n",
        "2",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(outcome(&o).2, serde_json::json!({"connect": 2}));
}

#[test]
fn bad_templates_and_flags_that_cannot_apply_are_one_line_errors() {
    for (args, needle) in [
        (
            &["--url", "ftp://127.0.0.1/{i}"][..],
            "is not http or https",
        ),
        (&["--url", "127.0.0.1:8000/x"][..], "no scheme"),
        (
            &["--url", "http://h{i}.invalid/"][..],
            "path and the query only",
        ),
        (&["--url", "http://127.0.0.1:1/#x"][..], "fragment"),
        (
            &["--url", "http://127.0.0.1:1/", "--bytes", "10"][..],
            "--bytes",
        ),
        (
            &["--url", "http://127.0.0.1:1/", "--rtt", "25ms"][..],
            "--rtt",
        ),
        (
            &["--url", "http://127.0.0.1:1/", "-w", "latency"][..],
            "drop one of them",
        ),
        (&["-w", "url"][..], "give --url"),
        (
            &["--ca", "/tmp/ca.pem", "-n", "1", "-d", "1ms"][..],
            "--target or --url",
        ),
    ] {
        let mut cmd = vec!["run", "-r", "tokio-reqwest"];
        cmd.extend_from_slice(args);
        let o = fanout(&cmd);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_sweep_against_the_users_server_records_it_and_the_report_says_what_was_checked() {
    let tiny = Tiny::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let url = format!("http://{}/items/{{i}}", tiny.addr);
    let o = fanout(&[
        "sweep",
        "--url",
        &url,
        "-n",
        "4",
        "-c",
        "2",
        "--format",
        "json",
        "--rows",
        "tokio-reqwest,sequential-ureq",
        "--repeats",
        "1",
        "--no-progress",
        "--no-tools",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("the sweep sends 4 requests (at most 2 at once) per run"),
        "{err}"
    );
    let results = fanout_results::Results::load(&out.join("results.json")).unwrap();
    assert!(
        results.cells.iter().all(|c| c.workload == "url"),
        "the url workload only"
    );
    assert_eq!(results.cells.len(), 2);
    for c in &results.cells {
        let f = c.foreign.as_ref().expect("the server is named");
        assert_eq!(f.url, url);
        let reps = c.repeats().expect("measured");
        assert!(
            reps.iter()
                .all(|r| r.server.is_none() && r.summary.ok == 4 && r.summary.verified == 0)
        );
    }
    let page = std::fs::read_to_string(out.join("workloads/url.md")).unwrap();
    assert!(
        page.contains("content not verified (foreign server)"),
        "{page}"
    );
    assert!(page.contains(&url), "{page}");
}
