//! HTTP/2 by ALPN over TLS and by prior knowledge (h2c) in cleartext, on the
//! same port as everything else: streams, the advertised cap, the counters,
//! faults as stream resets, idle connections, and stopping.

mod clients;
mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use clients::{H2, H2Conn, client_config, is_internal_reset, rt, tls};
use common::{start, wait_until};
use fanout_core::Document;
use fanout_core::body::expected;
use fanout_core::stats::{Injected, ProtocolStats, ServerStats, TlsStats};
use fanout_server::{Config, Server};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Which way a test reaches HTTP/2.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// `h2` by ALPN over TLS.
    Alpn,
    /// Prior knowledge in cleartext.
    H2c,
}

/// Runs `test` with an HTTP/2 client on a new connection to `server`, via `via`.
fn with_h2<F: Future<Output = ()>>(server: &Server, via: Via, test: impl FnOnce(H2) -> F) {
    rt().block_on(async {
        let h2 = match via {
            Via::Alpn => {
                let config = client_config(server.ca_path(), &["h2", "http/1.1"]);
                let stream = tls(server.addr(), &config).await.unwrap();
                assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
                H2::new(stream, format!("https://{}", server.addr())).await
            }
            Via::H2c => {
                let stream = TcpStream::connect(server.addr()).await.unwrap();
                H2::new(stream, format!("http://{}", server.addr())).await
            }
        };
        test(h2).await;
    });
}

/// `n` GETs of `path(i)` at once on one connection; every body is checked.
async fn concurrent(h2: &H2, n: u64, path: impl Fn(u64) -> String) {
    let gets = (0..n).map(|i| {
        let path = path(i);
        async move { (i, h2.get(&path).await.unwrap()) }
    });
    for (i, got) in futures_join_all(gets).await {
        assert_eq!(got.status, 200);
        assert_eq!(got.end, Ok(()));
        assert!(got.body == expected(i, 64), "request {i}");
    }
}

/// Runs futures concurrently on this task (no extra crate for join_all).
async fn futures_join_all<T>(futures: impl IntoIterator<Item = impl Future<Output = T>>) -> Vec<T> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<T>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in set.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|v| v.unwrap()).collect()
}

fn thirty_streams_on_one_connection(via: Via) {
    let server = start();
    with_h2(&server, via, |h2| async move {
        concurrent(&h2, 30, |i| format!("/delay/200?id={i}&bytes=64")).await;
    });
    let stats = server.stats();
    assert_eq!(
        stats.http2,
        ProtocolStats {
            connections: 1,
            requests: 30,
            max_streams: 30,
            reset_streams: 0
        }
    );
    assert_eq!(stats.http1, ProtocolStats::default());
    assert_eq!((stats.connections, stats.requests), (1, 30));
    assert_eq!(stats.peak_in_flight, 30);
    let tls = if matches!(via, Via::Alpn) { 1 } else { 0 };
    assert_eq!(stats.tls.handshakes, tls);
}

#[test]
fn h2_by_alpn_carries_thirty_streams_on_one_connection() {
    thirty_streams_on_one_connection(Via::Alpn);
}

#[test]
fn h2c_by_prior_knowledge_carries_thirty_streams_on_one_connection() {
    thirty_streams_on_one_connection(Via::H2c);
}

/// Drives `conn` until `work` is done.
async fn driving<S, T>(conn: &mut H2Conn<S>, work: impl Future<Output = T>) -> T
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    tokio::select! {
        done = work => done,
        ended = conn => panic!("the connection ended first: {ended:?}"),
    }
}

/// The server's SETTINGS_MAX_CONCURRENT_STREAMS as the client sees it, and
/// the most streams the server saw open at once when `n` were asked for at once.
fn cap(config: Config, n: u64) -> (usize, u64) {
    let server = Server::start(config).unwrap();
    let advertised = rt().block_on(async {
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (h2, mut conn) = H2::handshake(stream, format!("http://{}", server.addr())).await;
        let got = driving(&mut conn, h2.get("/status/204")).await.unwrap();
        assert_eq!(got.status, 204);
        let advertised = conn.max_concurrent_send_streams();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        concurrent(&h2, n, |i| format!("/delay/300?id={i}&bytes=64")).await;
        advertised
    });
    (advertised, server.stats().http2.max_streams)
}

#[test]
fn the_stream_cap_is_advertised_and_held() {
    assert_eq!(cap(Config::default(), 150), (100, 100));
    assert_eq!(
        cap(
            Config {
                h2_max_streams: 7,
                ..Config::default()
            },
            20
        ),
        (7, 7)
    );
}

