//! Reference rows from outside Rust, run by the sweep beside the Rust rows on
//! the same server, plans and URLs: the Python programs of the original
//! asyncio argument (`baselines/python/`), and load generators (`wrk`) as the
//! practical ceiling on `throughput`.

use std::path::PathBuf;
use std::process::Command;

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

/// How to install the Python requirements, for skip reasons.
pub const PIP_HINT: &str = "not installed: pip install -r baselines/python/requirements.txt";

/// The directory holding the Python programs (in the source tree).
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../baselines/python")
}

/// The Python interpreter (`$PYTHON` or `python3`).
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Why the Python rows cannot run here, or `None` when they can.
pub fn python_unavailable() -> Option<String> {
    if !python_dir().join("fanout_common.py").exists() {
        return Some(format!("baselines not found at {}", python_dir().display()));
    }
    match Command::new(python())
        .args(["-c", "import aiohttp, requests"])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(_) => Some(PIP_HINT.into()),
        Err(_) => Some(format!(
            "{} not found; install Python 3, then pip install -r baselines/python/requirements.txt",
            python()
        )),
    }
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

    /// The command that runs it on a plan given as JSON.
    pub fn command(&self, plan_json: &str) -> Command {
        let mut cmd = Command::new(python());
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
        .map_err(|_| "wrk not installed: apt-get install wrk (or cargo install oha)".to_string())?;
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
