//! The target server in a child process, so the client's CPU and memory are
//! the client's alone. The child is this same `fanout` binary running
//! `fanout serve --port 0 --exit-with-parent`: it prints its address as its
//! first line and exits when its stdin closes, so it never outlives us.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{Context, bail};

/// A running server child; killed and reaped on drop.
pub struct ServerProcess {
    child: Child,
    _stdin: ChildStdin,
    addr: String,
}

impl ServerProcess {
    /// Starts `exe serve --port 0 --exit-with-parent` and waits for its address.
    pub fn start(exe: &Path) -> anyhow::Result<ServerProcess> {
        let mut child = Command::new(exe)
            .args(["serve", "--port", "0", "--exit-with-parent"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start the target server ({} serve)", exe.display()))?;
        let stdin = child.stdin.take().context("server child has no stdin")?;
        let stdout = child.stdout.take().context("server child has no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let addr = line.trim().to_string();
        if read.is_err() || addr.is_empty() {
            let _ = child.kill();
            let status = child.wait().ok();
            bail!("the target server exited before printing its address (status {status:?})");
        }
        Ok(ServerProcess {
            child,
            _stdin: stdin,
            addr,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
