//! The `httpbin` workload's server: the tutorials' own service, the PyPI
//! `httpbin` package under gunicorn, both pinned and hashed in the project's
//! Python environment ([`crate::python_env`]). A child process of its own
//! (`baselines/python/httpbin_server.py`), which prints its address first
//! and stops when its stdin closes, as `fanout serve --exit-with-parent`
//! does; a foreign server to the rows ([`fanout_core::Foreign`]): nothing of
//! its counters is read.
//!
//! Its concurrency does not cap a fan-out: `/delay/1` at once through
//! `tokio-hyper` took 1.008 s for 5 requests, 1.05 s for 100 and 1.16 s for
//! 300 (measured once here, the machine busy: provisional) — one worker's
//! threads, each response's JSON built under the GIL.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use fanout_core::{Echo, Plan, Target};

/// The fewest gunicorn threads started: httpbin's `/delay` sleeps in a
/// request's thread, so the server needs a thread per request in flight.
const MIN_THREADS: u64 = 16;
/// The most: beyond, a plan's fan-out is capped by the server (said on start).
const MAX_THREADS: u64 = 1_024;

/// A running httpbin child; stopped (stdin closed, then killed after two
/// seconds) and reaped on drop.
pub struct HttpbinProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `127.0.0.1:PORT`.
    addr: String,
    threads: u64,
}

/// gunicorn's threads for `plan`: its requests in flight, within
/// [`MIN_THREADS`]..=[`MAX_THREADS`].
pub fn threads_for(plan: &Plan) -> u64 {
    plan.max_in_flight().clamp(MIN_THREADS, MAX_THREADS)
}

impl HttpbinProcess {
    /// Starts httpbin with enough threads for `plan` (setting the Python
    /// environment up first, once) and reads its address line.
    pub fn start(plan: &Plan) -> anyhow::Result<HttpbinProcess> {
        let python = crate::python_env::interpreter().map_err(anyhow::Error::msg)?;
        let script = crate::reference::baselines_dir().join("python/httpbin_server.py");
        let threads = threads_for(plan);
        if plan.max_in_flight() > threads {
            eprintln!(
                "note: httpbin gets {threads} threads: the server caps this plan's {} requests in flight",
                plan.max_in_flight()
            );
        }
        let mut child = Command::new(&python)
            .arg(&script)
            .args(["--threads", &threads.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start httpbin ({})", script.display()))?;
        let stdin = child.stdin.take().context("httpbin has no stdin")?;
        // Drained for the server's life; its last line explains a failed start.
        let last = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let last = Arc::clone(&last);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Ok(mut l) = last.lock() {
                        *l = line;
                    }
                }
            });
        }
        let stdout = child.stdout.take().context("httpbin has no stdout")?;
        let line = BufReader::new(stdout)
            .lines()
            .next()
            .and_then(Result::ok)
            .unwrap_or_default();
        match line.trim().strip_prefix("http://") {
            Some(addr) if Target::parse(addr).is_ok() => Ok(HttpbinProcess {
                child,
                stdin: Some(stdin),
                addr: addr.to_string(),
                threads,
            }),
            _ => {
                let _ = child.kill();
                let status = child.wait().ok();
                // Let the stderr reader take the last line in.
                std::thread::sleep(Duration::from_millis(50));
                let why = last.lock().map(|l| l.clone()).unwrap_or_default();
                bail!(
                    "httpbin did not start (status {status:?}): {}",
                    if why.is_empty() { "no output" } else { &why }
                )
            }
        }
    }

    /// The foreign target of requests to `path` (`{i}` the index) on it,
    /// checked for `echo`.
    pub fn target(&self, path: &str, echo: Echo) -> anyhow::Result<Target> {
        Ok(Target::foreign(&format!("http://{}{path}", self.addr))?.echoing(echo))
    }

    /// What it is, for the report: `httpbin 0.10.4 under gunicorn 27.0.1
    /// (gthread: 1 worker × 16 threads)`, the versions pinned in
    /// `requirements.txt` (installed with `--require-hashes`).
    pub fn software(&self) -> String {
        software(self.threads)
    }
}

/// [`HttpbinProcess::software`] for `threads` threads.
pub fn software(threads: u64) -> String {
    let pins = std::fs::read_to_string(crate::python_env::requirements()).unwrap_or_default();
    let pin = |name: &str| {
        pins.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}==")))
            .map(|v| v.trim_end_matches(['\\', ' ']).to_string())
            .unwrap_or_else(|| "(version unknown)".into())
    };
    format!(
        "httpbin {} under gunicorn {} (gthread: 1 worker × {threads} threads)",
        pin("httpbin"),
        pin("gunicorn")
    )
}

impl Drop for HttpbinProcess {
    /// Closes its stdin, so gunicorn stops gracefully; kills it if it has
    /// not exited within two seconds.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_cover_the_plans_requests_in_flight() {
        let p = |n, c| Plan {
            concurrency: c,
            ..Plan::new(n, Duration::from_secs(1))
        };
        assert_eq!(threads_for(&p(5, None)), MIN_THREADS);
        assert_eq!(threads_for(&p(500, Some(100))), 100);
        assert_eq!(threads_for(&p(10_000, None)), MAX_THREADS);
        let s = software(16);
        assert!(
            s.starts_with("httpbin 0.")
                && s.contains("under gunicorn ")
                && s.ends_with("1 worker × 16 threads)"),
            "{s}"
        );
        assert!(!s.contains("unknown"), "pinned in requirements.txt: {s}");
    }
}
