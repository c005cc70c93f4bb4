//! The two HTTP clients of the smol rows, each built once per session (and
//! protocol) and shared by every request.
//!
//! - isahc's `HttpClient` owns libcurl's connection cache.
//! - hyper's connection API has no pool. For HTTP/1.1, [`HyperPool`] keeps
//!   the idle `client::conn::http1` connections: a request takes one that
//!   `is_ready()` or dials a new one (TCP, then TLS for `https`), and hands
//!   it back once its body is read (keep-alive on only). For HTTP/2,
//!   [`H2Conn`] keeps one `client::conn::http2` connection per scheme, which
//!   every request shares as a stream, dialled by the first request that
//!   finds none.

use std::error::Error;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fanout_core::row::ANY_PROTOCOL;
use fanout_core::sample::chain;
use fanout_core::tls::rustls_config;
use fanout_core::{
    BodyAs, Document, ErrorKind, FetchError, Fetched, Protocol, Request, Response, StartError,
    Target,
};
use futures_rustls::TlsConnector;
use futures_util::future::Either;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper::http::uri::Authority;
use isahc::AsyncReadResponseExt;
use isahc::config::{Configurable, VersionNegotiation};
use isahc::tls::{TlsConfig, TrustStore};
use rustls::pki_types::ServerName;
use smol::Async;
use smol_hyper::rt::{FuturesIo, SmolExecutor};

/// Why `smol-isahc` will not start on a libcurl built without `HAVE_POLL`
/// (see `build.rs`): its figures would be connect errors, not the row's own.
const SELECT_ONLY: &str = "libcurl was compiled without HAVE_POLL, so it waits with select() and \
     fails every socket numbered 1024 or more; build with the workspace's .cargo/config.toml \
     (CFLAGS=-DHAVE_POLL), or add -DHAVE_POLL to your own CFLAGS, then rebuild";

/// isahc's retry, declared for both fault checks (see the README).
const ISAHC_RETRY: &str = "libcurl sends a request once more on a fresh connection when a reused \
     connection is reset before any response byte (its \"connection died, retrying\" rule; isahc has \
     no switch for it), so the server injects more resets than the plan implies. Every request is \
     still classified as the plan implies (the row reports `reset`); only the server's count differs";

/// Which HTTP client a smol row uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `isahc::HttpClient`: libcurl with rustls (rustls-ffi) and nghttp2.
    Isahc,
    /// hyper's `client::conn::http1` (a small pool) or `client::conn::http2`
    /// (one shared connection) over `Async<TcpStream>`, futures-rustls for TLS.
    Hyper,
}

