//! The load generators as one more participant of a plan's rounds: a
//! stand-in `wrk` on `PATH` (a script that prints a rising request rate, so
//! every run is told apart) runs once per round beside the row — a warm-up,
//! then each measured repeat — and its line keeps every repeat, with the
//! median and the range. `FANOUT_NO_TOOLS=1` keeps oha (the other
//! generator `throughput` names) from being built, and the sweep says why
//! there is no oha line. No real generator is needed.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use fanout_results::Results;

#[test]
fn a_generator_runs_in_the_rounds_and_keeps_every_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let runs = dir.path().join("runs");
    let wrk = bin.join("wrk");
    std::fs::write(
        &wrk,
        format!(
            "#!/bin/sh\n\
             if [ \"$1\" = -v ]; then echo 'wrk 4.2.0 [epoll] Copyright (C) 2012 Will Glozer'; exit 1; fi\n\
             echo run >> '{runs}'\n\
             n=$(wc -l < '{runs}')\n\
             echo \"Running 2s test @ $4\"\n\
             echo \"Requests/sec: $((n * 1000)).00\"\n",
            runs = runs.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrk, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("results");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .args([
            "sweep",
            "--rows",
            "tokio-hyper",
            "--workloads",
            "throughput",
            "--repeats",
            "2",
            "--no-progress",
            "--out",
        ])
        .arg(&out)
        .env("PATH", path)
        .env("FANOUT_NO_TOOLS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: no oha lines: oha not installed: FANOUT_NO_TOOLS is set"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&runs).unwrap().lines().count(),
        3,
        "a warm-up and two measured runs"
    );
    let results = Results::load(&out.join("results.json")).unwrap();
    let [line] = results.generators.as_slice() else {
        panic!("one generator line: {:?}", results.generators);
    };
    assert_eq!(line.tool, "wrk 4.2.0");
    assert_eq!(line.workload, "throughput");
    let rates: Vec<f64> = line.repeats.iter().map(|r| r.req_per_s).collect();
    assert_eq!(rates, [2000.0, 3000.0], "the warm-up (1000) is not kept");
    assert_eq!(line.req_per_s, 2500.0, "the median");
    assert_eq!(line.req_per_s_range(), (2000.0, 3000.0));
    assert_eq!(line.wall_ms, None, "wrk runs for a time, not a count");
    assert!(
        line.command.starts_with("wrk -t2 -c64 -d5s http://"),
        "{}",
        line.command
    );
}
