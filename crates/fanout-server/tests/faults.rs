//! Fault injection on `/delay`, as a client sees it on the wire, and as the
//! counters report it.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Client, End, get, header, raw_get, read_until_end, split_head, start, wait_until};
use fanout_core::body::expected;
use fanout_core::stats::{Injected, ServerStats};
use fanout_core::{Fault, Faults, Plan};

/// How long a raw read waits for more before calling it a stall.
const IDLE: Duration = Duration::from_secs(10);

#[test]
fn error_answers_503_with_an_empty_body_and_keeps_the_connection() {
    let server = start();
    let mut client = Client::connect(server.addr());
    let reply = client.request("GET", "/delay/20?id=1&bytes=100&seed=1&error=1000", "");
    assert_eq!(reply.status, 503);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("content-length"), Some("0"));
    // Still serving on the same connection.
    let reply = client.request("GET", "/delay/0?id=2&bytes=10", "");
    assert_eq!(reply.body, expected(2, 10));
    let stats = server.stats();
    assert_eq!(
        stats.injected,
        Injected {
            error: 1,
            ..Injected::default()
        }
    );
    assert_eq!((stats.requests, stats.connections), (2, 1));
}

#[test]
fn reset_closes_with_an_rst_and_no_response_bytes() {
    let server = start();
    let started = Instant::now();
    let (bytes, end) = raw_get(
        server.addr(),
        "/delay/50?id=3&bytes=1000&seed=5&reset=1000",
        IDLE,
    );
    assert!(
        bytes.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(end, End::Reset);
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "the reset comes after the delay"
    );
    // Also on a kept-alive connection that already served a request.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /delay/0?id=1&bytes=5 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    stream
        .write_all(b"GET /delay/0?id=1&bytes=5&reset=1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let (bytes, end) = read_until_end(&mut stream, IDLE);
    let (status, headers, body) = split_head(&bytes);
    assert_eq!(
        (status, header(&headers, "content-length")),
        (200, Some("5"))
    );
    assert_eq!(
        body,
        expected(1, 5),
        "the first answer whole, nothing of the second"
    );
    assert_eq!(end, End::Reset);

    assert_eq!(get(server.addr(), "/status/200").status, 200);
    let stats = server.stats();
    assert_eq!(stats.injected.reset, 2);
    assert_eq!(stats.requests, 4, "a reset request has ended too");
}

#[test]
fn truncate_sends_half_the_promised_body_then_closes() {
    let server = start();
    for (id, bytes) in [
        (7, 1000),
        (8, 3),
        (9, 2),
        (10, 21),
        (u64::MAX, 200_001),
        (11, 8 * 1024 * 1024),
    ] {
        let (raw, end) = raw_get(
            server.addr(),
            &format!("/delay/5?id={id}&bytes={bytes}&seed=3&truncate=1000"),
            IDLE,
        );
        assert_eq!(end, End::Eof, "id {id} bytes {bytes}");
        let (status, headers, body) = split_head(&raw);
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-length"),
            Some(bytes.to_string().as_str())
        );
        assert_eq!(body.len() as u64, bytes / 2, "id {id} bytes {bytes}");
        assert!(
            body == &expected(id, bytes)[..(bytes / 2) as usize],
            "the half that is sent is right"
        );
    }
    // Under 2 bytes: the head, no body byte, and the close.
    for bytes in [0, 1] {
        let (raw, end) = raw_get(
            server.addr(),
            &format!("/delay/0?id=1&bytes={bytes}&truncate=1000"),
            IDLE,
        );
        let (status, headers, body) = split_head(&raw);
        assert_eq!((status, body.len(), end), (200, 0, End::Eof));
        assert_eq!(
            header(&headers, "content-length"),
            Some(bytes.to_string().as_str())
        );
    }
    // The close is the server's doing even on a keep-alive connection.
    let mut client = Client::connect(server.addr());
    client.send("GET", "/delay/0?id=4&bytes=100&truncate=1000", "");
    let (raw, end) = read_until_end(client.stream(), IDLE);
    assert_eq!((split_head(&raw).2.len(), end), (50, End::Eof));
    assert_eq!(server.stats().injected.truncate, 9);
}

#[test]
fn corrupt_sends_the_whole_body_with_its_first_byte_replaced() {
    let server = start();
    let mut client = Client::connect(server.addr());
    for (id, bytes) in [(1, 1), (2, 100), (3, 200_000)] {
        let reply = client.request(
            "GET",
            &format!("/delay/0?id={id}&bytes={bytes}&seed=4&corrupt=1000"),
            "",
        );
        assert_eq!(reply.status, 200);
        let mut want = expected(id, bytes);
        want[0] = b'!';
        assert!(reply.body == want, "id {id} bytes {bytes}");
        assert!(fanout_core::body::verify(id, bytes, &reply.body).is_err());
    }
    let reply = client.request(
        "GET",
        "/delay/0?id=5&bytes=2048&format=json&corrupt=1000",
        "",
    );
    let json = serde_json::to_vec(&fanout_core::Document::new(5, 2048)).unwrap();
    assert_eq!(reply.body.len(), json.len());
    assert_eq!((reply.body[0], &reply.body[1..]), (b'!', &json[1..]));
    assert!(serde_json::from_slice::<fanout_core::Document>(&reply.body).is_err());
    // The connection carries on.
    assert_eq!(
        client.request("GET", "/delay/0?id=6&bytes=7", "").body,
        expected(6, 7)
    );
    assert_eq!(server.stats().injected.corrupt, 4);
}

