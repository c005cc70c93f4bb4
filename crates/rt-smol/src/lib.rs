//! Rows on smol. One type, [`Smol`], with one parameter, the client:
//!
//! - [`isahc`]: libcurl's multi interface, driven by isahc's own agent
//!   thread; the futures it hands out are polled on smol;
//! - [`hyper`]'s http1 client connection API over smol's `Async<TcpStream>`
//!   (through the `smol-hyper` adapter), with a small pool of idle
//!   connections (`client.rs`): the same HTTP/1 stack as the `tokio-hyper`
//!   row, so the runtime is the difference.
//!
//! The runtime is a `smol::Executor` run on one thread per core: the
//! calling thread runs it inside `smol::block_on` during a fan-out, and
//! `cores - 1` worker threads run it for the life of the session. Requests
//! are tasks spawned on it (via [`fanout_core::drive::run_async`]); the
//! heartbeat is a task ticking on `smol::Timer`.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use fanout_core::drive::{self, BoxFuture, Executor};
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

pub use client::Client;

/// A smol row: one executor on one thread per core, and a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Smol {
    /// The HTTP client.
    pub client: Client,
}

impl Smol {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        [Client::Isahc, Client::Hyper]
            .into_iter()
            .map(|client| Box::new(Smol { client }) as Box<dyn Runtime>)
            .collect()
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Runtime for Smol {
    fn id(&self) -> &'static str {
        match self.client {
            Client::Isahc => "smol-isahc",
            Client::Hyper => "smol-hyper",
        }
    }

    fn describe(&self) -> Description {
        Description {
            runtime: format!("smol (Executor on {} threads)", cores()),
            client: self.client.name(),
            model: Model::Async,
            upstream: Upstream::Maintained,
            max_concurrency: None,
            tuned: None,
            deviations: match self.client {
                Client::Isahc => &[(
                    "faults",
                    "libcurl retries a request once more on a fresh connection when a reused connection \
                     is reset before any response byte, so the server injects more resets than the plan \
                     implies; isahc has no switch for it. Every request is still classified as the plan \
                     implies (the row reports `reset`), only the server's count differs",
                )],
                Client::Hyper => &[],
            },
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        let exec = SmolExecutor {
            ex: Arc::new(smol::Executor::new()),
        };
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let mut session = SmolSession {
            kind: self.client,
            client: self.client.build()?,
            warm: false,
            stop: Some(stop),
            workers: Vec::new(),
            exec,
        };
        for i in 1..cores() {
            let (ex, stopped) = (Arc::clone(&session.exec.ex), stopped.clone());
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
struct SmolExecutor {
    ex: Arc<smol::Executor<'static>>,
}

impl Executor for SmolExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        smol::block_on(self.ex.run(future))
    }

    fn spawn<F>(&self, future: F) -> BoxFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Box::pin(self.ex.spawn(future))
    }

    fn sleep(&self, d: Duration) -> BoxFuture<()> {
        Box::pin(async move {
            smol::Timer::after(d).await;
        })
    }
}

struct SmolSession {
    exec: SmolExecutor,
    kind: Client,
    client: client::Built,
    /// The last plan ran with keep-alive: the client may hold open connections.
    warm: bool,
    /// Dropped to stop the workers: their `recv()` then fails, ending `run`.
    stop: Option<smol::channel::Sender<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Drop for SmolSession {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.workers.drain(..) {
            let _ = t.join();
        }
    }
}

impl Session for SmolSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        // libcurl reuses a cached connection whatever the request's
        // `Connection` header says: a keep-alive-off plan after a keep-alive
        // one starts from a new client (before the clock starts).
        if self.warm && !plan.keep_alive {
            match self.kind.build() {
                Ok(fresh) => self.client = fresh,
                Err(e) => eprintln!("warning: {e}; keeping the warm client"),
            }
        }
        self.warm = plan.keep_alive;
        let (client, keep_alive) = (self.client.clone(), plan.keep_alive);
        let ex = Arc::clone(&self.exec.ex);
        drive::run_async(&self.exec, plan, move |url| {
            client.get(Arc::clone(&ex), url, keep_alive)
        })
    }
}
