//! HTTPS on the server's one port: a client that trusts only the server's
//! CA gets bytes and JSON documents; a client that trusts another server's
//! CA fails, and the server counts the failed handshake; sessions resume;
//! faults look on HTTP/1.1 over TLS as they do in cleartext.

mod clients;
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use clients::{H1, client_config, rt, tls};
use common::{start, wait_until};
use fanout_core::Document;
use fanout_core::body::expected;
use fanout_core::stats::{ProtocolStats, TlsStats};
use fanout_server::{Config, Server};

#[test]
fn https_serves_bytes_and_json_to_a_client_trusting_only_the_ca() {
    let server = start();
    let config = client_config(server.ca_path(), &["http/1.1"]);
    rt().block_on(async {
        let stream = tls(server.addr(), &config)
            .await
            .expect("the certificate verifies");
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let mut client = H1::new(stream).await;

        let got = client
            .get("/delay/0?id=1&bytes=2048&format=json")
            .await
            .unwrap();
        assert_eq!(got.status, 200);
        assert_eq!(got.headers["content-type"], "application/json");
        assert_eq!(got.content_length(), Some(got.body.len() as u64));
        let doc: Document = serde_json::from_slice(&got.body).expect("a document");
        assert_eq!(doc.verify(1, 2048), Ok(()));
        assert_eq!(
            got.body,
            serde_json::to_vec(&Document::new(1, 2048)).unwrap()
        );

        let got = client.get("/delay/10?id=7&bytes=100000").await.unwrap();
        assert_eq!(got.headers["content-type"], "application/octet-stream");
        assert!(got.body == expected(7, 100_000));
    });
    let stats = server.stats();
    assert_eq!(
        stats.tls,
        TlsStats {
            handshakes: 1,
            resumed: 0,
            failed: 0
        }
    );
    assert_eq!(
        stats.http1,
        ProtocolStats {
            connections: 1,
            requests: 2,
            max_streams: 1,
            reset_streams: 0
        }
    );
    assert_eq!(stats.http2, ProtocolStats::default());
    assert_eq!((stats.connections, stats.requests), (1, 2));
}

#[test]
fn without_alpn_tls_is_http1_and_names_in_the_certificate_verify() {
    let server = start();
    let config = client_config(server.ca_path(), &[]);
    rt().block_on(async {
        let stream = tls(server.addr(), &config).await.unwrap();
        assert_eq!(stream.get_ref().1.alpn_protocol(), None);
        let got = H1::new(stream).await.get("/status/204").await.unwrap();
        assert_eq!(got.status, 204);
        // The leaf also names localhost (::1 is tested by the binary's IPv6 test).
        let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        tokio_rustls::TlsConnector::from(config.clone())
            .connect(name, tcp)
            .await
            .expect("localhost verifies");
        let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("example.com").unwrap();
        assert!(
            tokio_rustls::TlsConnector::from(config.clone())
                .connect(name, tcp)
                .await
                .is_err(),
            "another name does not"
        );
    });
    wait_until("both handshakes and the failure are counted", || {
        server.stats().tls
            == TlsStats {
                handshakes: 2,
                resumed: 0,
                failed: 1,
            }
    });
    assert_eq!(server.stats().http1.connections, 2);
}

#[test]
fn extra_tls_names_are_in_the_certificate() {
    // What a server other hosts reach gives with `--tls-name`.
    let server = Server::start(Config {
        tls_names: vec!["fanout.test".into(), "10.9.8.7".into()],
        ..Config::default()
    })
    .unwrap();
    let config = client_config(server.ca_path(), &[]);
    rt().block_on(async {
        for (name, ok) in [
            ("fanout.test", true),
            ("10.9.8.7", true),
            ("other.test", false),
        ] {
            let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
            let sni = rustls::pki_types::ServerName::try_from(name).unwrap();
            let got = tokio_rustls::TlsConnector::from(config.clone())
                .connect(sni, tcp)
                .await;
            assert_eq!(got.is_ok(), ok, "{name}");
        }
    });
}

#[test]
fn a_client_trusting_another_servers_ca_fails_and_the_failure_is_counted() {
    let a = start();
    let b = start();
    assert_ne!(
        std::fs::read(a.ca_path()).unwrap(),
        std::fs::read(b.ca_path()).unwrap(),
        "each server has a CA of its own"
    );
    let trusts_a = client_config(a.ca_path(), &["h2", "http/1.1"]);
    rt().block_on(async {
        let err = tls(b.addr(), &trusts_a).await.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("invalid peer certificate") && msg.contains("UnknownIssuer"),
            "{msg}"
        );
        tls(a.addr(), &trusts_a).await.expect("its own CA verifies");
    });
    wait_until("b counts the failed handshake", || {
        b.stats().tls.failed == 1
    });
    assert_eq!(b.stats().tls.handshakes, 0);
    assert_eq!(
        (b.stats().http1.connections, b.stats().http2.connections),
        (0, 0)
    );
    wait_until("a counts its handshake", || a.stats().tls.handshakes == 1);
    assert_eq!(a.stats().tls.failed, 0);
}

