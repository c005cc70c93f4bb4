//! `fanout run`: one fan-out (or a workload's plans) with one row, printed
//! for a person — with the server's view of each plan when the run starts
//! its own server — or as one JSON line per plan (what the sweep reads
//! back); and `fanout bare`, the harness-overhead benchmark's bare loop.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use fanout_core::{Format, Plan, Protocol, ServerStats, Target, Workload};

use super::{current_exe, duration};
use crate::harness::child;
use crate::harness::overhead::BareSummary;
use crate::harness::server::{Server, ServerProcess, rtt_mismatch};
use crate::registry::{self, RowSpec};
use fanout_results::summary::Summary;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Row id (see `fanout list`; reference rows too).
    #[arg(long = "row", short = 'r', visible_alias = "runtime")]
    row: String,
    /// A workload preset (see `fanout sweep --help`); the plan options
    /// below, when given, override its fields.
    #[arg(long, short = 'w')]
    workload: Option<String>,
    /// Number of requests (N).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=fanout_core::plan::MAX_REQUESTS))]
    requests: Option<u64>,
    /// Server-side delay per request, e.g. 100ms or 1s.
    #[arg(long, short = 'd', value_parser = duration)]
    delay: Option<Duration>,
    /// Most requests in flight at once [default: unbounded].
    #[arg(long, short = 'c', value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: Option<u64>,
    /// Response body size in bytes [default: 256].
    #[arg(long)]
    bytes: Option<u64>,
    /// Body format: `bytes` (verified byte for byte) or `json` (a document
    /// decoded by the client's JSON API and verified) [default: bytes].
    #[arg(long, value_parser = format)]
    format: Option<Format>,
    /// HTTPS, verifying the server's certificate against its CA.
    #[arg(long)]
    tls: bool,
    /// HTTP version: `auto` (the client's default), `http1` or `http2` [default: auto].
    #[arg(long, value_parser = protocol)]
    protocol: Option<Protocol>,
    /// Send `Connection: close`: a new connection per request.
    #[arg(long)]
    no_keep_alive: bool,
    /// Per-request timeout, e.g. 30s [default: 30s].
    #[arg(long, value_parser = duration)]
    timeout: Option<Duration>,
    /// Heartbeat period, e.g. 10ms [default: 10ms].
    #[arg(long, value_parser = duration)]
    heartbeat: Option<Duration>,
    /// Emulate a network round trip, e.g. 25ms (whole milliseconds, at most
    /// 10s; 0 for loopback as it is) [default: the workload's, else 0]. The
    /// server emulates it for every client alike: the server this run
    /// starts, or a `--target` started with the same `fanout serve --rtt`.
    #[arg(long, allow_hyphen_values = true)]
    rtt: Option<String>,
    /// Address of a running target server (`fanout serve`), `HOST:PORT` or
    /// `http://HOST:PORT`; without it, a server is started in a child
    /// process and stopped afterwards, and what it saw of each plan
    /// (protocol, connections, streams, TLS handshakes) is printed.
    #[arg(long)]
    target: Option<String>,
    /// The CA certificate (PEM) of the `--target` server, for HTTPS (the
    /// second line `fanout serve` prints).
    #[arg(long, requires = "target")]
    ca: Option<PathBuf>,
    /// Print one JSON object per plan (one line each) instead of text.
    #[arg(long)]
    json: bool,
    /// The whole plan as JSON (what the sweep passes its children), instead
    /// of --workload and the plan options.
    #[arg(long, conflicts_with_all = ["workload", "requests", "delay", "concurrency", "bytes", "format", "tls", "protocol", "no_keep_alive", "timeout", "heartbeat", "rtt"])]
    plan: Option<String>,
}

fn format(s: &str) -> Result<Format, String> {
    match s {
        "bytes" => Ok(Format::Bytes),
        "json" => Ok(Format::Json),
        _ => Err("expected bytes or json".into()),
    }
}

/// `--rtt` of `run` and `sweep`: what `fanout serve --rtt` takes, as a
/// one-line error that says what to write.
pub(crate) fn rtt(s: &str) -> anyhow::Result<Duration> {
    fanout_server::parse_rtt(s).map_err(|e| anyhow::anyhow!("--rtt {s:?}: {e}"))
}

fn protocol(s: &str) -> Result<Protocol, String> {
    Protocol::ALL
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| "expected auto, http1 or http2".into())
}

