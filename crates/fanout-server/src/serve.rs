//! Listening, accepting, serving connections, and stopping.
//!
//! One accept loop hands each connection to its own task running hyper's
//! HTTP/1.1 server; requests go to [`handle`]. Stopping is graceful and
//! bounded: the listener closes, idle keep-alive connections close, responses
//! being written finish, and a connection whose request is still sleeping in
//! `/delay` (or stalling) is dropped at once (its answer could be up to a
//! minute away). Whatever is left after [`GRACE`] is abandoned with the runtime.
//!
//! At most [`Config::max_connections`] connections are open at once: the
//! accept loop accepts one more and closes it at once with an RST, so a
//! client over the cap fails fast instead of waiting in the backlog.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use fanout_core::Fault;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::Config;
use crate::conn::{self, Conn, ConnIo};
use crate::response::{self, ResponseBody};
use crate::route::{self, Reject, Route};
use crate::stats::Counters;

/// Longest a stop waits for connections to finish before abandoning them.
pub(crate) const GRACE: Duration = Duration::from_millis(1500);
/// Longest the runtime waits for abandoned tasks when it shuts down.
pub(crate) const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(250);
/// Listen backlog asked of the kernel (Linux caps it at `net.core.somaxconn`).
/// A 10 000-connection burst must queue, not retransmit SYNs.
const BACKLOG: i32 = 8192;
/// Pause after an accept error such as `EMFILE`, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// Read and write buffer cap per connection: requests are a few hundred
/// bytes; bodies are queued as 64 KiB static slices, not copied.
const MAX_BUF_SIZE: usize = 64 * 1024;
/// Largest request head (request line and headers) hyper accepts; a larger
/// one gets `431` and a close. Without it, a head that arrives in one read
/// could pass `MAX_BUF_SIZE`, which hyper checks only while a head is partial.
const MAX_HEADER_SIZE: usize = 64 * 1024;

/// What every connection of one server shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    http: http1::Builder,
    /// Connections open now ([`Conn`]s alive).
    pub(crate) open: AtomicUsize,
    /// Most connections open at once ([`Config::max_connections`]).
    max_connections: usize,
}

impl Shared {
    pub(crate) fn new(config: &Config) -> Shared {
        let mut http = http1::Builder::new();
        // hyper answers a head over `max_header_size` (a long URI included)
        // or with more than 100 header lines with 431, then closes.
        http.timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(config.header_read_timeout)
            .max_buf_size(MAX_BUF_SIZE)
            .max_header_size(MAX_HEADER_SIZE);
        Shared {
            counters: Counters::default(),
            http,
            open: AtomicUsize::new(0),
            max_connections: config.max_connections,
        }
    }
}

/// Refuses a configuration the server cannot run with.
fn check(config: &Config) -> io::Result<()> {
    let invalid = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned()));
    if config.workers == Some(0) {
        return invalid("workers must be at least 1 (omit it for one per core)");
    }
    if config.max_connections == 0 {
        return invalid("max_connections must be at least 1");
    }
    if config.header_read_timeout.is_zero() {
        return invalid("header_read_timeout must be greater than zero");
    }
    Ok(())
}

/// The multi-thread runtime the server runs on; checks `config` first.
pub(crate) fn runtime(config: &Config) -> io::Result<tokio::runtime::Runtime> {
    check(config)?;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_io()
        .enable_time()
        .thread_name("fanout-server");
    if let Some(n) = config.workers {
        builder.worker_threads(n);
    }
    builder.build()
}

/// Binds and listens (`SO_REUSEADDR`, a large backlog), non-blocking, ready
/// for [`TcpListener::from_std`]. Connections queue from here on.
pub(crate) fn bind(config: &Config) -> io::Result<std::net::TcpListener> {
    let addr = SocketAddr::new(config.bind, config.port);
    let listen = || -> io::Result<std::net::TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(BACKLOG)?;
        Ok(socket.into())
    };
    listen().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen on {addr}: {e}; choose another address or port (port 0 picks a free one)"),
        )
    })
}

