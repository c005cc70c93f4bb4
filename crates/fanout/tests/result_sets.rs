//! Result sets over time and across hosts, through the `fanout` binary:
//! `fanout compare` tells a row slowed on purpose from noise and fails CI
//! with `--fail-on-slower`; `fanout sweep --target` runs against a server
//! started by hand (which must allow the counter reset), and `fanout report
//! A B` merges two hosts' sets with a host column.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use fanout_results::{CellStatus, Results};

fn fanout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args(args)
        .output()
        .expect("run the fanout binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--rows",
        "tokio-hyper,tokio-reqwest",
        "--workloads",
        "demo",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    fanout(&args)
}

#[test]
fn compare_tells_a_row_slowed_on_purpose_from_noise() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let o = sweep(&a, &["--repeats", "3"]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // The same set against itself: nothing changed.
    let o = fanout(&[
        "compare",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
        "--fail-on-slower",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    assert!(
        table.contains("same within noise") && !table.contains("**slower**"),
        "{table}"
    );

    // B: tokio-hyper's every repeat 30 % slower.
    let mut b = Results::load_any(&a).unwrap();
    for cell in b.cells.iter_mut().filter(|c| c.row == "tokio-hyper") {
        if let CellStatus::Done { repeats } = &mut cell.status {
            for r in repeats {
                r.summary.wall_ms *= 1.3;
            }
        }
    }
    let b_path = dir.path().join("b.json");
    std::fs::write(&b_path, serde_json::to_string(&b).unwrap()).unwrap();
    let o = fanout(&[
        "compare",
        a.to_str().unwrap(),
        b_path.to_str().unwrap(),
        "--fail-on-slower",
        "--threshold",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("tokio-hyper") && err.contains("demo") && !err.contains("tokio-reqwest"),
        "{err}"
    );
    assert!(text(&o.stdout).contains("**slower**"));
    // Without --fail-on-slower it reports and exits 0.
    let o = fanout(&["compare", a.to_str().unwrap(), b_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
}

/// `fanout serve` started by hand, as on another host; killed on drop.
struct HandServer(Child, String, String);

impl HandServer {
    fn start(extra: &[&str]) -> HandServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fanout"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let http = lines.next().unwrap().unwrap();
        let https = lines.next().unwrap().unwrap();
        let ca = https.split_once(" ca=").unwrap().1.to_string();
        HandServer(child, http, ca)
    }
}

impl Drop for HandServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_hosts_sweep_one_server_and_merge_into_one_report() {
    let dir = tempfile::tempdir().unwrap();
    // A server that keeps its counters refuses a sweep, saying why.
    let closed = HandServer::start(&[]);
    let o = sweep(
        &dir.path().join("x"),
        &["--repeats", "1", "--target", &closed.1],
    );
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("--allow-reset"),
        "{}",
        text(&o.stderr)
    );
    drop(closed);

    let server = HandServer::start(&["--allow-reset"]);
    for host in ["alpha", "beta"] {
        let out = dir.path().join(host);
        let o = sweep(
            &out,
            &[
                "--repeats",
                "1",
                "--target",
                &server.1,
                "--ca",
                &server.2,
                "--host",
                host,
            ],
        );
        assert!(o.status.success(), "{host}: {}", text(&o.stderr));
        let r = Results::load_any(&out).unwrap();
        assert_eq!(r.environment.host, host);
        assert!(
            r.environment.server.contains("127.0.0.1"),
            "{:?}",
            r.environment.server
        );
        assert!(
            r.cells.iter().all(|c| c.repeats().is_some()),
            "every cell measured"
        );
    }
    let merged = dir.path().join("merged");
    let o = fanout(&[
        "report",
        dir.path().join("alpha").to_str().unwrap(),
        dir.path().join("beta").to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let readme = std::fs::read_to_string(merged.join("README.md")).unwrap();
    assert!(
        readme.contains("| Host |") || readme.contains("Host |"),
        "no host column"
    );
    assert!(readme.contains("alpha") && readme.contains("beta"));
    let r = Results::load_any(&merged).unwrap();
    let hosts: std::collections::BTreeSet<_> =
        r.cells.iter().filter_map(|c| c.host.clone()).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["alpha", "beta"]);
}