impl Client {
    /// The client's name, for `fanout list`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Isahc => "isahc (libcurl)",
            Client::Hyper => "hyper (conn::http1/http2 + smol-hyper)",
        }
    }

    /// The TLS stack, for `fanout list`.
    pub fn tls(self) -> &'static str {
        match self {
            Client::Isahc => "libcurl's rustls backend: rustls-ffi 0.15, rustls 0.23 (aws-lc-rs)",
            Client::Hyper => "futures-rustls 0.26, rustls 0.23 (ring)",
        }
    }

    /// The roots the client trusts against a target without a CA: isahc's
    /// default `TrustStore::native()`, which asks libcurl's rustls backend
    /// for rustls-platform-verifier (`CURLSSLOPT_NATIVE_CA`); and the OS
    /// store read by rustls-native-certs for hyper.
    pub fn roots(self) -> &'static str {
        match self {
            Client::Isahc => {
                "the OS store (isahc's default TrustStore::native(): libcurl's CURLSSLOPT_NATIVE_CA, rustls-platform-verifier)"
            }
            Client::Hyper => fanout_core::tls::NATIVE_ROOTS,
        }
    }

    /// The HTTP versions the client can be held to.
    pub fn protocols(self) -> &'static [Protocol] {
        // Both: hyper's `auto` is the pool of `conn::http1` connections.
        let (Client::Isahc | Client::Hyper) = self;
        ANY_PROTOCOL
    }

    /// Known deviations from the conformance kit.
    pub fn deviations(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Client::Isahc => &[("faults", ISAHC_RETRY), ("json-faults", ISAHC_RETRY)],
            Client::Hyper => &[],
        }
    }

    /// Whether the row can start at all in this build.
    pub(crate) fn check(self) -> Result<(), StartError> {
        if self == Client::Isahc && cfg!(curl_select_only) {
            return Err(StartError(SELECT_ONLY.into()));
        }
        Ok(())
    }

    /// Builds the client for `target` and `protocol`.
    pub(crate) fn build(self, target: &Target, protocol: Protocol) -> Result<Built, StartError> {
        match self {
            Client::Isahc => {
                // The target's CA file is the only root: curl's rustls
                // backend reads CAINFO alone (no CAPATH, no native store).
                // Without one, isahc's default (`Client::roots`).
                let trust = match &target.ca {
                    Some(ca) => TrustStore::from_file(ca),
                    None => TrustStore::native(),
                };
                let negotiation = match protocol {
                    Protocol::Auto => VersionNegotiation::latest_compatible(),
                    Protocol::Http1 => VersionNegotiation::http11(),
                    Protocol::Http2 => VersionNegotiation::http2(),
                };
                let c = isahc::HttpClient::builder()
                    .tls_config(TlsConfig::builder().trust_store(trust).build())
                    .version_negotiation(negotiation)
                    .build()
                    .map_err(|e| StartError(format!("cannot build the isahc client: {e}")))?;
                Ok(Built::Isahc(c))
            }
            // `auto` is HTTP/1.1: the pool of `conn::http1` connections,
            // offering `http/1.1` by ALPN. HTTP/2 is the other connection
            // API, offering `h2` alone (prior knowledge in cleartext).
            Client::Hyper if protocol == Protocol::Http2 => Ok(Built::Hyper2(Arc::new(H2Conn {
                tls: TlsConnector::from(Arc::new(rustls_config(target, ring(), &[b"h2"])?)),
                conn: Default::default(),
            }))),
            Client::Hyper => Ok(Built::Hyper(Arc::new(HyperPool {
                tls: TlsConnector::from(Arc::new(rustls_config(target, ring(), &[b"http/1.1"])?)),
                idle: Default::default(),
            }))),
        }
    }
}

/// A built client; cloning shares its connections.
#[derive(Clone)]
pub(crate) enum Built {
    Isahc(isahc::HttpClient),
    Hyper(Arc<HyperPool>),
    Hyper2(Arc<H2Conn>),
}

impl Built {
    /// Starts one GET; the future owns everything it needs. `ex` runs the
    /// hyper connection tasks.
    pub(crate) fn get(
        &self,
        ex: &Arc<smol::Executor<'static>>,
        req: Request,
    ) -> impl Future<Output = Fetched> + Send + use<> {
        let (client, ex) = (self.clone(), Arc::clone(ex));
        async move {
            match client {
                Built::Isahc(c) => isahc_get(&c, req).await,
                Built::Hyper(pool) => pool.get(&ex, req).await,
                Built::Hyper2(conn) => conn.get(&ex, req).await,
            }
        }
    }
}

async fn isahc_get(c: &isahc::HttpClient, req: Request) -> Fetched {
    let mut rb = isahc::Request::get(&*req.url);
    if !req.keep_alive {
        rb = rb.header(isahc::http::header::CONNECTION, "close");
    }
    let request = rb
        .body(())
        .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
    let mut resp = c
        .send_async(request)
        .await
        .map_err(|e| FetchError::new(isahc_kind(&e).in_head(), e))?;
    let status = resp.status().as_u16();
    // isahc's JSON API: reads the body whole, then serde_json.
    fn err<E: Error + Send + Sync + 'static>(e: E) -> FetchError {
        FetchError::new(isahc_kind(&e).in_body(), e)
    }
    match req.body_as(status) {
        BodyAs::Document => return Ok(Response::json(status, resp.json().await.map_err(err)?)),
        BodyAs::Value => return Ok(Response::value(status, resp.json().await.map_err(err)?)),
        BodyAs::Bytes => {}
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| FetchError::new(isahc_kind(&e).in_body(), e))?;
    Ok(Response::bytes(status, body))
}

