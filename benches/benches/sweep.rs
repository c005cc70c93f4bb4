//! The sweep: every row × every workload, each cell in a fresh child process
//! against a server in its own process, one warm-up then 3 repeats; writes
//! `results/` (README.md with the verdict and the pitfalls, a page per
//! workload, results.json, results.csv, SVG charts).
//!
//! What it measures that the criterion bench does not: the client process's
//! own CPU time and peak RSS (from `wait4`), its thread count, the server's
//! counters (in flight, connections, TLS handshakes, protocols), heartbeat
//! lateness, errors by kind, the reference rows (Python, Node.js, Go), the
//! load generators (`wrk`, `oha`) and the harness's own overhead. It is not
//! a statistics engine: it reports medians with min–max of a few repeats,
//! interleaved across rows, and marks rows within noise of the best as tied.
//!
//! `cargo bench --bench sweep` runs it all and replaces `results/`.
//! `cargo bench --bench sweep -- latency` (any workload ids) runs only those
//! workloads and writes `target/fanout-sweep/` instead, leaving `results/` as
//! it is. `fanout sweep --help` has the same sweep with every option.
//!
//! This binary is also the `fanout run` / `fanout serve` / `fanout bare`
//! child the sweep starts (it re-executes itself), so `cargo bench` needs no
//! other binary. Off a terminal (`cargo bench > log 2>&1`) it prints one
//! line per finished cell, with the median and the time left.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if matches!(
        args.get(1).map(String::as_str),
        Some("run" | "serve" | "bare")
    ) {
        return ExitCode::from(fanout::cli::main_from(std::env::args_os()) as u8);
    }
    // cargo passes `--bench`; anything else that is not a flag is a workload filter.
    let filters: Vec<String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find the bench binary: {e}");
            return ExitCode::from(2);
        }
    };
    let mut options = fanout::harness::Options::new(exe);
    // Every workload but the one against the user's own server (`--url`).
    options.workloads = fanout_core::Workload::default_set()
        .iter()
        .filter(|w| filters.is_empty() || filters.iter().any(|f| w.id.contains(f.as_str())))
        .map(|w| w.id.to_string())
        .collect();
    if options.workloads.is_empty() {
        eprintln!("sweep: no workload matches {filters:?}; nothing to do");
        return ExitCode::SUCCESS;
    }
    options.out = if filters.is_empty() {
        root.join("results")
    } else {
        root.join("target/fanout-sweep")
    };
    options.command = if filters.is_empty() {
        "cargo bench".to_string()
    } else {
        format!("cargo bench --bench sweep -- {}", filters.join(" "))
    };
    let started = std::time::Instant::now();
    match fanout::harness::run(&options) {
        Ok(results) => {
            eprintln!(
                "sweep: wrote {} ({} cells) in {:.0} s",
                options.out.display(),
                results.cells.len(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
