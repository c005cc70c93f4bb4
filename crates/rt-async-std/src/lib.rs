//! The async-std row: [`surf`] (http-client's h1 client: async-h1, with
//! async-native-tls over OpenSSL for HTTPS) on async-std's global runtime.
//!
//! Requests are tasks spawned with `async_std::task::spawn` (the `spawn`
//! idiom of [`fanout_core::drive::run`]); `async_std::task::block_on` runs
//! the fan-out loop on the calling thread; the heartbeat is a task ticking
//! on `async_std::task::sleep`, and every request races its timeout on the
//! same timer. async-std's executor is global: one worker per core
//! (`ASYNC_STD_THREAD_COUNT` overrides it), shared by every session.
//!
//! Both libraries are kept here as a data point, not a recommendation:
//! async-std is discontinued upstream and surf is unmaintained.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use fanout_core::drive::{self, Executor, Spawn};
use fanout_core::row::HTTP1_ONLY;
use fanout_core::{
    AsyncIdiom, Clients, Description, Model, Outcome, Plan, Row, Session, StartError, Target,
    Upstream,
};

/// Why `json-faults` reports `decode` where the kit expects `truncated`.
const TRUNCATED_JSON: &str = "async-h1 reads a body of known length through `take(len)`, which ends \
     quietly when the connection closes early, so surf reports no error for a body cut short; \
     surf's `body_json` then fails with serde_json's \"EOF while parsing\", counted as `decode` (the \
     error a surf user sees). Bytes plans catch the same bodies by their length (`faults` passes); \
     every other fault ends as the plan implies and the server's counts match";

/// The async-std row, `async-std-surf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsyncStd;

impl AsyncStd {
    /// The rows of this family, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        vec![Box::new(AsyncStd)]
    }
}

impl Row for AsyncStd {
    fn id(&self) -> &'static str {
        "async-std-surf"
    }

    fn describe(&self) -> Description {
        let runtime = format!(
            "async-std (global executor, {} workers)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        Description::new(runtime, "surf (async-h1)", Model::Async)
            .with_tls(client::TLS)
            .with_roots(client::ROOTS)
            // async-h1 speaks HTTP/1.1 only; no ALPN is offered.
            .with_protocols(HTTP1_ONLY)
            .with_upstream(Upstream::Discontinued(
                "async-std is discontinued upstream (its README points to smol; RUSTSEC-2025-0052); surf is unmaintained".into(),
            ))
            // surf's pooled client opens at most this many connections per
            // host and queues the rest (its default, kept: idiomatic row).
            .with_max_concurrency(client::MAX_CONNECTIONS_PER_HOST as u64)
            .with_deviations(&[("json-faults", TRUNCATED_JSON)])
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        Ok(Box::new(AsyncStdSession {
            target: target.clone(),
            clients: Clients::default(),
        }))
    }
}

/// [`Executor`] for async-std's global runtime. Its `sleep` is an `async
/// fn` (a type without a name), so the sleep future is boxed.
#[derive(Clone)]
struct AsyncStdExec;

impl Executor for AsyncStdExec {
    type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }
    fn sleep(&self, d: Duration) -> Self::Sleep {
        Box::pin(async_std::task::sleep(d))
    }
}

impl<F: Future<Output: Send> + Send + 'static> Spawn<F> for AsyncStdExec {
    type Handle = async_std::task::JoinHandle<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        async_std::task::spawn(future)
    }
}

struct AsyncStdSession {
    target: Target,
    clients: Clients<client::Surf>,
}

impl Session for AsyncStdSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        let target = &self.target;
        let client = self
            .clients
            .get(plan.protocol, |_| client::Surf::new(target))?
            .for_plan(plan.keep_alive);
        Ok(drive::run(
            &AsyncStdExec,
            AsyncIdiom::Spawn,
            plan,
            &self.target,
            move |req| client::get(client.clone(), req),
        ))
    }
}
