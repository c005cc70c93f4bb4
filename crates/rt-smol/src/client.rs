//! The two HTTP clients of the smol rows, each built once per session and
//! shared by every request.
//!
//! - isahc's `HttpClient` owns libcurl's connection cache.
//! - hyper's `client::conn::http1` API has no pool, so [`HyperPool`] keeps
//!   the idle connections: a request takes one that `is_ready()` or dials a
//!   new one, and hands it back once its body is read (keep-alive on only).

use std::error::Error;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use fanout_core::{ErrorKind, Fetched, Response, StartError};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use isahc::AsyncReadResponseExt;
use smol::Async;
use smol_hyper::rt::FuturesIo;

/// Why `smol-isahc` will not start on a libcurl built without `HAVE_POLL`
/// (see `build.rs`): its figures would be connect errors, not the row's own.
const SELECT_ONLY: &str = "libcurl was compiled without HAVE_POLL, so it waits with select() and \
     fails every socket numbered 1024 or more; build with the workspace's .cargo/config.toml \
     (CFLAGS=-DHAVE_POLL), or add -DHAVE_POLL to your own CFLAGS, then rebuild";

/// Which HTTP client a smol row uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `isahc::HttpClient` with default settings (libcurl, HTTP/1.1, no TLS).
    Isahc,
    /// hyper's `client::conn::http1` over `Async<TcpStream>`, with a small pool.
    Hyper,
}

impl Client {
    /// The client's crate name, for `fanout list`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Isahc => "isahc (libcurl)",
            Client::Hyper => "hyper (conn::http1 + smol-hyper)",
        }
    }

    pub(crate) fn build(self) -> Result<Built, StartError> {
        Ok(match self {
            Client::Isahc => {
                if cfg!(curl_select_only) {
                    return Err(StartError(SELECT_ONLY.into()));
                }
                Built::Isahc(
                    isahc::HttpClient::new()
                        .map_err(|e| StartError(format!("cannot build the isahc client: {e}")))?,
                )
            }
            Client::Hyper => Built::Hyper(Arc::new(HyperPool::default())),
        })
    }
}

/// A built client; cloning shares its connections.
#[derive(Clone)]
pub(crate) enum Built {
    Isahc(isahc::HttpClient),
    Hyper(Arc<HyperPool>),
}

impl Built {
    /// Starts one GET; the future owns everything it needs. `ex` runs the
    /// hyper connection tasks.
    pub(crate) fn get(
        &self,
        ex: Arc<smol::Executor<'static>>,
        url: Arc<str>,
        keep_alive: bool,
    ) -> impl Future<Output = Fetched> + Send + use<> {
        let client = self.clone();
        async move {
            match client {
                Built::Isahc(c) => {
                    let mut req = isahc::Request::get(&*url);
                    if !keep_alive {
                        req = req.header(isahc::http::header::CONNECTION, "close");
                    }
                    let req = req.body(()).map_err(|_| ErrorKind::Other)?;
                    let mut resp = c
                        .send_async(req)
                        .await
                        .map_err(|e| classify(&e).in_head())?;
                    let status = resp.status().as_u16();
                    let body = resp.bytes().await.map_err(|e| classify(&e).in_body())?;
                    Ok(Response {
                        status,
                        body: Bytes::from(body),
                    })
                }
                Built::Hyper(pool) => pool.get(&ex, &url, keep_alive).await,
            }
        }
    }
}

type Sender = SendRequest<Empty<Bytes>>;

/// Idle keep-alive connections for hyper's connection API.
#[derive(Default)]
pub(crate) struct HyperPool {
    idle: Mutex<Vec<Sender>>,
}

impl HyperPool {
    async fn get(
        self: Arc<Self>,
        ex: &smol::Executor<'static>,
        url: &str,
        keep_alive: bool,
    ) -> Fetched {
        let uri: hyper::Uri = url.parse().map_err(|_| ErrorKind::Other)?;
        let authority = uri.authority().ok_or(ErrorKind::Other)?.as_str();
        // With keep-alive off every request gets a fresh connection.
        let reused = if keep_alive { self.checkout() } else { None };
        let mut sender = match reused {
            Some(s) => s,
            None => dial(ex, authority).await?,
        };
        let mut req = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header(hyper::header::HOST, authority);
        if !keep_alive {
            req = req.header(hyper::header::CONNECTION, "close");
        }
        let req = req.body(Empty::new()).map_err(|_| ErrorKind::Other)?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| classify(&e).in_head())?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| classify(&e).in_body())?;
        if keep_alive {
            self.checkin(ex, sender);
        }
        Ok(Response {
            status,
            body: body.to_bytes(),
        })
    }

    /// An idle connection ready for a request; closed ones are dropped.
    fn checkout(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(s) = idle.pop() {
            if s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    /// Returns a connection whose response is fully read. If its task has not
    /// yet noticed the end of the response, a task waits for it to be ready.
    fn checkin(self: Arc<Self>, ex: &smol::Executor<'static>, mut s: Sender) {
        if s.is_ready() {
            self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(s);
        } else if !s.is_closed() {
            ex.spawn(async move {
                if s.ready().await.is_ok() {
                    self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                }
            })
            .detach();
        }
    }
}

/// Opens a TCP connection and hands it to hyper; the connection runs as a
/// task on `ex` until it closes. Any failure here is a connect error.
async fn dial(ex: &smol::Executor<'static>, authority: &str) -> Result<Sender, ErrorKind> {
    let addr = smol::net::resolve(authority)
        .await
        .ok()
        .and_then(|a| a.into_iter().next())
        .ok_or(ErrorKind::Connect)?;
    let stream = Async::<TcpStream>::connect(addr)
        .await
        .map_err(|_| ErrorKind::Connect)?;
    let (sender, conn) = http1::handshake(FuturesIo::new(stream))
        .await
        .map_err(|_| ErrorKind::Connect)?;
    ex.spawn(async move {
        let _ = conn.await;
    })
    .detach();
    Ok(sender)
}

/// Classifies a client error: by the `io::Error` in its chain when there is
/// one, else by the isahc or hyper error it is (or an `io::Error` wraps).
fn classify(e: &(dyn Error + 'static)) -> ErrorKind {
    // An io::Error's `source()` skips the error it wraps: look at it directly.
    let inner = match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(wrapped) => wrapped as &(dyn Error + 'static),
        None => e,
    };
    ErrorKind::from_chain(e)
        .or_else(|| isahc_kind(inner))
        .unwrap_or_else(|| ErrorKind::from_hyper_chain(inner))
}

/// Classifies an `isahc::Error`, refined by the curl error behind it.
fn isahc_kind(err: &(dyn Error + 'static)) -> Option<ErrorKind> {
    use isahc::error::ErrorKind as K;
    let e = err.downcast_ref::<isahc::Error>()?;
    if let Some(c) = e.source().and_then(|s| s.downcast_ref::<curl::Error>()) {
        if c.is_partial_file() {
            return Some(ErrorKind::Truncated);
        }
        if c.is_got_nothing() || c.is_recv_error() || c.is_send_error() {
            return Some(ErrorKind::Reset);
        }
    }
    Some(match e.kind() {
        K::ConnectionFailed | K::NameResolution => ErrorKind::Connect,
        K::Timeout => ErrorKind::Timeout,
        K::ProtocolViolation | K::InvalidContentEncoding => ErrorKind::Protocol,
        _ => ErrorKind::Other,
    })
}
