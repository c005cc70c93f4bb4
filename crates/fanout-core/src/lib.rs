//! # fanout-core — the contract every row obeys
//!
//! `fanout` measures how a program — a Rust program first — should make many
//! HTTP API calls at once: sibling crates run the *same* fan-out — N GETs
//! against one target server — sequentially, on OS threads, and on several
//! async runtimes with several clients and idioms. This crate is what they
//! share. It has no runtime, no HTTP client and no TLS stack: those belong
//! to the rows.
//!
//! ## The pieces
//!
//! - [`Plan`]: *what* one fan-out is — N, delay, body size and [`Format`]
//!   (bytes or a JSON document), concurrency bound, keep-alive, TLS, the
//!   [`Protocol`] asked for, timeout, heartbeat period, faults.
//!   [`Plan::url`] builds request `i`'s URL, so every row fetches exactly
//!   the same URLs.
//! - [`url`]: the URL scheme, defined once — the `/delay` path and its
//!   query keys, written for every row and read back by the server
//!   ([`DelayRequest`]).
//! - [`Target`]: *where* — the server's address and the CA to trust for
//!   HTTPS. Given beside the plan, never inside it.
//! - [`Workload`]: the named presets, each owning its special cases
//!   (quick variant, load generators, criterion plans, headline, charts).
//! - [`Row`] → [`Row::start`]`(target)` → [`Session`] →
//!   [`Session::fan_out`]`(plan)` → [`Outcome`]. `start` builds what lives
//!   across fan-outs (runtime, client, pool); `fan_out` is the timed part and
//!   is synchronous at the boundary — async rows `block_on` inside. A
//!   [`Description`] says what the row is (runtime, client, TLS stack,
//!   model, idiom, protocols, upstream status, tuned settings, deviations).
//! - [`Sample`]: one per request, in plan order; a failure is a sample with
//!   an [`ErrorKind`], never a panic and never dropped.
//! - [`body`] and [`document`]: the deterministic byte body and JSON
//!   document of request `i`, and their verification.
//! - [`Heartbeat`]: the `count()` ticker of the original asyncio demo.
//! - [`drive`]: the fan-out loops — sequential, thread per request, thread
//!   pool, and the async idioms over any [`drive::Executor`]. A row supplies
//!   only "fetch this [`drive::Request`] with my client"; timing, bounds,
//!   timeouts, the heartbeat and verification happen here, identically for
//!   every row, so no row can skip reading, decoding or verifying a body.
//!   One file per job: the request and its verification, the blocking
//!   drivers, and the async driver (runtime interface, task futures, one
//!   function per idiom).
//! - [`faults`]: deterministic fault injection, decided here for the server
//!   and the kit alike.
//! - [`conformance`]: the kit that checks a row against a live server, one
//!   function per check.
//!
//! ## Adding a row
//!
//! `cargo xtask new-runtime NAME` scaffolds a crate whose session calls one
//! of the [`drive`] functions with a fetch closure, and registers it. The
//! conformance kit then runs on it in `cargo test`.

#![forbid(unsafe_code)]

pub mod body;
pub mod conformance;
pub mod document;
pub mod drive;
pub mod faults;
pub mod heartbeat;
pub mod plan;
pub mod row;
pub mod sample;
pub mod stats;
pub mod target;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod url;
pub mod workload;

pub use document::Document;
pub use drive::{AsyncIdiom, Request};
pub use faults::{Fault, Faults};
pub use heartbeat::{Heartbeat, HeartbeatReport};
pub use plan::{Format, Plan, PlanError, Protocol};
pub use row::{Clients, Description, Focus, Idiom, Model, Row, Session, StartError, Upstream};
pub use sample::{Body, ErrorKind, FetchError, Fetched, Outcome, Response, Sample};
pub use stats::ServerStats;
pub use target::{Target, TargetServer};
pub use url::DelayRequest;
pub use workload::{Metric, Scenario, WORKLOADS, Workload};
