//! [`Row`] (one program of the comparison) and [`Session`] (what a row
//! keeps across fan-outs), with the [`Description`] `fanout list` and the
//! report show.

use serde::{Deserialize, Serialize};

use crate::drive::AsyncIdiom;
use crate::plan::{Plan, Protocol};
use crate::sample::Outcome;
use crate::target::Target;
use crate::workload::{Metric, WORKLOADS, Workload};

/// How a row runs its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Model {
    /// One request after another on one thread.
    Sequential,
    /// Blocking requests on OS threads.
    Threads,
    /// Futures on an async runtime (epoll/kqueue readiness).
    Async,
    /// Futures on an io_uring completion-based runtime.
    AsyncIoUring,
    /// Green threads on a runtime's scheduler and poller (Go's goroutines):
    /// blocking code, non-blocking I/O underneath.
    GreenThreads,
}

impl Model {
    /// Human name, as in `fanout list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::Threads => "threads",
            Model::Async => "async",
            Model::AsyncIoUring => "async, io_uring",
            Model::GreenThreads => "green threads",
        }
    }

    /// Futures on a runtime (either kind).
    pub fn is_async(self) -> bool {
        matches!(self, Model::Async | Model::AsyncIoUring)
    }
}

/// How a program spreads its requests over the model: the loop a user
/// writes. The Rust idioms are drivers in [`crate::drive`]; the others name
/// the reference programs' loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Idiom {
    /// A `for` loop of blocking calls.
    Loop,
    /// An OS thread per request (`std::thread::scope`), at most the bound alive.
    ThreadPerRequest,
    /// A fixed pool of threads pulling from a queue.
    ThreadPool,
    /// A task per request (`spawn`), a semaphore permit for the bound,
    /// handles collected as they finish.
    Spawn,
    /// `JoinSet`: spawn into a set, `join_next` when it holds the bound.
    JoinSet,
    /// `join_all` over one future per request in the calling task; a
    /// semaphore for the bound.
    JoinAll,
    /// A `FuturesUnordered` in the calling task, refilled to the bound.
    FuturesUnordered,
    /// `stream::iter(requests).map(fetch).buffer_unordered(bound)` in the
    /// calling task.
    BufferUnordered,
    /// Python's `asyncio.gather` (a semaphore for the bound).
    AsyncioGather,
    /// Python's `ThreadPoolExecutor.map`.
    ThreadPoolExecutor,
    /// JavaScript's `Promise.all` (a small limiter for the bound).
    PromiseAll,
    /// A goroutine per request with a `sync.WaitGroup` (a buffered channel
    /// for the bound).
    Goroutines,
}

impl Idiom {
    /// The stable name, as in results and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Idiom::Loop => "loop",
            Idiom::ThreadPerRequest => "thread-per-request",
            Idiom::ThreadPool => "thread-pool",
            Idiom::Spawn => "spawn",
            Idiom::JoinSet => "join-set",
            Idiom::JoinAll => "join-all",
            Idiom::FuturesUnordered => "futures-unordered",
            Idiom::BufferUnordered => "buffer-unordered",
            Idiom::AsyncioGather => "asyncio-gather",
            Idiom::ThreadPoolExecutor => "thread-pool-executor",
            Idiom::PromiseAll => "promise-all",
            Idiom::Goroutines => "goroutines",
        }
    }

    /// The async idioms the drivers offer, in report order.
    pub const ASYNC: [Idiom; 5] = [
        Idiom::Spawn,
        Idiom::JoinSet,
        Idiom::JoinAll,
        Idiom::FuturesUnordered,
        Idiom::BufferUnordered,
    ];
}

impl From<AsyncIdiom> for Idiom {
    fn from(i: AsyncIdiom) -> Idiom {
        match i {
            AsyncIdiom::Spawn => Idiom::Spawn,
            AsyncIdiom::JoinSet => Idiom::JoinSet,
            AsyncIdiom::JoinAll => Idiom::JoinAll,
            AsyncIdiom::FuturesUnordered => Idiom::FuturesUnordered,
            AsyncIdiom::BufferUnordered => Idiom::BufferUnordered,
        }
    }
}

/// The upstream maintenance status of a row's libraries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "why")]
#[non_exhaustive]
pub enum Upstream {
    /// Actively maintained.
    Maintained,
    /// A library in the row is discontinued upstream; the text says which and why.
    Discontinued(String),
    /// A library in the row is unmaintained upstream; the text says which.
    Unmaintained(String),
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upstream::Maintained => f.write_str("maintained"),
            Upstream::Discontinued(why) => write!(f, "discontinued: {why}"),
            Upstream::Unmaintained(why) => write!(f, "unmaintained: {why}"),
        }
    }
}

