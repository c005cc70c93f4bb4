//! The one child runner: every process the harness measures — a Rust row,
//! a reference program, the bare overhead loop, a load generator — runs
//! through [`run`]: its output read on two threads, a monitor that samples
//! its thread count from `/proc` every 10 ms and kills it past its time
//! limit, and `wait4` for its CPU time and peak RSS from the kernel. The
//! sampling happens in the harness's process, so the measured process pays
//! nothing for it.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use wait4::Wait4;

/// How often the monitor samples the thread count and checks the limit.
const SAMPLE: Duration = Duration::from_millis(10);

/// What one child did.
#[derive(Debug)]
pub struct Finished {
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// How it ended.
    pub status: ExitStatus,
    /// User CPU, seconds.
    pub cpu_user_s: f64,
    /// System CPU, seconds.
    pub cpu_sys_s: f64,
    /// Peak RSS, KiB.
    pub peak_rss_kib: u64,
    /// Most threads seen (0 where `/proc` is not available).
    pub threads_peak: u64,
    /// It ran past its limit and was killed.
    pub killed: bool,
    /// From spawn to exit.
    pub elapsed: Duration,
}

impl Finished {
    /// The last non-empty line of stderr, for error messages.
    pub fn last_error_line(&self) -> &str {
        last_line(&self.stderr)
    }
}

/// The last non-empty line of `s`, or `(no output)`.
pub fn last_line(s: &str) -> &str {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map_or("(no output)", str::trim)
}

/// How long a child that runs one fan-out of `plan` may take before the
/// watchdog kills it: four times the plan's worst case at full concurrency,
/// its timeout, and a minute of slack.
pub fn limit_for(plan: &fanout_core::Plan) -> Duration {
    plan.projection(None) * 4 + plan.timeout + Duration::from_secs(60)
}

/// Runs `cmd` to the end (stdin closed, stdout and stderr captured), killing
/// it after `limit`.
pub fn run(mut cmd: Command, limit: Duration) -> anyhow::Result<Finished> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let done = Arc::new(AtomicBool::new(false));
    let monitor = monitor(child.id(), limit, Arc::clone(&done));
    let usage = child.wait4().with_context(|| format!("wait4 on {program}"));
    done.store(true, Ordering::SeqCst);
    let (threads_peak, killed) = monitor.join().unwrap_or((0, false));
    let usage = usage?;
    Ok(Finished {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        status: usage.status,
        cpu_user_s: usage.rusage.utime.as_secs_f64(),
        cpu_sys_s: usage.rusage.stime.as_secs_f64(),
        peak_rss_kib: usage.rusage.maxrss / 1024,
        threads_peak,
        killed,
        elapsed: started.elapsed(),
    })
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Samples `pid`'s thread count until `done`; kills it (SIGKILL) after
/// `limit`. Returns the peak and whether it killed.
fn monitor(pid: u32, limit: Duration, done: Arc<AtomicBool>) -> JoinHandle<(u64, bool)> {
    std::thread::spawn(move || {
        let start = Instant::now();
        let status = format!("/proc/{pid}/status");
        let mut peak = 0;
        while !done.load(Ordering::SeqCst) {
            if let Some(n) = threads(&status) {
                peak = peak.max(n);
            }
            if start.elapsed() > limit {
                let pid = nix::unistd::Pid::from_raw(pid as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                return (peak, true);
            }
            std::thread::sleep(SAMPLE);
        }
        (peak, false)
    })
}

/// The `Threads:` line of a `/proc/PID/status` file.
fn threads(status: &str) -> Option<u64> {
    std::fs::read_to_string(status)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_measured_and_its_output_kept() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let f = run(cmd, Duration::from_secs(30)).unwrap();
        assert_eq!(f.stdout.trim(), "out");
        assert_eq!(f.last_error_line(), "err");
        assert_eq!(f.status.code(), Some(3));
        assert!(!f.killed && f.peak_rss_kib > 0);
    }

    #[test]
    fn a_child_past_its_limit_is_killed() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let f = run(cmd, Duration::from_millis(200)).unwrap();
        assert!(f.killed && f.status.code().is_none(), "{f:?}");
        assert!(f.elapsed < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        let err = run(Command::new("/nonexistent/x"), Duration::from_secs(1)).unwrap_err();
        assert!(format!("{err:#}").contains("cannot start /nonexistent/x"));
    }
}
