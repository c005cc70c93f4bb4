//! The methods page's text: how a cell is measured, as the harness
//! (`crates/fanout/src/harness`) does it, how ties, the floor, the verdict
//! and the pitfalls are decided, what the figures do not show, and how to
//! read the tables.

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
         was given (`--target`; see Environment below). Its counters are reset before every run and \
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
         forces (⌈N ÷ bound⌉ rounds; one when unbounded), plus, on a plan at an emulated round \
         trip, one round trip per round and the round trips that open a connection (TCP's, and \
         TLS 1.3's over HTTPS) — once, or every round when each request needs a connection of \
         its own: what no client can beat. × floor is the median wall over it.\n\
         - **Ties.** {ties}\n\
         - **The verdict** reads each scenario on its workload's last plan (the largest N, the \
         HTTP/2 plan), by the figure the workload declares decides it, on the first result \
         set's host. The Rust choice is the best Rust row and every Rust row tied with it, by \
         the tie rule above; the next Rust row is the best of the others. A row with a request \
         that failed beyond the faults the plan injected cannot win: fault decisions are \
         deterministic, so the errors of each kind a correct client reports are known exactly, \
         and only errors beyond those (or of another kind) count — on a plan without faults, \
         every failed request. A reference program's language is the first word of its \
         runtime (`CPython`, `Node.js`, `Go`); its column shows that language's best program \
         on the plan, with its median over the Rust choice's.\n\
         - **The pitfalls** are rules declared once, each a pair of setups that differ in one \
         setting — a row and the tuned or idiom row that names it as its base, a row's HTTP/1.1 \
         and HTTP/2 plans, rows the server saw resume TLS sessions or not — on the plans the \
         rule selects by their properties ([the rules](#the-pitfalls-rules)). A pair is shown only \
         when the two min–max ranges do not overlap and the pitfall costs at least {material}× \
         the fix; rows with failed requests are left out.\n\
         - **Harness overhead.** On the workloads marked for it, the same client through the \
         driver and in a bare loop, alternately, each in its own child process (see Harness \
         overhead).{merged}\n\n\
         ## What this does not measure\n\n\
         - With a local server, client and server share this machine's {cores}: CPU-hungry rows \
         compete with the server, and throughput is capped by the machine, not only by the \
         client.\n\
         - Loopback has no network latency, loss or bandwidth limit. A plan at a round trip \
         (the WAN workloads) gets its latency emulated by the server, the same for every row \
         ([Round trips](#round-trips)); loss, bandwidth, slow start and DNS are not.\n\
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
        material = crate::format::ratio2(crate::pitfalls::rules::MATERIAL),
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

/// How to read the workload pages' tables: every column, once.
pub(crate) fn reading(out: &mut String) {
    out.push_str(
        "## Reading the tables\n\n\
         Every table lists every row, measured or not. *Wall*: the median over the repeats, with \
         the fastest and slowest. *Relative*: against the best row of the table (the least \
         median wall): the ratio of the two fastest repeats and of the two slowest, 1.00 for the \
         best; *tied*: the row's min–max range overlaps the best row's, so the repeats cannot \
         tell them apart. *× floor*: wall over the plan's floor (the server delay, once per \
         round the concurrency bound forces), which no client can beat. *× wrk*, *× oha*: the \
         row's req/s over that load generator's (its own line opens the table). *RSS / \
         in-flight*: (peak RSS − the row's idle RSS) / the server's peak in-flight count, median \
         of the repeats. *Handshakes / req*, *Resumed*: the TLS handshakes the server completed \
         per request and how many resumed an earlier session. *Protocol used*: the HTTP version \
         the server answered every request with (*mixed* when both); *Connections*: TCP \
         connections the server accepted; *Max streams / conn*: the most requests open at once \
         on one connection. *Errors*: failed requests summed over the repeats. Other figures \
         are medians of the repeats. With several client hosts merged, a line per row and host; \
         Relative, ties and headlines compare rows on the same host only.\n\n",
    );
}

/// The pitfalls' rules, as declared: what each compares, on which plans,
/// by which figure.
pub(crate) fn rules(out: &mut String) {
    use crate::pitfalls::rules::{Judge, Pair, Plans, RULES};
    out.push_str("## The pitfalls' rules\n\n");
    for rule in &RULES {
        let pair = match rule.pair {
            Pair::Protocols => "each row on the HTTP/2 plan against itself on the HTTP/1.1 plan, \
                where the connections it opened times the most streams on one are fewer than \
                the requests in flight (they queued at the cap); and against each tuned row \
                that names it as its base, on the HTTP/2 plan"
                .to_string(),
            Pair::Tuned => "each tuned row against the row it names as its base".into(),
            Pair::Idiom(idioms) => format!(
                "each untuned row whose idiom is {} against the row it names as its base",
                crate::format::and_list(
                    &idioms.iter().map(|i| code(i.as_str())).collect::<Vec<_>>()
                )
                .replace(" and ", " or ")
            ),
            Pair::Resumption => "the rows the server saw resume no TLS session against those \
                it saw resume some"
                .into(),
        };
        let plans = match rule.plans {
            Plans::Any => "every plan",
            Plans::Unbounded => "plans without a concurrency bound",
            Plans::NewTlsConnectionEach => "HTTPS plans without keep-alive",
            Plans::Http2OfPair => {
                "the HTTP/2 plan of a workload with an HTTP/1.1 and an HTTP/2 plan"
            }
        };
        let judge = match rule.judge {
            Judge::Metric(m) => m.as_str().to_string(),
            Judge::Scenario => "the figure that decides the workload's scenario".into(),
        };
        let _ = writeln!(out, "- **{}**: {pair}; on {plans}; by {judge}.", rule.title);
    }
    out.push('\n');
}

/// How a plan's round trip is emulated, what is not, and how close it is.
pub(crate) fn round_trips(out: &mut String) {
    out.push_str(
        "## Round trips

\
         A plan's `rtt` (the WAN workloads', or `--rtt`) is emulated by the target server, on \
         every connection alike, so every row and reference program crosses the same network \
         and no client is changed: under TLS and HTTP, each accepted connection runs through a \
         delay line. Bytes from the client reach the server half a round trip after they \
         arrived, and a connection's first bytes one round trip later still (loopback completes \
         TCP's handshake at once); bytes the server writes leave half a round trip after they \
         were written, and its close (a FIN, or an injected reset's RST) follows its last byte. \
         A cold HTTP request so costs 2 round trips and the delay, a cold HTTPS request \
         (TLS 1.3) 3, a request on a reused connection or an HTTP/2 stream 1; HTTP/2 beyond the \
         server's streams cap waits a round trip more per round, as over TCP. Each direction is \
         a FIFO whose due times only grow, with one timer; nothing is paced (a 1 MiB body takes \
         its loopback time plus the round trip), and each direction holds at most 4 MiB in \
         flight, like a TCP window of that size.\n\n\
         **Not emulated**: packet loss and retransmission, a bandwidth limit, the congestion \
         window's slow start, DNS look-ups, jitter. The server's timers fire on millisecond \
         ticks and never early, so a measured round trip is at least the emulated one and \
         a few milliseconds longer (`docs/tuning.md` has the figures measured on the \
         development machine); × floor on the WAN tables shows how close the \
         best rows come. Each WAN workload's page ranks its rows against its loopback twin's \
         and names the pairs whose order changes beyond noise.\n\n",
    );
}
