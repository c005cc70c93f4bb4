//! Rows on tokio. One type, [`Tokio`], with three parameters:
//!
//! - the runtime flavour: multi-thread (one worker per core, tokio's default)
//!   or current-thread (everything on the thread that calls `block_on`);
//! - the client: [`reqwest`] (the popular high-level client, built on hyper)
//!   or [`hyper_util`]'s legacy `Client` directly (the same HTTP stack with
//!   nothing on top), both over rustls; or, for the least memory per
//!   request, ureq-proto's sans-IO HTTP/1.1 ([`lean`], plain HTTP);
//! - the idiom: the loop that runs the requests ([`AsyncIdiom`]), each a
//!   driver in `fanout_core::drive`.
//!
//! The rows are the table [`ROWS`]; the heartbeat is a task on the same
//! runtime, ticking on tokio's timer, and every request races its timeout
//! on the same timer. Two tuned rows spread an HTTP/2 fan-out over several
//! clients ([`h2_pool`]), one HTTP/2 connection each (a fourth parameter,
//! `h2_pool`).

#![forbid(unsafe_code)]

pub mod bare;
mod client;
pub mod h2_pool;
pub mod lean;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use fanout_core::drive::{self, Executor, Spawn};
use fanout_core::row::{ANY_PROTOCOL, HTTP1_ONLY};
use fanout_core::{
    AsyncIdiom, Clients, Description, Focus, Model, Outcome, Plan, Row, Session, StartError, Target,
};
use futures_util::FutureExt;
use futures_util::future::Map;

pub use client::Client;

/// Which tokio scheduler a row runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `Builder::new_multi_thread()`: one worker per core.
    MultiThread,
    /// `Builder::new_current_thread()`: one thread.
    CurrentThread,
}

use AsyncIdiom as I;
use Client as C;
use Flavour::{CurrentThread as Ct, MultiThread as Mt};

/// Every tokio row: id, flavour, client, idiom.
pub const ROWS: [Tokio; 12] = [
    Tokio::new("tokio-reqwest", Mt, C::Reqwest, I::Spawn),
    Tokio::new("tokio-hyper", Mt, C::Hyper, I::Spawn),
    Tokio::new("tokio-ct-reqwest", Ct, C::Reqwest, I::Spawn),
    Tokio::new("tokio-ct-hyper", Ct, C::Hyper, I::Spawn),
    Tokio::new("tokio-hyper-tuned", Mt, C::HyperTuned, I::Spawn).variant_of("tokio-hyper"),
    Tokio::new("tokio-reqwest-join-set", Mt, C::Reqwest, I::JoinSet).variant_of("tokio-reqwest"),
    Tokio::new("tokio-reqwest-join-all", Mt, C::Reqwest, I::JoinAll).variant_of("tokio-reqwest"),
    Tokio::new(
        "tokio-reqwest-futures-unordered",
        Mt,
        C::Reqwest,
        I::FuturesUnordered,
    )
    .variant_of("tokio-reqwest"),
    Tokio::new(
        "tokio-reqwest-buffer-unordered",
        Mt,
        C::Reqwest,
        I::BufferUnordered,
    )
    .variant_of("tokio-reqwest"),
    Tokio::new("tokio-reqwest-h2-pool", Mt, C::Reqwest, I::Spawn)
        .h2_pool()
        .variant_of("tokio-reqwest"),
    Tokio::new("tokio-hyper-h2-pool", Mt, C::Hyper, I::Spawn)
        .h2_pool()
        .variant_of("tokio-hyper"),
    Tokio::new("tokio-ureq-proto", Mt, C::Lean, I::Spawn).variant_of("tokio-hyper"),
];

/// A tokio row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tokio {
    id: &'static str,
    variant_of: Option<&'static str>,
    /// Spreads an HTTP/2 fan-out over several clients ([`h2_pool`]).
    pub h2_pool: bool,
    /// The scheduler.
    pub flavour: Flavour,
    /// The HTTP client.
    pub client: Client,
    /// The loop that runs the requests.
    pub idiom: AsyncIdiom,
}

impl Tokio {
    const fn new(id: &'static str, flavour: Flavour, client: Client, idiom: AsyncIdiom) -> Tokio {
        Tokio {
            id,
            variant_of: None,
            h2_pool: false,
            flavour,
            client,
            idiom,
        }
    }

    /// The same row, declared a variant of `base` in one setting.
    const fn variant_of(self, base: &'static str) -> Tokio {
        Tokio {
            variant_of: Some(base),
            ..self
        }
    }

    /// The same row, spreading an HTTP/2 fan-out over [`h2_pool::clients`]
    /// clients.
    const fn h2_pool(self) -> Tokio {
        Tokio {
            h2_pool: true,
            ..self
        }
    }

    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        ROWS.iter().map(|r| Box::new(*r) as Box<dyn Row>).collect()
    }
}

