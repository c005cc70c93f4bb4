//! # fanout-results — what a sweep measured, and the computations on it
//!
//! [`Results`]: what a sweep measured — every repeat of every cell, the
//! rows, the load generators, the harness's own overhead and the
//! environment — as written to `results/results.json` and read back by
//! `fanout report` and `fanout compare`. Each cell stores its plan once;
//! each repeat stores its own target (the server's address) and what that
//! server counted. Enums (model, idiom, upstream, error kinds, protocols)
//! are serialized with stable kebab-case names. The layout is versioned
//! ([`SCHEMA`]); an older file fails to load with a message saying to
//! re-run the sweep.
//!
//! Beside the data model, what is *computed* from result sets, so that the
//! report only renders and the harness needs no renderer:
//!
//! - [`Derived`]: a cell's medians and spreads over its repeats, and the
//!   requests that failed beyond the faults its plan injected
//!   ([`injected_errors`]);
//! - [`compare()`]: two result sets cell by cell, each cell's [`Verdict`]
//!   decided by [`verdicts()`] on the statistics of [`noise`] (drift per
//!   plan taken out, between-sitting noise measured, Holm over every cell);
//! - [`stability()`]: whether two consecutive sweeps rank the rows alike;
//! - [`merge()`]: result sets from several client hosts as one;
//! - [`pool()`]: several sweeps of one commit as one side of a comparison.
//!
//! `lib.rs` only declares the modules and re-exports them; no module
//! imports another in a circle.

#![forbid(unsafe_code)]

mod compare;
mod derive;
mod injected;
mod merge;
mod model;
pub mod noise;
mod pool;
mod stability;
pub mod summary;
mod verdict;

pub use compare::{
    CellChange, Comparison, MIN_REFERENCE_CELLS, MovedAsAWhole, PlanKey,
    Settings as CompareSettings, compare,
};
pub use derive::{Derived, median};
pub use injected::injected_errors;
pub use merge::{Merged, merge, merge_noted};
pub use model::{
    Cell, CellStatus, Environment, ForeignServer, GeneratorLine, GeneratorRepeat, Overhead,
    OverheadMemory, Repeat, Results, RowInfo, SCHEMA, Settings, Stability,
};
pub use pool::pool;
pub use stability::stability;
pub use summary::{HeartbeatSummary, Latency, Summary};
pub use verdict::{Side, ToJudge, Verdict, Verdicts, verdicts};