/// What a row is, for `fanout list` and the report. Build it with
/// [`Description::new`] and the `with_*` setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// The runtime and its configuration, e.g. `tokio (multi-thread, 2 workers)`.
    pub runtime: String,
    /// The HTTP client, e.g. `reqwest`.
    pub client: &'static str,
    /// The TLS stack the client uses for HTTPS, e.g. `rustls 0.23 (ring)`;
    /// `None`: the row cannot do HTTPS here (its HTTPS cells say so).
    pub tls: Option<&'static str>,
    /// The trust roots the client uses when the target gives no CA (a
    /// foreign HTTPS server without `--ca`): its usual ones, e.g.
    /// `webpki-roots 1.0 (Mozilla's, compiled in)` or the OS store and what
    /// reads it. With a CA, that CA is the only root. `None` with no TLS.
    pub roots: Option<&'static str>,
    /// How requests are run.
    pub model: Model,
    /// The loop that runs them.
    pub idiom: Idiom,
    /// The HTTP versions the client can be asked for (always [`Protocol::Auto`]).
    pub protocols: &'static [Protocol],
    /// Upstream status of the libraries in the row.
    pub upstream: Upstream,
    /// The most requests the row can have in flight whatever the plan says
    /// (a fixed thread pool's size); `None` = the plan's bound.
    pub max_concurrency: Option<u64>,
    /// `Some(what)` for a tuned variant: the settings that differ from the
    /// idiomatic row. `None` for idiomatic rows.
    pub tuned: Option<&'static str>,
    /// The workloads the row has something to say on ([`Focus`]): every
    /// one for most rows; a variant that changes one setting runs where that
    /// setting can matter, and its other cells say why they did not run.
    pub focus: Focus,
    /// The row this one differs from in one setting — its idiom, or the
    /// settings a tuned variant changes — by id (`tokio-hyper-tuned` varies
    /// `tokio-hyper`). The report's pitfalls compare such pairs.
    pub variant_of: Option<&'static str>,
    /// Conformance checks this row is known not to pass, each with the reason
    /// (a client behaviour the row cannot change). The kit still runs them
    /// and reports the outcome as a known deviation instead of a failure;
    /// the crate README must say the same.
    pub deviations: &'static [(&'static str, &'static str)],
}

/// Where a row has something to say: which workloads it runs on, decided by
/// the workloads' properties (never by their ids). A variant that changes
/// one setting runs where that setting can matter; on the other workloads
/// the sweep skips it with [`Focus::why_not`], so it costs no time where it
/// would repeat its base row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Focus {
    /// Every workload.
    #[default]
    Everywhere,
    /// Another idiom of a row that exists with the usual one (the same
    /// runtime and client, a different loop): the workloads that compare
    /// idioms ([`Workload::idioms`]).
    Idioms,
    /// A setting that matters only on HTTP/2: the workloads with a plan that
    /// asks for HTTP/2 (all of their plans, so the row's HTTP/1.1 figure
    /// stands beside its HTTP/2 one).
    Http2,
    /// A setting that matters for memory: the workloads decided by memory
    /// per in-flight request ([`Metric::MemoryPerInFlight`]).
    Memory,
}

impl Focus {
    /// Its name in `fanout list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Focus::Everywhere => "all",
            Focus::Idioms => "idioms",
            Focus::Http2 => "http2",
            Focus::Memory => "memory",
        }
    }

    /// Whether the row runs on `w`.
    pub fn covers(self, w: &Workload) -> bool {
        match self {
            Focus::Everywhere => true,
            Focus::Idioms => w.idioms,
            Focus::Http2 => w.plans().iter().any(|p| p.protocol == Protocol::Http2),
            Focus::Memory => w.scenario.decided_by == Metric::MemoryPerInFlight,
        }
    }

    /// Why the row skips a workload it does not cover, naming the ones it
    /// runs on.
    pub fn why_not(self) -> String {
        let what = match self {
            Focus::Everywhere => "a row that runs everywhere",
            Focus::Idioms => "an idiom row: idiom rows run on the workloads that compare idioms",
            Focus::Http2 => "an HTTP/2 variant: it runs on the workloads with an HTTP/2 plan",
            Focus::Memory => {
                "a memory variant: it runs on the workloads decided by memory per in-flight request"
            }
        };
        let ids: Vec<&str> = WORKLOADS
            .iter()
            .filter(|w| self.covers(w))
            .map(|w| w.id)
            .collect();
        format!("{what} ({})", ids.join(", "))
    }
}