/// Serves `listener` until `stop` completes, then stops gracefully (bounded by [`GRACE`]).
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    // Connections learn of the stop through this; one registration per
    // connection, none per request.
    let (stopping, stop_rx) = watch::channel(());
    // Every connection task holds a sender; `recv` yields `None` once all are gone.
    let (alive, mut all_closed) = mpsc::channel::<Infallible>(1);
    let mut stop = pin!(stop);
    let mut logged_accept_error = false;
    let mut logged_over_cap = false;
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                // Only this loop opens connections, so `open` cannot pass the cap.
                if shared.open.load(Relaxed) >= shared.max_connections {
                    // Over the cap: an RST at once, not counted as a connection.
                    conn::linger_zero(&stream);
                    drop(stream);
                    if !logged_over_cap {
                        logged_over_cap = true;
                        eprintln!(
                            "fanout-server: {} connections open, the cap; closing new ones \
                             at once until some close (further refusals are not logged; \
                             raise --max-connections to allow more)",
                            shared.max_connections
                        );
                    }
                    continue;
                }
                let conn = Arc::new(Conn::new(shared.clone()));
                shared.counters.connection();
                // Small responses must not wait for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, conn, stop_rx.clone(), alive.clone()));
            }
            // The client gave up between SYN and accept: nothing to do.
            Err(e) if is_per_connection(&e) => {}
            // Out of file descriptors or memory: back off and keep serving.
            Err(e) => {
                if !logged_accept_error {
                    logged_accept_error = true;
                    eprintln!(
                        "fanout-server: accept failed: {e}; retrying every {} ms \
                         (further accept errors are not logged; raise `ulimit -n` if this is EMFILE)",
                        ACCEPT_BACKOFF.as_millis()
                    );
                }
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
    drop(listener);
    stopping.send_replace(());
    drop(alive);
    let _ = tokio::time::timeout(GRACE, all_closed.recv()).await;
    Ok(())
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Serves one connection until the client closes it, a fault ends it, or
/// the server stops.
async fn connection(
    stream: TcpStream,
    conn: Arc<Conn>,
    mut stop: watch::Receiver<()>,
    _alive: mpsc::Sender<Infallible>,
) {
    let per_request = conn.clone();
    let service = service_fn(move |req| handle(req, per_request.clone()));
    let io = ConnIo::new(stream, conn.clone());
    let mut http = pin!(conn.shared.http.serve_connection(io, service));
    tokio::select! {
        // Closed, timed out, broken or ended by a fault: hyper has already
        // said what it could. Dropping it closes the socket (an RST after an
        // injected reset, see `crate::conn`).
        _ = http.as_mut() => return,
        _ = stop.changed() => {}
    }
    if conn.sleeping.load(Relaxed) {
        return;
    }
    http.as_mut().graceful_shutdown();
    let _ = http.await;
}

/// The error a handler fails with to have its connection reset: hyper then
/// closes the connection without writing a response.
#[derive(Debug)]
pub(crate) struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected fault: connection reset")
    }
}

impl std::error::Error for InjectedReset {}

/// Answers one request.
async fn handle(
    req: Request<Incoming>,
    conn: Arc<Conn>,
) -> Result<Response<ResponseBody>, InjectedReset> {
    let counters = &conn.shared.counters;
    // The request body, if any, is not read.
    let (parts, _) = req.into_parts();
    let (method, path) = (&parts.method, parts.uri.path());
    Ok(match route::parse(method, path, parts.uri.query()) {
        Ok(Route::Delay {
            ms,
            id,
            bytes,
            faults,
            stall_ms,
        }) => {
            let _in_flight = counters.enter();
            // No fault keys: `None` at once, without hashing.
            let fault = faults.decide(id);
            if let Some(fault) = fault {
                counters.injected(fault);
            }
            // A stall waits `stall_ms` instead of `ms`; every other fault
            // strikes after the usual delay.
            let wait = if fault == Some(Fault::Stall) {
                stall_ms
            } else {
                ms
            };
            if wait > 0 {
                conn.sleeping.store(true, Relaxed);
                tokio::time::sleep(Duration::from_millis(wait)).await;
                conn.sleeping.store(false, Relaxed);
            }
            match fault {
                None | Some(Fault::Stall) => response::delay(id, bytes),
                Some(Fault::Error) => response::status(StatusCode::SERVICE_UNAVAILABLE),
                Some(Fault::Reset) => {
                    conn.reset();
                    return Err(InjectedReset);
                }
                Some(Fault::Truncate) => response::truncated(id, bytes, conn.clone()),
                Some(Fault::Slow) => response::slow(id, bytes),
                // A kind added to fanout-core after this server: answer normally.
                Some(_) => response::delay(id, bytes),
            }
        }
        Ok(Route::Status(code)) => {
            let _in_flight = counters.enter();
            response::status(code)
        }
        Ok(Route::Stats) => {
            // Taken before this request counts itself as in flight.
            let stats = counters.snapshot();
            let _in_flight = counters.enter();
            response::stats(&stats)
        }
        Ok(Route::ResetStats) => {
            // This request ends before the reset, which so leaves no trace of it.
            drop(counters.enter());
            counters.reset();
            response::status(StatusCode::NO_CONTENT)
        }
        Err(reject) => {
            let _in_flight = counters.enter();
            match reject {
                Reject::BadRequest(reason) => {
                    counters.bad_request();
                    response::bad_request(&reason)
                }
                Reject::NotFound => response::not_found(path),
                Reject::MethodNotAllowed(allow) => {
                    response::method_not_allowed(method, path, allow)
                }
            }
        }
    })
}
