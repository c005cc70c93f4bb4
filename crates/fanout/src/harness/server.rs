//! The target server as the harness sees it: a child process of its own
//! (`fanout serve --port 0 --exit-with-parent`, so the client's CPU and
//! memory are the client's alone and the server never outlives us), or a
//! server on another host given by `--target`. Either way the harness reads
//! and resets its counters over HTTP (`GET /stats`, `POST /stats/reset`).
//! Or a foreign server (`--url`, the `httpbin` workload's), which has no
//! counters to read.
//!
//! A plan's round trip ([`Plan::rtt`]) is the server's to emulate, from a
//! connection's first byte: a child is started with it
//! ([`ServerProcess::for_plan`]), and a server started by hand must emulate
//! the plan's, which [`Server::check_rtt`] reads from its `/stats` before
//! anything runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use std::time::Duration;

use anyhow::{Context, bail};
use fanout_core::{Plan, ServerStats, Target};

/// A running server child; killed and reaped on drop.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    target: Target,
}

impl ServerProcess {
    /// Starts `exe serve --port 0 --allow-reset --exit-with-parent` (plus
    /// `args`) and reads its two address lines: `http://ADDR`, then
    /// `https://ADDR ca=PATH`.
    pub fn start(exe: &Path, args: &[String]) -> anyhow::Result<ServerProcess> {
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--port",
                "0",
                "--allow-reset",
                "--exit-with-parent",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its start-up line is not for the sweep's log; its errors are
            // read when it fails to start.
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start the target server ({} serve)", exe.display()))?;
        let stdin = child.stdin.take().context("server child has no stdin")?;
        // Drained for the server's life (it must never block on a full
        // pipe); its last line explains a failed start.
        let last_stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let last = std::sync::Arc::clone(&last_stderr);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Ok(mut l) = last.lock() {
                        *l = line;
                    }
                }
            });
        }
        let stdout = child.stdout.take().context("server child has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
        let (http, https) = (next(), next());
        match parse_address_lines(&http, &https) {
            Ok(target) => Ok(ServerProcess {
                child,
                stdin: Some(stdin),
                target,
            }),
            Err(e) => {
                let _ = child.kill();
                let status = child.wait().ok();
                Err(e.context(format!(
                    "the target server did not start (status {status:?})"
                )))
            }
        }
    }

    /// Starts a server child that emulates `plan`'s round trip
    /// (`--rtt`, when it is not 0).
    pub fn for_plan(exe: &Path, plan: &Plan) -> anyhow::Result<ServerProcess> {
        ServerProcess::start(exe, &rtt_args(plan.rtt))
    }

    /// Where it listens, with its CA.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    /// Closes the child's stdin, so it stops gracefully and removes its CA
    /// directory; kills it if it has not exited within two seconds.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `fanout serve` arguments that emulate a round trip of `rtt`: none at 0.
pub fn rtt_args(rtt: Duration) -> Vec<String> {
    if rtt.is_zero() {
        Vec::new()
    } else {
        vec!["--rtt".into(), format!("{}ms", rtt.as_millis())]
    }
}

/// Why a server that emulates `server_ms` cannot run a plan at `rtt`, if it cannot.
pub fn rtt_mismatch(server_ms: u64, rtt: Duration) -> Option<String> {
    let want = rtt.as_millis() as u64;
    (server_ms != want).then(|| {
        format!(
            "the server emulates a round trip of {server_ms} ms but the plan asks for {want} ms; \
             start it with `fanout serve --rtt {want}ms` (or run only plans of its round trip against it)"
        )
    })
}

/// Reads `http://ADDR` and `https://ADDR ca=PATH`, the first two lines a
/// server prints.
pub fn parse_address_lines(http: &str, https: &str) -> anyhow::Result<Target> {
    let addr = http
        .trim()
        .strip_prefix("http://")
        .with_context(|| format!("expected `http://ADDR` as the first line, got {http:?}"))?;
    let target = Target::parse(addr)?;
    let (tls_url, ca) = https.trim().split_once(" ca=").with_context(|| {
        format!("expected `https://ADDR ca=PATH` as the second line, got {https:?}")
    })?;
    if tls_url.strip_prefix("https://") != Some(target.addr.as_str()) {
        bail!("the server's https address {tls_url:?} is not its http address {addr:?}");
    }
    Ok(target.with_ca(PathBuf::from(ca)))
}

