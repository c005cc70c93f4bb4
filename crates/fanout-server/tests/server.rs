//! The server in-process: routes, bodies, bounds, counters, keep-alive and stopping.

mod common;

use std::time::{Duration, Instant};

use common::{Client, get, start, wait_until};
use fanout_core::body::expected;
use fanout_core::stats::{Injected, ProtocolStats, ServerStats};
use fanout_core::{Document, TargetServer};
use fanout_server::{Config, Server};

#[test]
fn delay_bodies_follow_the_rule() {
    let server = start();
    for (id, bytes) in [
        (0, 0),
        (0, 1),
        (7, 3),
        (42, 200_000),
        (u64::MAX, 100),
        (12345, 2),
    ] {
        let reply = get(server.addr(), &format!("/delay/0?id={id}&bytes={bytes}"));
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("content-length"),
            Some(bytes.to_string().as_str())
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/octet-stream")
        );
        assert!(
            reply.body == expected(id, bytes),
            "body of id {id}, {bytes} bytes"
        );
    }
    // id and bytes default to 0; the query may be in either order.
    let reply = get(server.addr(), "/delay/0");
    assert_eq!((reply.status, reply.body.len()), (200, 0));
    assert_eq!(reply.header("content-length"), Some("0"));
    assert_eq!(get(server.addr(), "/delay/0?bytes=5").body, expected(0, 5));
    assert_eq!(
        get(server.addr(), "/delay/0?bytes=9&id=3").body,
        expected(3, 9)
    );
}

#[test]
fn delay_is_honoured() {
    let server = start();
    let started = Instant::now();
    let reply = get(server.addr(), "/delay/150?id=1&bytes=10");
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "answered after {:?}",
        started.elapsed()
    );
}

