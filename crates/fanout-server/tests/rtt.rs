//! The emulated round trip (`Config::rtt`), against the server alone: what
//! each exchange costs is the round trips TCP, TLS 1.3 and HTTP/2 need, and
//! nothing is throttled.
//!
//! Each test asserts a lower bound the emulation guarantees (a request can
//! never come back sooner than its round trips and delay) and an upper
//! bound with one whole round trip of slack ([`SLACK`]) for the machine's
//! own time — generous on a loaded 2-core machine, where a loopback request
//! takes well under a millisecond.

mod clients;
mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clients::{H1, H2, client_config, rt, tls};
use common::{Client, End, raw_get, split_head};
use fanout_core::body::expected;
use fanout_server::{Config, Server};

/// The round trip the tests emulate.
const RTT: Duration = Duration::from_millis(100);
/// The server delay each request asks for.
const DELAY: Duration = Duration::from_millis(20);
/// Allowance over the emulated time for the machine's own.
const SLACK: Duration = RTT;

fn server(rtt: Duration, h2_max_streams: u32) -> Server {
    Server::start(Config {
        rtt,
        h2_max_streams,
        ..Config::default()
    })
    .expect("server starts")
}

fn delay_path(id: u64) -> String {
    format!("/delay/{}?id={id}&bytes=64", DELAY.as_millis())
}

/// `took` is at least `want` and at most `want` plus [`SLACK`].
#[track_caller]
fn about(what: &str, took: Duration, want: Duration) {
    assert!(
        took >= want && took <= want + SLACK,
        "{what}: took {took:?}, want {want:?} (+ up to {SLACK:?})"
    );
}

#[test]
fn keep_alive_http_costs_the_handshake_once_then_a_round_trip_per_request() {
    let server = server(RTT, 100);
    assert_eq!(server.stats().rtt_ms, 100, "/stats says what it emulates");
    let t0 = Instant::now();
    let mut client = Client::connect(server.addr());
    let mut last = t0;
    for i in 0..5u64 {
        let reply = client.request("GET", &delay_path(i), "");
        assert_eq!(reply.body, expected(i, 64));
        let now = Instant::now();
        // The first request also pays TCP's handshake.
        let want = DELAY + RTT * if i == 0 { 2 } else { 1 };
        about(&format!("request {i}"), now - last, want);
        last = now;
    }
    about("5 requests", last - t0, RTT + (RTT + DELAY) * 5);
    assert_eq!(server.stats().connections, 1);
}

#[test]
fn https_without_keep_alive_costs_three_round_trips_a_request_resumed_or_not() {
    let server = server(RTT, 100);
    let config = client_config(server.ca_path(), &["http/1.1"]);
    rt().block_on(async {
        for i in 0..3u64 {
            let t0 = Instant::now();
            let stream = tls(server.addr(), &config).await.expect("TLS");
            // TCP, then TLS 1.3: the client's Finished goes with the request.
            about(&format!("handshake {i}"), t0.elapsed(), RTT * 2);
            let mut client = H1::new(stream).await;
            let got = client.get(&delay_path(i)).await.unwrap();
            assert_eq!(got.body, expected(i, 64));
            about(&format!("request {i}"), t0.elapsed(), RTT * 3 + DELAY);
        }
    });
    let tls = server.stats().tls;
    assert_eq!(tls.handshakes, 3);
    assert!(
        tls.resumed >= 1,
        "later connections resumed a session, and cost no less: {tls:?}"
    );
}

