//! Rows on tokio. One type, [`Tokio`], with two parameters:
//!
//! - the runtime flavour: multi-thread (one worker per core, tokio's default)
//!   or current-thread (everything on the thread that calls `block_on`);
//! - the client: [`reqwest`] (the popular high-level client, built on hyper)
//!   or [`hyper_util`]'s legacy `Client` directly (the same HTTP/1 stack with
//!   nothing on top).
//!
//! Requests are tasks spawned on the runtime (via [`fanout_core::drive::run_async`]);
//! the heartbeat is a task on the same runtime, ticking on tokio's timer.

#![forbid(unsafe_code)]

mod client;

use std::sync::Arc;
use std::time::Duration;

use fanout_core::drive::{self, BoxFuture, Executor};
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

pub use client::Client;

/// Which tokio scheduler a row runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `Builder::new_multi_thread()`: one worker per core.
    MultiThread,
    /// `Builder::new_current_thread()`: one thread.
    CurrentThread,
}

/// A tokio row: a flavour and a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tokio {
    /// The scheduler.
    pub flavour: Flavour,
    /// The HTTP client.
    pub client: Client,
}

impl Tokio {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        let mut rows: Vec<Box<dyn Runtime>> = Vec::new();
        for flavour in [Flavour::MultiThread, Flavour::CurrentThread] {
            for client in [Client::Reqwest, Client::Hyper] {
                rows.push(Box::new(Tokio { flavour, client }));
            }
        }
        rows.push(Box::new(Tokio {
            flavour: Flavour::MultiThread,
            client: Client::HyperTuned,
        }));
        rows
    }
}

impl Runtime for Tokio {
    fn id(&self) -> &'static str {
        match (self.flavour, self.client) {
            (Flavour::MultiThread, Client::Reqwest) => "tokio-reqwest",
            (Flavour::MultiThread, Client::Hyper) => "tokio-hyper",
            (Flavour::CurrentThread, Client::Reqwest) => "tokio-ct-reqwest",
            (Flavour::CurrentThread, Client::Hyper) => "tokio-ct-hyper",
            (Flavour::MultiThread, Client::HyperTuned) => "tokio-hyper-tuned",
            (Flavour::CurrentThread, Client::HyperTuned) => "tokio-ct-hyper-tuned",
        }
    }

    fn describe(&self) -> Description {
        let runtime = match self.flavour {
            Flavour::MultiThread => format!(
                "tokio (multi-thread, {} workers)",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
            Flavour::CurrentThread => "tokio (current-thread)".into(),
        };
        Description {
            runtime,
            client: self.client.name(),
            model: Model::Async,
            upstream: Upstream::Maintained,
            max_concurrency: None,
            tuned: (self.client == Client::HyperTuned).then_some(client::TUNED),
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        let rt = match self.flavour {
            Flavour::MultiThread => tokio::runtime::Builder::new_multi_thread(),
            Flavour::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        }
        .enable_all()
        .build()?;
        // Clients that spawn background tasks (hyper-util's pool) need the runtime's context.
        let client = {
            let _guard = rt.enter();
            self.client.build()
        };
        Ok(Box::new(TokioSession {
            exec: TokioExecutor(Arc::new(rt)),
            client,
        }))
    }
}

/// [`Executor`] for a tokio runtime.
#[derive(Clone)]
struct TokioExecutor(Arc<tokio::runtime::Runtime>);

impl Executor for TokioExecutor {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    fn spawn<F>(&self, future: F) -> BoxFuture<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = self.0.spawn(future);
        Box::pin(async move {
            match task.await {
                Ok(v) => v,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        })
    }

    fn sleep(&self, d: Duration) -> BoxFuture<()> {
        Box::pin(tokio::time::sleep(d))
    }
}

struct TokioSession {
    exec: TokioExecutor,
    client: client::Built,
}

impl Session for TokioSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        let (client, keep_alive) = (self.client.clone(), plan.keep_alive);
        drive::run_async(&self.exec, plan, move |url| client.get(&url, keep_alive))
    }
}
