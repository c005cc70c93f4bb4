//! Result sets over time and across hosts, through the `fanout` binary:
//! `fanout compare` tells a row slowed on purpose from noise and fails CI
//! with `--fail-on-slower`; `fanout sweep --target` runs against a server
//! started by hand (which must allow the counter reset), and `fanout report
//! A B` merges two hosts' sets with a host column; `fanout report` renders
//! the committed `results/results.json` (a copy of it) into the report's
//! layout without measuring again.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use fanout_results::{CellStatus, Results};

mod common;
use common::fanout;

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
        table.contains("2 measured on both sides: 0 slower, 0 faster, 0 unclear, 2 same"),
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

    // Sweeps of one commit pool into one side: every cell gets both
    // sweeps' repeats; sweeps of two commits do not.
    let twice = format!("{},{}", a.display(), a.display());
    let o = fanout(&["compare", &twice, a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("n=6"), "{}", text(&o.stdout));
    let mut other = Results::load_any(&a).unwrap();
    other.environment.commit = "another".into();
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, serde_json::to_string(&other).unwrap()).unwrap();
    let mixed = format!("{},{}", a.display(), other_path.display());
    let o = fanout(&["compare", &mixed, a.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("different commits"),
        "{}",
        text(&o.stderr)
    );
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
    let page = std::fs::read_to_string(merged.join("workloads/demo.md")).unwrap();
    assert!(page.contains("| Host |"), "no host column:\n{page}");
    assert!(page.contains("alpha") && page.contains("beta"));
    let readme = std::fs::read_to_string(merged.join("README.md")).unwrap();
    assert!(readme.contains("Hosts merged: `alpha`, `beta`"), "{readme}");
    let r = Results::load_any(&merged).unwrap();
    let hosts: std::collections::BTreeSet<_> =
        r.cells.iter().filter_map(|c| c.host.clone()).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["alpha", "beta"]);
}

#[test]
fn report_re_renders_the_committed_results_without_measuring() {
    let committed = fanout::paths::root().join("results/results.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy");
    std::fs::create_dir(&out).unwrap();
    // As a results.json written before rows named the row they vary.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&committed).unwrap()).unwrap();
    for row in json["rows"].as_array_mut().unwrap() {
        row.as_object_mut().unwrap().remove("variant_of");
    }
    let bytes = serde_json::to_vec_pretty(&json).unwrap();
    std::fs::write(out.join("results.json"), &bytes).unwrap();
    let o = fanout(&["report", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("taken from this fanout's registry"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::read(out.join("results.json")).unwrap(),
        bytes,
        "results.json is kept byte for byte"
    );
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    for heading in [
        "## Verdict",
        "## Every row, every scenario",
        "## Pitfalls, measured",
        "## Conditions",
    ] {
        assert!(readme.contains(heading), "no {heading} in\n{readme}");
    }
    assert!(
        readme.lines().count() < 160,
        "the README is {} lines, not about two screens",
        readme.lines().count()
    );
    let r = Results::load_any(&out).unwrap();
    for c in &r.cells {
        let page = out.join(format!("workloads/{}.md", c.workload));
        assert!(page.exists(), "no page for {}", c.workload);
    }
    for f in ["idioms.md", "methods.md", "results.csv", "summary.svg"] {
        assert!(out.join(f).exists(), "no {f}");
    }
    // Every scenario of a workload in the results has its verdict line.
    for w in fanout_core::WORKLOADS {
        if r.cells.iter().any(|c| c.workload == w.id) {
            assert!(
                readme.contains(&format!("[{}](workloads/{}.md)", w.scenario.says, w.id)),
                "no verdict line for {}",
                w.id
            );
        }
    }
}
