//! [`Runtime`] (a row) and [`Session`] (what a row keeps across fan-outs).

use serde::Serialize;

use crate::plan::Plan;
use crate::sample::Outcome;

/// How a row runs its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

impl Model {
    /// Human name, as in `fanout list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::Threads => "threads",
            Model::Async => "async",
            Model::AsyncIoUring => "async, io_uring",
        }
    }
}

/// The upstream maintenance status of a row's runtime and client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "why")]
#[non_exhaustive]
pub enum Upstream {
    /// Both are actively maintained.
    Maintained,
    /// A library in the row is discontinued upstream; the text says which and why.
    Discontinued(&'static str),
    /// A library in the row is unmaintained upstream; the text says which.
    Unmaintained(&'static str),
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

/// What a row is, for `fanout list` and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Description {
    /// The runtime and its configuration, e.g. `tokio (multi-thread, 2 workers)`.
    pub runtime: String,
    /// The HTTP client, e.g. `reqwest`.
    pub client: &'static str,
    /// How requests are run.
    pub model: Model,
    /// Upstream status of the libraries in the row.
    pub upstream: Upstream,
    /// The most requests the row can have in flight whatever the plan says
    /// (a fixed thread pool's size); `None` = the plan's bound.
    pub max_concurrency: Option<u64>,
    /// `Some(what)` for a tuned variant: the settings that differ from the
    /// idiomatic row. `None` for idiomatic rows.
    pub tuned: Option<&'static str>,
    /// Conformance checks this row is known not to pass, each with the reason
    /// (a client behaviour the row cannot change). The kit still runs them
    /// and reports the outcome as a known deviation instead of a failure;
    /// the crate README must say the same.
    pub deviations: &'static [(&'static str, &'static str)],
}

/// Why a row could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError(format!("cannot start the row: {e}"))
    }
}

/// A row of the comparison: one runtime with one HTTP client.
///
/// `start()` builds what lives across fan-outs — the runtime, the client and
/// its connection pool — and returns a [`Session`]; the timed part is
/// [`Session::fan_out`] alone.
pub trait Runtime: Send + Sync {
    /// Stable id, e.g. `tokio-reqwest`: lowercase, `-`-separated.
    fn id(&self) -> &'static str;
    /// What the row is.
    fn describe(&self) -> Description;
    /// Builds the runtime and the client.
    fn start(&self) -> Result<Box<dyn Session>, StartError>;
}

/// A started row: one client, reused for every fan-out, as its docs advise.
pub trait Session {
    /// Runs the plan once. Never panics on a failed request: every request is
    /// a [`crate::Sample`] in the [`Outcome`], in plan order. The plan has
    /// passed [`Plan::validate`].
    fn fan_out(&mut self, plan: &Plan) -> Outcome;
}
