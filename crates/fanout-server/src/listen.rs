//! Listening, accepting, and stopping.
//!
//! One accept loop hands each connection to its own task
//! ([`crate::conn::serve`]), which tells TLS from cleartext and HTTP/2 from
//! HTTP/1.1 and runs hyper's server for it. Stopping is graceful and
//! bounded: the listener closes, idle connections close, responses being
//! written finish, and a connection with a request still sleeping in
//! `/delay` (or stalling) is dropped at once (its answer could be up to a
//! minute away). Whatever is left after [`GRACE`] is abandoned with the
//! runtime.
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
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::conn::io::linger_zero;
use crate::conn::state::Conn;
use crate::shared::Shared;

/// Longest a stop waits for connections to finish before abandoning them.
pub(crate) const GRACE: Duration = Duration::from_millis(1500);
/// Longest the runtime waits for abandoned tasks when it shuts down.
pub(crate) const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(250);
/// Listen backlog asked of the kernel (Linux caps it at `net.core.somaxconn`).
/// A 10 000-connection burst must queue, not retransmit SYNs.
const BACKLOG: i32 = 8192;
/// Pause after an accept error such as `EMFILE`, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// The multi-thread runtime the server runs on; checks `config` first.
pub(crate) fn runtime(config: &Config) -> io::Result<tokio::runtime::Runtime> {
    config.check()?;
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
                    linger_zero(&stream);
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
                tokio::spawn(crate::conn::serve(
                    stream,
                    conn,
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
