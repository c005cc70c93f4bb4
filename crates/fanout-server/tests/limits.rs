//! Hostile or careless clients: oversized heads, trickled heads, too many
//! connections, bad configurations. The server answers or closes, and keeps
//! serving.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Client, End, get, read_until_end, split_head};
use fanout_core::body::expected;
use fanout_server::{Config, ServeArgs, Server};

const IDLE: Duration = Duration::from_secs(10);

/// Writes as much of `raw` as the server takes (it may close early) and
/// reads whatever comes back.
fn send_and_read(addr: SocketAddr, raw: &[u8]) -> (Vec<u8>, End) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let _ = stream.write_all(raw);
    read_until_end(&mut stream, IDLE)
}

#[test]
fn an_oversized_head_gets_431_or_a_close_and_the_server_survives() {
    let server = Server::start(Config::default()).unwrap();
    let big_line = format!(
        "GET /delay/0 HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let many_lines = format!(
        "GET /delay/0 HTTP/1.1\r\nHost: t\r\n{}\r\n",
        (0..200)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let long_target = format!(
        "GET /delay/0?{} HTTP/1.1\r\nHost: t\r\n\r\n",
        "x".repeat(100 * 1024)
    );
    // hyper may call a long URI 414 URI Too Long; here the head's size cap
    // comes first (431).
    for (raw, want) in [(big_line, 431), (many_lines, 431), (long_target, 431)] {
        let (bytes, end) = send_and_read(server.addr(), raw.as_bytes());
        // The answer, unless the close overtook it (an RST if the server
        // closed with bytes of the head still unread).
        if !bytes.is_empty() {
            assert_eq!(split_head(&bytes).0, want);
        }
        assert!(matches!(end, End::Eof | End::Reset), "{end:?}");
    }
    assert_eq!(
        get(server.addr(), "/delay/0?id=1&bytes=9").body,
        expected(1, 9)
    );
    // A large but legal head is fine.
    let mut client = Client::connect(server.addr());
    let reply = client.request(
        "GET",
        "/delay/0?id=2&bytes=3",
        &format!("X-Fine: {}\r\n", "b".repeat(16 * 1024)),
    );
    assert_eq!(reply.body, expected(2, 3));
}

fn quick_timeout() -> Server {
    Server::start(Config {
        header_read_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn a_trickled_head_is_cut_off_at_the_header_read_timeout() {
    let server = quick_timeout();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let mut reader = stream.try_clone().unwrap();
    let started = Instant::now();
    let watcher = std::thread::spawn(move || {
        let (bytes, end) = read_until_end(&mut reader, IDLE);
        (bytes, end, started.elapsed())
    });
    // One byte every 20 ms: the head would take about 3 s.
    for &b in b"GET /delay/0 HTTP/1.1\r\nHost: trickle\r\nX-Slow: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n\r\n" {
        if stream.write_all(&[b]).is_err() || watcher.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (bytes, end, took) = watcher.join().unwrap();
    assert!(
        bytes.is_empty(),
        "no answer: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(matches!(end, End::Eof | End::Reset), "{end:?}");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "closed after {took:?}"
    );
    // A prompt client is served.
    assert_eq!(
        get(server.addr(), "/delay/0?id=3&bytes=4").body,
        expected(3, 4)
    );
}

#[test]
fn the_header_read_timeout_also_closes_idle_keep_alive_connections() {
    let server = quick_timeout();
    let mut client = Client::connect(server.addr());
    assert_eq!(client.request("GET", "/status/200", "").status, 200);
    let started = Instant::now();
    assert!(client.closed_by_server());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "closed after {took:?}"
    );
}

/// A GET with `Connection: close` on a fresh connection, or `None` if the
/// server resets it.
fn try_get(addr: SocketAddr, target: &str) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .ok()?;
    let (bytes, end) = read_until_end(&mut stream, IDLE);
    (end == End::Eof && !bytes.is_empty()).then_some(bytes)
}

#[test]
fn connections_over_the_cap_are_reset_and_room_comes_back() {
    const CAP: usize = 20;
    let server = Server::start(Config {
        max_connections: CAP,
        ..Config::default()
    })
    .unwrap();
    let mut clients: Vec<Client> = (0..CAP).map(|_| Client::connect(server.addr())).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        let reply = c.request("GET", &format!("/delay/0?id={i}&bytes=8"), "");
        assert_eq!(reply.body, expected(i as u64, 8));
    }
    assert_eq!(server.stats().connections, CAP as u64);

    // The 21st: accepted by the kernel, then reset by the server at once.
    for _ in 0..3 {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        let (bytes, end) = read_until_end(&mut stream, IDLE);
        assert_eq!((bytes.len(), end), (0, End::Reset));
    }
    assert!(try_get(server.addr(), "/status/200").is_none());
    assert_eq!(
        server.stats().connections,
        CAP as u64,
        "refused connections are not counted"
    );
    // The open ones still work.
    assert_eq!(clients[0].request("GET", "/status/204", "").status, 204);

    // Close five: new connections are served again, five of them.
    clients.truncate(CAP - 5);
    let mut more = Vec::new();
    while more.len() < 5 {
        match keep(server.addr()) {
            Some(stream) => more.push(stream),
            // The server has not yet seen a close.
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    // Full again.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let (_, end) = read_until_end(&mut stream, IDLE);
    assert_eq!(end, End::Reset);
    assert_eq!(server.stats().connections, CAP as u64 + 5);
}

/// A keep-alive connection that got an answer to `GET /status/200`, or
/// `None` if the server reset it.
fn keep(addr: SocketAddr) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .write_all(b"GET /status/200 HTTP/1.1\r\nHost: t\r\n\r\n")
        .ok()?;
    stream.set_read_timeout(Some(IDLE)).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    assert_eq!(split_head(&head).0, 200);
    Some(stream)
}

#[test]
fn a_config_the_server_cannot_run_with_is_invalid_input() {
    for config in [
        Config {
            max_connections: 0,
            ..Config::default()
        },
        Config {
            header_read_timeout: Duration::ZERO,
            ..Config::default()
        },
        Config {
            h2_max_streams: 0,
            ..Config::default()
        },
        Config {
            workers: Some(0),
            ..Config::default()
        },
    ] {
        let err = Server::start(config.clone()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{config:?}");
        // The front end refuses it before printing anything.
        let err = fanout_server::serve(ServeArgs::from(config.clone())).unwrap_err();
        let io = err.root_cause().downcast_ref::<std::io::Error>();
        assert_eq!(
            io.map(|e| e.kind()),
            Some(ErrorKind::InvalidInput),
            "{err:#}"
        );
    }
    let d = Config::default();
    assert_eq!(
        (d.max_connections, d.header_read_timeout, d.h2_max_streams),
        (16_384, Duration::from_secs(60), 100)
    );
}