#[test]
fn faults_apply_to_json_documents_too() {
    let server = start();
    let json = |id| serde_json::to_vec(&fanout_core::Document::new(id, 1024)).unwrap();
    // Truncate: the document's Content-Length, half of it, then a FIN.
    let (raw, end) = raw_get(
        server.addr(),
        "/delay/0?id=1&bytes=1024&format=json&truncate=1000",
        IDLE,
    );
    let (status, headers, body) = split_head(&raw);
    let whole = json(1);
    assert_eq!((status, end), (200, End::Eof));
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    assert_eq!(
        header(&headers, "content-length"),
        Some(whole.len().to_string().as_str())
    );
    assert_eq!(body, &whole[..whole.len() / 2]);
    // Slow: the whole document.
    let reply = get(
        server.addr(),
        "/delay/0?id=2&bytes=1024&format=json&slow=1000",
    );
    assert_eq!(reply.body, json(2));
    // Error and reset: as for bytes.
    assert_eq!(
        get(
            server.addr(),
            "/delay/0?id=3&bytes=1024&format=json&error=1000"
        )
        .status,
        503
    );
    let (raw, end) = raw_get(
        server.addr(),
        "/delay/0?id=4&bytes=1024&format=json&reset=1000",
        IDLE,
    );
    assert_eq!((raw.len(), end), (0, End::Reset));
    let i = server.stats().injected;
    assert_eq!((i.truncate, i.slow, i.error, i.reset), (1, 1, 1, 1));
}

#[test]
fn slow_sends_the_whole_body_trickled() {
    let server = start();
    for (id, bytes) in [(5, 100_000), (6, 7), (7, 8), (8, 0), (9, 300_000)] {
        let started = Instant::now();
        let reply = get(
            server.addr(),
            &format!("/delay/0?id={id}&bytes={bytes}&seed=1&slow=1000"),
        );
        let took = started.elapsed();
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("content-length"),
            Some(bytes.to_string().as_str())
        );
        assert!(reply.body == expected(id, bytes), "id {id} bytes {bytes}");
        // 8 pauses of 5 ms (fewer pieces for a body under 8 bytes).
        let pauses = bytes.min(8) as u32;
        assert!(
            took >= Duration::from_millis(5) * pauses,
            "{bytes} bytes took {took:?}"
        );
    }
    assert_eq!(server.stats().injected.slow, 5);
}

#[test]
fn stall_holds_the_answer_past_the_clients_timeout_and_is_cancelled_at_stop() {
    let server = start();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /delay/0?id=1&bytes=10&seed=2&stall=1000&stall_ms=2000 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let (bytes, end) = read_until_end(&mut stream, Duration::from_millis(300));
    assert_eq!((bytes.len(), end), (0, End::TimedOut));
    wait_until("the stall is counted", || {
        server.stats().injected.stall == 1
    });
    assert_eq!(server.stats().in_flight, 1, "still stalling");

    // A stall whose client gives up and closes ends with its connection:
    // hyper notices the close and drops the handler, so nothing lingers.
    let (_, end) = raw_get(
        server.addr(),
        "/delay/0?id=2&stall=1000&stall_ms=60000",
        Duration::from_millis(50),
    );
    assert_eq!(end, End::TimedOut);
    wait_until("the abandoned stall ends", || {
        let s = server.stats();
        (s.injected.stall, s.in_flight) == (2, 1)
    });

    // A stop drops a stall at once.
    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    let (bytes, end) = read_until_end(&mut stream, IDLE);
    assert_eq!((bytes.len(), end), (0, End::Eof));
}