/// Where the harness runs its cells: a server child per cell, or one
/// server elsewhere (two hosts), or a foreign server.
pub enum Server {
    /// A child of this process.
    Local(ServerProcess),
    /// A server started by hand (`fanout serve --allow-reset`), perhaps on
    /// another host.
    Remote(Target),
    /// A server that is not the project's (its target has a URL template):
    /// no counters.
    Foreign(Target),
}

impl Server {
    /// Where it listens.
    pub fn target(&self) -> &Target {
        match self {
            Server::Local(p) => p.target(),
            Server::Remote(t) | Server::Foreign(t) => t,
        }
    }

    /// Its counters for a run, when it has any: reset before, read after.
    pub fn has_counters(&self) -> bool {
        !matches!(self, Server::Foreign(_))
    }

    /// Zeroes its counters (`POST /stats/reset`); nothing on a foreign server.
    pub fn reset(&self) -> anyhow::Result<()> {
        if !self.has_counters() {
            return Ok(());
        }
        let base = self.target().base_url(false);
        agent()
            .post(format!("{base}/stats/reset"))
            .header("connection", "close")
            .send_empty()
            .map(|_| ())
            .with_context(|| {
                format!(
                    "cannot reset the counters of the server at {base} (a server on another host must be started with `fanout serve --allow-reset`)"
                )
            })
    }

    /// Fails, saying what to do, unless it emulates the round trip of every
    /// plan in `plans` (`rtt_ms` in its `/stats`).
    pub fn check_rtt<'a>(&self, plans: impl IntoIterator<Item = &'a Plan>) -> anyhow::Result<()> {
        let server_ms = self.stats()?.rtt_ms;
        for plan in plans {
            if let Some(why) = rtt_mismatch(server_ms, plan.rtt) {
                bail!("{why} (server at {})", self.target().addr);
            }
        }
        Ok(())
    }

    /// Its counters (`GET /stats`), less the one connection this call
    /// opens; a foreign server has none.
    pub fn stats(&self) -> anyhow::Result<ServerStats> {
        if !self.has_counters() {
            bail!(
                "{} is not the project's server: it has no counters",
                self.target()
            );
        }
        let base = self.target().base_url(false);
        let mut resp = agent()
            .get(format!("{base}/stats"))
            .header("connection", "close")
            .call()
            .with_context(|| format!("cannot read the counters of the server at {base}"))?;
        let text = resp.body_mut().read_to_string()?;
        let mut stats: ServerStats =
            serde_json::from_str(&text).context("the server's /stats is not the expected JSON")?;
        stats.connections = stats.connections.saturating_sub(1);
        stats.http1.connections = stats.http1.connections.saturating_sub(1);
        Ok(stats)
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(true)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_lines_give_the_target_and_its_ca() {
        let t = parse_address_lines(
            "http://127.0.0.1:9\n",
            "https://127.0.0.1:9 ca=/tmp/x/ca.pem",
        )
        .unwrap();
        assert_eq!(t.addr, "127.0.0.1:9");
        assert_eq!(t.ca.as_deref(), Some(Path::new("/tmp/x/ca.pem")));
        assert_eq!(rtt_args(Duration::ZERO), Vec::<String>::new());
        assert_eq!(rtt_args(Duration::from_millis(25)), ["--rtt", "25ms"]);
        assert_eq!(rtt_mismatch(25, Duration::from_millis(25)), None);
        let why = rtt_mismatch(0, Duration::from_millis(25)).unwrap();
        assert!(
            why.contains("0 ms") && why.contains("fanout serve --rtt 25ms"),
            "{why}"
        );
        for (a, b) in [
            ("", ""),
            ("127.0.0.1:9", "https://127.0.0.1:9 ca=/x"),
            ("http://127.0.0.1:9", "https://127.0.0.1:9"),
            ("http://127.0.0.1:9", "https://127.0.0.1:8 ca=/x"),
        ] {
            assert!(parse_address_lines(a, b).is_err(), "{a:?} {b:?}");
        }
    }
}
