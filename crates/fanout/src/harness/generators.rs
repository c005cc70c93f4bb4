//! The load generators beside the rows: `wrk` (a fixed time at the plan's
//! bound as connections — the practical ceiling of requests per second) and
//! `oha` (the plan's own N at its bound, `--http2` on HTTP/2 plans), on the
//! workloads that name them ([`fanout_core::workload::Generator`]). Each
//! runs the URL of request 0 of the workload's first plan against a server
//! of its own, through the same child runner as the rows, as one more
//! participant in that plan's interleaved rounds ([`super::sweep`]): a
//! warm-up, then one run per measured round, every repeat kept. They
//! neither decode nor verify bodies, and over HTTPS they do not verify the
//! certificate either (`oha --insecure`; wrk never does): the tables say so.
//!
//! oha is installed by the project ([`crate::tools`], pinned); wrk is found
//! on `PATH`. A missing tool is noted once, with the reason, and its lines
//! are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fanout_core::workload::Generator;
use fanout_core::{Plan, Protocol};
use serde::Deserialize;

use super::child;
use super::server::{Server, ServerProcess};
use fanout_results::{GeneratorLine, GeneratorRepeat, median};

/// The longest one generator run may take before it is killed.
const LIMIT: Duration = Duration::from_secs(120);

/// The tool's command name.
pub fn name(g: Generator) -> &'static str {
    match g {
        Generator::Wrk => "wrk",
        Generator::Oha => "oha",
    }
}

/// An installed generator: its program and version line (`wrk 4.2.0`,
/// `oha 1.16.0`).
#[derive(Debug, Clone)]
pub struct Tool {
    /// Which one.
    pub generator: Generator,
    /// The program to run.
    pub program: PathBuf,
    /// Its version line.
    pub version: String,
}

/// Finds `g` (installing oha first when needed); `Err` says why it cannot
/// run here, with what to do.
pub fn find(g: Generator) -> Result<Tool, String> {
    let (program, flag) = match g {
        Generator::Wrk => (PathBuf::from("wrk"), "-v"),
        Generator::Oha => (crate::tools::oha()?, "--version"),
    };
    let line =
        crate::setup::first_line(&program.to_string_lossy(), &[flag]).ok_or_else(|| match g {
            Generator::Wrk => "wrk not installed: apt-get install wrk".to_string(),
            Generator::Oha => format!("{} does not run", program.display()),
        })?;
    let version = line
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Tool {
        generator: g,
        program,
        version,
    })
}

/// Why `g` cannot run `plan` (wrk speaks HTTP/1.1 only), or `None`.
pub fn unsupported(g: Generator, plan: &Plan) -> Option<&'static str> {
    (g == Generator::Wrk && plan.protocol == Protocol::Http2).then_some("wrk speaks HTTP/1.1 only")
}

/// A generator ready to run one plan: a server of its own and the URL of
/// request 0.
pub struct Ready {
    tool: Tool,
    /// Held for the runs: the server child stops when it is dropped.
    _server: Server,
    url: String,
    plan: Plan,
    quick: bool,
}

/// One run's figures and its command line.
pub struct Run {
    /// What it measured.
    pub repeat: GeneratorRepeat,
    /// The exact command line.
    pub command: String,
}

impl Ready {
    /// Starts the generator's server for `plan`.
    pub fn start(exe: &Path, tool: &Tool, plan: &Plan, quick: bool) -> Result<Ready, String> {
        if let Some(why) = unsupported(tool.generator, plan) {
            return Err(why.into());
        }
        let server = Server::Local(
            ServerProcess::for_plan(exe, plan)
                .map_err(|e| format!("cannot start the server: {e:#}"))?,
        );
        let url = plan.url(server.target(), 0);
        Ok(Ready {
            tool: tool.clone(),
            _server: server,
            url,
            plan: plan.clone(),
            quick,
        })
    }

    /// Which generator.
    pub fn generator(&self) -> Generator {
        self.tool.generator
    }

    /// One run.
    pub fn run(&self) -> Result<Run, String> {
        let program = &self.tool.program;
        match self.tool.generator {
            Generator::Wrk => {
                let seconds = if self.quick { 2 } else { 5 };
                let (req_per_s, command) =
                    wrk(program, &self.url, self.plan.max_in_flight(), seconds)?;
                Ok(Run {
                    repeat: GeneratorRepeat {
                        req_per_s,
                        wall_ms: None,
                    },
                    command,
                })
            }
            Generator::Oha => {
                let (f, command) = oha(program, &self.url, &self.plan)?;
                Ok(Run {
                    repeat: GeneratorRepeat {
                        req_per_s: self.plan.requests as f64 / f.total_s,
                        wall_ms: Some(f.total_s * 1e3),
                    },
                    command,
                })
            }
        }
    }

