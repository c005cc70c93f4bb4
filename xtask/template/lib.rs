//! Row `{name}`: TODO — what runtime, what client, what model.
//!
//! Made by `cargo xtask new-runtime {name}` from the template: a blocking
//! ureq client on a fixed pool of threads. Replace the client and the driver
//! with yours (see `rt-tokio` for an async row); keep the shape.

#![forbid(unsafe_code)]

use fanout_core::drive::ThreadPool;
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

/// The `{name}` row.
#[derive(Debug, Clone, Copy, Default)]
pub struct {Type};

impl {Type} {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        vec![Box::new({Type})]
    }
}

impl Runtime for {Type} {
    fn id(&self) -> &'static str {
        "{name}"
    }

    fn describe(&self) -> Description {
        Description {
            runtime: "OS thread pool (64 workers)".into(),
            client: "ureq",
            model: Model::Threads,
            upstream: Upstream::Maintained,
            max_concurrency: Some(64),
            tuned: None,
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        Ok(Box::new({Type}Session {
            agent: rt_sequential::agent(),
            pool: ThreadPool::new(64)?,
        }))
    }
}

struct {Type}Session {
    agent: ureq::Agent,
    pool: ThreadPool,
}

impl Session for {Type}Session {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        let (agent, keep_alive, timeout) = (self.agent.clone(), plan.keep_alive, plan.timeout);
        self.pool
            .fan_out(plan, move |url| rt_sequential::fetch(&agent, url, keep_alive, timeout))
    }
}
