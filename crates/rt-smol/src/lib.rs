//! Rows on smol. One type, [`Smol`], with two parameters, the client and
//! the idiom:
//!
//! - [`Client::Isahc`]: isahc 2 — libcurl's multi interface on isahc's own
//!   agent thread, with curl's rustls backend and nghttp2 — whose futures
//!   are polled on smol;
//! - [`Client::Hyper`]: hyper's connection API over smol's
//!   `Async<TcpStream>` (TLS by futures-rustls), through the `smol-hyper`
//!   adapter: `client::conn::http1` with a small pool of idle connections
//!   (`auto` and `http1`), `client::conn::http2` on one shared connection
//!   (`http2`) — the same hyper code as the `tokio-hyper` row, so the
//!   runtime is the difference.
//!
//! The rows are the table [`ROWS`]: both clients with a task per request
//! (`spawn`), and `smol-hyper-join-all`, the same hyper client with
//! `join_all` in the calling task, so a second runtime has an idiom row.
//!
//! The runtime is a `smol::Executor` run on one thread per core: the
//! calling thread runs it inside `smol::block_on` during a fan-out, and
//! `cores - 1` worker threads run it for the life of the session. The
//! heartbeat is a task ticking on `smol::Timer`, and every request races its
//! timeout on the same timer.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fanout_core::drive::{self, Executor, Spawn};
use fanout_core::{
    AsyncIdiom, Clients, Description, Model, Outcome, Plan, Row, Session, StartError, Target,
};
use futures_util::FutureExt;
use futures_util::future::Map;

pub use client::Client;

/// Every smol row: id, client, idiom.
pub const ROWS: [Smol; 3] = [
    Smol::new("smol-isahc", Client::Isahc, AsyncIdiom::Spawn),
    Smol::new("smol-hyper", Client::Hyper, AsyncIdiom::Spawn),
    Smol::new("smol-hyper-join-all", Client::Hyper, AsyncIdiom::JoinAll).variant_of("smol-hyper"),
];

/// A smol row: one executor on one thread per core, a client and an idiom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Smol {
    id: &'static str,
    variant_of: Option<&'static str>,
    /// The HTTP client.
    pub client: Client,
    /// The loop that runs the requests.
    pub idiom: AsyncIdiom,
}

impl Smol {
    const fn new(id: &'static str, client: Client, idiom: AsyncIdiom) -> Smol {
        Smol {
            id,
            variant_of: None,
            client,
            idiom,
        }
    }

    /// The same row, declared a variant of `base` in one setting.
    const fn variant_of(self, base: &'static str) -> Smol {
        Smol {
            variant_of: Some(base),
            ..self
        }
    }

    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        ROWS.iter().map(|r| Box::new(*r) as Box<dyn Row>).collect()
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Row for Smol {
    fn id(&self) -> &'static str {
        self.id
    }

    fn describe(&self) -> Description {
        let runtime = format!("smol (Executor on {} threads)", cores());
        let d = Description::new(runtime, self.client.name(), Model::Async)
            .with_tls(self.client.tls())
            .with_roots(self.client.roots())
            .with_protocols(self.client.protocols())
            .with_async_idiom(self.idiom)
            .with_deviations(self.client.deviations());
        match self.variant_of {
            Some(base) => d.variant_of(base),
            None => d,
        }
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        self.client.check()?;
        let exec = SmolExec(Arc::new(smol::Executor::new()));
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let mut session = SmolSession {
            exec,
            row: *self,
            target: target.clone(),
            clients: Clients::default(),
            warm: false,
            stop: Some(stop),
            workers: Vec::new(),
        };
        for i in 1..cores() {
            let (ex, stopped) = (Arc::clone(&session.exec.0), stopped.clone());
            session.workers.push(
                std::thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        let _ = smol::block_on(ex.run(stopped.recv()));
                    })?,
            );
        }
        Ok(Box::new(session))
    }
}

/// [`Executor`] for one shared `smol::Executor`.
#[derive(Clone)]
struct SmolExec(Arc<smol::Executor<'static>>);

impl Executor for SmolExec {
    type Sleep = Map<smol::Timer, fn(Instant)>;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        smol::block_on(self.0.run(future))
    }
    fn sleep(&self, d: Duration) -> Self::Sleep {
        smol::Timer::after(d).map(drop as fn(Instant))
    }
}

impl<F: Future<Output: Send> + Send + 'static> Spawn<F> for SmolExec {
    // async-executor's tasks resume a panic in whoever awaits them.
    type Handle = smol::Task<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        self.0.spawn(future)
    }
}

struct SmolSession {
    exec: SmolExec,
    row: Smol,
    target: Target,
    clients: Clients<client::Built>,
    /// The last plan ran with keep-alive: the clients may hold open connections.
    warm: bool,
    /// Dropped to stop the workers: their `recv()` then fails, ending `run`.
    stop: Option<smol::channel::Sender<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Drop for SmolSession {
    fn drop(&mut self) {
        // The clients (and their connection tasks) go before the executor.
        self.clients.clear();
        drop(self.stop.take());
        for t in self.workers.drain(..) {
            let _ = t.join();
        }
    }
}

impl Session for SmolSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        // libcurl reuses a cached connection whatever the request's
        // `Connection` header says: a keep-alive-off plan after a keep-alive
        // one starts from new clients (built below, before the clock starts).
        if self.row.client == Client::Isahc && self.warm && !plan.keep_alive {
            self.clients.clear();
        }
        self.warm = plan.keep_alive;
        let (row, target) = (self.row.client, &self.target);
        let client = self
            .clients
            .get(plan.protocol, |p| row.build(target, p))?
            .clone();
        let ex = Arc::clone(&self.exec.0);
        Ok(drive::run(
            &self.exec,
            self.row.idiom,
            plan,
            &self.target,
            move |req| client.get(&ex, req),
        ))
    }
}

#[cfg(test)]
mod tests {
    /// The vendored libcurl is the one the README describes: rustls for TLS,
    /// nghttp2 for HTTP/2 (`poll()` is `tests/many_fds.rs`'s to check).
    #[test]
    fn libcurl_has_rustls_and_http2() {
        let v = curl::Version::get();
        let ssl = v.ssl_version().unwrap_or_default();
        assert!(
            ssl.to_ascii_lowercase().contains("rustls"),
            "TLS backend: {ssl}"
        );
        assert!(v.feature_http2(), "libcurl {} without HTTP/2", v.version());
        eprintln!(
            "libcurl {} ({ssl}, nghttp2 {})",
            v.version(),
            v.nghttp2_version().unwrap_or("?")
        );
    }
}
