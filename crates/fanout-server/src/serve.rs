//! Listening, accepting, serving connections, and stopping.
//!
//! One accept loop hands each connection to its own task running hyper's
//! HTTP/1.1 server; requests go to [`handle`]. Stopping is graceful and
//! bounded: the listener closes, idle keep-alive connections close, responses
//! being written finish, and a connection whose request is still sleeping in
//! `/delay` is dropped at once (its answer could be up to a minute away).
//! Whatever is left after [`GRACE`] is abandoned with the runtime.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::Config;
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
/// A client gets this long to send its request head. hyper also applies it to
/// an idle keep-alive connection waiting for its next request, so it is as
/// long as common servers' idle timeouts: a client pool idle between
/// fan-outs keeps its connections.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Read and write buffer cap per connection: requests are a few hundred
/// bytes; bodies are queued as 64 KiB static slices, not copied.
const MAX_BUF_SIZE: usize = 64 * 1024;

/// What every connection of one server shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    http: http1::Builder,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .max_buf_size(MAX_BUF_SIZE);
        Shared {
            counters: Counters::default(),
            http,
        }
    }
}

/// The multi-thread runtime the server runs on.
pub(crate) fn runtime(config: &Config) -> io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_io()
        .enable_time()
        .thread_name("fanout-server");
    match config.workers {
        Some(0) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "workers must be at least 1 (omit it for one per core)",
            ));
        }
        Some(n) => {
            builder.worker_threads(n);
        }
        None => {}
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
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                shared.counters.connection();
                // Small responses must not wait for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(
                    stream,
                    shared.clone(),
                    stop_rx.clone(),
                    alive.clone(),
                ));
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

/// One connection's state, shared by its requests.
struct Conn {
    shared: Arc<Shared>,
    /// A request on this connection is sleeping in `/delay`.
    sleeping: AtomicBool,
}

/// Serves one connection until the client closes it or the server stops.
async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    _alive: mpsc::Sender<Infallible>,
) {
    let conn = Arc::new(Conn {
        shared,
        sleeping: AtomicBool::new(false),
    });
    let per_request = conn.clone();
    let service = service_fn(move |req| handle(req, per_request.clone()));
    let mut http = pin!(
        conn.shared
            .http
            .serve_connection(TokioIo::new(stream), service)
    );
    tokio::select! {
        // Closed, timed out or broken: hyper has already said what it could.
        _ = http.as_mut() => return,
        _ = stop.changed() => {}
    }
    if conn.sleeping.load(Relaxed) {
        return;
    }
    http.as_mut().graceful_shutdown();
    let _ = http.await;
}

/// Answers one request.
async fn handle(
    req: Request<Incoming>,
    conn: Arc<Conn>,
) -> Result<Response<ResponseBody>, Infallible> {
    let counters = &conn.shared.counters;
    // The request body, if any, is not read.
    let (parts, _) = req.into_parts();
    let (method, path) = (&parts.method, parts.uri.path());
    Ok(match route::parse(method, path, parts.uri.query()) {
        Ok(Route::Delay { ms, id, bytes }) => {
            let _in_flight = counters.enter();
            if ms > 0 {
                conn.sleeping.store(true, Relaxed);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                conn.sleeping.store(false, Relaxed);
            }
            response::delay(id, bytes)
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
