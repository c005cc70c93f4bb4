//! The conformance kit: checks that a [`Row`] keeps the contract against a
//! live [`TargetServer`]. Every registered row runs it in `cargo test` (see
//! `crates/fanout/tests/conformance.rs`); a new row gets it for free.
//!
//! Checks, each on a fresh session:
//!
//! | check | plan | passes when |
//! |---|---|---|
//! | `bodies` | 30 × 20 ms, 777 B | N samples in plan order, all 200 and verified; the server served N |
//! | `json` | 30 × 5 ms, ~2 KiB JSON | every document decoded by the client and verified |
//! | `heartbeat` | 8 × 100 ms, tick 5 ms | ticks recorded; concurrent rows tick throughout, the sequential row is blocked (a tick ≥ half the delay late) |
//! | `bound` | 24 × 40 ms, 3 at once | the server's peak in-flight ≤ 3 (and ≥ 2 unless sequential) |
//! | `unbounded` | 20 × 150 ms | concurrent rows reach ¾ of N (or of their pool) in flight; sequential stays at 1 |
//! | `keep-alive` | 40 × 2 ms, 4 at once | at most 8 connections accepted |
//! | `no-keep-alive` | 12 × 2 ms, 4 at once, keep-alive off | exactly 12 connections accepted |
//! | `connect-error` | 5 requests to a closed port | 5 samples, each a `connect` error, no panic |
//! | `faults` | 150 × 5 ms, 8 at once, 500 ms timeout; 6 % each of 503, reset, truncated, slow, corrupted; 3 % stalls | each request ends as its fault implies (`status`, `reset`, `timeout`, `truncated`, `body-mismatch`; slow ones succeed) and the server injected exactly the implied count of each (no retries) |
//! | `json-faults` | the same faults on JSON documents | the same, a corrupted document a `decode` error |
//! | `https` | 30 × 20 ms, HTTPS, ~2 KiB JSON | every document decoded and verified over TLS, the CA being the only root trusted; the server completed a handshake |
//! | `untrusted` | 6 × 0 ms, HTTPS to a server whose certificate is from another CA | 6 `tls` errors and no success: certificate verification is on |
//! | `http1`, `http2` | 20 × 20 ms, 10 at once, HTTPS when the row has TLS, else cleartext (h2c) | for each protocol the row can be held to: the server answered every request over that protocol and none over the other |
//! | `foreign` | 8 × 0 ms (4 when sequential) against the server as a foreign server (`--url` templates): `/stats` (JSON of another shape), `/status/201`, `/delay/0?…` under a JSON plan, `/status/503`; then `https://…/stats` with and without the CA | any JSON decoded and a 2xx a success, content not verified; a body that is not JSON a `decode` error, a 503 `status`; over HTTPS all succeed with the CA and all are `tls` errors with the row's usual roots |
//! | `timeout` | 4 × 5 s, timeout 300 ms | every sample a `timeout`, each within timeout + 1 s |
//!
//! A row without a TLS stack ([`crate::Description::tls`] is `None`) skips
//! the HTTPS checks, which pass as "not applicable"; its HTTPS cells in the
//! sweep are reported as unsupported. `timeout` runs last: the server keeps
//! the abandoned requests until their delay ends.
//!
//! A row may declare a check it cannot pass because of its client
//! (`Description::deviations`, with the reason, repeated in its README): the
//! check still runs and its failure is reported as a known deviation.
//!
//! `kit.rs` runs one plan on a fresh session and holds the rules every
//! check shares; `checks.rs` has one function per check, in the order run
//! (`checks::ALL`).

mod checks;
mod kit;

use std::fmt;

pub use self::checks::faults_match;
use self::kit::Kit;
use crate::faults::Faults;
use crate::row::Row;
use crate::target::TargetServer;

/// The faults of the kit's `faults` checks (also used by the reference
/// programs' tests, so every row is held to the same plan).
pub const CHECK_FAULTS: Faults = Faults {
    seed: 7,
    error: 60,
    reset: 60,
    stall: 30,
    truncate: 60,
    slow: 60,
    corrupt: 60,
};

/// One check's result.
#[derive(Debug)]
pub struct Check {
    /// The check's name (see the module table).
    pub name: &'static str,
    /// `Err(why)` when it failed.
    pub result: Result<(), String>,
    /// The row declares this check a known deviation (`Description::deviations`):
    /// the reason. A failure of such a check does not fail the row.
    pub deviation: Option<&'static str>,
}

/// All checks for one row.
#[derive(Debug)]
pub struct Report {
    /// The row's id.
    pub row: &'static str,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed, or failed only as the row declares.
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| c.result.is_ok() || c.deviation.is_some())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            match (&c.result, c.deviation) {
                (Ok(()), _) => writeln!(f, "{}: {}: ok", self.row, c.name)?,
                (Err(why), Some(known)) => writeln!(
                    f,
                    "{}: {}: known deviation: {why} — declared: {known}",
                    self.row, c.name
                )?,
                (Err(why), None) => writeln!(f, "{}: {}: FAILED: {why}", self.row, c.name)?,
            }
        }
        Ok(())
    }
}

/// Runs every check of the kit on `row` against `server`; `other` is a
/// second server, whose certificate is from another CA (for `untrusted`).
pub fn check(row: &dyn Row, server: &dyn TargetServer, other: &dyn TargetServer) -> Report {
    let kit = Kit::new(row, server, other);
    Report {
        row: row.id(),
        checks: checks::ALL
            .iter()
            .map(|&(name, check)| Check {
                name,
                result: check(&kit),
                deviation: kit
                    .desc
                    .deviations
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, why)| *why),
            })
            .collect(),
    }
}

/// Runs the kit on every row of `rows`, three at a time (more would load two
/// cores enough to make the heartbeat check about the machine, not the
/// row), each against two fresh servers from `start` (the second for
/// `untrusted`); prints every report and panics naming every row that
/// failed. A row crate's `tests/conformance.rs` is one call of this.
pub fn assert_rows_conform<S: TargetServer>(rows: &[Box<dyn Row>], start: impl Fn() -> S + Sync) {
    let reports: Vec<Report> = rows
        .chunks(3)
        .flat_map(|chunk| {
            std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|row| {
                        let start = &start;
                        s.spawn(move || {
                            let (server, other) = (start(), start());
                            check(row.as_ref(), &server, &other)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut failed = Vec::new();
    for r in &reports {
        print!("{r}");
        if !r.passed() {
            failed.push(r.row);
        }
    }
    assert!(
        failed.is_empty(),
        "rows failing the conformance kit: {failed:?}\n{}",
        reports
            .iter()
            .filter(|r| !r.passed())
            .map(|r| r.to_string())
            .collect::<String>()
    );
}