/// Only what every client can be asked for.
pub const AUTO_ONLY: &[Protocol] = &[Protocol::Auto];
/// Clients that can be held to either HTTP version.
pub const ANY_PROTOCOL: &[Protocol] = &[Protocol::Auto, Protocol::Http1, Protocol::Http2];
/// HTTP/1.1 clients (which are HTTP/1.1 when asked for it, too).
pub const HTTP1_ONLY: &[Protocol] = &[Protocol::Auto, Protocol::Http1];

impl Description {
    /// A maintained, idiomatic, HTTP/1.1-only row without TLS, bounded by
    /// the plan alone; the idiom is the model's usual one (`spawn` for
    /// async, `loop` for sequential, `thread-per-request` for threads).
    pub fn new(runtime: impl Into<String>, client: &'static str, model: Model) -> Description {
        Description {
            runtime: runtime.into(),
            client,
            tls: None,
            roots: None,
            model,
            idiom: match model {
                Model::Sequential => Idiom::Loop,
                Model::Threads => Idiom::ThreadPerRequest,
                Model::Async | Model::AsyncIoUring => Idiom::Spawn,
                Model::GreenThreads => Idiom::Goroutines,
            },
            protocols: HTTP1_ONLY,
            upstream: Upstream::Maintained,
            max_concurrency: None,
            tuned: None,
            focus: Focus::Everywhere,
            variant_of: None,
            deviations: &[],
        }
    }

    /// Names the TLS stack the row uses for HTTPS.
    pub fn with_tls(self, stack: &'static str) -> Description {
        Description {
            tls: Some(stack),
            ..self
        }
    }

    /// Names the trust roots the client uses when the target gives no CA
    /// ([`Description::roots`]).
    pub fn with_roots(self, roots: &'static str) -> Description {
        Description {
            roots: Some(roots),
            ..self
        }
    }

    /// Sets the idiom.
    pub fn with_idiom(self, idiom: Idiom) -> Description {
        Description { idiom, ..self }
    }

    /// Sets the idiom of an async row driven by [`crate::drive::run`]: any
    /// idiom but `spawn` (the usual one) makes it an idiom row
    /// ([`Focus::Idioms`]).
    pub fn with_async_idiom(self, idiom: AsyncIdiom) -> Description {
        Description {
            idiom: idiom.into(),
            focus: if idiom == AsyncIdiom::Spawn {
                self.focus
            } else {
                Focus::Idioms
            },
            ..self
        }
    }

    /// Runs the row only on the workloads `focus` covers.
    pub fn with_focus(self, focus: Focus) -> Description {
        Description { focus, ..self }
    }

    /// Sets the protocols the client can be asked for.
    pub fn with_protocols(self, protocols: &'static [Protocol]) -> Description {
        Description { protocols, ..self }
    }

    /// Sets the upstream status.
    pub fn with_upstream(self, upstream: Upstream) -> Description {
        Description { upstream, ..self }
    }

    /// Caps concurrency whatever the plan says (a fixed pool).
    pub fn with_max_concurrency(self, cap: u64) -> Description {
        Description {
            max_concurrency: Some(cap),
            ..self
        }
    }

    /// Marks a tuned variant with what it changes.
    pub fn tuned(self, what: &'static str) -> Description {
        Description {
            tuned: Some(what),
            ..self
        }
    }

    /// Names the row this one varies in one setting
    /// ([`Description::variant_of`]).
    pub fn variant_of(self, base: &'static str) -> Description {
        Description {
            variant_of: Some(base),
            ..self
        }
    }

    /// Declares known deviations from the conformance kit.
    pub fn with_deviations(self, d: &'static [(&'static str, &'static str)]) -> Description {
        Description {
            deviations: d,
            ..self
        }
    }

    /// Why this row cannot run `plan`, if it cannot: HTTPS without a TLS
    /// stack, or a protocol the client cannot be held to. The harness
    /// reports such a cell as unsupported with this reason, and never runs it.
    pub fn unsupported(&self, plan: &Plan) -> Option<String> {
        if plan.tls && self.tls.is_none() {
            return Some(format!("{} has no TLS stack here", self.client));
        }
        if !self.protocols.contains(&plan.protocol) {
            return Some(format!(
                "{} cannot be held to {}",
                self.client,
                match plan.protocol {
                    Protocol::Http2 => "HTTP/2",
                    Protocol::Http1 => "HTTP/1.1",
                    Protocol::Auto => "its default protocol",
                }
            ));
        }
        None
    }
}

