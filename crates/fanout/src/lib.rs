//! # fanout — the harness
//!
//! The registry of rows ([`registry`]), the summary of one run
//! ([`summary`]), and the target server as a child process
//! ([`server_process`]); [`cli`] puts them behind `fanout list | serve |
//! run`, and `src/main.rs` is the `fanout` binary.

#![forbid(unsafe_code)]

pub mod cli;
pub mod environment;
pub mod python_env;
pub mod reference;
pub mod registry;
pub mod report;
pub mod results;
pub mod server_process;
pub mod summary;
pub mod sweep;
