//! Row `{name}`: TODO — what runtime, what client, what idiom.
//!
//! Made by `cargo xtask new-runtime {name}` from the template: blocking ureq
//! on a fixed pool of threads. Replace the client and the driver with yours
//! (`rt-tokio` shows an async row: an `Executor` + `Spawn` impl and
//! `fanout_core::drive::run`); keep the shape.

#![forbid(unsafe_code)]

use std::sync::Arc;

use fanout_core::drive::ThreadPool;
use fanout_core::{
    BodyAs, Description, Document, ErrorKind, FetchError, Fetched, Idiom, Model, Outcome, Plan,
    Request, Response, Row, Session, StartError, Target,
};

/// Workers in the pool.
const WORKERS: usize = 64;

/// The `{name}` row.
#[derive(Debug, Clone, Copy, Default)]
pub struct {Type};

impl {Type} {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        vec![Box::new({Type})]
    }
}

impl Row for {Type} {
    fn id(&self) -> &'static str {
        "{name}"
    }

    fn describe(&self) -> Description {
        Description::new(format!("fixed pool of {WORKERS} threads"), "ureq", Model::Threads)
            .with_tls("rustls 0.23 (ring)")
            .with_roots("webpki-roots 1.0 (Mozilla's roots, compiled in; ureq's default)")
            .with_idiom(Idiom::ThreadPool)
            .with_max_concurrency(WORKERS as u64)
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        // The target's CA is the only root the client trusts; without one
        // (a foreign server), the client's usual roots (`with_roots`).
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots = match &target.ca {
            Some(_) => {
                let pem = target.ca_pem().map_err(StartError)?;
                let ca = Certificate::from_pem(&pem).map_err(|e| StartError(e.to_string()))?;
                RootCerts::Specific(Arc::new(vec![ca]))
            }
            None => RootCerts::WebPki,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections_per_host(WORKERS)
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .into();
        Ok(Box::new({Type}Session {
            agent,
            target: target.clone(),
            pool: ThreadPool::new(WORKERS)?,
        }))
    }
}

struct {Type}Session {
    agent: ureq::Agent,
    target: Target,
    pool: ThreadPool,
}

impl Session for {Type}Session {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        let agent = self.agent.clone();
        Ok(self.pool.fan_out(plan, &self.target, move |req| fetch(&agent, req)))
    }
}

/// One GET: the status, then the body read whole or decoded with the
/// client's own JSON API (core's document, or any JSON value from a foreign
/// server: `req.body_as` says which); every error classified.
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
        .map_err(|e| classify(e).map_kind(ErrorKind::in_head))?;
    let status = resp.status().as_u16();
    let err = |e| classify(e).map_kind(ErrorKind::in_body);
    match req.body_as(status) {
        BodyAs::Document => {
            let doc: Document = resp.body_mut().read_json().map_err(err)?;
            return Ok(Response::json(status, doc));
        }
        BodyAs::Value => return Ok(Response::value(status, resp.body_mut().read_json().map_err(err)?)),
        BodyAs::Bytes => {}
    }
    let body = resp
        .body_mut()
        .with_config()
        .limit(fanout_core::plan::MAX_BYTES + 1)
        .read_to_vec()
        .map_err(|e| classify(e).map_kind(ErrorKind::in_body))?;
    Ok(Response::bytes(status, body))
}

/// The client's errors as the report counts them.
fn classify(e: ureq::Error) -> FetchError {
    let kind = match &e {
        ureq::Error::Timeout(_) => ErrorKind::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => ErrorKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => ErrorKind::Tls,
        ureq::Error::Io(io) => ErrorKind::from_chain(io).unwrap_or_else(|| ErrorKind::from_io(io)),
        ureq::Error::Json(j) if j.is_io() => ErrorKind::Truncated,
        ureq::Error::Json(_) => ErrorKind::Decode,
        ureq::Error::Protocol(_) => ErrorKind::Protocol,
        _ => ErrorKind::Other,
    };
    FetchError::new(kind, e)
}