fn faults_reset_streams_not_connections(via: Via) {
    let server = start();
    with_h2(&server, via, |h2| async move {
        // Reset: the stream, before any header; the connection lives on.
        let err = h2
            .get("/delay/5?id=1&bytes=100&seed=1&reset=1000")
            .await
            .unwrap_err();
        assert!(is_internal_reset(&err), "{err:?}");
        let got = h2.get("/delay/0?id=2&bytes=100").await.unwrap();
        assert_eq!(got.body, expected(2, 100));

        // Truncate: headers with the whole content-length, half the body,
        // then the reset — also past the initial 64 KiB flow-control window,
        // and with no byte at all for a body under 2 bytes.
        for (id, bytes) in [(3u64, 1000u64), (4, 300_001), (5, 1), (6, 0)] {
            let got = h2
                .get(&format!("/delay/0?id={id}&bytes={bytes}&truncate=1000"))
                .await
                .unwrap();
            assert_eq!(got.status, 200);
            assert_eq!(got.content_length(), Some(bytes), "{bytes}");
            assert!(
                got.body == expected(id, bytes)[..(bytes / 2) as usize],
                "{bytes}: {} bytes",
                got.body.len()
            );
            let end = got.end.unwrap_err();
            assert!(
                end.contains("INTERNAL_ERROR") || end.contains("internal"),
                "{end}"
            );
        }
        let got = h2
            .get("/delay/0?id=7&bytes=2048&format=json&truncate=1000")
            .await
            .unwrap();
        let json = serde_json::to_vec(&Document::new(7, 2048)).unwrap();
        assert_eq!(got.content_length(), Some(json.len() as u64));
        assert_eq!(got.body, json[..json.len() / 2]);
        assert!(got.end.is_err());

        // Corrupt: whole, the first byte `!`.
        let got = h2
            .get("/delay/0?id=8&bytes=300&corrupt=1000")
            .await
            .unwrap();
        let mut want = expected(8, 300);
        want[0] = b'!';
        assert_eq!((got.body, got.end), (want, Ok(())));
        let got = h2
            .get("/delay/0?id=8&bytes=2048&format=json&corrupt=1000")
            .await
            .unwrap();
        assert_eq!(got.headers["content-type"], "application/json");
        assert_eq!(got.content_length(), Some(got.body.len() as u64));
        assert_eq!(got.body[0], b'!');
        assert!(serde_json::from_slice::<Document>(&got.body).is_err());

        // Error, slow, a short stall: as on HTTP/1.1.
        let got = h2.get("/delay/0?id=9&bytes=10&error=1000").await.unwrap();
        assert_eq!((got.status.as_u16(), got.body.len()), (503, 0));
        let started = Instant::now();
        let got = h2
            .get("/delay/0?id=10&bytes=100000&slow=1000")
            .await
            .unwrap();
        assert!(got.body == expected(10, 100_000));
        assert!(started.elapsed() >= Duration::from_millis(40));
        let got = h2
            .get("/delay/0?id=11&bytes=2048&format=json&stall=1000&stall_ms=100")
            .await
            .unwrap();
        let doc: Document = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(doc.verify(11, 2048), Ok(()));

        // The same connection still serves.
        concurrent(&h2, 5, |i| format!("/delay/0?id={i}&bytes=64")).await;
    });
    let stats = server.stats();
    assert_eq!(
        stats.injected,
        Injected {
            error: 1,
            reset: 1,
            stall: 1,
            truncate: 5,
            slow: 1,
            corrupt: 2,
        }
    );
    assert_eq!(stats.http2.connections, 1, "one connection throughout");
    assert_eq!(stats.http2.reset_streams, 6, "1 reset and 5 truncated");
    assert_eq!(stats.http2.requests, 17);
}

#[test]
fn faults_over_h2_by_alpn_reset_streams_not_the_connection() {
    faults_reset_streams_not_connections(Via::Alpn);
}

#[test]
fn faults_over_h2c_reset_streams_not_the_connection() {
    faults_reset_streams_not_connections(Via::H2c);
}