impl RunArgs {
    /// Applies the plan options given on the command line to `plan`;
    /// returns what each one changed, e.g. `requests 2000 → 200`.
    fn override_plan(&self, plan: &mut Plan) -> anyhow::Result<Vec<String>> {
        let mut changed = Vec::new();
        let mut note = |name: &str, old: String, new: String| {
            if old != new {
                changed.push(format!("{name} {old} → {new}"));
            }
        };
        let d = |d: Duration| humantime::format_duration(d).to_string();
        let bound = |c: Option<u64>| c.map_or("unbounded".to_string(), |c| c.to_string());
        if let Some(n) = self.requests {
            note("requests", plan.requests.to_string(), n.to_string());
            plan.requests = n;
        }
        if let Some(v) = self.delay {
            note("delay", d(plan.delay), d(v));
            plan.delay = v;
        }
        if let Some(c) = self.concurrency {
            note("concurrency", bound(plan.concurrency), bound(Some(c)));
            plan.concurrency = Some(c);
        }
        if let Some(b) = self.bytes {
            note("bytes", plan.bytes.to_string(), b.to_string());
            plan.bytes = b;
        }
        if let Some(f) = self.format {
            note("format", plan.format.as_str().into(), f.as_str().into());
            plan.format = f;
        }
        if self.tls {
            note("tls", plan.tls.to_string(), "true".into());
            plan.tls = true;
        }
        if let Some(p) = self.protocol {
            note("protocol", plan.protocol.as_str().into(), p.as_str().into());
            plan.protocol = p;
        }
        if self.no_keep_alive {
            note("keep-alive", "on".into(), "off".into());
            plan.keep_alive = false;
        }
        if let Some(t) = self.timeout {
            note("timeout", d(plan.timeout), d(t));
            plan.timeout = t;
        }
        if let Some(h) = self.heartbeat {
            note("heartbeat", d(plan.heartbeat), d(h));
            plan.heartbeat = h;
        }
        if let Some(r) = &self.rtt {
            let r = rtt(r)?;
            note("rtt", d(plan.rtt), d(r));
            plan.rtt = r;
        }
        Ok(changed)
    }

