//! The three ports of the contract — Python (`fanout_common.py`), Node.js
//! (`fanout_common.mjs`) and Go (`contract.go`) — each run their own test
//! suite against core's golden vectors (`baselines/vectors.json`, written by
//! `cargo xtask vectors`; `xtask/tests/vectors.rs` fails when it is stale).
//! So a rule changed in core fails here until every port follows.
//!
//! Python's suite is standard-library `unittest`, run by the interpreter the
//! project's environment is made from (`$PYTHON`, else `python3`): no pip
//! package needed. Node.js's is `node:test`, run by the project's Node.js
//! (installed on first use). Go's is `go test` with the Go on `PATH` (or
//! `$FANOUT_GO`), offline; a machine without Go skips it with the reason,
//! unless `FANOUT_REQUIRE_GO` is set (CI sets it after installing Go).

use std::path::PathBuf;
use std::process::Command;

fn baselines() -> PathBuf {
    fanout::paths::root().join("baselines")
}

/// Runs `cmd`, failing with its whole output unless it succeeds; returns
/// what it printed (stdout, then stderr).
fn pass(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run the {what} tests: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the {what} port disagrees with core's vectors ({}):\n{text}",
        out.status
    );
    text
}

/// The number after `key` on the line that holds it (`Ran 10 tests`,
/// `ℹ pass 9`), so a suite that ran nothing fails.
fn count_after(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_python_port_agrees_with_cores_vectors() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = baselines().join("python");
    let text = pass(
        "Python",
        Command::new(python)
            .args(["-m", "unittest", "discover", "-p", "test_*.py", "-s"])
            .arg(&dir)
            .current_dir(&dir)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    );
    assert!(
        count_after(&text, "Ran ") > 0,
        "no Python test ran:\n{text}"
    );
}

#[test]
fn the_node_port_agrees_with_cores_vectors() {
    let node = fanout::node_env::node().unwrap_or_else(|e| panic!("no Node.js: {e}"));
    let text = pass(
        "Node.js",
        Command::new(node)
            .arg("--test")
            .arg(baselines().join("node/contract.test.mjs")),
    );
    assert!(
        count_after(&text, "ℹ pass ") > 0,
        "no Node.js test ran:\n{text}"
    );
    assert_eq!(count_after(&text, "ℹ fail "), 0, "{text}");
}

#[test]
fn the_go_port_agrees_with_cores_vectors() {
    let go = std::env::var("FANOUT_GO").unwrap_or_else(|_| "go".into());
    if Command::new(&go).arg("version").output().is_err() {
        let why = format!("go not found (on PATH, or $FANOUT_GO={go}): apt-get install golang-go");
        assert!(
            std::env::var_os("FANOUT_REQUIRE_GO").is_none(),
            "FANOUT_REQUIRE_GO is set: {why}"
        );
        eprintln!("skipped the Go port's tests: {why}");
        return;
    }
    let text = pass(
        "Go",
        Command::new(&go)
            .args(["test", "-v", "-count=1", "./..."])
            .current_dir(baselines().join("go"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOTOOLCHAIN", "local"),
    );
    assert!(
        text.lines().any(|l| l.starts_with("--- PASS")),
        "no Go test ran:\n{text}"
    );
}
