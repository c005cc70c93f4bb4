//! `fanout run`: one fan-out (or a workload's plans) with one row, printed
//! for a person — with the server's view of each plan when the run starts
//! its own server — or as one JSON line per plan (what the sweep reads
//! back); and `fanout bare`, the harness-overhead benchmark's bare loop.
//!
//! Where the requests go ([`Place`]): the project's server (a child this
//! run starts, or `--target`), a foreign server (`--url`, a host outside
//! loopback only with `--allow-remote`), or the local httpbin a workload
//! asks for, which this run starts.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use fanout_core::workload::Server as Serves;
use fanout_core::{Echo, Format, Plan, Protocol, ServerStats, Target, WORKLOADS, Workload};

use super::{current_exe, duration};
use crate::harness::child;
use crate::harness::httpbin::HttpbinProcess;
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
    /// second line `fanout serve` prints), or of the `--url` server: then
    /// the only root every client trusts (without it, a `--url` over HTTPS
    /// is verified against each client's usual roots, which `fanout list`
    /// names).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// A server of your own instead of the project's: a URL template, `{i}`
    /// each request's index, e.g. 'http://127.0.0.1:8000/items/{i}' (http
    /// or https; quote it for the shell). Runs 100 requests, 10 at once,
    /// changed by -n, -c, --format, --protocol, --no-keep-alive, --timeout
    /// and --heartbeat; nothing else of a plan is sent. Checked: a 2xx
    /// and, with --format json, a body the client's own JSON API decodes;
    /// not the content. A host outside loopback needs --allow-remote.
    #[arg(long, conflicts_with_all = ["target", "delay", "bytes", "tls", "rtt"])]
    url: Option<String>,
    /// Let --url load a host outside this machine's loopback (127.0.0.0/8,
    /// ::1, localhost): fanout is a load generator, so point it only at a
    /// service you may load. Without it such a URL is refused before any
    /// request is sent.
    #[arg(long, requires = "url")]
    allow_remote: bool,
    /// What the --url server echoes of each request, checked too (`args`:
    /// httpbin's echo of the query; the sweep passes the httpbin workload's).
    #[arg(long, hide = true, requires = "url", value_parser = echo)]
    echo: Option<Echo>,
    /// Print one JSON object per plan (one line each) instead of text.
    #[arg(long)]
    json: bool,
    /// The whole plan as JSON (what the sweep passes its children), instead
    /// of --workload and the plan options.
    #[arg(long, conflicts_with_all = ["workload", "requests", "delay", "concurrency", "bytes", "format", "tls", "protocol", "no_keep_alive", "timeout", "heartbeat", "rtt"])]
    plan: Option<String>,
}

