//! # fanout — the harness
//!
//! The registry of rows ([`registry`], with the reference programs in
//! [`reference`]), what one fan-out measured ([`summary`]), the sweep
//! ([`harness`]: jobs → child runner → [`results`]), the one writer
//! ([`write`]) and the report ([`report`], a consumer of results only);
//! [`cli`] puts them behind `fanout list | serve | run | sweep | report |
//! compare`, and `src/main.rs` is the `fanout` binary.

#![forbid(unsafe_code)]

pub mod cli;
pub mod environment;
pub mod harness;
pub mod node_env;
pub mod paths;
pub mod python_env;
pub mod reference;
pub mod registry;
mod setup;
pub mod tools;
pub mod write;
