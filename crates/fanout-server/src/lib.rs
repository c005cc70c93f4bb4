//! The fanout target server: the one HTTP server every row of the benchmark
//! fetches from.
//!
//! It is httpbin-shaped, so the classic `/delay/5` demo maps directly, but
//! async and lean so it is never the bottleneck:
//!
//! | route | answer |
//! |---|---|
//! | `GET /delay/{ms}?id=N&bytes=B` | waits `ms` (≤ 60 000), then 200 with the deterministic body of `(N, B)` (B ≤ 64 MiB; both default to 0) |
//! | `GET /delay/{ms}?id=N&bytes=B&seed=S&error=‰&reset=‰&stall=‰&truncate=‰&slow=‰&stall_ms=T` | the same, unless [`fanout_core::Faults::decide`]`(N)` picks a fault (see below) |
//! | `GET /status/{code}` | an empty answer with that status (200..=599) |
//! | `GET /stats` | the counters, [`ServerStats`] as JSON |
//! | `POST /stats/reset` | zeroes the counters (as [`Target::reset_stats`] says), 204 |
//!
//! A malformed or out-of-bounds request gets `400` with a one-line reason
//! (`bad request: delay 99999999 ms is over the 60000 ms bound`), an unknown
//! path `404`, a known path with the wrong method `405` — never a crash.
//! Unknown or repeated query parameters are rejected, so a typo is not
//! silently ignored.
//!
//! ## Faults
//!
//! The fault keys are the ones [`fanout_core::Plan::url`] writes: rates in
//! requests per thousand (each ≤ 1000, their sum ≤ 1000), a `seed`, and
//! `stall_ms` (≤ 60 000; 60 000 when absent). The server builds a
//! [`fanout_core::Faults`] and asks `decide(id)`, so the conformance kit
//! knows exactly which request got which fault. On the wire:
//!
//! - `error`: after the delay, `503 Service Unavailable`, empty body.
//! - `reset`: after the delay, the connection is closed with an RST
//!   (`SO_LINGER` 0) and no response byte: the client reads
//!   `ECONNRESET`.
//! - `stall`: waits `stall_ms` instead of `ms`, then answers normally (the
//!   client has timed out by then); a stop drops it like any sleeping request,
//!   and so does the client closing its connection (hyper notices).
//! - `truncate`: after the delay, `200` with `Content-Length: B` but only the
//!   first `⌊B/2⌋` body bytes, then the connection closes (a FIN): the client
//!   reads a short body and EOF.
//! - `slow`: the whole, correct body, in 8 pieces 5 ms apart (about 40 ms more).
//!
//! Without fault keys nothing of this runs: no hash, no allocation.
//!
//! It runs in-process ([`Server::start`], for tests) or in the foreground of
//! its own process ([`serve_foreground`], for the `fanout-server` binary and
//! `fanout serve`), on a multi-thread tokio runtime with hyper's HTTP/1.1
//! server; keep-alive is on and `Connection: close` is honoured. The hot
//! path takes no lock and allocates nothing of its own beyond what hyper
//! needs: routes are parsed from the URI's `&str`s, counters are atomics,
//! and bodies are streamed from a static buffer ([`fanout_core::body`]).
//!
//! ## Counters
//!
//! - `requests`: handlers that have ended, any route, any status — including
//!   handlers cut short because the server stopped. A `/stats` request counts
//!   once it is answered; a `/stats/reset` request ends before its reset, so
//!   it leaves no trace.
//! - `connections`: TCP connections accepted and served (not those reset at
//!   once over [`Config::max_connections`]).
//! - `in_flight` / `peak_in_flight`: handlers running now / at most at once.
//!   A `/delay` request is in flight while it sleeps; its body is written
//!   after it leaves. The `/stats` snapshot is taken before the `/stats`
//!   request itself enters.
//! - `bad_requests`: requests this server answered with 400 (not `/status/400`,
//!   and not requests hyper refused before routing, such as a broken request line).
//! - `injected.{error,reset,stall,truncate,slow}`: faults decided, counted
//!   when decided (a stalled request counts while it stalls; a request
//!   dropped during its delay by a stop still counts).
//!
//! ## Limits
//!
//! [`Config::max_connections`] connections at once (more are accepted and
//! reset at once); a request head must arrive within
//! [`Config::header_read_timeout`] (which is also how long an idle keep-alive
//! connection is kept); a head over 64 KiB or 100 header lines gets `431`
//! and a close.