/// A session's clients, one per protocol asked for, each built on first use
/// (before the timed part) and reused for every later fan-out with that
/// protocol — as a program that needs HTTP/2 and HTTP/1.1 would keep two.
#[derive(Debug)]
pub struct Clients<C> {
    built: Vec<(Protocol, C)>,
}

impl<C> Default for Clients<C> {
    fn default() -> Self {
        Clients { built: Vec::new() }
    }
}

impl<C> Clients<C> {
    /// The client for `protocol`, built with `build` the first time.
    pub fn get(
        &mut self,
        protocol: Protocol,
        build: impl FnOnce(Protocol) -> Result<C, StartError>,
    ) -> Result<&C, StartError> {
        self.get_mut(protocol, build).map(|c| &*c)
    }

    /// The client for `protocol`, built with `build` the first time, to
    /// change (a row that keeps several clients per protocol adds to them).
    pub fn get_mut(
        &mut self,
        protocol: Protocol,
        build: impl FnOnce(Protocol) -> Result<C, StartError>,
    ) -> Result<&mut C, StartError> {
        let at = match self.built.iter().position(|(p, _)| *p == protocol) {
            Some(i) => i,
            None => {
                self.built.push((protocol, build(protocol)?));
                self.built.len() - 1
            }
        };
        Ok(&mut self.built[at].1)
    }

    /// Drops every client (their pools and connections with them).
    pub fn clear(&mut self) {
        self.built.clear();
    }
}

/// Why a row could not start, or a session could not run a plan.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError(format!("cannot start the row: {e}"))
    }
}

impl From<String> for StartError {
    fn from(s: String) -> Self {
        StartError(s)
    }
}

/// One program of the comparison: a runtime, an HTTP client and an idiom.
///
/// `start()` builds what lives across fan-outs — the runtime, the client
/// trusting the target's CA, its connection pool — and returns a
/// [`Session`]; the timed part is [`Session::fan_out`] alone.
pub trait Row: Send + Sync {
    /// Stable id, e.g. `tokio-reqwest`: lowercase, `-`-separated.
    fn id(&self) -> &'static str;
    /// What the row is.
    fn describe(&self) -> Description;
    /// Builds the runtime and what the client needs to reach `target`.
    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError>;
}

/// A started row: one client (per protocol asked for), reused for every
/// fan-out, as its docs advise.
pub trait Session {
    /// Runs the plan once against the session's target. Never panics on a
    /// failed request: every request is a [`crate::Sample`] in the
    /// [`Outcome`], in plan order. The plan has passed [`Plan::validate`]
    /// and [`Description::unsupported`]; `Err` only when the session cannot
    /// run it at all (its client for the plan's protocol cannot be built).
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covered(f: Focus) -> Vec<&'static str> {
        WORKLOADS
            .iter()
            .filter(|w| f.covers(w))
            .map(|w| w.id)
            .collect()
    }

    #[test]
    fn each_focus_covers_the_workloads_its_property_picks() {
        assert_eq!(covered(Focus::Everywhere).len(), WORKLOADS.len());
        assert_eq!(
            covered(Focus::Idioms),
            ["latency", "throughput", "c10k", "api"]
        );
        assert_eq!(covered(Focus::Http2), ["h2", "h2-wan"]);
        assert_eq!(covered(Focus::Memory), ["c10k"]);
    }

    #[test]
    fn the_reason_names_the_workloads_a_row_runs_on() {
        assert_eq!(
            Focus::Idioms.why_not(),
            "an idiom row: idiom rows run on the workloads that compare idioms \
             (latency, throughput, c10k, api)"
        );
        assert!(Focus::Http2.why_not().ends_with("HTTP/2 plan (h2, h2-wan)"));
        assert!(Focus::Memory.why_not().ends_with("(c10k)"));
    }

    #[test]
    fn another_async_idiom_makes_an_idiom_row() {
        let d = Description::new("rt", "client", Model::Async);
        assert_eq!(
            d.clone().with_async_idiom(crate::AsyncIdiom::Spawn).focus,
            Focus::Everywhere
        );
        assert_eq!(
            d.with_async_idiom(crate::AsyncIdiom::JoinAll).focus,
            Focus::Idioms
        );
    }
}
