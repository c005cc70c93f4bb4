//! Rows on OS threads with blocking ureq (the client and its configuration
//! are `rt-sequential`'s, shared):
//!
//! - `threads-ureq`: one OS thread per request, at most the plan's bound alive
//!   (a scoped thread each, joined before the fan-out returns);
//! - `threadpool-ureq`: a fixed pool of [`POOL_SIZE`] workers, started once per
//!   session, pulling requests from one shared queue — Python's
//!   `ThreadPoolExecutor`. The pool size caps concurrency whatever the plan
//!   says; the report shows what that costs on unbounded plans.
//!
//! The heartbeat runs on a thread of its own.

#![forbid(unsafe_code)]

use fanout_core::drive::{self, ThreadPool};
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

/// Workers in the `threadpool-ureq` pool.
pub const POOL_SIZE: usize = 128;

/// The thread rows: how requests are put on threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// `threads-ureq`: a thread per request.
    PerRequest,
    /// `threadpool-ureq`: a fixed pool of this many workers.
    Pool(usize),
}

impl Threads {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        vec![
            Box::new(Threads::PerRequest),
            Box::new(Threads::Pool(POOL_SIZE)),
        ]
    }
}

impl Runtime for Threads {
    fn id(&self) -> &'static str {
        match self {
            Threads::PerRequest => "threads-ureq",
            Threads::Pool(_) => "threadpool-ureq",
        }
    }

    fn describe(&self) -> Description {
        let (runtime, max_concurrency) = match self {
            Threads::PerRequest => ("OS threads (one per request)".to_string(), None),
            Threads::Pool(n) => (format!("OS thread pool ({n} workers)"), Some(*n as u64)),
        };
        Description {
            runtime,
            client: "ureq",
            model: Model::Threads,
            upstream: Upstream::Maintained,
            max_concurrency,
            tuned: None,
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        let pool = match self {
            Threads::PerRequest => None,
            Threads::Pool(n) => Some(ThreadPool::new(*n)?),
        };
        Ok(Box::new(ThreadsSession {
            agent: rt_sequential::agent(),
            pool,
        }))
    }
}

struct ThreadsSession {
    agent: ureq::Agent,
    pool: Option<ThreadPool>,
}

impl Session for ThreadsSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        let (agent, keep_alive, timeout) = (self.agent.clone(), plan.keep_alive, plan.timeout);
        let fetch = move |url: &str| rt_sequential::fetch(&agent, url, keep_alive, timeout);
        match &self.pool {
            None => drive::thread_per_request(plan, fetch),
            Some(pool) => pool.fan_out(plan, fetch),
        }
    }
}