impl Row for Tokio {
    fn id(&self) -> &'static str {
        self.id
    }

    fn describe(&self) -> Description {
        let runtime = match self.flavour {
            Flavour::MultiThread => "tokio (multi-thread, one worker per core)",
            Flavour::CurrentThread => "tokio (current-thread)",
        };
        let mut d = Description::new(runtime, self.client.name(), Model::Async)
            .with_tls(client::TLS)
            .with_protocols(ANY_PROTOCOL)
            .with_async_idiom(self.idiom);
        if let Some(base) = self.variant_of {
            d = d.variant_of(base);
        }
        if self.h2_pool {
            return d.tuned(h2_pool::TUNED).with_focus(Focus::Http2);
        }
        match self.client {
            Client::HyperTuned => d.tuned(client::TUNED),
            Client::Lean => Description {
                tls: None,
                ..d.with_protocols(HTTP1_ONLY)
                    .tuned(client::LEAN)
                    .with_focus(Focus::Memory)
            },
            _ => d,
        }
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        let rt = match self.flavour {
            Flavour::MultiThread => tokio::runtime::Builder::new_multi_thread(),
            Flavour::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        }
        .enable_all()
        .build()?;
        Ok(Box::new(TokioSession {
            exec: Tokio_(Arc::new(rt)),
            row: *self,
            target: target.clone(),
            clients: Clients::default(),
        }))
    }
}

/// Runs `plan` with `get` on `clients`: one client for every request, or
/// request `i` on client `i mod k`. Each client kind has its own `get`, so a
/// request's task holds only its own client's future.
fn spread<C, G, Fut>(
    exec: &Tokio_,
    idiom: AsyncIdiom,
    plan: &Plan,
    target: &Target,
    clients: Vec<C>,
    get: G,
) -> Outcome
where
    C: Clone + Send + Sync + 'static,
    G: Fn(C, fanout_core::Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = fanout_core::Fetched> + Send + 'static,
{
    if let [one] = &clients[..] {
        let one = one.clone();
        drive::run(exec, idiom, plan, target, move |req| get(one.clone(), req))
    } else {
        let clients: Arc<[C]> = clients.into();
        drive::run(exec, idiom, plan, target, move |req| {
            let c = clients[(req.id % clients.len() as u64) as usize].clone();
            get(c, req)
        })
    }
}

fn reqwests(b: &[client::Built]) -> Vec<reqwest::Client> {
    b.iter()
        .filter_map(|b| match b {
            client::Built::Reqwest(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn hypers(b: &[client::Built]) -> Vec<client::Hyper> {
    b.iter()
        .filter_map(|b| match b {
            client::Built::Hyper(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn leans(b: &[client::Built]) -> Vec<lean::Lean> {
    b.iter()
        .filter_map(|b| match b {
            client::Built::Lean(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// [`Executor`] for a tokio runtime.
#[derive(Clone)]
struct Tokio_(Arc<tokio::runtime::Runtime>);

impl Executor for Tokio_ {
    type Sleep = tokio::time::Sleep;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn sleep(&self, d: Duration) -> Self::Sleep {
        tokio::time::sleep(d)
    }
}

type Joined<T> = Map<tokio::task::JoinHandle<T>, fn(Result<T, tokio::task::JoinError>) -> T>;

impl<F: Future<Output: Send> + Send + 'static> Spawn<F> for Tokio_ {
    type Handle = Joined<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        // A panic in a task is resumed here, as `JoinHandle` users do.
        self.0
            .spawn(future)
            .map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
    }
}

struct TokioSession {
    exec: Tokio_,
    row: Tokio,
    target: Target,
    /// Per protocol: one client, or an [`h2_pool`] row's several.
    clients: Clients<Vec<client::Built>>,
}

impl Session for TokioSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        let wanted = if self.row.h2_pool {
            h2_pool::clients(plan)
        } else {
            1
        };
        let clients = {
            // hyper-util's pool spawns tasks: build inside the runtime.
            let _guard = self.exec.0.enter();
            let (row, target) = (self.row.client, &self.target);
            let built = self.clients.get_mut(plan.protocol, |_| Ok(Vec::new()))?;
            while built.len() < wanted {
                built.push(row.build(target, plan.protocol)?);
            }
            built[..wanted].to_vec()
        };
        let (exec, idiom, target) = (&self.exec, self.row.idiom, &self.target);
        Ok(match self.row.client {
            Client::Reqwest => spread(
                exec,
                idiom,
                plan,
                target,
                reqwests(&clients),
                client::reqwest_get,
            ),
            Client::Hyper | Client::HyperTuned => spread(
                exec,
                idiom,
                plan,
                target,
                hypers(&clients),
                client::hyper_get,
            ),
            Client::Lean => spread(
                exec,
                idiom,
                plan,
                target,
                leans(&clients),
                |c: lean::Lean, req| c.get(req),
            ),
        })
    }
}