pub(crate) fn format(s: &str) -> Result<Format, String> {
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

fn echo(s: &str) -> Result<Echo, String> {
    match s {
        "args" => Ok(Echo::Args),
        "nothing" => Ok(Echo::Nothing),
        _ => Err("expected args or nothing".into()),
    }
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

    /// The workload: `--workload`'s, or with `--url` alone the one that
    /// runs against the user's server.
    fn workload(&self) -> anyhow::Result<Option<Workload>> {
        let Some(id) = &self.workload else {
            return Ok(self
                .url
                .as_ref()
                .and_then(|_| WORKLOADS.iter().copied().find(|w| w.server == Serves::Url)));
        };
        let w = Workload::get(id).with_context(|| {
            format!(
                "unknown workload {id:?}; known workloads: {}",
                Workload::ids()
            )
        })?;
        match (w.server, &self.url) {
            (Serves::Url, None) => bail!(
                "workload {id} runs against your server: give --url TEMPLATE (e.g. --url 'http://127.0.0.1:8000/items/{{i}}')"
            ),
            (Serves::Own | Serves::Httpbin { .. }, Some(_)) => bail!(
                "--url runs against your server, workload {id} against {}: drop one of them",
                if w.server == Serves::Own {
                    "the project's server"
                } else {
                    "a local httpbin this run starts"
                }
            ),
            (Serves::Httpbin { .. }, None) if self.target.is_some() => {
                bail!("workload {id} runs against a local httpbin this run starts: drop --target")
            }
            _ => Ok(Some(w)),
        }
    }

    /// The plans to run: `--plan`, the workload's (with overrides noted on
    /// stderr), or one built from the options.
    fn plans(&self, workload: Option<Workload>) -> anyhow::Result<Vec<Plan>> {
        if let Some(json) = &self.plan {
            return Ok(vec![
                serde_json::from_str(json).context("--plan is not a plan in JSON")?,
            ]);
        }
        if let Some(w) = workload.filter(|w| w.server != Serves::Own) {
            // Not sent to a foreign server: refused rather than ignored.
            for (given, flag) in [
                (self.delay.is_some(), "--delay"),
                (self.bytes.is_some(), "--bytes"),
                (self.tls, "--tls"),
                (self.rtt.is_some(), "--rtt"),
            ] {
                if given {
                    bail!(
                        "{flag} is for the project's server; workload {} runs against a foreign server, which is not sent it{}",
                        w.id,
                        if flag == "--tls" {
                            " (an https:// URL is HTTPS)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        let mut plans = match workload {
            Some(w) => w.plans(),
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
            if let Some(url) = &self.url {
                // The template's scheme decides, as it does for a client.
                plan.tls = url.trim_start().to_ascii_lowercase().starts_with("https:");
            }
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

/// Where a run's requests go.
enum Place {
    /// The project's server: `--target`'s, or a child this run starts.
    Own(Option<Target>),
    /// A foreign server: `--url`.
    Foreign(Target),
    /// A local httpbin this run starts, asked for `path`, checked for `echo`.
    Httpbin {
        /// The path and query template.
        path: &'static str,
        /// What it echoes.
        echo: Echo,
    },
}

impl RunArgs {
    /// Where the requests go. A `--url` host outside loopback is refused
    /// here, before anything runs, unless `--allow-remote`.
    fn place(&self, workload: Option<Workload>) -> anyhow::Result<Place> {
        if let Some(url) = &self.url {
            return Ok(Place::Foreign(foreign_target(
                url,
                &self.ca,
                self.echo,
                self.allow_remote,
            )?));
        }
        if self.ca.is_some() && self.target.is_none() {
            bail!("--ca is the CA of the server given with --target or --url: give one of them");
        }
        if let Some(Serves::Httpbin { path, echo }) = workload.map(|w| w.server) {
            return Ok(Place::Httpbin { path, echo });
        }
        Ok(Place::Own(super::given_target(&self.target, &self.ca)?))
    }
}

/// The foreign target of `--url` (with `--ca`, checked for `echo`),
/// refused — before anything is sent — when its host is outside loopback
/// and `allow_remote` was not given.
pub(crate) fn foreign_target(
    url: &str,
    ca: &Option<PathBuf>,
    echo: Option<Echo>,
    allow_remote: bool,
) -> anyhow::Result<Target> {
    let mut target = Target::foreign(url).with_context(|| format!("--url {url:?}"))?;
    if let Some(echo) = echo {
        target = target.echoing(echo);
    }
    if let Some(ca) = ca {
        target = target.with_ca(ca);
    }
    if !target.is_loopback() && !allow_remote {
        bail!(
            "--url {url:?}: {} is outside this machine's loopback; fanout loads it with every request it sends, so give --allow-remote only for a service you may load",
            target.addr
        );
    }
    Ok(target)
}

/// `N requests (C at once)` for a person, before a foreign server is loaded.
pub(crate) fn load_line(plans: &[Plan]) -> String {
    let n: u64 = plans.iter().map(|p| p.requests).sum();
    let at_once: Vec<String> = plans
        .iter()
        .map(|p| format!("at most {} at once", p.max_in_flight()))
        .collect();
    format!(
        "{n} request{} ({})",
        if n == 1 { "" } else { "s" },
        at_once.join(", then ")
    )
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<i32> {
    let row = registry::find(&args.row)?;
    let workload = args.workload()?;
    let plans = args.plans(workload)?;
    let place = args.place(workload)?;
    for p in &plans {
        p.validate().context("invalid plan")?;
        if let Some(why) = row.unsupported(p) {
            bail!("{} cannot run this plan: {why}", row.id());
        }
    }
    if let Place::Foreign(target) = &place {
        for p in &plans {
            target.check(p).with_context(|| format!("--url {target}"))?;
        }
    }
    if let Some(why) = row.unavailable() {
        bail!("{} cannot run here: {why}", row.id());
    }
    let (target, _httpbin) = match place {
        Place::Own(given) => return run_own(&args, &row, &plans, given),
        Place::Foreign(target) => (target, None),
        Place::Httpbin { path, echo } => {
            let most = plans.iter().max_by_key(|p| p.max_in_flight()).cloned();
            let h = HttpbinProcess::start(most.as_ref().unwrap_or(&plans[0]))?;
            (h.target(path, echo)?, Some(h))
        }
    };
    eprintln!(
        "note: {} sends {} to {target} (a foreign server: the plans' delay, body size and faults are not sent)",
        row.id(),
        load_line(&plans)
    );
    let mut summaries = Vec::new();
    let mut session = start(&row, &target)?;
    for plan in &plans {
        target.check(plan)?;
        summaries.push(fan_out(&row, &mut session, plan, &target)?);
    }
    drop(session);
    let targets = vec![target; plans.len()];
    report(&args, &plans, &summaries, &targets, &[])
}

/// A session of a Rust row on `target` (`None` for a reference program,
/// which runs in a process of its own per plan).
fn start(row: &RowSpec, target: &Target) -> anyhow::Result<Option<Box<dyn fanout_core::Session>>> {
    Ok(match row {
        RowSpec::Rust(r) => Some(
            r.start(target)
                .with_context(|| format!("cannot start row {}", r.id()))?,
        ),
        RowSpec::Program(_) => None,
    })
}

/// One plan with the row's session, or the reference program.
fn fan_out(
    row: &RowSpec,
    session: &mut Option<Box<dyn fanout_core::Session>>,
    plan: &Plan,
    target: &Target,
) -> anyhow::Result<Summary> {
    Ok(match session {
        Some(session) => {
            let o = session
                .fan_out(plan)
                .with_context(|| format!("row {} cannot run the plan", row.id()))?;
            Summary::new(row.id(), &o)
        }
        None => program_run(row, plan, target)?,
    })
}

/// The run against the project's server: `given`, or a child per run of
/// plans with one round trip.
fn run_own(
    args: &RunArgs,
    row: &RowSpec,
    plans: &[Plan],
    given: Option<Target>,
) -> anyhow::Result<i32> {
    // A server started by hand must emulate the plans' round trip. One that
    // cannot be reached is checked by the run: its connect errors. A plan
    // given as `--plan` JSON comes from the sweep, which checked its server
    // before it started: a `/stats` read here would be one more connection
    // in the counters of the run it measures.
    if let Some(t) = given.as_ref().filter(|_| args.plan.is_none()) {
        let remote = Server::Remote(t.clone());
        if let Ok(stats) = remote.stats() {
            for p in plans {
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
        let mut session = start(row, &target)?;
        for plan in plans {
            if let Some(server) = watched {
                server.reset()?;
            }
            summaries.push(fan_out(row, &mut session, plan, &target)?);
            if let Some(server) = watched {
                views.push(server.stats()?);
            }
            targets.push(target.clone());
        }
    }
    report(args, plans, &summaries, &targets, &views)
}

/// Prints each plan's summary (and what the server saw, when `views` has
/// it); exit code 1 when any request failed.
fn report(
    args: &RunArgs,
    plans: &[Plan],
    summaries: &[Summary],
    targets: &[Target],
    views: &[ServerStats],
) -> anyhow::Result<i32> {
    let mut failed = 0;
    for (i, ((plan, summary), target)) in plans.iter().zip(summaries).zip(targets).enumerate() {
        if args.json {
            println!("{}", serde_json::to_string(summary)?);
        } else {
            print!("{}", summary.human(plan, target));
            if let Some(stats) = views.get(i) {
                println!("{}", server_view(stats));
            }
        }
        if summary.failed() > 0 {
            failed += summary.failed();
            let to = match &target.foreign {
                Some(f) => f.url.clone(),
                None => target.base_url(plan.tls),
            };
            eprintln!(
                "error: {} of {} requests to {to} failed ({})",
                summary.failed(),
                summary.requests,
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
    let limit = child::limit_for(plan);
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