mod conn;
mod response;
mod route;
mod serve;
mod stats;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use fanout_core::target::{ServerStats, Target};
use tokio::sync::oneshot;

use crate::serve::{GRACE, RUNTIME_SHUTDOWN, Shared};

/// Where and how to run the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; default `127.0.0.1` (loopback only).
    pub bind: IpAddr,
    /// Port to listen on; default 0 (the kernel picks a free one).
    pub port: u16,
    /// Tokio worker threads; `None` (the default) means one per core.
    pub workers: Option<usize>,
    /// Most connections open at once; default 16 384. One more is accepted
    /// and closed at once with an RST (it never waits in the backlog), until
    /// some close. Keep it under the process's open-files limit.
    pub max_connections: usize,
    /// How long a client gets to send a request head; default 60 s. hyper
    /// also applies it to an idle keep-alive connection waiting for its next
    /// request, so it is as long as common servers' idle timeouts: a client
    /// pool idle between fan-outs keeps its connections. A client that
    /// trickles its head is closed when it runs out (no response).
    pub header_read_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            workers: None,
            max_connections: 16_384,
            header_read_timeout: Duration::from_secs(60),
        }
    }
}

/// A server running in this process, on its own runtime in a background
/// thread. Stops when [`Server::stop`] is called or when it is dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Taken on stop; behind a mutex only so `Server` is `Sync`.
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    stop: oneshot::Sender<()>,
    stopped: mpsc::Receiver<()>,
    thread: JoinHandle<()>,
}

impl Server {
    /// Starts the server in-process on its own multi-thread tokio runtime
    /// (in a background thread) and returns once it is listening.
    ///
    /// Fails if the address cannot be bound, or `workers` is `Some(0)`,
    /// `max_connections` 0 or `header_read_timeout` zero (`InvalidInput`).
    pub fn start(config: Config) -> io::Result<Server> {
        let runtime = serve::runtime(&config)?;
        let listener = serve::bind(&config)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config));
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
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). An
    /// unspecified bind address (`0.0.0.0`, `::`) is given as loopback.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
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
    /// finish, drops requests still sleeping in `/delay`, and joins the
    /// server thread. Bounded: after about two seconds whatever is left is
    /// abandoned. Dropping the server does the same.
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
        let bound = GRACE + RUNTIME_SHUTDOWN + std::time::Duration::from_millis(250);
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

impl Target for Server {
    fn base_url(&self) -> String {
        Server::base_url(self)
    }

    fn stats(&self) -> ServerStats {
        Server::stats(self)
    }

    fn reset_stats(&self) {
        Server::reset_stats(self)
    }
}

/// Runs the server in the foreground on the current thread until Ctrl-C
/// (SIGINT) or SIGTERM, then stops gracefully as [`Server::stop`] does.
///
/// `on_ready(addr)` is called once, when the server is listening — outside
/// the runtime, so it may block or start a runtime of its own. Used by the
/// `fanout-server` binary and by `fanout serve`.
pub fn serve_foreground(
    config: Config,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> io::Result<()> {
    let runtime = serve::runtime(&config)?;
    let stop = {
        let _entered = runtime.enter();
        shutdown_signal()?
    };
    let listener = serve::bind(&config)?;
    on_ready(listener.local_addr()?);
    let result = runtime.block_on(serve::serve(listener, Arc::new(Shared::new(&config)), stop));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    result
}

/// Completes on SIGINT or SIGTERM. Registered before it is first polled, so a
/// signal sent right after `on_ready` is not missed.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + 'static> {
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
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
