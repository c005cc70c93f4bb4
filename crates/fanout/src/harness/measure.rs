//! One measured run, exactly as every cell of the sweep runs: the server's
//! counters reset, the row's client in a child process (through the child
//! runner, with its watchdog and `wait4`), its summary, the OS's and the
//! server's figures.

use std::path::Path;

use anyhow::{Context, bail};
use fanout_core::Plan;

use super::child;
use super::server::Server;
use crate::registry::RowSpec;
use fanout_results::Repeat;
use fanout_results::summary::Summary;

/// Measures one run of `row` on `plan` against `server`: the counters
/// reset, the client in a child process, its summary, the OS's and the
/// server's figures.
pub fn measure(exe: &Path, row: &RowSpec, plan: &Plan, server: &Server) -> anyhow::Result<Repeat> {
    server.reset()?;
    let cmd = row
        .command(exe, plan, server.target())
        .map_err(anyhow::Error::msg)?;
    // A watchdog: the plan's worst case plus slack, then SIGKILL.
    let limit = child::limit_for(plan);
    let f = child::run(cmd, limit).with_context(|| format!("cannot run row {}", row.id()))?;
    let server_stats = if server.has_counters() {
        let stats = server.stats()?;
        if let Some(why) = super::server::rtt_mismatch(stats.rtt_ms, plan.rtt) {
            bail!("{why}");
        }
        Some(stats)
    } else {
        None
    };
    if f.killed {
        bail!(
            "the client did not finish within {} s and was killed",
            limit.as_secs()
        );
    }
    let exit_code = match f.status.code() {
        Some(c @ (0 | 1)) => c, // 1 = some requests failed: still a measurement
        Some(c) => bail!("the client exited with {c}: {}", f.last_error_line()),
        None => bail!(
            "the client was killed by a signal ({:?}): {}",
            f.status,
            f.last_error_line()
        ),
    };
    let summary: Summary = serde_json::from_str(child::last_line(&f.stdout))
        .with_context(|| format!("the client printed no summary: {}", f.last_error_line()))?;
    if summary.requests != plan.requests {
        bail!(
            "the client accounted for {} requests of {}: samples were dropped",
            summary.requests,
            plan.requests
        );
    }
    Ok(Repeat {
        summary,
        target: server.target().to_string(),
        cpu_user_s: f.cpu_user_s,
        cpu_sys_s: f.cpu_sys_s,
        peak_rss_kib: f.peak_rss_kib,
        threads_peak: f.threads_peak,
        exit_code,
        server: server_stats,
    })
}