    /// The plans to run: `--plan`, the workload's (with overrides noted on
    /// stderr), or one built from the options.
    fn plans(&self) -> anyhow::Result<Vec<Plan>> {
        if let Some(json) = &self.plan {
            return Ok(vec![
                serde_json::from_str(json).context("--plan is not a plan in JSON")?,
            ]);
        }
        let mut plans = match &self.workload {
            Some(id) => Workload::get(id)
                .with_context(|| {
                    format!(
                        "unknown workload {id:?}; known workloads: {}",
                        Workload::ids()
                    )
                })?
                .plans(),
            None => {
                let (Some(n), Some(d)) = (self.requests, self.delay) else {
                    bail!(
                        "give --workload W, or --requests N and --delay D (e.g. --requests 100 --delay 100ms)"
                    );
                };
                vec![Plan::new(n, d)]
            }
        };
        for plan in &mut plans {
            let changed = self.override_plan(plan)?;
            if let (Some(w), false) = (&self.workload, changed.is_empty()) {
                eprintln!(
                    "note: workload {w} with {} (from the command line)",
                    changed.join(", ")
                );
            }
        }
        Ok(plans)
    }
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<i32> {
    let row = registry::find(&args.row)?;
    let plans = args.plans()?;
    for p in &plans {
        p.validate().context("invalid plan")?;
        if let Some(why) = row.unsupported(p) {
            bail!("{} cannot run this plan: {why}", row.id());
        }
    }
    if let Some(why) = row.unavailable() {
        bail!("{} cannot run here: {why}", row.id());
    }
    let given = super::given_target(&args.target, &args.ca)?;
    if let Some(t) = &given {
        // A server started by hand must emulate the plans' round trip. One
        // that cannot be reached is checked by the run: its connect errors.
        let remote = Server::Remote(t.clone());
        if let Ok(stats) = remote.stats() {
            for p in &plans {
                if let Some(why) = rtt_mismatch(stats.rtt_ms, p.rtt) {
                    bail!("{why} (server at {})", t.addr);
                }
            }
        }
    }
    // What our own server saw of each plan, for a person (the counters are
    // reset before each plan and read after it, outside the timed part).
    let mut views = Vec::new();
    let mut summaries = Vec::new();
    let mut targets = Vec::new();
    // A server per run of plans with one round trip (it is the server's
    // from a connection's first byte), and a session per server.
    for plans in plans.chunk_by(|a, b| a.rtt == b.rtt) {
        let (target, server) = match &given {
            Some(t) => (t.clone(), None),
            None => {
                let s = ServerProcess::for_plan(&current_exe()?, &plans[0])?;
                (s.target().clone(), Some(Server::Local(s)))
            }
        };
        let watched = server.as_ref().filter(|_| !args.json);
        let mut session = match &row {
            RowSpec::Rust(r) => Some(
                r.start(&target)
                    .with_context(|| format!("cannot start row {}", r.id()))?,
            ),
            RowSpec::Program(_) => None,
        };
        for plan in plans {
            if let Some(server) = watched {
                server.reset()?;
            }
            summaries.push(match &mut session {
                Some(session) => {
                    let o = session
                        .fan_out(plan)
                        .with_context(|| format!("row {} cannot run the plan", row.id()))?;
                    Summary::new(row.id(), &o)
                }
                None => program_run(&row, plan, &target)?,
            });
            if let Some(server) = watched {
                views.push(server.stats()?);
            }
            targets.push(target.clone());
        }
    }
    let mut failed = 0;
    for (i, ((plan, summary), target)) in plans.iter().zip(&summaries).zip(&targets).enumerate() {
        if args.json {
            println!("{}", serde_json::to_string(summary)?);
        } else {
            print!("{}", summary.human(plan, &target));
            if let Some(stats) = views.get(i) {
                println!("{}", server_view(stats));
            }
        }
        if summary.failed() > 0 {
            failed += summary.failed();
            eprintln!(
                "error: {} of {} requests to {} failed ({})",
                summary.failed(),
                summary.requests,
                target.base_url(plan.tls),
                summary.error_list()
            );
        }
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `n thing` or `n things`.
fn count(n: u64, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// What the server saw of one plan, on one line: the protocol it answered
/// over, the connections opened, the most requests open at once on one
/// connection, and the TLS handshakes (and how many resumed a session).
pub(crate) fn server_view(stats: &ServerStats) -> String {
    let (h1, h2) = (stats.http1.requests, stats.http2.requests);
    let protocol = match (h1, h2) {
        (0, 0) => "no request answered".to_string(),
        (_, 0) => "HTTP/1.1".to_string(),
        (0, _) => "HTTP/2".to_string(),
        _ => format!("HTTP/1.1 ({h1} requests) and HTTP/2 ({h2})"),
    };
    let streams = stats.http1.max_streams.max(stats.http2.max_streams);
    let mut line = format!(
        "server     {protocol} · {} opened · at most {} open on one connection",
        count(stats.connections, "connection"),
        count(streams, "request"),
    );
    if stats.tls.handshakes + stats.tls.failed > 0 {
        line.push_str(&format!(
            " · TLS {}, {} resumed",
            count(stats.tls.handshakes, "handshake"),
            stats.tls.resumed
        ));
        if stats.tls.failed > 0 {
            line.push_str(&format!(", {} failed", stats.tls.failed));
        }
    }
    line
}

/// One plan by a reference program: its own process, its summary.
fn program_run(row: &RowSpec, plan: &Plan, target: &Target) -> anyhow::Result<Summary> {
    let cmd = row
        .command(&current_exe()?, plan, target)
        .map_err(anyhow::Error::msg)?;
    let limit = plan.projection(None) * 4 + plan.timeout + Duration::from_secs(60);
    let f = child::run(cmd, limit)?;
    eprint!("{}", f.stderr);
    match f.status.code() {
        Some(0 | 1) => serde_json::from_str(child::last_line(&f.stdout))
            .with_context(|| format!("{} printed no summary", row.id())),
        _ => bail!("{} failed: {}", row.id(), f.last_error_line()),
    }
}

#[derive(Debug, Args)]
pub(crate) struct BareArgs {
    /// The plan as JSON.
    #[arg(long)]
    plan: String,
    /// The server's address.
    #[arg(long)]
    target: String,
    /// The server's CA, for HTTPS.
    #[arg(long)]
    ca: Option<PathBuf>,
}

pub(crate) fn bare(args: BareArgs) -> anyhow::Result<i32> {
    let plan: Plan = serde_json::from_str(&args.plan).context("--plan is not a plan in JSON")?;
    plan.validate().context("invalid plan")?;
    let target =
        super::given_target(&Some(args.target), &args.ca)?.context("a target is required")?;
    let b = rt_tokio::bare::fan_out(&plan, &target)?;
    let s = BareSummary {
        wall_ms: b.wall.as_secs_f64() * 1e3,
        ok: b.ok,
        requests: b.requests,
    };
    println!("{}", serde_json::to_string(&s)?);
    Ok(if s.ok == s.requests { 0 } else { 1 })
}
