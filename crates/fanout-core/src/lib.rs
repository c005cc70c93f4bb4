//! # fanout-core — the contract every row obeys
//!
//! `fanout` measures how a Rust program should make many HTTP API calls at
//! once: sibling crates run the *same* fan-out — N GETs against one local
//! target server — sequentially, on OS threads, and on several async
//! runtimes. This crate is what they share. It has no runtime and no HTTP
//! client: those belong to the rows.
//!
//! ## The pieces
//!
//! - [`Plan`]: one fan-out (target, N, delay, body size, concurrency bound,
//!   keep-alive, timeout, heartbeat period). [`Plan::url`] builds the URL of
//!   request `i`, so every row fetches exactly the same URLs.
//! - [`Workload`]: the named presets (`demo`, `latency`, `throughput`, `c10k`,
//!   `payload`, `faults`, `scaling`), defined once here.
//! - [`Runtime`] → [`Runtime::start`] → [`Session`] → [`Session::fan_out`] →
//!   [`Outcome`]: a row. `start` builds what lives across fan-outs (runtime,
//!   client, pool); `fan_out` is the timed part and is synchronous at the
//!   boundary — async rows `block_on` inside.
//! - [`Sample`]: one per request, in plan order; a failure is a sample with an
//!   [`ErrorKind`], never a panic and never dropped.
//! - [`body`]: the deterministic body of request `i` and [`body::verify`].
//! - [`Heartbeat`]: the `count()` ticker of the original asyncio demo.
//! - [`drive`]: the fan-out loops — sequential, thread per request, thread
//!   pool, and async over any [`drive::Executor`]. A row supplies only "fetch
//!   this URL with my client"; timing, bounds, the heartbeat and body
//!   verification happen here, identically for every row, so no row can skip
//!   reading or verifying a body.
//! - [`conformance`]: the kit that checks a row against a live server.
//!
//! ## Adding a row
//!
//! Implement [`Runtime`] in a crate `rt-NAME` whose session calls one of the
//! [`drive`] functions with a fetch closure; register it in `crates/fanout`.
//! The conformance kit then runs on it in `cargo test`.

#![forbid(unsafe_code)]

pub mod body;
pub mod conformance;
pub mod drive;
pub mod faults;
pub mod heartbeat;
pub mod plan;
pub mod runtime;
pub mod sample;
pub mod target;
pub mod workload;

pub use faults::{Fault, Faults};
pub use heartbeat::{Heartbeat, HeartbeatReport};
pub use plan::{Plan, PlanError};
pub use runtime::{Description, Model, Runtime, Session, StartError, Upstream};
pub use sample::{ErrorKind, Fetched, Outcome, Response, Sample};
pub use target::{ServerStats, Target};
pub use workload::{WORKLOADS, Workload};
