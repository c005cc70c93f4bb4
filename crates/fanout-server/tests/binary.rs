//! The `fanout-server` binary: the first two stdout lines are the `http://`
//! and `https://` URLs of its one port (the second with the CA file), it
//! serves, it stops on SIGTERM or (with `--exit-with-parent`) stdin EOF and
//! removes the CA file, and bad arguments or a taken port fail cleanly.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fanout_core::body::expected;

const BIN: &str = env!("CARGO_BIN_EXE_fanout-server");

/// What the binary printed first.
struct Ready {
    addr: SocketAddr,
    ca: PathBuf,
}

/// A running server process; stopped with SIGTERM when dropped (so it
/// removes its CA file, and a failed test leaves no process behind).
struct Running(Option<Child>);

impl Running {
    /// Stops it with SIGTERM and checks it exits cleanly (elsewhere: kills it).
    fn stop(mut self) {
        let child = self.0.take().unwrap();
        assert!(terminate(child), "a clean exit");
    }

    /// The child, no longer stopped on drop.
    fn into_child(mut self) -> Child {
        self.0.take().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            terminate(child);
        }
    }
}

/// SIGTERM (elsewhere: kill), then waits; whether it exited with success.
fn terminate(mut child: Child) -> bool {
    #[cfg(unix)]
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    #[cfg(not(unix))]
    let sent = child.kill().is_ok();
    sent && child.wait().is_ok_and(|s| s.success() || cfg!(not(unix)))
}

/// Spawns the binary with `args` and `stdin`, and reads its first two stdout lines.
fn spawn_with(args: &[&str], stdin: Stdio) -> (Running, Ready) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fanout-server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let http = lines.next().unwrap().unwrap();
    let https = lines.next().unwrap().unwrap();
    let addr = http
        .strip_prefix("http://")
        .expect("first line is http://ADDR");
    let (https_addr, ca) = https
        .strip_prefix("https://")
        .and_then(|rest| rest.split_once(" ca="))
        .expect("second line is https://ADDR ca=PATH");
    assert_eq!(addr, https_addr, "one port for both schemes");
    let addr: SocketAddr = addr.parse().expect("an address");
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let ca = PathBuf::from(ca);
    let pem = std::fs::read_to_string(&ca).expect("the CA file is there");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    (Running(Some(child)), Ready { addr, ca })
}

fn spawn(args: &[&str]) -> (Running, SocketAddr) {
    let (child, ready) = spawn_with(args, Stdio::null());
    (child, ready.addr)
}

#[test]
fn prints_both_urls_first_then_serves_and_cleans_up_on_sigterm() {
    let (child, ready) = spawn_with(&["--port", "0", "--workers", "2"], Stdio::null());

    let reply = common::get(ready.addr, "/delay/0?id=9&bytes=1000");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, expected(9, 1000));

    // SIGTERM: a graceful stop, a clean exit, and the CA file gone.
    child.stop();
    #[cfg(unix)]
    assert!(!ready.ca.exists() && !ready.ca.parent().unwrap().exists());
}

#[test]
fn exit_with_parent_stops_on_stdin_eof_and_cleans_up() {
    let (running, ready) = spawn_with(&["--exit-with-parent"], Stdio::piped());
    assert_eq!(common::get(ready.addr, "/status/204").status, 204);
    let mut child = running.into_child();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(!ready.ca.exists());
}

#[test]
fn an_ipv6_bind_prints_bracketed_urls() {
    let Ok(probe) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here; skipped");
        return;
    };
    drop(probe);
    let (child, ready) = spawn_with(&["--bind", "::1"], Stdio::null());
    assert_eq!(ready.addr.ip(), "::1".parse::<std::net::IpAddr>().unwrap());
    assert_eq!(common::get(ready.addr, "/status/200").status, 200);
    child.stop();
}

#[test]
fn connection_cap_and_header_timeout_flags() {
    let (child, addr) = spawn(&[
        "--workers",
        "1",
        "--max-connections",
        "1",
        "--header-read-timeout",
        "1s",
    ]);
    let mut first = common::Client::connect(addr);
    assert_eq!(first.request("GET", "/status/200", "").status, 200);
    // The second connection is over the cap: reset at once.
    let mut second = TcpStream::connect(addr).unwrap();
    let (bytes, end) = common::read_until_end(&mut second, Duration::from_secs(10));
    assert_eq!((bytes.len(), end), (0, common::End::Reset));
    // The first, idle, is closed after about a second; then there is room.
    let started = Instant::now();
    assert!(first.closed_by_server());
    assert!(started.elapsed() < Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut s = TcpStream::connect(addr).unwrap();
        let _ = s.write_all(b"GET /status/204 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        let (bytes, _) = common::read_until_end(&mut s, Duration::from_secs(10));
        if bytes.starts_with(b"HTTP/1.1 204") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no room after the idle connection closed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.stop();
}

#[test]
fn bad_arguments_are_a_clap_error() {
    let out = Command::new(BIN)
        .args(["--port", "70000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
    let out = Command::new(BIN).args(["--workers", "0"]).output().unwrap();
    assert!(!out.status.success());
    for bad in [
        ["--max-connections", "0"],
        ["--header-read-timeout", "0ms"],
        ["--header-read-timeout", "later"],
    ] {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert!(!out.status.success(), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(bad[0]),
            "{bad:?}"
        );
    }
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("/delay/{ms}"));
    assert!(help.contains("--max-connections") && help.contains("--header-read-timeout"));
    assert!(help.contains("--h2-max-streams") && !help.contains("--exit-with-parent"));
}

#[test]
fn a_taken_port_is_a_one_line_error() {
    let server = fanout_server::Server::start(fanout_server::Config::default()).unwrap();
    let out = Command::new(BIN)
        .args(["--port", &server.addr().port().to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.lines().count() == 1,
        "{stderr:?}"
    );
}
