//! Snapshot tests of whole rendered outputs for the synthetic results of
//! `common` (hyperfine's `src/export/tests.rs` is the model): the results
//! README — its verdict and its pitfalls on their own too — the workload
//! pages (a table with measured, skipped, unsupported and failed rows and
//! a tie at the top, HTTPS tables, the HTTP/1.1 × HTTP/2 side-by-side
//! table), the idioms page, the harness overhead, the project README
//! block, results.csv, a comparison with every verdict, a table merged
//! from two hosts, and tables against foreign servers (httpbin's echo
//! verified; the user's HTTPS server, content not verified, no counters). Regenerate with `INSTA_UPDATE=always cargo test -p
//! fanout-report` and review the `.snap` files.

mod common;

use common::{file, results, results_on, section};
use fanout_core::Echo;
use fanout_report::{comparison_markdown, render};
use fanout_results::noise::Change;
use fanout_results::{Cell, CellStatus, ForeignServer, Results, Verdict, compare, merge};
use insta::assert_snapshot;

fn page(name: &str) -> String {
    file(&render(&results()).expect("renders").files, name)
}

fn readme() -> String {
    page("README.md")
}

#[test]
fn the_whole_readme() {
    assert_snapshot!(readme());
}

#[test]
fn the_verdict() {
    // Ties at the top, a row left out for a failure beyond the injected
    // faults, a reference language without its toolchain, a scenario with
    // a figure no row has.
    assert_snapshot!(section(&readme(), "## Verdict"));
}

#[test]
fn the_pitfalls() {
    // HTTP/2 at the stream cap with a tuned fix, a tuned setting, a
    // one-task idiom on unbounded plans, TLS sessions never resumed.
    assert_snapshot!(section(&readme(), "## Pitfalls, measured"));
}

#[test]
fn a_table_with_every_fate_and_errors_by_kind() {
    // faults: measured rows (a tie at the top), the sequential row skipped,
    // the reference row failed, the Go row unsupported (no toolchain).
    assert_snapshot!(page("workloads/faults.md"));
}

#[test]
fn a_wan_workload_against_its_loopback_twin() {
    // api-wan beside api: the ranks side by side, the orders that change.
    let r = results_on("bench-a", &["api", "api-wan"]);
    let files = render(&r).expect("renders").files;
    assert_snapshot!(file(&files, "workloads/api-wan.md"));
}

#[test]
fn a_table_with_a_tie_a_load_generator_and_a_skip() {
    assert_snapshot!(page("workloads/latency.md"));
}

#[test]
fn an_https_table_with_handshakes_and_resumption() {
    assert_snapshot!(page("workloads/tls-handshake.md"));
}

#[test]
fn an_https_table_with_the_protocol_used() {
    // api: the client's default protocol over TLS — HTTP/2 by ALPN for some
    // rows, HTTP/1.1 for others, "mixed" where the repeats disagreed.
    assert_snapshot!(page("workloads/api.md"));
}

#[test]
fn http1_and_http2_side_by_side() {
    assert_snapshot!(page("workloads/h2.md"));
}

#[test]
fn the_idioms_page() {
    assert_snapshot!(page("idioms.md"));
}

#[test]
fn the_methods_page() {
    assert_snapshot!(page("methods.md"));
}

#[test]
fn the_overhead_section_measured_and_not() {
    assert_snapshot!(
        "overhead_measured",
        section(&page("methods.md"), "## Harness overhead")
    );
    let mut quick = results_on("bench-a", &["demo"]);
    quick.settings.quick = true;
    let text = file(&render(&quick).unwrap().files, "methods.md");
    assert_snapshot!("overhead_quick", section(&text, "## Harness overhead"));
}

#[test]
fn the_project_readme_block() {
    assert_snapshot!(render(&results()).unwrap().readme_block);
}

#[test]
fn the_csv() {
    assert_snapshot!(page("results.csv"));
}

/// Multiplies every repeat's wall time of a cell.
fn scale(cell: &mut Cell, k: &[f64]) {
    if let CellStatus::Done { repeats } = &mut cell.status {
        for (r, k) in repeats.iter_mut().zip(k.iter().cycle()) {
            r.summary.wall_ms *= k;
        }
    }
}

fn cell<'a>(r: &'a mut Results, row: &str, workload: &str) -> &'a mut Cell {
    r.cells
        .iter_mut()
        .find(|c| c.row == row && c.workload == workload)
        .unwrap_or_else(|| panic!("no cell {row} {workload}"))
}