    /// The line of `workload` from its measured runs (at least one).
    pub fn line(&self, workload: &str, runs: Vec<Run>) -> GeneratorLine {
        let command = runs.last().map(|r| r.command.clone()).unwrap_or_default();
        let repeats: Vec<GeneratorRepeat> = runs.into_iter().map(|r| r.repeat).collect();
        let walls: Vec<f64> = repeats.iter().filter_map(|r| r.wall_ms).collect();
        let wall_ms = (!walls.is_empty()).then(|| median(walls));
        GeneratorLine {
            tool: self.tool.version.clone(),
            workload: workload.to_string(),
            // As for the rows: N over the median wall, when there is one.
            req_per_s: wall_ms.map_or_else(
                || median(repeats.iter().map(|r| r.req_per_s).collect()),
                |w| self.plan.requests as f64 / (w / 1e3),
            ),
            command,
            wall_ms,
            repeats,
        }
    }
}

/// `wrk -t2 -cC -dSs URL`: requests per second and the command line.
fn wrk(program: &Path, url: &str, connections: u64, seconds: u64) -> Result<(f64, String), String> {
    let args = vec![
        "-t2".to_string(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        url.to_string(),
    ];
    let command = format!("wrk {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(&args);
    let f = child::run(cmd, LIMIT).map_err(|e| format!("{e:#}"))?;
    let text = &f.stdout;
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("wrk printed no Requests/sec: {}", child::last_line(text)))?;
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!(
            "wrk saw errors: {}",
            text.lines()
                .filter(|l| l.contains("errors") || l.contains("Non-2xx"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    Ok((rps, command))
}

/// `oha -n N -c C [--http2] [--insecure] --no-tui --output-format json URL`.
fn oha(program: &Path, url: &str, plan: &Plan) -> Result<(OhaFigures, String), String> {
    let mut args = vec![
        "-n".to_string(),
        plan.requests.to_string(),
        "-c".to_string(),
        plan.max_in_flight().to_string(),
    ];
    if plan.protocol == Protocol::Http2 {
        args.push("--http2".into());
    }
    if plan.tls {
        // oha does not verify here; its line in the tables says so.
        args.push("--insecure".into());
    }
    if !plan.keep_alive {
        args.push("--disable-keepalive".into());
    }
    args.extend(["--no-tui", "--output-format", "json"].map(String::from));
    let command = format!("oha {} '{url}'", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(&args).arg(url);
    let f = child::run(cmd, LIMIT).map_err(|e| format!("{e:#}"))?;
    if f.killed {
        return Err(format!(
            "oha did not finish within {} s and was killed",
            LIMIT.as_secs()
        ));
    }
    if !f.status.success() && f.stdout.trim().is_empty() {
        return Err(format!("oha failed: {}", f.last_error_line()));
    }
    parse_oha(&f.stdout, plan.requests).map(|o| (o, command))
}

/// What `oha` measured on one run of N requests.
#[derive(Debug, Clone, PartialEq)]
pub struct OhaFigures {
    /// Wall time of the whole run, seconds (`summary.total`).
    pub total_s: f64,
    /// `summary.requestsPerSec`: responses / total.
    pub req_per_s: f64,
    /// Responses received (all 200).
    pub responses: u64,
    /// Latency percentiles, ms, when oha reported them.
    pub p50_ms: Option<f64>,
    /// See `p50_ms`.
    pub p99_ms: Option<f64>,
}

/// The parts of `oha --output-format json` read here.
#[derive(Deserialize)]
struct OhaJson {
    summary: OhaSummary,
    #[serde(rename = "latencyPercentiles", default)]
    latency_percentiles: BTreeMap<String, Option<f64>>,
    #[serde(rename = "statusCodeDistribution", default)]
    status_codes: BTreeMap<String, u64>,
    #[serde(rename = "errorDistribution", default)]
    errors: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OhaSummary {
    success_rate: Option<f64>,
    total: f64,
    requests_per_sec: f64,
}

/// Reads `oha --output-format json`: the run's figures when all `requests`
/// got a 200, else what went wrong, counted.
pub fn parse_oha(json: &str, requests: u64) -> Result<OhaFigures, String> {
    let out: OhaJson = serde_json::from_str(json.trim()).map_err(|e| {
        if json.trim().is_empty() {
            "oha printed no JSON".to_string()
        } else {
            format!("oha printed no JSON summary we can read: {e}")
        }
    })?;
    let ok = out.status_codes.get("200").copied().unwrap_or(0);
    let not_ok: u64 = out
        .status_codes
        .iter()
        .filter(|(code, _)| *code != "200")
        .map(|(_, n)| n)
        .sum();
    let failed: u64 = out.errors.values().sum();
    let mut problems = Vec::new();
    if not_ok > 0 {
        let codes: Vec<String> = out
            .status_codes
            .iter()
            .filter(|(code, _)| *code != "200")
            .map(|(code, n)| format!("{n} × {code}"))
            .collect();
        problems.push(format!(
            "{not_ok} of {requests} responses were not 200 ({})",
            codes.join(", ")
        ));
    }
    if failed > 0 {
        let kinds: Vec<String> = out
            .errors
            .iter()
            .map(|(kind, n)| format!("{n} × {kind}"))
            .collect();
        problems.push(format!(
            "{failed} of {requests} requests failed ({})",
            kinds.join(", ")
        ));
    }
    if problems.is_empty() {
        if let Some(rate) = out.summary.success_rate.filter(|r| *r < 1.0) {
            problems.push(format!("oha's success rate was {rate}"));
        } else if ok != requests {
            problems.push(format!("{ok} of {requests} requests got a response"));
        }
    }
    if !problems.is_empty() {
        return Err(format!("oha saw errors: {}", problems.join("; ")));
    }
    if !(out.summary.total.is_finite() && out.summary.total > 0.0) {
        return Err(format!(
            "oha reported a total time of {} s",
            out.summary.total
        ));
    }
    let ms = |key: &str| {
        out.latency_percentiles
            .get(key)
            .copied()
            .flatten()
            .map(|s| s * 1e3)
    };
    Ok(OhaFigures {
        total_s: out.summary.total,
        req_per_s: out.summary.requests_per_sec,
        responses: ok,
        p50_ms: ms("p50"),
        p99_ms: ms("p99"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `oha 1.16.0 -n 200 -c 16 --no-tui --output-format json`
    /// against `fanout-server` (`/delay/0?id=0&bytes=1024`).
    const OK: &str = include_str!("../../tests/data/oha-ok.json");
    /// The same, 40 requests over a URL file of a 200 URL and `/status/503`.
    const STATUS_503: &str = include_str!("../../tests/data/oha-status-503.json");
    /// The same, 5 requests to a closed port.
    const REFUSED: &str = include_str!("../../tests/data/oha-refused.json");

    #[test]
    fn oha_json_gives_total_rate_and_latency() {
        let f = parse_oha(OK, 200).expect("a clean run");
        assert_eq!(f.total_s, 0.013348994);
        assert_eq!(f.req_per_s, 14982.402419238484);
        assert_eq!(f.responses, 200);
        assert!((f.p50_ms.unwrap() - 0.267611).abs() < 1e-9, "{f:?}");
        assert!((f.p99_ms.unwrap() - 5.986138).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn oha_non_200_responses_fail_with_the_count() {
        // oha's successRate is 1.0 here: a 503 is a response, not an error.
        let e = parse_oha(STATUS_503, 40).unwrap_err();
        assert!(
            e.contains("17 of 40 responses were not 200 (17 × 503)"),
            "{e}"
        );
    }

    #[test]
    fn oha_failed_requests_and_short_counts_fail() {
        let e = parse_oha(REFUSED, 5).unwrap_err();
        assert!(
            e.contains("5 of 5 requests failed (5 × Connection refused (os error 111))"),
            "{e}"
        );
        let e = parse_oha(OK, 300).unwrap_err();
        assert!(e.contains("200 of 300 requests got a response"), "{e}");
    }

    #[test]
    fn oha_without_json_says_so() {
        assert_eq!(parse_oha("", 1).unwrap_err(), "oha printed no JSON");
        let e = parse_oha("Error: connection refused\n", 1).unwrap_err();
        assert!(e.starts_with("oha printed no JSON summary"), "{e}");
    }
}