#[test]
fn a_short_stall_answers_normally_after_stall_ms() {
    let server = start();
    let started = Instant::now();
    let reply = get(
        server.addr(),
        "/delay/0?id=3&bytes=30&stall=1000&stall_ms=150",
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(reply.body, expected(3, 30));
}

#[test]
fn bad_fault_keys_are_400_with_a_reason() {
    let server = start();
    let mut client = Client::connect(server.addr());
    for (query, want) in [
        ("error=1001", "error rate 1001‰ is over 1000‰"),
        ("error=600&reset=500", "add up to 1100‰"),
        (
            "stall_ms=60001",
            "stall_ms 60001 is over the 60000 ms bound",
        ),
        ("seed=-3", "seed \"-3\" is not a whole number"),
        ("slow=1&slow=2", "given twice"),
        ("bogus=1", "unknown query parameter \"bogus\""),
    ] {
        let reply = client.request("GET", &format!("/delay/0?id=1&{query}"), "");
        assert_eq!(reply.status, 400, "{query}");
        let text = reply.text();
        assert!(text.contains(want), "{query}: {text:?} lacks {want:?}");
        assert_eq!(text.lines().count(), 1);
    }
    let stats = server.stats();
    assert_eq!(stats.bad_requests, 6);
    assert_eq!(stats.injected, Injected::default());
}

/// What a client saw of one request.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Ok,
    Status503,
    Reset,
    Stalled,
    Truncated,
    Corrupted,
}

fn expected_seen(fault: Option<Fault>) -> Seen {
    match fault {
        None | Some(Fault::Slow) => Seen::Ok,
        Some(Fault::Error) => Seen::Status503,
        Some(Fault::Reset) => Seen::Reset,
        Some(Fault::Stall) => Seen::Stalled,
        Some(Fault::Truncate) => Seen::Truncated,
        Some(Fault::Corrupt) => Seen::Corrupted,
        Some(other) => panic!("unknown fault {other:?}"),
    }
}

fn observe(addr: SocketAddr, url: &str, id: u64, bytes: u64) -> Seen {
    let target = &url[url.find("/delay/").expect("a /delay URL")..];
    let (raw, end) = raw_get(addr, target, Duration::from_millis(250));
    match end {
        End::Reset if raw.is_empty() => return Seen::Reset,
        End::TimedOut if raw.is_empty() => return Seen::Stalled,
        End::Eof => {}
        other => panic!("request {id}: ended {other:?} after {} bytes", raw.len()),
    }
    let (status, headers, body) = split_head(&raw);
    assert_eq!(
        header(&headers, "content-length"),
        Some(
            if status == 503 {
                "0".to_owned()
            } else {
                bytes.to_string()
            }
            .as_str()
        )
    );
    match status {
        503 if body.is_empty() => Seen::Status503,
        200 if body == expected(id, bytes) => Seen::Ok,
        200 if body == &expected(id, bytes)[..(bytes / 2) as usize] => Seen::Truncated,
        200 if body[0] == b'!' && body[1..] == expected(id, bytes)[1..] => Seen::Corrupted,
        _ => panic!("request {id}: status {status}, {} body bytes", body.len()),
    }
}

#[test]
fn the_server_applies_exactly_what_faults_decide_says() {
    let server = start();
    let mut plan = Plan::new(200, Duration::from_millis(1));
    plan.bytes = 100;
    plan.timeout = Duration::from_millis(100);
    plan.faults = Faults {
        seed: 42,
        error: 150,
        reset: 150,
        stall: 100,
        truncate: 150,
        slow: 100,
        corrupt: 100,
    };
    plan.validate().unwrap();
    let urls = plan.urls(&server.target());
    assert!(
        urls[0].ends_with(
            "&seed=42&error=150&reset=150&stall=100&truncate=150&slow=100&corrupt=100&stall_ms=1100"
        ),
        "{}",
        urls[0]
    );
    // 8 threads, each every 8th id, so the stalls overlap.
    let seen: Vec<(u64, Seen)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u64)
            .map(|t| {
                let (urls, addr) = (&urls, server.addr());
                s.spawn(move || {
                    (t..200)
                        .step_by(8)
                        .map(|id| (id, observe(addr, &urls[id as usize], id, 100)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut want = Injected::default();
    for (id, got) in &seen {
        let fault = plan.faults.decide(*id);
        assert_eq!(*got, expected_seen(fault), "request {id} ({fault:?})");
        match fault {
            Some(Fault::Error) => want.error += 1,
            Some(Fault::Reset) => want.reset += 1,
            Some(Fault::Stall) => want.stall += 1,
            Some(Fault::Truncate) => want.truncate += 1,
            Some(Fault::Slow) => want.slow += 1,
            Some(Fault::Corrupt) => want.corrupt += 1,
            _ => {}
        }
    }
    assert_eq!(seen.len(), 200);
    // Every kind happened, so the check above means something.
    for (kind, n) in [
        ("error", want.error),
        ("reset", want.reset),
        ("stall", want.stall),
        ("truncate", want.truncate),
        ("slow", want.slow),
        ("corrupt", want.corrupt),
    ] {
        assert!(n > 0, "no {kind} among 200 requests");
    }
    assert_eq!(server.stats().injected, want);

    // Over HTTP, /stats carries the same counts; a reset zeroes them.
    let reply = get(server.addr(), "/stats");
    let over_http: ServerStats = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(over_http.injected, want);
    let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(json["injected"]["reset"], want.reset);
    server.reset_stats();
    assert_eq!(server.stats().injected, Injected::default());
}