#[test]
fn bad_requests_get_a_reason_and_the_server_keeps_serving() {
    let server = start();
    let cases = [
        (
            "GET",
            "/delay/abc",
            400,
            "bad request: delay \"abc\" is not a whole number",
        ),
        (
            "GET",
            "/delay/99999999",
            400,
            "bad request: delay 99999999 ms is over the 60000 ms bound",
        ),
        (
            "GET",
            "/delay/-1",
            400,
            "bad request: delay \"-1\" is not a whole number",
        ),
        (
            "GET",
            "/delay/10?bytes=999999999999",
            400,
            "bytes 999999999999 is over the 67108864 byte",
        ),
        (
            "GET",
            "/delay/10?bytes=18446744073709551616",
            400,
            "over the 67108864 byte",
        ),
        (
            "GET",
            "/delay/10?id=1&bites=3",
            400,
            "unknown query parameter \"bites\"",
        ),
        ("GET", "/delay/10?id=1&id=2", 400, "given twice"),
        (
            "GET",
            "/delay/0?id=1&format=xml",
            400,
            "bad request: format \"xml\" is not bytes or json",
        ),
        (
            "GET",
            "/delay/0?format=json&bytes=4194305",
            400,
            "over the 4194304 byte (4 MiB) bound of a JSON document",
        ),
        ("GET", "/status/101", 400, "informational"),
        ("GET", "/status/abc", 400, "not a number"),
        ("GET", "/nope", 404, "not found: no route for \"/nope\""),
        (
            "POST",
            "/delay/0",
            405,
            "method not allowed: /delay/0 takes GET",
        ),
        ("GET", "/stats/reset", 405, "takes POST"),
    ];
    let mut client = Client::connect(server.addr());
    for (method, target, status, reason) in cases {
        let reply = client.request(method, target, "");
        assert_eq!(reply.status, status, "{method} {target}");
        let text = reply.text();
        assert!(
            text.contains(reason),
            "{method} {target}: {text:?} lacks {reason:?}"
        );
        assert_eq!(text.lines().count(), 1, "one line: {text:?}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    // Still serving, on the same connection and on new ones.
    assert_eq!(
        client.request("GET", "/delay/0?id=5&bytes=8", "").body,
        expected(5, 8)
    );
    assert_eq!(
        get(server.addr(), "/delay/0?id=6&bytes=8").body,
        expected(6, 8)
    );
    let stats = server.stats();
    assert_eq!(stats.bad_requests, 11);
    assert_eq!(stats.requests, cases.len() as u64 + 2);
    assert_eq!(stats.connections, 2);
}

#[test]
fn a_broken_request_line_does_not_hurt_the_server() {
    let server = start();
    let mut client = Client::connect(server.addr());
    client.send_raw("this is not http\r\n\r\n");
    let reply = client.read_reply();
    assert_eq!(reply.status, 400);
    assert_eq!(get(server.addr(), "/status/204").status, 204);
}

#[test]
fn status_answers_with_that_status() {
    let server = start();
    for code in [200, 204, 404, 429, 500, 503, 599] {
        let reply = get(server.addr(), &format!("/status/{code}"));
        assert_eq!(reply.status, code);
        assert!(reply.body.is_empty());
    }
    assert_eq!(
        server.stats().bad_requests,
        0,
        "/status/4xx is not a bad request"
    );
}

#[test]
fn stats_count_requests_connections_and_peak() {
    let server = start();
    const N: usize = 16;
    let mut clients: Vec<Client> = (0..N).map(|_| Client::connect(server.addr())).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.send("GET", &format!("/delay/200?id={i}&bytes=100"), "");
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let reply = c.read_reply();
        assert_eq!(reply.body, expected(i as u64, 100));
    }
    let stats = server.stats();
    assert_eq!(stats.requests, N as u64);
    assert_eq!(stats.connections, N as u64);
    assert_eq!(
        stats.in_flight, 0,
        "a handler ends before its answer is read"
    );
    assert!(stats.peak_in_flight >= 1 && stats.peak_in_flight <= N as u64);
    assert_eq!(stats.bad_requests, 0);
}

#[test]
fn peak_in_flight_sees_every_concurrent_request_and_stop_is_prompt() {
    let server = start();
    const N: u64 = 32;
    let mut clients: Vec<Client> = (0..N).map(|_| Client::connect(server.addr())).collect();
    for c in &mut clients {
        c.send("GET", "/delay/60000", "");
    }
    wait_until("every request is in flight", || {
        server.stats().in_flight == N
    });
    let stats = server.stats();
    assert_eq!(
        (stats.peak_in_flight, stats.connections, stats.requests),
        (N, N, 0)
    );

    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    for c in &mut clients {
        assert!(
            c.closed_by_server(),
            "a pending request's connection is closed on stop"
        );
    }
}

#[test]
fn stats_over_http_and_reset() {
    let server = fanout_server::Server::start(fanout_server::Config {
        allow_reset: true,
        ..fanout_server::Config::default()
    })
    .expect("server starts");
    for _ in 0..3 {
        get(server.addr(), "/delay/0");
    }
    get(server.addr(), "/delay/x");
    let reply = get(server.addr(), "/stats");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let over_http: ServerStats = serde_json::from_slice(&reply.body).expect("stats JSON");
    // Snapshot taken before the /stats request itself entered.
    assert_eq!(
        over_http,
        ServerStats {
            requests: 4,
            connections: 5,
            in_flight: 0,
            peak_in_flight: 1,
            bad_requests: 1,
            injected: Injected::default(),
            http1: ProtocolStats {
                connections: 5,
                requests: 4,
                max_streams: 1,
                reset_streams: 0,
            },
            ..ServerStats::default()
        }
    );
    assert_eq!(
        server.stats().requests,
        5,
        "the /stats request counts once answered"
    );

    let mut client = Client::connect(server.addr());
    let reply = client.request("POST", "/stats/reset", "Content-Length: 0\r\n");
    assert_eq!(reply.status, 204);
    assert_eq!(
        server.stats(),
        ServerStats::default(),
        "a reset leaves no trace of itself"
    );

    // In-process reset through the TargetServer trait, while a request is in flight.
    client.send("GET", "/delay/60000", "");
    wait_until("the request is in flight", || server.stats().in_flight == 1);
    get(server.addr(), "/status/200");
    let target: &dyn TargetServer = &server;
    target.reset_stats();
    assert_eq!(
        target.stats(),
        ServerStats {
            in_flight: 1,
            peak_in_flight: 1,
            ..ServerStats::default()
        }
    );
}

#[test]
fn resetting_the_counters_over_http_is_off_unless_allowed() {
    let server = start();
    get(server.addr(), "/status/200");
    let mut client = Client::connect(server.addr());
    let reply = client.request("POST", "/stats/reset", "Content-Length: 0\r\n");
    assert_eq!(reply.status, 403);
    assert!(String::from_utf8_lossy(&reply.body).contains("--allow-reset"));
    assert_eq!(server.stats().requests, 2, "nothing was reset");
}

#[test]
fn keep_alive_reuses_one_connection() {
    let server = start();
    let mut client = Client::connect(server.addr());
    for id in 0..5 {
        let reply = client.request("GET", &format!("/delay/1?id={id}&bytes=300"), "");
        assert_eq!(reply.body, expected(id, 300));
        assert_ne!(reply.header("connection"), Some("close"));
    }
    let stats = server.stats();
    assert_eq!((stats.connections, stats.requests), (1, 5));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start();
    let mut client = Client::connect(server.addr());
    let batch: String = (0..10)
        .map(|id| format!("GET /delay/0?id={id}&bytes=50 HTTP/1.1\r\nHost: test\r\n\r\n"))
        .collect();
    client.send_raw(&batch);
    for id in 0..10 {
        assert_eq!(client.read_reply().body, expected(id, 50));
    }
    let stats = server.stats().http1;
    assert_eq!(
        (stats.connections, stats.requests, stats.max_streams),
        (1, 10, 1),
        "HTTP/1.1 answers one request at a time"
    );
}

#[test]
fn json_documents_decode_and_verify() {
    let server = start();
    let mut client = Client::connect(server.addr());
    for (id, bytes) in [(0, 0), (1, 2048), (42, 100_000), (u64::MAX, 56)] {
        let reply = client.request(
            "GET",
            &format!("/delay/0?id={id}&bytes={bytes}&format=json"),
            "",
        );
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(
            reply.header("content-length"),
            Some(reply.body.len().to_string().as_str())
        );
        let doc: Document = serde_json::from_slice(&reply.body).expect("a JSON document");
        assert_eq!(doc.verify(id, bytes), Ok(()), "id {id} bytes {bytes}");
        assert_eq!(
            reply.body,
            serde_json::to_vec(&Document::new(id, bytes)).unwrap()
        );
    }
    // `format=bytes` is the default spelled out.
    let reply = client.request("GET", "/delay/0?id=3&bytes=10&format=bytes", "");
    assert_eq!(reply.body, expected(3, 10));
}

#[test]
fn connection_close_is_honoured() {
    let server = start();
    let mut client = Client::connect(server.addr());
    let reply = client.request("GET", "/delay/0?id=1&bytes=64", "Connection: close\r\n");
    assert_eq!(reply.body, expected(1, 64));
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(client.closed_by_server());
}

#[test]
fn a_burst_of_connections_is_accepted() {
    let server = start();
    const N: u64 = 500;
    let mut clients: Vec<Client> = (0..N).map(|_| Client::connect(server.addr())).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.send("GET", &format!("/delay/10?id={i}&bytes=32"), "");
    }
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(c.read_reply().body, expected(i as u64, 32));
    }
    let stats = server.stats();
    assert_eq!((stats.connections, stats.requests), (N, N));
}

#[test]
fn config_url_and_workers() {
    let server = Server::start(Config {
        workers: Some(1),
        ..Config::default()
    })
    .unwrap();
    let url = server.base_url();
    assert_eq!(url, format!("http://127.0.0.1:{}", server.addr().port()));
    let target = TargetServer::target(&server);
    assert_eq!(target.base_url(false), url);
    assert_eq!(
        target.base_url(true),
        format!("https://127.0.0.1:{}", server.addr().port())
    );
    assert_eq!(target.ca.as_deref(), Some(server.ca_path()));
    assert!(server.ca_path().is_file());
    assert_ne!(server.addr().port(), 0);
    assert_eq!(get(server.addr(), "/status/200").status, 200);

    let err = Server::start(Config {
        workers: Some(0),
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);

    // The port is taken: a clear error, not a panic.
    let err = Server::start(Config {
        port: server.addr().port(),
        ..Config::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().starts_with("cannot listen on 127.0.0.1:"),
        "{err}"
    );
}

#[test]
fn stop_with_idle_keep_alive_connections_is_prompt() {
    let server = start();
    let mut client = Client::connect(server.addr());
    assert_eq!(client.request("GET", "/delay/0", "").status, 200);
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    assert!(client.closed_by_server());
}
