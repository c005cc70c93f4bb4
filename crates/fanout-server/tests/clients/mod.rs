//! Async clients for the HTTPS and HTTP/2 tests: rustls (ring) trusting only
//! the CA it is given, hyper's HTTP/1.1 client, and the h2 crate's HTTP/2
//! client (which shows stream resets and the server's SETTINGS).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A current-thread runtime for one test's client side.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A rustls client configuration trusting only the CA in `ca`, offering
/// `alpn`; it resumes sessions (rustls's default in-memory store).
pub fn client_config(ca: &Path, alpn: &[&str]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Arc::new(config)
}

/// A TLS connection to `addr`, verifying the certificate for `127.0.0.1`.
pub async fn tls(
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(addr.ip().to_string()).unwrap();
    TlsConnector::from(config.clone()).connect(name, tcp).await
}

/// One response, read to its end or to the error that cut it.
#[derive(Debug)]
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// How the body ended: `Ok` at its end, else the error (a reset, an EOF).
    pub end: Result<(), String>,
}

impl Got {
    /// The `content-length` header as a number.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
    }
}

/// hyper's HTTP/1.1 client on one connection.
pub struct H1 {
    send: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
}

impl H1 {
    /// Handshakes on `io` and drives the connection in a task.
    pub async fn new<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: S) -> H1 {
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        H1 { send }
    }

    /// `GET path`; `Err` if no response head arrived.
    pub async fn get(&mut self, path: &str) -> Result<Got, hyper::Error> {
        self.send.ready().await?;
        let req = Request::get(path)
            .header(http::header::HOST, "127.0.0.1")
            .body(Empty::new())
            .unwrap();
        let res = self.send.send_request(req).await?;
        let (head, mut body) = res.into_parts();
        let mut got = Got {
            status: head.status,
            headers: head.headers,
            body: Vec::new(),
            end: Ok(()),
        };
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        got.body.extend_from_slice(&data);
                    }
                }
                Err(e) => {
                    got.end = Err(e.to_string());
                    break;
                }
            }
        }
        Ok(got)
    }
}

/// The h2 crate's client on one connection.
pub struct H2 {
    send: h2::client::SendRequest<Bytes>,
    /// `http://ADDR` or `https://ADDR`.
    base: String,
}

/// The connection half of an [`H2`], to be driven by the caller.
pub type H2Conn<S> = h2::client::Connection<S, Bytes>;

impl H2 {
    /// Handshakes on `io` (the preface first: prior knowledge or ALPN) and
    /// returns the client and its connection, which the caller must drive.
    pub async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
        io: S,
        base: String,
    ) -> (H2, H2Conn<S>) {
        let (send, conn) = h2::client::handshake(io).await.unwrap();
        (H2 { send, base }, conn)
    }

    /// Handshakes on `io` and drives the connection in a task.
    pub async fn new<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
        io: S,
        base: String,
    ) -> H2 {
        let (h2, conn) = H2::handshake(io, base).await;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        h2
    }

    /// Sends `GET path`, returning the response future (dropping it resets the stream).
    pub async fn send(&self, path: &str) -> Result<h2::client::ResponseFuture, h2::Error> {
        let mut send = self.send.clone().ready().await?;
        let req = Request::get(format!("{}{path}", self.base))
            .body(())
            .unwrap();
        Ok(send.send_request(req, true)?.0)
    }

    /// `GET path`; `Err` if the stream was reset before a response head.
    pub async fn get(&self, path: &str) -> Result<Got, h2::Error> {
        let res = self.send(path).await?.await?;
        read_h2(res).await
    }

    /// `GET path` with one extra header.
    pub async fn get_with_header(
        &self,
        path: &str,
        name: &str,
        value: &str,
    ) -> Result<Got, h2::Error> {
        let mut send = self.send.clone().ready().await?;
        let req = Request::get(format!("{}{path}", self.base))
            .header(name, value)
            .body(())
            .unwrap();
        let res = send.send_request(req, true)?.0.await?;
        read_h2(res).await
    }
}

/// Reads an HTTP/2 response to its end, or to the error that cut it.
async fn read_h2(res: http::Response<h2::RecvStream>) -> Result<Got, h2::Error> {
    let (head, mut body) = res.into_parts();
    let mut got = Got {
        status: head.status,
        headers: head.headers,
        body: Vec::new(),
        end: Ok(()),
    };
    while let Some(data) = body.data().await {
        match data {
            Ok(data) => {
                let _ = body.flow_control().release_capacity(data.len());
                got.body.extend_from_slice(&data);
            }
            Err(e) => {
                got.end = Err(e.to_string());
                break;
            }
        }
    }
    Ok(got)
}

/// Whether `e` is a stream reset by the server with `INTERNAL_ERROR`.
pub fn is_internal_reset(e: &h2::Error) -> bool {
    e.is_remote() && e.reason() == Some(h2::Reason::INTERNAL_ERROR)
}
