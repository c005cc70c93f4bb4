//! What the `fanout` binary's integration tests share: running the binary
//! and reading what it said.

#![allow(dead_code)] // each test file uses its own subset

use std::process::{Command, Output};

/// Runs the `fanout` binary built for these tests with `args`.
pub fn fanout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .output()
        .expect("run the fanout binary")
}

/// What it printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