/// Classifies an isahc error by the curl error behind it when there is one
/// (isahc files a failed TLS handshake under `ConnectionFailed`), else by
/// isahc's kind, else by the chain (I/O, JSON).
fn isahc_kind(e: &(dyn Error + 'static)) -> ErrorKind {
    for err in chain(e) {
        if let Some(c) = err.downcast_ref::<curl::Error>() {
            if c.is_ssl_connect_error()
                || c.is_peer_failed_verification()
                || c.is_ssl_cacert()
                || c.is_ssl_cacert_badfile()
                || c.is_ssl_certproblem()
                || c.is_ssl_cipher()
                || c.is_ssl_issuer_error()
                || c.is_ssl_crl_badfile()
                || c.is_ssl_shutdown_failed()
            {
                return ErrorKind::Tls;
            }
            if c.is_partial_file() {
                return ErrorKind::Truncated;
            }
            // An HTTP/2 stream reset (RST_STREAM) is HTTP/2's connection
            // reset: `reset` before the head, `truncated` in the body.
            if c.is_got_nothing()
                || c.is_recv_error()
                || c.is_send_error()
                || c.is_http2_stream_error()
            {
                return ErrorKind::Reset;
            }
            if c.is_couldnt_connect() || c.is_couldnt_resolve_host() {
                return ErrorKind::Connect;
            }
            if c.is_operation_timedout() {
                return ErrorKind::Timeout;
            }
            if c.is_http2_error() {
                return ErrorKind::Protocol;
            }
        }
    }
    if let Some(kind) = ErrorKind::from_chain(e) {
        return kind;
    }
    use isahc::error::ErrorKind as K;
    for err in chain(e) {
        if let Some(i) = err.downcast_ref::<isahc::Error>() {
            return match i.kind() {
                K::BadServerCertificate | K::TlsEngine | K::InvalidTlsConfiguration => {
                    ErrorKind::Tls
                }
                K::ConnectionFailed | K::NameResolution => ErrorKind::Connect,
                K::Timeout => ErrorKind::Timeout,
                K::ProtocolViolation | K::InvalidContentEncoding => ErrorKind::Protocol,
                _ => ErrorKind::Other,
            };
        }
    }
    ErrorKind::Other
}

type Sender = http1::SendRequest<Empty<Bytes>>;
type Sender2 = http2::SendRequest<Empty<Bytes>>;

/// A dialled stream: TCP, or TLS over TCP.
type Stream = Either<Async<TcpStream>, futures_rustls::client::TlsStream<Async<TcpStream>>>;

/// Reads the whole body of a response.
async fn collect(resp: hyper::Response<hyper::body::Incoming>) -> Result<(u16, Bytes), FetchError> {
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| FetchError::new(hyper_kind(&e).in_body(), e))?
        .to_bytes();
    Ok((status, body))
}

/// Hands a body over as bytes, or decoded (the document, or any JSON value).
fn finish(req: &Request, status: u16, body: Bytes) -> Fetched {
    // hyper has no JSON API: its users collect, then serde_json.
    let err = |e| FetchError::new(ErrorKind::Decode, e);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, body),
        BodyAs::Document => Response::json(
            status,
            serde_json::from_slice::<Document>(&body).map_err(err)?,
        ),
        BodyAs::Value => Response::value(status, serde_json::from_slice(&body).map_err(err)?),
    })
}

