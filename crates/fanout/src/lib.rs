//! # fanout — the harness
//!
//! The registry of rows ([`registry`]), the summary of one run
//! ([`summary`]), and the target server as a child process
//! ([`server_process`]). The `fanout` binary (`src/main.rs`, `src/cli.rs`)
//! puts them behind `fanout list | serve | run`.

#![forbid(unsafe_code)]

pub mod registry;
pub mod server_process;
pub mod summary;