#[test]
fn http2_pays_one_set_up_then_a_round_trip_per_request_up_to_the_streams_cap() {
    const CAP: u32 = 4;
    let server = server(RTT, CAP);
    let config = client_config(server.ca_path(), &["h2"]);
    rt().block_on(async {
        let t0 = Instant::now();
        let stream = tls(server.addr(), &config).await.expect("TLS");
        let base = format!("https://{}", server.addr());
        let h2 = H2::new(stream, base).await;
        let got = h2.get(&delay_path(0)).await.unwrap();
        assert_eq!(got.body, expected(0, 64));
        about("the first request", t0.elapsed(), RTT * 3 + DELAY);
        // One request at a time: a round trip and the delay each.
        for i in 1..3u64 {
            let t = Instant::now();
            h2.get(&delay_path(i)).await.unwrap();
            about(&format!("request {i}"), t.elapsed(), RTT + DELAY);
        }
        // Up to the cap at once: one round; twice the cap: two.
        for (n, rounds) in [(CAP, 1), (2 * CAP, 2)] {
            let t = Instant::now();
            let h2 = &h2;
            let all = (0..u64::from(n)).map(|i| async move { h2.get(&delay_path(i)).await });
            for got in futures_util::future::join_all(all).await {
                assert_eq!(got.unwrap().status, 200);
            }
            about(
                &format!("{n} requests at a cap of {CAP}"),
                t.elapsed(),
                (RTT + DELAY) * rounds,
            );
        }
    });
    let stats = server.stats();
    assert_eq!((stats.connections, stats.http2.connections), (1, 1));
    assert_eq!(stats.http2.max_streams, u64::from(CAP));
}

#[test]
fn h2c_by_prior_knowledge_costs_two_round_trips_cold() {
    let server = server(RTT, 100);
    rt().block_on(async {
        let t0 = Instant::now();
        let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let h2 = H2::new(tcp, format!("http://{}", server.addr())).await;
        h2.get(&delay_path(1)).await.unwrap();
        // The server's SETTINGS, sent before any request, cost nothing extra.
        about("a cold h2c request", t0.elapsed(), RTT * 2 + DELAY);
    });
}

/// Time to fetch a 1 MiB body on a warm keep-alive connection.
fn one_mib(addr: SocketAddr) -> Duration {
    let mut client = Client::connect(addr);
    client.request("GET", "/delay/0?id=1&bytes=1", "");
    let t = Instant::now();
    let reply = client.request("GET", "/delay/0?id=2&bytes=1048576", "");
    let took = t.elapsed();
    assert!(reply.body == expected(2, 1 << 20));
    took
}

#[test]
fn a_large_body_is_not_throttled() {
    let loopback = server(Duration::ZERO, 100);
    let wan = server(RTT, 100);
    let base = (0..3).map(|_| one_mib(loopback.addr())).max().unwrap();
    let took = one_mib(wan.addr());
    // One round trip, and the loopback time: no pacing of its 16+ chunks.
    assert!(
        took >= RTT && took <= base * 2 + RTT + SLACK,
        "1 MiB took {took:?} over a {RTT:?} round trip, {base:?} on loopback"
    );
}

#[test]
fn faults_end_connections_as_on_loopback_one_way_later() {
    let server = server(RTT, 100);
    let idle = Duration::from_secs(10);
    // A reset is an RST after half a round trip, not a FIN.
    let t0 = Instant::now();
    let (bytes, end) = raw_get(server.addr(), "/delay/0?id=1&bytes=10&reset=1000", idle);
    assert_eq!((bytes.len(), end), (0, End::Reset));
    about("a reset", t0.elapsed(), RTT * 2);
    // A truncated body: the half, then a FIN.
    let (raw, end) = raw_get(
        server.addr(),
        "/delay/0?id=1&bytes=1000&truncate=1000",
        idle,
    );
    assert_eq!(end, End::Eof);
    let (status, _, body) = split_head(&raw);
    assert_eq!((status, body), (200, &expected(1, 1000)[..500]));
    let stats = server.stats();
    assert_eq!((stats.injected.reset, stats.injected.truncate), (1, 1));
}

#[test]
fn a_stop_with_bytes_on_the_line_is_bounded() {
    let server = server(Duration::from_secs(2), 100);
    let mut client = Client::connect(server.addr());
    client.send("GET", "/delay/0?id=1&bytes=10", "");
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    server.stop();
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
}
