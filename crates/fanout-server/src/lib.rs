//! The fanout target server: the one server every row of the benchmark
//! fetches from, over plain HTTP/1.1, HTTPS (rustls) and HTTP/2 — all on one
//! port.
//!
//! It is httpbin-shaped, so the classic `/delay/5` demo maps directly, but
//! async and lean so it is never the bottleneck:
//!
//! | route | answer |
//! |---|---|
//! | `GET /delay/{ms}?id=N&bytes=B` | waits `ms` (≤ 60 000), then 200 with the deterministic body of `(N, B)` (B ≤ 64 MiB; both default to 0), `application/octet-stream` |
//! | `GET /delay/{ms}?id=N&bytes=B&format=json` | the same wait, then 200 with the JSON document of `(N, B)` ([`fanout_core::Document`], about B bytes, B ≤ 4 MiB), `application/json` |
//! | `GET /delay/{ms}?…&seed=S&error=‰&reset=‰&stall=‰&truncate=‰&slow=‰&corrupt=‰&stall_ms=T` | the same, unless [`fanout_core::Faults::decide`]`(N)` picks a fault (see below) |
//! | `GET /status/{code}` | an empty answer with that status (200..=599) |
//! | `GET /stats` | the counters, [`ServerStats`] as JSON |
//! | `POST /stats/reset` | zeroes the counters (as [`TargetServer::reset_stats`] says), 204 — only when started with `allow_reset` (`--allow-reset`), else 403 |
//!
//! `format` is `bytes` (the default) or `json`. A malformed or
//! out-of-bounds request gets `400` with a one-line reason (`bad request:
//! delay 99999999 ms is over the 60000 ms bound`), an unknown path `404`, a
//! known path with the wrong method `405` — never a crash. Unknown or
//! repeated query parameters are rejected, so a typo is not silently ignored.
//!
//! ## Schemes and versions
//!
//! One TCP port serves both `http://` and `https://`: a connection whose
//! first byte is `0x16` (a TLS handshake record) is TLS, anything else
//! cleartext. Over TLS, ALPN offers `h2` and `http/1.1`: `h2` gets HTTP/2,
//! anything else HTTP/1.1. In cleartext, a connection that opens with the
//! HTTP/2 preface gets HTTP/2 by prior knowledge (h2c), anything else
//! HTTP/1.1. HTTP/2 advertises `SETTINGS_MAX_CONCURRENT_STREAMS` =
//! [`Config::h2_max_streams`], 100 by default (RFC 9113 §6.5.2 recommends no
//! less than 100).
//!
//! ## TLS
//!
//! Each server makes its own throwaway CA (ECDSA P-256) at start and a leaf
//! it signs for `localhost`, `127.0.0.1` and `::1`; keys stay in memory.
//! The CA certificate is written as PEM to a file in a private temporary
//! directory, removed when the server is dropped: [`Server::ca_path`], and
//! the `ca` of [`Server::target`]. rustls (ring provider) keeps TLS 1.2
//! sessions in a stateful cache and issues tickets (TLS 1.2 and 1.3), so
//! clients resume.
//!
//! ## Faults
//!
//! The fault keys are the ones [`fanout_core::Plan::path`] writes: rates in
//! requests per thousand (each ≤ 1000, their sum ≤ 1000), a `seed`, and
//! `stall_ms` (≤ 60 000; 60 000 when absent). The server builds a
//! [`fanout_core::Faults`] and asks `decide(id)`, so the conformance kit
//! knows exactly which request got which fault. Every fault works on both
//! formats and both versions:
//!
//! - `error`: after the delay, `503 Service Unavailable`, empty body.
//! - `reset`: after the delay, no response. HTTP/1.1: the connection is
//!   closed with an RST (`SO_LINGER` 0): the client reads `ECONNRESET`.
//!   HTTP/2: the stream is reset (`RST_STREAM` `INTERNAL_ERROR`) before any
//!   header; the connection and its other streams carry on.
//! - `stall`: waits `stall_ms` instead of `ms`, then answers normally (the
//!   client has timed out by then); a stop drops it like any sleeping request,
//!   and so does the client closing its connection or stream (hyper notices).
//! - `truncate`: after the delay, `200` with the whole body's
//!   `Content-Length` but only its first half. HTTP/1.1: then the connection
//!   closes (a FIN): the client reads a short body and EOF. HTTP/2: then
//!   `RST_STREAM` `INTERNAL_ERROR`.
//! - `slow`: the whole, correct body, in 8 pieces 5 ms apart (about 40 ms more).
//! - `corrupt`: the whole body, of the right length, with its first byte
//!   replaced by `!`: a byte body fails verification, a JSON document fails
//!   to decode.
//!
//! Without fault keys nothing of this runs: no hash, no allocation.
//!
//! It runs in-process ([`Server::start`], for tests) or in the foreground of
//! its own process ([`serve()`] with [`ServeArgs`], for the `fanout-server`
//! binary and `fanout serve`), on a multi-thread tokio runtime with hyper's
//! HTTP/1.1 and HTTP/2 servers; HTTP/1.1 keep-alive is on and
//! `Connection: close` is honoured. The hot path takes no lock and
//! allocates nothing of its own beyond what hyper needs (and a JSON
//! document's one buffer): routes are parsed from the URI's `&str`s,
//! counters are atomics, and byte bodies are streamed from a static buffer
//! ([`fanout_core::body`]).
//!
//! ## Counters
//!
//! - `requests`: handlers that have ended, any route, any status — including
//!   handlers cut short because the server stopped or the client went away.
//!   A `/stats` request counts once it is answered; a `/stats/reset` request
//!   ends before its reset, so it leaves no trace.
//! - `connections`: TCP connections accepted and served (not those reset at
//!   once over [`Config::max_connections`]).
//! - `in_flight` / `peak_in_flight`: handlers running now / at most at once.
//!   A `/delay` request is in flight while it sleeps; its body is written
//!   after it leaves. The `/stats` snapshot is taken before the `/stats`
//!   request itself enters.
//! - `bad_requests`: requests this server answered with 400 (not `/status/400`,
//!   and not requests hyper refused before routing, such as a broken request line).
//! - `injected.{error,reset,stall,truncate,slow,corrupt}`: faults decided,
//!   counted when decided (a stalled request counts while it stalls; a
//!   request dropped during its delay by a stop still counts).
//! - `tls.handshakes`: TLS handshakes completed; `tls.resumed`: of those,
//!   the ones rustls reports as resumed (`HandshakeKind::Resumed`, from a
//!   ticket or a cached session); `tls.failed`: handshakes that failed (an
//!   alert from a client that rejected the certificate, a peer that closed
//!   mid-handshake, bytes that are not TLS after a `0x16`) or took longer
//!   than [`Config::header_read_timeout`].
//! - `http1`, `http2` ([`fanout_core::stats::ProtocolStats`]):
//!   `connections` the server started serving with that version (chosen by
//!   ALPN or the preface); `requests` answered over it (counted as
//!   `requests` is, so `http1.requests + http2.requests == requests`);
//!   `max_streams`, the most requests open at once on one connection — a
//!   request is open from its handler's start until hyper drops its
//!   response body (all sent or abandoned); on HTTP/1.1 at most 1;
//!   `reset_streams` (HTTP/2 only; always 0 for HTTP/1.1): streams whose
//!   response did not end — the handler failed (an injected `reset`) or was
//!   dropped before answering (the client sent `RST_STREAM`, the connection
//!   closed, the server stopped), or hyper dropped the response body before
//!   its last byte was handed over (an injected `truncate`, the client
//!   reset the stream or went away). A client's `RST_STREAM` after the last
//!   byte was handed to hyper is not seen, so not counted.
//!
//! ## Running it
//!
//! [`serve()`] (the `fanout-server` binary, and `fanout serve`) takes
//! [`ServeArgs`] — `--bind`, `--port`, `--workers`, `--max-connections`,
//! `--header-read-timeout`, `--h2-max-streams` and the hidden
//! `--exit-with-parent` — and prints exactly two lines to stdout, flushed,
//! before serving until SIGINT or SIGTERM (or stdin EOF):
//!
//! ```text
//! http://127.0.0.1:40123
//! https://127.0.0.1:40123 ca=/tmp/fanout-server-AbC123/ca.pem
//! ```
//!
//! (one port; an IPv6 bind prints `[::1]:40123`). The libraries it is built
//! on, their versions and upstream status are listed in the crate's README:
//! hyper 1.12 (HTTP/1.1 and HTTP/2 through h2 0.4), hyper-util 0.1, tokio
//! 1.54, rustls 0.23 with ring 0.17, tokio-rustls 0.26, rcgen 0.14, tempfile 3.
//!
//! ## Limits
//!
//! [`Config::max_connections`] connections at once (more are accepted and
//! reset at once), on both schemes; the first byte, the TLS handshake and
//! each HTTP/1.1 request head must each arrive within
//! [`Config::header_read_timeout`] (which is also how long an idle
//! HTTP/1.1 keep-alive connection is kept; an HTTP/2 connection with no
//! open stream is closed with a GOAWAY after one to two such periods); a
//! head over 64 KiB or 100 header lines gets `431` and a close (HTTP/1.1);
//! a header list over 64 KiB (`SETTINGS_MAX_HEADER_LIST_SIZE`) gets `431` on
//! its stream (HTTP/2, from h2), the connection carrying on.

