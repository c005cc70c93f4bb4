//! Reference rows from outside Rust, run by the sweep beside the Rust rows on
//! the same server, plans and URLs: the Python programs of the original
//! asyncio argument (`baselines/python/`), and load generators — `wrk` as the
//! practical ceiling on `throughput`, `oha` on the plan's own N and
//! concurrency — when they are installed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::results::RowInfo;

/// A Python reference program.
#[derive(Debug, Clone, Copy)]
pub struct PythonRow {
    /// Row id, e.g. `python-aiohttp-gather`.
    pub id: &'static str,
    /// Script file name in `baselines/python/`.
    pub script: &'static str,
    /// Library and model, for the report.
    pub client: &'static str,
    /// `sequential`, `threads` or `async`.
    pub model: &'static str,
    /// Runtime description.
    pub runtime: &'static str,
    /// Most requests in flight whatever the plan says (a pool's size).
    pub max_concurrency: Option<u64>,
}

/// The Python rows, in report order.
pub const PYTHON_ROWS: [PythonRow; 3] = [
    PythonRow {
        id: "python-requests-sequential",
        script: "requests_sequential.py",
        client: "requests (one Session)",
        model: "sequential",
        runtime: "CPython, a for loop",
        max_concurrency: Some(1),
    },
    PythonRow {
        id: "python-threads-requests",
        script: "threads_requests.py",
        client: "requests (Session per thread)",
        model: "threads",
        runtime: "CPython ThreadPoolExecutor (≤ 128 workers)",
        max_concurrency: Some(128),
    },
    PythonRow {
        id: "python-aiohttp-gather",
        script: "aiohttp_gather.py",
        client: "aiohttp (one ClientSession)",
        model: "async",
        runtime: "CPython asyncio, asyncio.gather",
        max_concurrency: None,
    },
];

/// The directory holding the Python programs (in the source tree).
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../baselines/python")
}

/// Why the Python rows cannot run here, or `None` when they can. Builds the
/// project's Python environment on first use ([`crate::python_env`]).
pub fn python_unavailable() -> Option<String> {
    if !python_dir().join("fanout_common.py").exists() {
        return Some(format!("baselines not found at {}", python_dir().display()));
    }
    crate::python_env::interpreter().err()
}

impl PythonRow {
    /// Looks a Python row up by id.
    pub fn get(id: &str) -> Option<PythonRow> {
        PYTHON_ROWS.iter().copied().find(|r| r.id == id)
    }

    /// The row as the report shows it.
    pub fn info(&self) -> RowInfo {
        RowInfo {
            id: self.id.to_string(),
            runtime: self.runtime.to_string(),
            client: self.client.to_string(),
            model: self.model.to_string(),
            upstream: "maintained (reference row: Python)".to_string(),
            tuned: None,
            reference: true,
            idle_rss_kib: None,
        }
    }

    /// The command that runs it on a plan given as JSON, with the project's
    /// Python environment (see [`python_unavailable`]).
    pub fn command(&self, plan_json: &str) -> Command {
        let python = crate::python_env::interpreter().unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(python);
        cmd.arg(python_dir().join(self.script))
            .arg("--plan")
            .arg(plan_json);
        cmd
    }
}

/// `wrk`'s figure on one URL: requests per second, or why it could not run.
pub fn wrk(
    url: &str,
    connections: u64,
    threads: u64,
    seconds: u64,
) -> Result<(f64, String), String> {
    let args = [
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        url.to_string(),
    ];
    let command = format!("wrk {}", args.join(" "));
    let out = Command::new("wrk")
        .args(&args)
        .output()
        .map_err(|_| "wrk not installed: apt-get install wrk".to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| {
            format!(
                "wrk printed no Requests/sec: {}",
                text.lines().last().unwrap_or("")
            )
        })?;
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

/// `wrk -v`'s version line, e.g. `wrk 4.1.0`.
pub fn wrk_version() -> String {
    Command::new("wrk")
        .arg("-v")
        .output()
        .ok()
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            s.lines().next().and_then(|l| {
                l.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into()
            })
        })
        .unwrap_or_else(|| "wrk".into())
}

/// How to install `oha`, for the note when it is missing.
pub const OHA_HINT: &str = "oha not installed: cargo install oha";

/// The longest one `oha` run may take before it is killed: far above any
/// sweep plan (c10k's 10 000 × 1 s takes seconds).
const OHA_LIMIT: Duration = Duration::from_secs(120);

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

/// `oha -n REQUESTS -c CONNECTIONS` on one URL: its figures and the command
/// line, or why it could not run or did not succeed (oha missing, no JSON,
/// a response other than 200, a failed request).
pub fn oha(url: &str, requests: u64, connections: u64) -> Result<(OhaFigures, String), String> {
    let args = [
        "-n".to_string(),
        requests.to_string(),
        "-c".to_string(),
        connections.to_string(),
        "--no-tui".to_string(),
        "--output-format".to_string(),
        "json".to_string(),
        url.to_string(),
    ];
    let command = format!("oha {} '{url}'", args[..args.len() - 1].join(" "));
    let mut child = Command::new("oha")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OHA_HINT.to_string(),
            _ => format!("cannot start oha: {e}"),
        })?;
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > OHA_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for oha: {e}")),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(format!(
            "oha did not finish within {} s and was killed",
            OHA_LIMIT.as_secs()
        ));
    };
    let why = || {
        stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or(format!("exit status {status}"), str::to_string)
    };
    if !status.success() && stdout.trim().is_empty() {
        return Err(format!("oha failed: {}", why()));
    }
    parse_oha(&stdout, requests)
        .map(|f| (f, command))
        .map_err(|e| {
            if stdout.trim().is_empty() {
                format!("{e} ({})", why())
            } else {
                e
            }
        })
}

fn read_all<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut s);
        }
        s
    })
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

/// `oha --version`, e.g. `oha 1.16.0`.
pub fn oha_version() -> String {
    Command::new("oha")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_string())
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "oha".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `oha 1.16.0 -n 200 -c 16 --no-tui --output-format json`
    /// against `fanout-server` (`/delay/0?id=0&bytes=1024`).
    const OK: &str = include_str!("../tests/data/oha-ok.json");
    /// The same, 40 requests over a URL file of a 200 URL and `/status/503`.
    const STATUS_503: &str = include_str!("../tests/data/oha-status-503.json");
    /// The same, 5 requests to a closed port.
    const REFUSED: &str = include_str!("../tests/data/oha-refused.json");

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