/// core's `ErrorKind::from_hyper_chain`, with an HTTP/2 stream reset or
/// GOAWAY from the server (HTTP/2's connection reset, which it does not
/// look for) as `reset`.
fn hyper_kind(e: &(dyn Error + 'static)) -> ErrorKind {
    let h2_reset = chain(e).any(|e| {
        e.downcast_ref::<h2::Error>()
            .is_some_and(h2::Error::is_remote)
    });
    if h2_reset && ErrorKind::from_chain(e).is_none() {
        return ErrorKind::Reset;
    }
    ErrorKind::from_hyper_chain(e)
}

fn sent(e: hyper::Error) -> FetchError {
    FetchError::new(hyper_kind(&e).in_head(), e)
}

/// The URI of a request, whether it is `https`, and its authority.
fn target_of(req: &Request) -> Result<(hyper::Uri, bool, Authority), FetchError> {
    let uri: hyper::Uri = req
        .url
        .parse()
        .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
    let https = uri.scheme_str() == Some("https");
    let authority = uri
        .authority()
        .ok_or_else(|| FetchError::from(ErrorKind::Other))?
        .clone();
    Ok((uri, https, authority))
}

/// Idle HTTP/1.1 keep-alive connections, one list per scheme (a session
/// talks to one target), and the TLS connector.
pub(crate) struct HyperPool {
    tls: TlsConnector,
    /// `[http, https]`.
    idle: [Mutex<Vec<Sender>>; 2],
}

impl HyperPool {
    async fn get(self: Arc<Self>, ex: &Arc<smol::Executor<'static>>, req: Request) -> Fetched {
        let (uri, https, authority) = target_of(&req)?;
        // With keep-alive off every request gets a fresh connection.
        let reused = if req.keep_alive {
            self.checkout(https)
        } else {
            None
        };
        let mut sender = match reused {
            Some(s) => s,
            None => {
                let io = dial(&self.tls, &authority, https).await?;
                let (sender, conn) = http1::handshake(FuturesIo::new(io)).await.map_err(sent)?;
                ex.spawn(async move {
                    let _ = conn.await;
                })
                .detach();
                sender
            }
        };
        // HTTP/1.1: the origin form, and `Host` as hyper-util sets it.
        let mut rb = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header(hyper::header::HOST, authority.as_str());
        if !req.keep_alive {
            rb = rb.header(hyper::header::CONNECTION, "close");
        }
        let request = rb
            .body(Empty::new())
            .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
        let resp = sender.send_request(request).await.map_err(sent)?;
        let (status, body) = collect(resp).await?;
        if req.keep_alive {
            self.checkin(ex, https, sender);
        }
        finish(&req, status, body)
    }

    fn idle(&self, https: bool) -> std::sync::MutexGuard<'_, Vec<Sender>> {
        self.idle[usize::from(https)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection ready for a request; closed ones are dropped.
    fn checkout(&self, https: bool) -> Option<Sender> {
        let mut idle = self.idle(https);
        while let Some(s) = idle.pop() {
            if s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    /// Returns a connection whose response is fully read. If its task has not
    /// yet noticed the end of the response, a task waits for it to be ready.
    fn checkin(self: Arc<Self>, ex: &smol::Executor<'static>, https: bool, mut s: Sender) {
        if s.is_ready() {
            self.idle(https).push(s);
        } else if !s.is_closed() {
            ex.spawn(async move {
                if s.ready().await.is_ok() {
                    self.idle(https).push(s);
                }
            })
            .detach();
        }
    }
}

/// One HTTP/2 connection per scheme, shared by every request as a stream:
/// the first request that finds none (or a closed one) dials it while the
/// others wait for it, as hyper-util's `http2_only` pool does.
pub(crate) struct H2Conn {
    tls: TlsConnector,
    /// `[http, https]`.
    conn: [async_lock::Mutex<Option<Sender2>>; 2],
}

impl H2Conn {
    async fn get(self: Arc<Self>, ex: &Arc<smol::Executor<'static>>, req: Request) -> Fetched {
        let (uri, https, authority) = target_of(&req)?;
        let mut sender = {
            let mut slot = self.conn[usize::from(https)].lock().await;
            match slot.as_ref().filter(|s| !s.is_closed()) {
                Some(s) => s.clone(),
                None => {
                    let io = dial(&self.tls, &authority, https).await?;
                    let (sender, conn) = http2::Builder::new(SmolExecutor::new(Arc::clone(ex)))
                        .handshake(FuturesIo::new(io))
                        .await
                        .map_err(sent)?;
                    ex.spawn(async move {
                        let _ = conn.await;
                    })
                    .detach();
                    slot.insert(sender).clone()
                }
            }
        };
        // HTTP/2: the absolute URI (`:scheme` and `:authority`), no `Host`.
        let request = hyper::Request::get(uri)
            .body(Empty::new())
            .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
        sender.ready().await.map_err(sent)?;
        let resp = sender.send_request(request).await.map_err(sent)?;
        let (status, body) = collect(resp).await?;
        finish(&req, status, body)
    }
}

/// Opens a TCP connection (a failure is `connect`), then for `https` a TLS
/// session (a failure is `tls`).
async fn dial(
    tls: &TlsConnector,
    authority: &Authority,
    https: bool,
) -> Result<Stream, FetchError> {
    let connect = |e: std::io::Error| FetchError::new(ErrorKind::Connect, e);
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let addr = smol::net::resolve((host, port))
        .await
        .map_err(connect)?
        .into_iter()
        .next()
        .ok_or_else(|| FetchError::from(ErrorKind::Connect))?;
    let stream = Async::<TcpStream>::connect(addr).await.map_err(connect)?;
    if !https {
        return Ok(Either::Left(stream));
    }
    let name = ServerName::try_from(host)
        .map_err(|e| FetchError::new(ErrorKind::Tls, e))?
        .to_owned();
    let tls = tls
        .connect(name, stream)
        .await
        .map_err(|e| FetchError::new(ErrorKind::Tls, e))?;
    Ok(Either::Right(tls))
}

/// rustls's ring provider, named for every configuration this row builds.
fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