mod cli;
mod conn;
mod connection;
mod handler;
mod response;
mod route;
mod serve;
mod stats;
mod tls;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use fanout_core::stats::ServerStats;
use fanout_core::target::{Target, TargetServer};
use tokio::sync::oneshot;

pub use crate::cli::{ServeArgs, serve};
use crate::serve::{GRACE, RUNTIME_SHUTDOWN, Shared};
use crate::tls::CaFile;

/// Where and how to run the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; default `127.0.0.1` (loopback only). The
    /// certificate names `localhost`, `127.0.0.1` and `::1` only.
    pub bind: IpAddr,
    /// Port to listen on, for both `http://` and `https://`; default 0 (the
    /// kernel picks a free one).
    pub port: u16,
    /// Tokio worker threads; `None` (the default) means one per core.
    pub workers: Option<usize>,
    /// Most connections open at once, both schemes together; default
    /// 16 384. One more is accepted and closed at once with an RST (it never
    /// waits in the backlog), until some close. Keep it under the process's
    /// open-files limit.
    pub max_connections: usize,
    /// How long a client gets for its first byte, for its TLS handshake, and
    /// for each HTTP/1.1 request head; default 60 s. hyper also applies it
    /// to an idle HTTP/1.1 keep-alive connection waiting for its next
    /// request, and the server closes an HTTP/2 connection with no stream
    /// open for one to two such periods, so it is as long as common servers'
    /// idle timeouts: a client pool idle between fan-outs keeps its
    /// connections. A client that trickles its head is closed when it runs
    /// out (no response).
    pub header_read_timeout: Duration,
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` of HTTP/2 connections: requests one
    /// connection may have open at once; default 100, the least RFC 9113
    /// (§6.5.2) recommends. At least 1.
    pub h2_max_streams: u32,
    /// Answer `POST /stats/reset` (otherwise 403). Off by default: a server
    /// started by hand (perhaps for another host's sweep) keeps its counters
    /// unless started with `--allow-reset`; the harness starts its server
    /// children with it. The in-process [`Server::reset_stats`] always works.
    pub allow_reset: bool,
    /// More names (DNS names or IP addresses) the certificate is valid for,
    /// beside `localhost`, `127.0.0.1` and `::1`: the address clients on
    /// other hosts use.
    pub tls_names: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            workers: None,
            max_connections: 16_384,
            header_read_timeout: Duration::from_secs(60),
            h2_max_streams: 100,
            allow_reset: false,
            tls_names: Vec::new(),
        }
    }
}

/// A server running in this process, on its own runtime in a background
/// thread. Stops when [`Server::stop`] is called or when it is dropped;
/// its CA file is removed then.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Taken on stop; behind a mutex only so `Server` is `Sync`.
    running: Mutex<Option<Running>>,
    /// Removed on drop, after the server thread has stopped.
    ca: CaFile,
}

#[derive(Debug)]
struct Running {
    stop: oneshot::Sender<()>,
    stopped: mpsc::Receiver<()>,
    thread: JoinHandle<()>,
}

impl Server {
    /// Starts the server in-process on its own multi-thread tokio runtime
    /// (in a background thread) and returns once it is listening, its CA
    /// file written.
    ///
    /// Fails if the address cannot be bound, the certificates or the CA file
    /// cannot be made, or `workers` is `Some(0)`, `max_connections` 0,
    /// `header_read_timeout` zero or `h2_max_streams` 0 (`InvalidInput`).
    pub fn start(config: Config) -> io::Result<Server> {
        let runtime = serve::runtime(&config)?;
        let (tls, ca) = tls::setup(&config.tls_names)?;
        let listener = serve::bind(&config)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config, tls));
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (stopped_tx, stopped) = mpsc::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fanout-server".into())
            .spawn(move || {
                // A dropped sender stops the server too.
                let stop = async {
                    let _ = stop_rx.await;
                };
                if let Err(e) = runtime.block_on(serve::serve(listener, serving, stop)) {
                    eprintln!("fanout-server: {e}");
                }
                runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
                let _ = stopped_tx.send(());
            })?;
        Ok(Server {
            addr,
            shared,
            running: Mutex::new(Some(Running {
                stop,
                stopped,
                thread,
            })),
            ca,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for plain HTTP, e.g. `http://127.0.0.1:40123` (no trailing
    /// slash). An unspecified bind address (`0.0.0.0`, `::`) is given as
    /// loopback.
    pub fn base_url(&self) -> String {
        format!("http://{}", connectable(self.addr))
    }

    /// The CA certificate (PEM) that signed this server's certificate: the
    /// one root a client of `https://` should trust. Removed when the server
    /// is dropped.
    pub fn ca_path(&self) -> &Path {
        self.ca.path()
    }

    /// Where the server is: `Target { addr: "127.0.0.1:PORT", ca:
    /// Some(ca_path) }`; `http://` and `https://` both work on that address.
    pub fn target(&self) -> Target {
        target(self.addr, self.ca.path())
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ServerStats {
        self.shared.counters.snapshot()
    }

    /// Zeroes the counters (except `in_flight`, which is live) and sets
    /// `peak_in_flight` to the current `in_flight`.
    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// Stops the server: closes the listener, lets responses being written
    /// finish, drops requests still sleeping in `/delay`, joins the server
    /// thread and removes the CA file. Bounded: after about two seconds
    /// whatever is left is abandoned. Dropping the server does the same.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        let running = match self.running.get_mut() {
            Ok(running) => running.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(Running {
            stop,
            stopped,
            thread,
        }) = running
        else {
            return;
        };
        let _ = stop.send(());
        // The thread bounds itself (GRACE, then RUNTIME_SHUTDOWN); this is the backstop.
        let bound = GRACE + RUNTIME_SHUTDOWN + Duration::from_millis(250);
        match stopped.recv_timeout(bound) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = thread.join();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                eprintln!(
                    "fanout-server: the server thread did not stop in {bound:?}; abandoning it"
                );
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl TargetServer for Server {
    fn target(&self) -> Target {
        Server::target(self)
    }

    fn stats(&self) -> ServerStats {
        Server::stats(self)
    }

    fn reset_stats(&self) {
        Server::reset_stats(self)
    }
}

/// `addr` as a client reaches it: an unspecified IP (`0.0.0.0`, `::`) as loopback.
fn connectable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// The target of a server listening on `addr` with its CA at `ca`.
fn target(addr: SocketAddr, ca: &Path) -> Target {
    Target {
        addr: connectable(addr).to_string(),
        ca: Some(ca.to_owned()),
    }
}

/// Runs the server in the foreground on the current thread until `stop`
/// completes or Ctrl-C (SIGINT) or SIGTERM arrives, then stops gracefully
/// as [`Server::stop`] does, and removes the CA file.
///
/// `on_ready(target)` is called once, when the server is listening —
/// outside the runtime, so it may block.
fn serve_foreground(
    config: Config,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(&Target),
) -> io::Result<()> {
    let runtime = serve::runtime(&config)?;
    let signal = {
        let _entered = runtime.enter();
        shutdown_signal()?
    };
    let (tls, ca) = tls::setup(&config.tls_names)?;
    let listener = serve::bind(&config)?;
    on_ready(&target(listener.local_addr()?, ca.path()));
    let stop = async move {
        tokio::select! {
            () = signal => {}
            () = stop => {}
        }
    };
    let result = runtime.block_on(serve::serve(
        listener,
        Arc::new(Shared::new(&config, tls)),
        stop,
    ));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    drop(ca);
    result
}

/// Completes on SIGINT or SIGTERM. Registered before it is first polled, so a
/// signal sent right after `on_ready` is not missed.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
