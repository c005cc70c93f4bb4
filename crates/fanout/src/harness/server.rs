//! The target server as the harness sees it: a child process of its own
//! (`fanout serve --port 0 --exit-with-parent`, so the client's CPU and
//! memory are the client's alone and the server never outlives us), or a
//! server on another host given by `--target`. Either way the harness reads
//! and resets its counters over HTTP (`GET /stats`, `POST /stats/reset`).
//! Or a foreign server (`--url`, the `httpbin` workload's), which has no
//! counters to read.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context, bail};
use fanout_core::{ServerStats, Target};

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