#[test]
fn a_broken_or_abandoned_handshake_is_counted_as_failed() {
    let server = Server::start(Config {
        header_read_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    // A handshake record of garbage: rustls refuses it, the server closes.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x00, 0x04, 1, 2, 3, 4])
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    wait_until("the garbage is counted", || server.stats().tls.failed == 1);
    // The peer closes mid-handshake.
    let stream = TcpStream::connect(server.addr()).unwrap();
    (&stream).write_all(&[0x16, 0x03, 0x01]).unwrap();
    drop(stream);
    wait_until("the close is counted", || server.stats().tls.failed == 2);
    // The peer starts a handshake and goes silent: cut off at the timeout.
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.write_all(&[0x16]).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "closed after {took:?}"
    );
    wait_until("the timeout is counted", || server.stats().tls.failed == 3);
    assert_eq!(server.stats().tls.handshakes, 0);
    // Plain HTTP still works on the same port.
    assert_eq!(common::get(server.addr(), "/status/200").status, 200);
}

#[test]
fn a_silent_connection_is_closed_at_the_header_read_timeout() {
    let server = Server::start(Config {
        header_read_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let (bytes, end) = common::read_until_end(&mut stream, Duration::from_secs(10));
    let took = started.elapsed();
    assert_eq!((bytes.len(), end), (0, common::End::Eof));
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "closed after {took:?}"
    );
    assert_eq!(server.stats().tls, TlsStats::default());
}

/// Two connections from one client configuration: the second resumes.
fn resumes(versions: &[&'static rustls::SupportedProtocolVersion]) {
    let server = start();
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(server.ca_path()).unwrap();
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    rt().block_on(async {
        for i in 0..2 {
            let stream = tls(server.addr(), &config).await.unwrap();
            let kind = stream.get_ref().1.handshake_kind();
            let want = if i == 0 {
                rustls::HandshakeKind::Full
            } else {
                rustls::HandshakeKind::Resumed
            };
            assert_eq!(kind, Some(want), "connection {i}");
            // A whole exchange, so the client has read the server's tickets.
            let got = H1::new(stream)
                .await
                .get("/delay/0?id=1&bytes=10")
                .await
                .unwrap();
            assert_eq!(got.body, expected(1, 10));
        }
    });
    wait_until("both handshakes are counted", || {
        server.stats().tls.handshakes == 2
    });
    assert_eq!(
        server.stats().tls,
        TlsStats {
            handshakes: 2,
            resumed: 1,
            failed: 0
        }
    );
}

#[test]
fn tls13_sessions_resume_and_are_counted() {
    resumes(&[&rustls::version::TLS13]);
}

#[test]
fn tls12_sessions_resume_and_are_counted() {
    resumes(&[&rustls::version::TLS12]);
}

#[test]
fn faults_over_https_look_as_in_cleartext() {
    let server = start();
    let config = client_config(server.ca_path(), &["http/1.1"]);
    rt().block_on(async {
        let connect = || async { H1::new(tls(server.addr(), &config).await.unwrap()).await };

        let mut client = connect().await;
        let got = client
            .get("/delay/0?id=1&bytes=100&seed=1&error=1000")
            .await
            .unwrap();
        assert_eq!((got.status.as_u16(), got.body.len()), (503, 0));

        // Reset: no response head; the connection is gone.
        let err = client.get("/delay/0?id=1&bytes=100&reset=1000").await;
        assert!(err.is_err(), "no response: {err:?}");

        // Truncate: the whole Content-Length, half the body, then the end.
        for (id, bytes) in [(3u64, 1000u64), (4, 300_001), (5, 1)] {
            let got = connect()
                .await
                .get(&format!("/delay/0?id={id}&bytes={bytes}&truncate=1000"))
                .await
                .unwrap();
            assert_eq!(got.status, 200);
            assert_eq!(got.content_length(), Some(bytes));
            assert!(
                got.body == expected(id, bytes)[..(bytes / 2) as usize],
                "{bytes}"
            );
            assert!(got.end.is_err(), "the body is cut short");
        }
        let got = connect()
            .await
            .get("/delay/0?id=6&bytes=2048&format=json&truncate=1000")
            .await
            .unwrap();
        let json = serde_json::to_vec(&Document::new(6, 2048)).unwrap();
        assert_eq!(got.content_length(), Some(json.len() as u64));
        assert_eq!(got.body, json[..json.len() / 2]);

        // Corrupt: whole, the first byte `!`.
        let mut client = connect().await;
        let got = client
            .get("/delay/0?id=7&bytes=500&corrupt=1000")
            .await
            .unwrap();
        let mut want = expected(7, 500);
        want[0] = b'!';
        assert_eq!(got.body, want);
        let got = client
            .get("/delay/0?id=7&bytes=500&format=json&corrupt=1000")
            .await
            .unwrap();
        assert_eq!(got.body[0], b'!');
        assert_eq!(got.content_length(), Some(got.body.len() as u64));
        assert!(serde_json::from_slice::<Document>(&got.body).is_err());

        // Slow: whole.
        let got = client
            .get("/delay/0?id=8&bytes=5000&format=json&slow=1000")
            .await
            .unwrap();
        let doc: Document = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(doc.verify(8, 5000), Ok(()));
    });
    let i = server.stats().injected;
    assert_eq!(
        (i.error, i.reset, i.truncate, i.corrupt, i.slow),
        (1, 1, 4, 2, 1)
    );
    assert_eq!(server.stats().http2.reset_streams, 0);
}