#[test]
fn a_stream_the_client_resets_is_counted_and_its_handler_dropped() {
    let server = start();
    let watched = &server;
    with_h2(&server, Via::H2c, |h2| async move {
        let pending = h2.send("/delay/60000?id=1").await.unwrap();
        // Let the request reach its handler, then give up on it (RST_STREAM CANCEL).
        let wait = async {
            while watched.stats().in_flight == 0 {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .unwrap();
        drop(pending);
        let got = h2.get("/status/200").await.unwrap();
        assert_eq!(got.status, 200);
    });
    wait_until("the reset stream is counted", || {
        let s = server.stats();
        (s.http2.reset_streams, s.in_flight) == (1, 0)
    });
    assert_eq!(server.stats().requests, 2);
}

#[test]
fn an_idle_h2_connection_is_closed_after_the_timeout() {
    let server = Server::start(Config {
        header_read_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .unwrap();
    let took = rt().block_on(async {
        let stream = TcpStream::connect(server.addr()).await.unwrap();
        let (h2, mut conn) = H2::handshake(stream, format!("http://{}", server.addr())).await;
        let got = driving(&mut conn, h2.get("/status/200")).await.unwrap();
        assert_eq!(got.status, 200);
        let idle = Instant::now();
        let ended = tokio::time::timeout(Duration::from_secs(10), conn)
            .await
            .expect("closed by the server");
        assert!(ended.is_ok(), "a graceful GOAWAY: {ended:?}");
        idle.elapsed()
    });
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_secs(2),
        "closed after {took:?}"
    );
}

#[test]
fn stop_drops_sleeping_h2_streams_promptly() {
    let server = start();
    let addr = server.addr();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let client = std::thread::spawn(move || {
        rt().block_on(async {
            let stream = TcpStream::connect(addr).await.unwrap();
            let h2 = H2::new(stream, format!("http://{addr}")).await;
            let gets: Vec<_> = (0..3)
                .map(|i| {
                    let h2 = &h2;
                    async move { h2.get(&format!("/delay/60000?id={i}")).await }
                })
                .collect();
            let _ = ready_tx.send(());
            futures_join_all(gets).await
        })
    });
    ready_rx.recv().unwrap();
    wait_until("the three streams sleep", || server.stats().in_flight == 3);
    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    for got in client.join().unwrap() {
        assert!(got.is_err(), "no answer after the stop: {got:?}");
    }
}

#[test]
fn stats_round_trip_through_core_with_every_counter() {
    let server = start();
    with_h2(&server, Via::Alpn, |h2| async move {
        concurrent(&h2, 4, |i| format!("/delay/200?id={i}&bytes=64")).await;
        let _ = h2.get("/delay/0?reset=1000").await;
        let _ = h2.get("/delay/0?id=1&bytes=9&corrupt=1000").await;
    });
    assert_eq!(
        common::get(server.addr(), "/delay/0?id=1&bytes=1").status,
        200
    );
    with_h2(&server, Via::H2c, |h2| async move {
        let got = h2.get("/stats").await.unwrap();
        assert_eq!(got.headers["content-type"], "application/json");
        let stats: ServerStats = serde_json::from_slice(&got.body).unwrap();
        // Taken before this /stats request entered.
        let want = ServerStats {
            requests: 7,
            connections: 3,
            in_flight: 0,
            peak_in_flight: 4,
            bad_requests: 0,
            injected: Injected {
                reset: 1,
                corrupt: 1,
                ..Injected::default()
            },
            tls: TlsStats {
                handshakes: 1,
                resumed: 0,
                failed: 0,
            },
            http1: ProtocolStats {
                connections: 1,
                requests: 1,
                max_streams: 1,
                reset_streams: 0,
            },
            http2: ProtocolStats {
                connections: 2,
                requests: 6,
                max_streams: 4,
                reset_streams: 1,
            },
            rtt_ms: 0,
        };
        assert_eq!(stats, want);
        // Every field is in the JSON, under core's names.
        let json: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(json, serde_json::to_value(want).unwrap());
        assert_eq!(json["http2"]["max_streams"], 4);
        assert_eq!(json["tls"]["handshakes"], 1);
    });
    server.reset_stats();
    assert_eq!(server.stats(), ServerStats::default());
}

#[test]
fn many_injected_resets_do_not_end_the_connection() {
    // More than h2's limit of 1024 resets it makes for protocol errors:
    // injected resets are the server's own, and the connection lives on.
    let server = start();
    with_h2(&server, Via::H2c, |h2| async move {
        for batch in 0..12 {
            let gets = (0..100).map(|i| {
                let h2 = &h2;
                async move {
                    h2.get(&format!("/delay/0?id={}&reset=1000", batch * 100 + i))
                        .await
                }
            });
            for got in futures_join_all(gets).await {
                assert!(is_internal_reset(&got.unwrap_err()));
            }
        }
        assert_eq!(h2.get("/status/204").await.unwrap().status, 204);
    });
    let stats = server.stats();
    assert_eq!(
        (
            stats.injected.reset,
            stats.http2.reset_streams,
            stats.http2.connections
        ),
        (1200, 1200, 1)
    );
}

#[test]
fn an_oversized_header_list_is_refused_and_the_connection_lives_on() {
    let server = start();
    with_h2(&server, Via::H2c, |h2| async move {
        let big = "a".repeat(100 * 1024);
        let got = h2.get_with_header("/status/200", "x-big", &big).await;
        // h2 answers 431 on that stream, as hyper does on HTTP/1.1.
        assert_eq!(got.unwrap().status, 431);
        assert_eq!(h2.get("/status/204").await.unwrap().status, 204);
    });
}
