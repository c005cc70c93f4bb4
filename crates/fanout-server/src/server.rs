//! The server as a value ([`Server`]: in-process, on its own runtime in a
//! background thread, for tests and the conformance kit) and in the
//! foreground of its own process ([`serve_foreground`], for [`crate::serve`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use fanout_core::stats::ServerStats;
use fanout_core::target::{Target, TargetServer};
use tokio::sync::oneshot;

use crate::config::Config;
use crate::listen::{self, GRACE, RUNTIME_SHUTDOWN};
use crate::shared::Shared;
use crate::tls::{self, CaFile};

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
        let runtime = listen::runtime(&config)?;
        let (tls, ca) = tls::setup(&config.tls_names)?;
        let listener = listen::bind(&config)?;
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
                if let Err(e) = runtime.block_on(listen::serve(listener, serving, stop)) {
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

    /// A snapshot of the counters (and the emulated round trip, `rtt_ms`).
    pub fn stats(&self) -> ServerStats {
        self.shared.stats()
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
        foreign: None,
    }
}

/// Runs the server in the foreground on the current thread until `stop`
/// completes or Ctrl-C (SIGINT) or SIGTERM arrives, then stops gracefully
/// as [`Server::stop`] does, and removes the CA file.
///
/// `on_ready(target)` is called once, when the server is listening —
/// outside the runtime, so it may block.
pub(crate) fn serve_foreground(
    config: Config,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(&Target),
) -> io::Result<()> {
    let runtime = listen::runtime(&config)?;
    let signal = {
        let _entered = runtime.enter();
        shutdown_signal()?
    };
    let (tls, ca) = tls::setup(&config.tls_names)?;
    let listener = listen::bind(&config)?;
    on_ready(&target(listener.local_addr()?, ca.path()));
    let stop = async move {
        tokio::select! {
            () = signal => {}
            () = stop => {}
        }
    };
    let result = runtime.block_on(listen::serve(
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
