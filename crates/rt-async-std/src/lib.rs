//! The async-std row: [`surf`] (its async-h1 client, plain http) on
//! async-std's global runtime.
//!
//! Requests are tasks spawned with `async_std::task::spawn` (via
//! [`fanout_core::drive::run_async`]); `async_std::task::block_on` runs the
//! fan-out loop on the calling thread; the heartbeat is a task ticking on
//! `async_std::task::sleep`. async-std's executor is global: one worker per
//! core (`ASYNC_STD_THREAD_COUNT` overrides it), shared by every session.
//!
//! Both libraries are kept here as a data point, not a recommendation:
//! async-std is discontinued upstream and surf is unmaintained.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::time::Duration;

use fanout_core::drive::{self, BoxFuture, Executor};
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

/// The async-std row, `async-std-surf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsyncStd;

impl AsyncStd {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        vec![Box::new(AsyncStd)]
    }
}

impl Runtime for AsyncStd {
    fn id(&self) -> &'static str {
        "async-std-surf"
    }

    fn describe(&self) -> Description {
        Description {
            runtime: format!(
                "async-std (global executor, {} workers)",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
            client: "surf (async-h1)",
            model: Model::Async,
            upstream: Upstream::Discontinued(
                "async-std is discontinued upstream (its README points to smol; RUSTSEC-2025-0052); surf is unmaintained",
            ),
            // surf's pooled client opens at most this many connections per
            // host and queues the rest (its default, kept: idiomatic row).
            max_concurrency: Some(client::MAX_CONNECTIONS_PER_HOST as u64),
            tuned: None,
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        Ok(Box::new(AsyncStdSession {
            client: client::Surf::new()?,
        }))
    }
}

/// [`Executor`] for async-std's global runtime.
#[derive(Clone)]
struct AsyncStdExecutor;

impl Executor for AsyncStdExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn spawn<F>(&self, future: F) -> BoxFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Box::pin(async_std::task::spawn(future))
    }

    fn sleep(&self, d: Duration) -> BoxFuture<()> {
        Box::pin(async_std::task::sleep(d))
    }
}

struct AsyncStdSession {
    client: client::Surf,
}

impl Session for AsyncStdSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        let client = self.client.for_plan(plan.keep_alive);
        let keep_alive = plan.keep_alive;
        drive::run_async(&AsyncStdExecutor, plan, move |url| {
            client::get(client.clone(), url, keep_alive)
        })
    }
}
