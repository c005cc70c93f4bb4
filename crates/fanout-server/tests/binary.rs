//! The `fanout-server` binary: first stdout line is the address, it serves,
//! it stops on SIGTERM, and bad arguments or a taken port fail cleanly.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use fanout_core::body::expected;

const BIN: &str = env!("CARGO_BIN_EXE_fanout-server");

#[test]
fn prints_its_address_first_then_serves() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--workers", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn fanout-server");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr: SocketAddr = first.trim_end().parse().expect("first line is the address");
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");

    let reply = common::get(addr, "/delay/0?id=9&bytes=1000");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, expected(9, 1000));

    #[cfg(unix)]
    {
        // SIGTERM: a graceful stop and a clean exit.
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(child.wait().unwrap().success());
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }
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
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("/delay/{ms}"));
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
