//! What every check of the kit shares: the row under test and its two
//! servers ([`Kit`]), one plan run on a fresh session with the rules every
//! run must keep ([`Kit::run`]), and "every request succeeded, verified"
//! ([`all_ok`]).

use crate::plan::Plan;
use crate::row::{Description, Model, Row};
use crate::sample::Outcome;
use crate::stats::ServerStats;
use crate::target::{Target, TargetServer};

/// A check's verdict on one run: the plan, what the row measured, and the
/// server's counters for the run.
pub(super) type Verdict<'a> = &'a dyn Fn(&Plan, &Outcome, &ServerStats) -> Result<(), String>;

/// The row under test and the servers it is checked against.
pub(super) struct Kit<'a> {
    /// The row.
    pub(super) row: &'a dyn Row,
    /// What it says it is.
    pub(super) desc: Description,
    /// The server every run but `untrusted` uses.
    pub(super) server: &'a dyn TargetServer,
    /// A second server, whose certificate is from another CA.
    pub(super) other: &'a dyn TargetServer,
    /// Where `server` is.
    pub(super) target: Target,
}

impl<'a> Kit<'a> {
    /// The kit for `row` against `server` (and `other`, for `untrusted`).
    pub(super) fn new(
        row: &'a dyn Row,
        server: &'a dyn TargetServer,
        other: &'a dyn TargetServer,
    ) -> Kit<'a> {
        Kit {
            row,
            desc: row.describe(),
            server,
            other,
            target: server.target(),
        }
    }

    /// The row runs one request after another.
    pub(super) fn sequential(&self) -> bool {
        self.desc.model == Model::Sequential
    }

    /// The row has a TLS stack (else the HTTPS checks do not apply).
    pub(super) fn has_tls(&self) -> bool {
        self.desc.tls.is_some()
    }

    /// Runs `p` on a fresh session against the server, its counters reset
    /// just before; checks that every request has its sample, in plan
    /// order; then gives the verdict.
    pub(super) fn run(&self, p: Plan, verdict: Verdict<'_>) -> Result<(), String> {
        self.run_at(&self.target, p, verdict)
    }

    /// [`Kit::run`] with another target on the same server (a foreign
    /// server's URL template pointing at it, or another CA).
    pub(super) fn run_at(
        &self,
        target: &Target,
        p: Plan,
        verdict: Verdict<'_>,
    ) -> Result<(), String> {
        p.validate().map_err(|e| e.to_string())?;
        target.check(&p).map_err(|e| e.to_string())?;
        if let Some(why) = self.desc.unsupported(&p) {
            return Err(format!("the row declares it cannot run this plan: {why}"));
        }
        let mut session = self.row.start(target).map_err(|e| format!("start: {e}"))?;
        self.server.reset_stats();
        let out = session.fan_out(&p).map_err(|e| format!("fan-out: {e}"))?;
        let stats = self.server.stats();
        drop(session);
        if out.samples.len() as u64 != p.requests {
            return Err(format!(
                "{} samples for {} requests",
                out.samples.len(),
                p.requests
            ));
        }
        if let Some((i, s)) = out
            .samples
            .iter()
            .enumerate()
            .find(|(i, s)| s.id != *i as u64)
        {
            return Err(format!(
                "sample {i} has id {}: samples are not in plan order",
                s.id
            ));
        }
        verdict(&p, &out, &stats)
    }
}

/// Every request succeeded with a verified body or document.
pub(super) fn all_ok(out: &Outcome) -> Result<(), String> {
    match out.samples.iter().find(|s| !s.ok() || !s.verified) {
        Some(s) => Err(format!(
            "request {} failed: error {:?}, status {:?}, {} bytes, verified {}",
            s.id, s.error, s.status, s.bytes, s.verified
        )),
        None => Ok(()),
    }
}
