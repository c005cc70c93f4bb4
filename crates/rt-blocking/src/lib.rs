//! Rows with blocking [ureq] 3 — one agent per session, its usual rustls
//! (ring) TLS and its own JSON API — and three ways to spread requests:
//!
//! - `sequential-ureq`: a loop of blocking GETs, the Rust twin of Python's
//!   loop of `requests.get`. The heartbeat ticks only between requests,
//!   which is the point of the original demo.
//! - `threads-ureq`: one OS thread per request, at most the plan's bound
//!   alive (scoped threads).
//! - `threadpool-ureq`: a fixed pool of [`POOL_SIZE`] workers started once
//!   per session, pulling from one shared queue — Python's
//!   `ThreadPoolExecutor`. The pool size caps concurrency whatever the plan
//!   says; the report shows what that costs on unbounded plans.

#![forbid(unsafe_code)]

use std::sync::Arc;

use fanout_core::drive::{self, ThreadPool};
use fanout_core::plan::MAX_BYTES;
use fanout_core::{
    BodyAs, Description, Document, ErrorKind, FetchError, Fetched, Model, Outcome, Plan, Request,
    Response, Row, Session, StartError, Target,
};

/// Workers in the `threadpool-ureq` pool.
pub const POOL_SIZE: usize = 128;

/// How many idle keep-alive connections the agent keeps for the one target
/// host. ureq's default (3 per host) would close most connections of a
/// concurrent fan-out between requests; its docs point to
/// `max_idle_connections_per_host` for exactly this.
pub const IDLE_PER_HOST: usize = 1024;

/// How a blocking row puts requests on threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocking {
    /// `sequential-ureq`: one after another on the calling thread.
    Sequential,
    /// `threads-ureq`: a thread per request.
    PerRequest,
    /// `threadpool-ureq`: a fixed pool of this many workers.
    Pool(usize),
}

impl Blocking {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        [
            Blocking::Sequential,
            Blocking::PerRequest,
            Blocking::Pool(POOL_SIZE),
        ]
        .into_iter()
        .map(|r| Box::new(r) as Box<dyn Row>)
        .collect()
    }
}

impl Row for Blocking {
    fn id(&self) -> &'static str {
        match self {
            Blocking::Sequential => "sequential-ureq",
            Blocking::PerRequest => "threads-ureq",
            Blocking::Pool(_) => "threadpool-ureq",
        }
    }

    fn describe(&self) -> Description {
        let d = match self {
            Blocking::Sequential => {
                Description::new("none (one thread)", "ureq", Model::Sequential)
                    .with_max_concurrency(1)
            }
            Blocking::PerRequest => {
                Description::new("OS thread per request", "ureq", Model::Threads)
            }
            Blocking::Pool(n) => {
                Description::new(format!("fixed pool of {n} threads"), "ureq", Model::Threads)
                    .with_idiom(fanout_core::Idiom::ThreadPool)
                    .with_max_concurrency(*n as u64)
            }
        };
        d.with_tls("rustls 0.23 (ring)").with_roots(ROOTS)
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        let pool = match self {
            Blocking::Pool(n) => Some(ThreadPool::new(*n)?),
            _ => None,
        };
        Ok(Box::new(BlockingSession {
            row: *self,
            agent: agent(target)?,
            target: target.clone(),
            pool,
        }))
    }
}

/// The roots ureq trusts by default (`RootCerts::WebPki`), used against a
/// target without a CA.
const ROOTS: &str = "webpki-roots 1.0 (Mozilla's roots, compiled in; ureq's default)";

/// The agent every ureq row uses: statuses are data, not errors; the idle
/// pool is sized for a fan-out to one host; the target's CA is the only
/// root (a target without one: ureq's default, [`ROOTS`]).
fn agent(target: &Target) -> Result<ureq::Agent, StartError> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let roots = match &target.ca {
        Some(_) => {
            let pem = target.ca_pem().map_err(StartError)?;
            RootCerts::Specific(Arc::new(vec![
                Certificate::from_pem(&pem)
                    .map_err(|e| StartError(format!("the target's CA is not PEM: {e}")))?,
            ]))
        }
        None => RootCerts::WebPki,
    };
    // ureq's own provider (ring), named: another row in the same process
    // (libcurl's rustls-ffi) may install a process default.
    let tls = TlsConfig::builder()
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build();
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(IDLE_PER_HOST)
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .tls_config(tls)
        .build()
        .into())
}

/// GETs one request with `agent`, reading the whole body or decoding it
/// with ureq's `read_json` (the document, or any JSON value from a foreign
/// server), within the request's timeout.
fn fetch(agent: &ureq::Agent, req: &Request) -> Fetched {
    let mut rb = agent.get(&*req.url);
    if !req.keep_alive {
        rb = rb.header("connection", "close");
    }
    let mut resp = rb
        .config()
        .timeout_global(Some(req.timeout))
        .build()
        .call()
        .map_err(|e| classify(e, true))?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().with_config().limit(MAX_BYTES + 1);
    let err = |e| classify(e, false);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, body.read_to_vec().map_err(err)?),
        BodyAs::Document => Response::json(status, body.read_json::<Document>().map_err(err)?),
        BodyAs::Value => Response::value(status, body.read_json().map_err(err)?),
    })
}

/// Maps a ureq error onto the shared error kinds; `head`: before the
/// response head arrived.
fn classify(e: ureq::Error, head: bool) -> FetchError {
    let kind = match &e {
        ureq::Error::Timeout(_) => ErrorKind::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => ErrorKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => ErrorKind::Tls,
        ureq::Error::Io(io) => ErrorKind::from_chain(io).unwrap_or_else(|| ErrorKind::from_io(io)),
        ureq::Error::Json(j) if j.is_io() => ErrorKind::from_chain(&e).unwrap_or(ErrorKind::Other),
        ureq::Error::Json(_) => ErrorKind::Decode,
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => ErrorKind::Protocol,
        ureq::Error::StatusCode(_) => ErrorKind::Status,
        ureq::Error::BodyExceedsLimit(_) => ErrorKind::BodyMismatch,
        _ => ErrorKind::Other,
    };
    let kind = if head { kind.in_head() } else { kind.in_body() };
    FetchError::new(kind, e)
}

struct BlockingSession {
    row: Blocking,
    agent: ureq::Agent,
    target: Target,
    pool: Option<ThreadPool>,
}

impl Session for BlockingSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        let agent = self.agent.clone();
        let fetch = move |req: &Request| fetch(&agent, req);
        Ok(match (&self.row, &self.pool) {
            (Blocking::Sequential, _) => drive::sequential(plan, &self.target, fetch),
            (_, Some(pool)) => pool.fan_out(plan, &self.target, fetch),
            _ => drive::thread_per_request(plan, &self.target, fetch),
        })
    }
}
