//! The fan-out drivers every row calls: they build the requests, time each
//! one, enforce the concurrency bound, race the timeout, run the heartbeat,
//! and verify every body or decoded document. A row supplies only *how to
//! fetch one [`Request`]* with its client (and, for async rows, an
//! [`Executor`]), so the loops that decide fairness are written once, here.
//!
//! Blocking:
//! - [`sequential`]: one request after another; the heartbeat ticks only
//!   between requests.
//! - [`thread_per_request`]: one OS thread per request, at most the bound alive.
//! - [`ThreadPool`]: a fixed pool of workers pulling from a shared queue.
//!
//! Async, one entry point, [`run`], with the loop a user writes as an
//! [`AsyncIdiom`] (see each variant for how it honours the bound):
//! `spawn` + semaphore, `JoinSet`, `join_all`, `FuturesUnordered`,
//! `buffer_unordered`. The same code serves runtimes whose tasks must be
//! `Send` (tokio, smol, async-std) and thread-per-core ones whose tasks need
//! not be (compio): [`Spawn`] is implemented per future type, so the row's
//! impl decides whether a request's future has to be `Send`.
//!
//! In every driver a request *starts* when its turn comes — after its
//! permit, on its first poll — and its timeout clock, its start offset and
//! its latency all start there, whatever the runtime.
//!
//! The files, one job each: `request.rs` builds the N [`Request`]s and
//! turns what a fetch returned into a verified [`crate::Sample`]
//! ([`to_sample`]); the blocking drivers live in `blocking.rs`; the async
//! driver is `executor.rs` (what it needs of a runtime), `task.rs` (the
//! request and heartbeat futures) and `idioms.rs` ([`run`], one function
//! per idiom).

mod blocking;
mod executor;
mod idioms;
mod request;
mod task;

pub use self::blocking::{ThreadPool, sequential, thread_per_request};
pub use self::executor::{Executor, Spawn};
pub use self::idioms::{AsyncIdiom, run};
pub use self::request::{BodyAs, Expect, Request, requests, to_sample};
pub use self::task::{RequestTask, Shared, Ticker};

#[cfg(test)]
mod tests;
