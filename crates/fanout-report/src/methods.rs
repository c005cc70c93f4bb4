//! The README's Methods section: how a cell is measured, as the harness
//! (`crates/fanout/src/harness`) does it, how ties and the floor are
//! decided, and what the figures do not show.

use std::fmt::Write as _;

use crate::format::{code, duration_ms, plural};
use crate::model::Report;

/// How ties are decided, in the words the README uses.
pub(crate) const TIES: &str = "The best row of a table is the one with the best median on \
the table's own metric — the least wall time; the most requests per second in rate headlines; \
the least memory per in-flight request or CPU per request where that is the headline. A row is \
tied with it when its min–max range over the repeats overlaps the best row's: the repeats cannot \
tell them apart. Relative shows the ratio of the two fastest repeats and of the two slowest (a \
range, since either may be the larger). A headline never names a single winner when the top is \
tied: it names the tied group, with the range of their medians. With one repeat a range is a \
point, and only equal figures tie.";

/// The section.
pub(crate) fn methods(out: &mut String, r: &Report<'_>) {
    let s = &r.results.settings;
    let cores = r.results.environment.cores;
    let _ = writeln!(
        out,
        "## Methods\n\n\
         - **A cell** is one row on one plan of one workload. The sweep decides every cell \
         before anything runs: measure it, skip it (projected over the {budget} per-run budget: \
         the server delay times the rounds the row's bound forces), or report that the row \
         cannot run it here (no TLS stack, a protocol its client cannot be held to, a toolchain \
         missing on this machine).\n\
         - **One child process per run.** Every run — warm-up or measured repeat, Rust row or \
         reference program — is a fresh child process (`fanout run --row … --json`, or the \
         reference program's own command) that prints one JSON summary line. A watchdog kills \
         it past four times the plan's projection plus its timeout and a minute. A child that \
         is killed, dies on a signal, exits with a code other than 0 or 1 (1: some requests \
         failed — still a measurement), prints no summary, or accounts for other than N \
         requests makes the cell *failed*, with that reason.\n\
         - **One server process per cell.** Each measured cell gets a target server child of \
         its own (`fanout serve`), kept for that cell's runs, unless a server on another host \
         was given (`--target`; see Server above). Its counters are reset before every run and \
         read after it: connections, TLS handshakes full and resumed, the HTTP version of each \
         answer, the peak in-flight count and the most streams open on one connection are the \
         server's count for that run alone.\n\
         - **Warm-up, then {repeats}, {order}.** Per plan, a warm-up round across the rows, then \
         each measured round. The warm-up is not kept; a cell whose warm-up alone took over a \
         third of the budget gets one measured repeat. Tables show the median with the min–max \
         of the measured repeats.\n\
         - **CPU, peak RSS and threads from the OS.** User + system CPU and peak RSS of the \
         client process come from `wait4`'s rusage (the server's are not counted); the thread \
         count is sampled from `/proc/PID/status` every 10 ms by the harness, in its own \
         process, so the measured process pays nothing for it. A row's idle RSS is the peak \
         RSS of a run of a one-request, zero-delay plan.\n\
         - **Every response verified.** Every row fetches exactly the same URLs from the same \
         server with one client reused across its session; bodies are read whole and verified \
         byte for byte, JSON documents are decoded with the client's own JSON API and verified \
         field by field. A failed request is counted by kind, never dropped; latency \
         percentiles are over the successful requests.\n\
         - **The heartbeat** ticks during every fan-out the way each model naturally can: a \
         task on an async runtime, a thread for thread rows, only between requests for a \
         sequential row. Its lateness is how late each tick fired.\n\
         - **The floor** is the server delay once per round the plan's concurrency bound \
         forces (⌈N ÷ bound⌉ rounds; one when unbounded): what no client can beat. × floor is \
         the median wall over it.\n\
         - **Ties.** {ties}\n\
         - **Harness overhead.** On the workloads marked for it, the same client through the \
         driver and in a bare loop, alternately, each in its own child process (see Harness \
         overhead).{merged}\n\n\
         ### What this does not measure, or measures unfairly\n\n\
         - With a local server, client and server share this machine's {cores}: CPU-hungry rows \
         compete with the server, and throughput is capped by the machine, not only by the \
         client.\n\
         - Loopback has no network latency, loss or bandwidth limit; a real network adds a \
         round trip per new connection (and more per TLS handshake).\n\
         - Rows with a fixed pool keep at most that many requests in flight, by design; their \
         skips and walls reflect it.\n\
         - Peak RSS is the whole client process (runtime, allocator, binary, interpreter), not \
         the live heap of the requests.\n\
         - Load generators do less work than the rows (no decoding, no verification, no \
         certificate check over HTTPS): their lines are a ceiling, not a competitor.\n",
        budget = duration_ms(s.cell_budget_s * 1e3),
        repeats = plural(u64::from(s.repeats), "measured repeat"),
        order = if s.interleaved {
            "interleaved round-robin across rows"
        } else {
            "one row after another"
        },
        ties = TIES,
        merged = if r.multi_host {
            format!(
                "\n- **Merged hosts.** Result sets from several client hosts were merged: each \
                 cell names its host, and rows are compared on the same host only. results.json \
                 keeps one idle RSS per row (the first host's, {}), so RSS / in-flight is shown \
                 for that host alone; load-generator lines and the overhead figures are the \
                 first host's too.",
                code(&r.results.environment.host)
            )
        } else {
            String::new()
        },
        cores = if cores > 0 {
            plural(cores, "core")
        } else {
            "cores".into()
        },
    );
}