/// Old and new sets with one cell of each kind of change — one a plan, as
/// the test assumes most cells of a plan did not change — among cells that
/// moved by a percent or less between the sittings (and 2 % as a whole on
/// `latency`: drift).
pub fn old_and_new() -> (Results, Results) {
    let old = results_on("bench-a", &["latency", "throughput", "c10k", "json"]);
    let mut new = old.clone();
    new.environment.rustc = "rustc 1.91.0".into();
    new.environment.commit = "4567cdef".into();
    new.environment
        .crates
        .insert("tokio".into(), "1.48.0".into());
    let jitter = [1.004, 0.995, 1.01, 0.99, 1.006, 0.997, 1.002, 0.993];
    for (i, c) in new.cells.iter_mut().enumerate() {
        let drift = if c.workload == "latency" { 1.02 } else { 1.0 };
        scale(c, &[drift * jitter[i % jitter.len()]]);
    }
    scale(cell(&mut new, "tokio-hyper-tuned", "latency"), &[1.2]);
    scale(
        cell(&mut new, "tokio-reqwest-join-set", "throughput"),
        &[0.8],
    );
    // Beyond the threshold, but the cell's own repeats spread as widely:
    // unclear.
    scale(cell(&mut new, "threads-ureq", "json"), &[1.3, 0.9, 1.6]);
    // One repeat a side cannot be told from noise: unclear.
    let c = cell(&mut new, "tokio-reqwest-buffer-unordered", "c10k");
    if let CellStatus::Done { repeats } = &mut c.status {
        repeats.truncate(1);
    }
    scale(c, &[1.1]);
    *cell(&mut new, "tokio-reqwest", "throughput") = Cell {
        status: CellStatus::Failed {
            reason: "the client was killed by a signal (SIGSEGV): (no output)".into(),
        },
        ..cell(&mut new, "tokio-reqwest", "throughput").clone()
    };
    new.cells
        .retain(|c| !(c.row == "python-aiohttp-gather" && c.workload == "latency"));
    let mut added = cell(&mut new, "tokio-reqwest", "latency").clone();
    added.row = "tokio-ct-reqwest".into();
    new.cells.push(added);
    (old, new)
}

#[test]
fn a_comparison_with_every_verdict() {
    let (old, new) = old_and_new();
    let c = compare(&old, &new, &fanout_results::CompareSettings::new(5.0));
    assert_snapshot!(comparison_markdown(&c));
    let slower: Vec<String> = c.slower().iter().map(|c| c.name()).collect();
    assert_eq!(slower, ["`tokio-hyper-tuned` · `latency`"]);
    let names = |v| -> Vec<String> { c.with(v).iter().map(|c| c.name()).collect() };
    assert_eq!(
        names(Verdict::Judged(Change::Faster)),
        ["`tokio-reqwest-join-set` · `throughput`"]
    );
    assert_eq!(
        names(Verdict::Judged(Change::Unclear)),
        [
            "`threads-ureq` · `json`",
            "`tokio-reqwest-buffer-unordered` · `c10k`"
        ]
    );
}

#[test]
fn a_change_to_most_rows_is_told_from_drift_only_against_untouched_rows() {
    let old = results_on("bench-a", &["latency", "throughput", "c10k", "json"]);
    let mut new = old.clone();
    let jitter = [1.004, 0.995, 1.01, 0.99, 1.006, 0.997, 1.002, 0.993];
    let untouched = ["sequential-ureq", "threads-ureq", "python-aiohttp-gather"];
    for (i, c) in new.cells.iter_mut().enumerate() {
        let slowed = if untouched.contains(&c.row.as_str()) {
            1.0
        } else {
            1.3
        };
        scale(c, &[slowed * jitter[i % jitter.len()]]);
    }
    // Every row calibrating: most rows moved, so the plans moved as a whole
    // and the gate must not pass them, though no cell is slower.
    let all = compare(&old, &new, &fanout_results::CompareSettings::new(5.0));
    assert!(all.slower().is_empty());
    assert_eq!(
        all.moved_unexplained().len(),
        all.drifts.len(),
        "{:?}",
        all.drifts
    );
    assert!(comparison_markdown(&all).contains("**Moved as a whole**"));
    // Against the rows the change cannot touch: every other measured cell
    // is slower, and nothing moved as a whole.
    let settings = fanout_results::CompareSettings {
        drift_from: untouched.map(String::from).to_vec(),
        ..fanout_results::CompareSettings::new(5.0)
    };
    let c = compare(&old, &new, &settings);
    assert!(c.moved_as_a_whole().is_empty());
    for change in c.changes.iter().filter(|c| c.evidence.is_some()) {
        let want = if untouched.contains(&change.row.as_str()) {
            Change::Same
        } else {
            Change::Slower
        };
        assert_eq!(change.verdict, Verdict::Judged(want), "{}", change.name());
    }
}

