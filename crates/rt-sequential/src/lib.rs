//! Row `sequential-ureq`: a loop of blocking GETs with one [`ureq::Agent`] —
//! the Rust twin of Python's loop of `requests.get`. The heartbeat ticks only
//! between requests, which is the point of the original demo.
//!
//! The ureq agent and the fetch of one URL live here as [`agent`] and
//! [`fetch`] so that every ureq row (`rt-threads` too) uses the same client
//! configuration.

#![forbid(unsafe_code)]

use std::time::Duration;

use fanout_core::plan::MAX_BYTES;
use fanout_core::{
    Description, ErrorKind, Fetched, Model, Outcome, Plan, Response, Runtime, Session, StartError,
    Upstream,
};

/// How many idle keep-alive connections the agent keeps for the one target
/// host. ureq's default (3 per host) would close most connections of a
/// concurrent fan-out between requests; its docs point to
/// `max_idle_connections_per_host` for exactly this.
pub const IDLE_PER_HOST: usize = 1024;

/// The ureq agent every ureq row uses: statuses are data, not errors, and the
/// idle pool is sized for a fan-out to one host.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(IDLE_PER_HOST)
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .build()
        .into()
}

/// GETs one URL with `agent`, reading the whole body, within `timeout`.
/// With `keep_alive` off the request says `Connection: close`.
pub fn fetch(agent: &ureq::Agent, url: &str, keep_alive: bool, timeout: Duration) -> Fetched {
    let mut req = agent.get(url);
    if !keep_alive {
        req = req.header("connection", "close");
    }
    let mut resp = req
        .config()
        .timeout_global(Some(timeout))
        .build()
        .call()
        .map_err(|e| classify(e).in_head())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_BYTES + 1)
        .read_to_vec()
        .map_err(|e| classify(e).in_body())?;
    Ok(Response {
        status,
        body: body.into(),
    })
}

/// Maps a ureq error onto the shared error kinds.
pub fn classify(e: ureq::Error) -> ErrorKind {
    match e {
        ureq::Error::Timeout(_) => ErrorKind::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => ErrorKind::Connect,
        ureq::Error::Io(io) => ErrorKind::from_io(&io),
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => ErrorKind::Protocol,
        ureq::Error::StatusCode(_) => ErrorKind::Status,
        ureq::Error::BodyExceedsLimit(_) => ErrorKind::BodyMismatch,
        _ => ErrorKind::Other,
    }
}

/// The `sequential-ureq` row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Sequential {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        vec![Box::new(Sequential)]
    }
}

impl Runtime for Sequential {
    fn id(&self) -> &'static str {
        "sequential-ureq"
    }

    fn describe(&self) -> Description {
        Description {
            runtime: "none (one thread, blocking)".into(),
            client: "ureq",
            model: Model::Sequential,
            upstream: Upstream::Maintained,
            max_concurrency: Some(1),
            tuned: None,
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        Ok(Box::new(SequentialSession { agent: agent() }))
    }
}

struct SequentialSession {
    agent: ureq::Agent,
}

impl Session for SequentialSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        fanout_core::drive::sequential(plan, |url| {
            fetch(&self.agent, url, plan.keep_alive, plan.timeout)
        })
    }
}