#[test]
fn a_plan_that_moved_as_a_whole_is_the_machine_only_if_the_reference_programs_moved_too() {
    // The plan on which the fixture measures all three rows below.
    let old = results_on("bench-a", &["throughput"]);
    let jitter = [1.004, 0.995, 1.01, 0.99, 1.006, 0.997, 1.002, 0.993];
    // Three rows stand for the reference programs (other languages): no
    // change to a Rust row can move them.
    let references = ["sequential-ureq", "threads-ureq", "python-aiohttp-gather"];
    let mark = |r: &mut fanout_results::Results| {
        for info in &mut r.rows {
            info.reference = references.contains(&info.id.as_str());
        }
    };
    let moved = |references_move: f64| {
        let (mut a, mut b) = (old.clone(), old.clone());
        mark(&mut a);
        mark(&mut b);
        for (i, c) in b.cells.iter_mut().enumerate() {
            let by = if references.contains(&c.row.as_str()) {
                references_move
            } else {
                1.25
            };
            scale(c, &[by * jitter[i % jitter.len()]]);
        }
        compare(&a, &b, &fanout_results::CompareSettings::new(5.0))
    };
    // The machine: everything 1.25× slower, the reference programs too.
    let machine = moved(1.25);
    let whole = machine.moved_as_a_whole();
    assert!(!whole.is_empty());
    assert!(whole.iter().all(|m| m.machine), "{whole:?}");
    assert!(machine.moved_unexplained().is_empty());
    assert!(machine.slower().is_empty());
    assert!(comparison_markdown(&machine).contains("with it: the machine"));
    // The change: every Rust row 1.25×, the reference programs unmoved.
    let change = moved(1.0);
    assert_eq!(
        change.moved_unexplained().len(),
        change.moved_as_a_whole().len()
    );
    assert!(!change.moved_unexplained().is_empty());
    assert!(comparison_markdown(&change).contains("**not explained by the machine**"));
}

#[test]
fn a_table_merged_from_two_hosts() {
    let a = results_on("bench-a", &["latency", "h2"]);
    let mut b = results_on("bench-b", &["latency", "h2"]);
    b.environment.cpu = "Other CPU @ 2.0GHz".into();
    b.environment
        .crates
        .insert("python".into(), "3.12.1".into());
    for c in &mut b.cells {
        scale(c, &[1.1, 1.12, 1.09]);
    }
    let merged = merge(vec![a, b]).expect("merges");
    let files = render(&merged).unwrap().files;
    assert_snapshot!("merged_latency", file(&files, "workloads/latency.md"));
    assert_snapshot!("merged_h2", file(&files, "workloads/h2.md"));
    assert_snapshot!(
        "merged_environment",
        section(&file(&files, "methods.md"), "## Environment")
    );
}

/// The synthetic sweep of `httpbin` and of `url` (over HTTPS), as the
/// harness records runs against foreign servers: the server named on each
/// cell, no counters in any repeat.
fn foreign_results() -> Results {
    let mut r = results_on("bench-a", &["httpbin", "url"]);
    for cell in &mut r.cells {
        let (url, software, echo) = if cell.workload == "httpbin" {
            (
                "http://127.0.0.1:40001/delay/1?i={i}",
                Some(
                    "httpbin 0.10.4 under gunicorn 27.0.1 (gthread: 1 worker × 16 threads)".into(),
                ),
                Echo::Args,
            )
        } else {
            ("https://127.0.0.1:8443/items/{i}", None, Echo::Nothing)
        };
        cell.foreign = Some(ForeignServer {
            url: url.into(),
            software,
            echo,
        });
        if let CellStatus::Done { repeats } = &mut cell.status {
            for rep in repeats {
                rep.server = None;
                rep.target = url.into();
                if echo == Echo::Nothing {
                    rep.summary.verified = 0;
                }
            }
        }
    }
    r
}

#[test]
fn a_table_against_a_foreign_server() {
    // httpbin: the echo verified, the floor its known delay; the user's own
    // HTTPS server: content not verified, the counted columns empty.
    let mut r = foreign_results();
    let no_tls: Vec<String> = r
        .rows
        .iter()
        .filter(|row| row.tls.is_none())
        .map(|row| row.id.clone())
        .collect();
    for cell in r.cells.iter_mut().filter(|c| c.workload == "url") {
        cell.plan.tls = true;
        if no_tls.contains(&cell.row) {
            cell.status = CellStatus::Unsupported {
                reason: "the client has no TLS stack here".into(),
            };
        }
    }
    let files = render(&r).expect("renders").files;
    assert_snapshot!("foreign_httpbin", file(&files, "workloads/httpbin.md"));
    assert_snapshot!("foreign_url", file(&files, "workloads/url.md"));
    let verdict = section(&file(&files, "README.md"), "## Verdict");
    assert!(
        verdict.contains("your own API") && verdict.contains("httpbin"),
        "{verdict}"
    );
}
