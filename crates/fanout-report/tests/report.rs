//! The report writer on a small hand-built [`Results`]: every file is written,
//! every row appears in every workload table (measured, skipped, failed or
//! not run), skips carry their reason and projection, the CSV has one line
//! per cell, and each SVG names its title and every row. Two load generators
//! on one workload both appear (a line, a column and a command each), and a
//! results.json written before `wall_ms` existed still loads. Also: no cells
//! at all, and odd numbers (NaN, zeros, a single row), must not fail or panic.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use fanout::report::write_report;
use fanout::results::{
    BASELINE_ROW, Ceiling, Cell, CellStatus, Environment, Repeat, Results, RowInfo, SCHEMA,
    Settings,
};
use fanout::summary::{HeartbeatSummary, Latency, Summary};
use fanout_core::{Plan, WORKLOADS};

const TUNED: &str = "tokio-reqwest-tuned";
const REFERENCE: &str = "python-aiohttp";
const ROWS: [&str; 4] = [BASELINE_ROW, "tokio-reqwest", TUNED, REFERENCE];
const SKIP_REASON: &str = "projected time is over the cell budget";
const FAIL_REASON: &str = "child exited with status 1: ModuleNotFoundError aiohttp";
const SVGS: [(&str, &str); 5] = [
    ("scaling.svg", "Wall time vs N on scaling"),
    (
        "c10k-memory.svg",
        "Client memory per in-flight request on c10k",
    ),
    ("heartbeat.svg", "Heartbeat lateness during demo"),
    ("throughput.svg", "Requests per second on throughput"),
    ("throughput-cpu.svg", "Client CPU per request on throughput"),
];

fn row(id: &str, model: &str) -> RowInfo {
    RowInfo {
        id: id.into(),
        runtime: format!("{id} runtime"),
        client: format!("{id} client"),
        model: model.into(),
        upstream: "maintained".into(),
        tuned: (id == TUNED).then(|| "pool of 256, nodelay".to_string()),
        reference: id == REFERENCE,
        idle_rss_kib: (id != REFERENCE).then_some(4_000),
    }
}

/// Client cost of one request, µs (CPU, and wall when the server has no delay).
fn per_request_us(row: &str) -> f64 {
    match row {
        BASELINE_ROW => 60.0,
        TUNED => 14.0,
        REFERENCE => 90.0,
        _ => 18.0,
    }
}

/// Client memory per in-flight request, KiB.
fn per_request_kib(row: &str) -> u64 {
    match row {
        TUNED => 6,
        REFERENCE => 40,
        _ => 8,
    }
}

fn repeat(row: &str, plan: &Plan, wall_ms: f64, errors: &[(&str, u64)]) -> Repeat {
    let failed: u64 = errors.iter().map(|(_, n)| n).sum();
    let in_flight = if row == BASELINE_ROW {
        1
    } else {
        plan.max_in_flight()
    };
    Repeat {
        summary: Summary {
            runtime: row.into(),
            workload: None,
            plan: plan.clone(),
            requests: plan.requests,
            ok: plan.requests - failed,
            errors: errors.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            verified: plan.requests - failed,
            bytes: plan.requests * plan.bytes,
            wall_ms,
            req_per_s: plan.requests as f64 / (wall_ms / 1e3),
            latency_ms: Latency {
                p50: plan.delay.as_secs_f64() * 1e3 + 1.0,
                p90: plan.delay.as_secs_f64() * 1e3 + 2.0,
                p99: plan.delay.as_secs_f64() * 1e3 + 5.0,
                max: plan.delay.as_secs_f64() * 1e3 + 9.0,
                mean: plan.delay.as_secs_f64() * 1e3 + 1.5,
            },
            heartbeat: HeartbeatSummary {
                period_ms: 100.0,
                ticks: 20,
                missed: 0,
                max_lateness_ms: if row == BASELINE_ROW { 498.0 } else { 1.2 },
                p99_lateness_ms: if row == BASELINE_ROW { 480.0 } else { 0.8 },
            },
            threads_peak: if row == BASELINE_ROW { 1 } else { 5 },
        },
        cpu_user_s: plan.requests as f64 * per_request_us(row) * 0.7e-6,
        cpu_sys_s: plan.requests as f64 * per_request_us(row) * 0.3e-6,
        peak_rss_kib: 4_000 + in_flight * per_request_kib(row),
        exit_code: 0,
        server_peak_in_flight: in_flight,
        server_connections: in_flight,
    }
}

fn status(row: &str, workload: &str, label: &str, plan: &Plan) -> Option<CellStatus> {
    let floor = plan.floor().as_secs_f64() * 1e3;
    let cost_ms = plan.requests as f64 * per_request_us(row) / 1e3;
    let sequential = plan.requests as f64 * plan.delay.as_secs_f64() * 1e3 * 1.02 + cost_ms;
    Some(match (row, workload) {
        (BASELINE_ROW, "c10k") => CellStatus::Skipped {
            reason: SKIP_REASON.into(),
            projected_s: Some(10_000.0),
        },
        (BASELINE_ROW, "scaling") if label == "N=10000" => CellStatus::Skipped {
            reason: SKIP_REASON.into(),
            projected_s: Some(500.0),
        },
        (REFERENCE, "faults") => CellStatus::Failed {
            reason: FAIL_REASON.into(),
        },
        (REFERENCE, "payload") => return None,
        _ => {
            let base = match row {
                BASELINE_ROW => sequential,
                _ if floor == 0.0 => cost_ms / 2.0,
                TUNED => floor * 1.05 + 3.0,
                REFERENCE => floor * 1.4 + 30.0,
                _ => floor * 1.1 + 5.0,
            };
            let errors: &[(&str, u64)] = if workload == "faults" {
                &[("timeout", 12), ("reset", 3)]
            } else {
                &[]
            };
            CellStatus::Done {
                repeats: [1.0, 0.98, 1.03]
                    .iter()
                    .map(|k| repeat(row, plan, base * k, errors))
                    .collect(),
            }
        }
    })
}

fn sample_results() -> Results {
    let mut cells = Vec::new();
    for w in WORKLOADS {
        for plan in w.plans("http://127.0.0.1:40000") {
            let label = if w.id == "scaling" {
                format!("N={}", plan.requests)
            } else {
                w.id.to_string()
            };
            for r in ROWS {
                if let Some(status) = status(r, w.id, &label, &plan) {
                    cells.push(Cell {
                        row: r.into(),
                        workload: w.id.into(),
                        label: label.clone(),
                        plan: plan.clone(),
                        status,
                    });
                }
            }
        }
    }
    Results {
        schema: SCHEMA,
        environment: Environment {
            date: "2025-01-02T03:04:05Z".into(),
            commit: "0123abcd".into(),
            cpu: "Test CPU @ 3.0GHz".into(),
            cores: 2,
            memory_bytes: 8 << 30,
            kernel: "6.1.0-test".into(),
            rustc: "rustc 1.90.0".into(),
            crates: BTreeMap::from([
                ("tokio".to_string(), "1.47.1".to_string()),
                ("ureq".to_string(), "3.1.0".to_string()),
            ]),
            command: "fanout sweep".into(),
        },
        settings: Settings {
            repeats: 3,
            quick: false,
            cell_budget_s: 60.0,
        },
        rows: vec![
            row(BASELINE_ROW, "sequential"),
            row("tokio-reqwest", "async"),
            row(TUNED, "async"),
            row(REFERENCE, "async"),
        ],
        cells,
        ceilings: vec![
            Ceiling {
                tool: "wrk 4.2.0".into(),
                workload: "throughput".into(),
                req_per_s: 150_000.0,
                command: "wrk -t2 -c64 -d10s http://127.0.0.1:40000/delay/0?bytes=1024".into(),
                wall_ms: None,
            },
            oha("throughput", 20_000, 64, 200.0),
            oha("latency", 1_000, 1_000, 125.0),
        ],
    }
}

/// `oha -n N -c C` on a workload, taking `wall_ms`.
fn oha(workload: &str, n: u64, c: u64, wall_ms: f64) -> Ceiling {
    Ceiling {
        tool: "oha 1.16.0".into(),
        workload: workload.into(),
        req_per_s: n as f64 / (wall_ms / 1e3),
        command: format!(
            "oha -n {n} -c {c} --no-tui --output-format json 'http://127.0.0.1:40000/delay/0?id=0&bytes=1024'"
        ),
        wall_ms: Some(wall_ms),
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// The README text from the `### `workload`` heading to the next heading of
/// level 2 or 3.
fn section<'a>(readme: &'a str, workload: &str) -> &'a str {
    let head = format!("### `{workload}`");
    let start = readme
        .find(&head)
        .unwrap_or_else(|| panic!("no section {head}"));
    let rest = &readme[start + head.len()..];
    let end = ["\n### ", "\n## "]
        .iter()
        .filter_map(|h| rest.find(h))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

fn written() -> (tempfile::TempDir, Results) {
    let results = sample_results();
    let dir = tempfile::tempdir().expect("tempdir");
    write_report(&results, dir.path()).expect("write_report");
    (dir, results)
}

#[test]
fn every_output_is_written() {
    let (dir, _) = written();
    for name in ["README.md", "results.csv"]
        .into_iter()
        .chain(SVGS.iter().map(|s| s.0))
    {
        assert!(dir.path().join(name).is_file(), "{name} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn readme_has_environment_headlines_and_every_row_in_every_table() {
    let (dir, results) = written();
    let readme = read(dir.path(), "README.md");
    assert!(readme.contains("Generated by `fanout report` from results.json — do not edit"));
    for needle in [
        "0123abcd",
        "Test CPU @ 3.0GHz",
        "6.1.0-test",
        "rustc 1.90.0",
        "`fanout sweep`",
        "`tokio`",
        "1.47.1",
        "## Headlines",
        "the fastest row",
        "the original asyncio argument",
        "× `oha 1.16.0` (100\u{202f}000 req/s) and ",
        "× the `wrk 4.2.0` ceiling of 150\u{202f}000 req/s",
        "least client memory",
        "## Methods",
        "target/criterion/report/index.html",
    ] {
        assert!(readme.contains(needle), "README lacks {needle:?}");
    }
    for (file, _) in SVGS {
        assert!(
            readme.contains(&format!("]({file})")),
            "README does not embed {file}"
        );
    }
    for w in WORKLOADS {
        let s = section(&readme, w.id);
        for r in &results.rows {
            assert!(
                s.contains(&format!("`{}`", r.id)),
                "{} missing from `{}`",
                r.id,
                w.id
            );
        }
    }
}

#[test]
fn readme_tables_compare_and_explain_what_did_not_run() {
    let (dir, _) = written();
    let readme = read(dir.path(), "README.md");
    let latency = section(&readme, "latency");
    for needle in [
        "Relative",
        "vs `sequential-ureq`",
        "× floor",
        "1.00",
        "faster",
        "baseline",
    ] {
        assert!(latency.contains(needle), "latency table lacks {needle:?}");
    }
    assert!(latency.contains("`tokio-reqwest-tuned` (tuned)"));
    assert!(latency.contains("`python-aiohttp` (reference)"));

    let c10k = section(&readme, "c10k");
    assert!(c10k.contains(SKIP_REASON), "c10k lacks the skip reason");
    assert!(
        c10k.contains("projected 10\u{202f}000 s"),
        "c10k lacks the projection"
    );

    let scaling = section(&readme, "scaling");
    for n in ["N=1", "N=10", "N=100", "N=1000", "N=10000"] {
        assert!(scaling.contains(n), "scaling lacks {n}");
    }
    assert!(scaling.contains("at N=10000 — skipped"));

    let faults = section(&readme, "faults");
    assert!(
        faults.contains(FAIL_REASON),
        "faults lacks the failure reason"
    );
    assert!(
        faults.contains("timeout") && faults.contains("reset"),
        "faults lacks error kinds"
    );

    assert!(section(&readme, "payload").contains("not run"));
    let throughput = section(&readme, "throughput");
    for needle in [
        "| `wrk 4.2.0` (load generator) | — |",
        "| `oha 1.16.0` (load generator) | 200 ms |",
        "| × wrk | × oha | req/s |",
        "Load generator: wrk 4.2.0 against the same server: `wrk -t2 -c64 -d10s ",
        "Load generator: oha 1.16.0 against the same server: `oha -n 20000 -c 64 --no-tui ",
    ] {
        assert!(throughput.contains(needle), "throughput lacks {needle:?}");
    }
    assert!(!throughput.contains("× ceiling"));
    // `oha` alone on `latency`: its line, wall and × floor, and its column only.
    let latency_oha = latency
        .lines()
        .find(|l| l.starts_with("| `oha 1.16.0` (load generator) |"))
        .expect("an oha line on latency");
    assert!(
        latency_oha.starts_with(
            "| `oha 1.16.0` (load generator) | 125 ms | — | — | 1.25× | 1.00× | 8\u{202f}000 |"
        ),
        "{latency_oha}"
    );
    assert!(latency.contains("| × floor | × oha | req/s |") && !latency.contains("× wrk"));
    assert!(
        latency
            .contains("Load generator: oha 1.16.0 against the same server: `oha -n 1000 -c 1000 ")
    );
    assert!(!section(&readme, "c10k").contains("load generator"));
}

#[test]
fn csv_has_a_line_per_cell() {
    let (dir, results) = written();
    let mut reader = csv::Reader::from_path(dir.path().join("results.csv")).expect("open csv");
    let header = reader.headers().expect("header").clone();
    for col in [
        "row",
        "workload",
        "label",
        "status",
        "reason",
        "wall_ms_median",
        "rss_per_inflight_kib",
        "speedup_vs_sequential",
        "floor_multiple",
    ] {
        assert!(header.iter().any(|h| h == col), "csv lacks column {col}");
    }
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), results.cells.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let skipped = records
        .iter()
        .find(|r| &r[col("row")] == BASELINE_ROW && &r[col("workload")] == "c10k")
        .expect("skipped c10k line");
    assert_eq!(&skipped[col("status")], "skipped");
    assert_eq!(&skipped[col("reason")], SKIP_REASON);
    let failed = records
        .iter()
        .find(|r| &r[col("status")] == "failed")
        .expect("a failed line");
    assert_eq!(&failed[col("reason")], FAIL_REASON);
    let done = records
        .iter()
        .find(|r| &r[col("row")] == "tokio-reqwest" && &r[col("workload")] == "latency")
        .expect("a measured line");
    let speedup: f64 = done[col("speedup_vs_sequential")].parse().expect("speedup");
    assert!(speedup > 10.0, "speedup {speedup}");
    // Against the fastest generator (wrk's 150 000 req/s, not oha's 100 000).
    let fast = records
        .iter()
        .find(|r| &r[col("row")] == "tokio-reqwest" && &r[col("workload")] == "throughput")
        .expect("a throughput line");
    let rps: f64 = fast[col("req_per_s")].parse().expect("req/s");
    let multiple: f64 = fast[col("ceiling_multiple")]
        .parse()
        .expect("ceiling_multiple");
    assert!(
        (multiple - rps / 150_000.0).abs() < 1e-3,
        "{multiple} vs {rps}"
    );
    // oha alone on latency is that workload's ceiling.
    let latency_multiple: f64 = done[col("ceiling_multiple")]
        .parse()
        .expect("latency multiple");
    let latency_rps: f64 = done[col("req_per_s")].parse().expect("req/s");
    assert!((latency_multiple - latency_rps / 8_000.0).abs() < 1e-3);
}

#[test]
fn results_without_wall_ms_still_load() {
    // A results.json from before `wall_ms`: the field is absent.
    let mut value = serde_json::to_value(sample_results()).unwrap();
    for c in value["ceilings"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("wall_ms");
    }
    assert!(!value["ceilings"].to_string().contains("wall_ms"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let loaded = Results::load(&path).expect("an old results.json loads");
    assert!(loaded.ceilings.iter().all(|c| c.wall_ms.is_none()));
    assert_eq!(loaded.ceilings.len(), 3);
    write_report(&loaded, dir.path()).expect("and renders");
    let readme = read(dir.path(), "README.md");
    assert!(readme.contains("| `oha 1.16.0` (load generator) | — |"));
    // A timed generator is written without the field, as before.
    let json = serde_json::to_string(&sample_results().ceilings[0]).unwrap();
    assert!(!json.contains("wall_ms"), "{json}");
}

#[test]
fn each_svg_names_its_title_and_every_row() {
    let (dir, results) = written();
    for (file, title) in SVGS {
        let svg = read(dir.path(), file);
        assert!(svg.trim_start().starts_with("<svg"), "{file} is not SVG");
        assert!(svg.trim_end().ends_with("</svg>"), "{file} is not closed");
        assert!(svg.contains(title), "{file} lacks its title {title:?}");
        for r in &results.rows {
            assert!(svg.contains(&r.id), "{file} lacks row {}", r.id);
        }
    }
    let throughput = read(dir.path(), "throughput.svg");
    assert!(throughput.contains("wrk 4.2.0 (load generator)"));
    assert!(throughput.contains("oha 1.16.0 (load generator)"));
    assert!(read(dir.path(), "c10k-memory.svg").contains("skipped"));
}

#[test]
fn no_cells_still_writes_a_readme_saying_so() {
    let mut results = sample_results();
    results.cells.clear();
    results.ceilings.clear();
    let dir = tempfile::tempdir().expect("tempdir");
    // A chart from an earlier report must not survive a report without data.
    std::fs::write(dir.path().join("scaling.svg"), "<svg/>").unwrap();
    write_report(&results, dir.path()).expect("write_report");
    let readme = read(dir.path(), "README.md");
    assert!(readme.contains("No data"), "{readme}");
    assert!(readme.contains(BASELINE_ROW), "rows are still listed");
    assert_eq!(read(dir.path(), "results.csv").lines().count(), 1);
    for (file, _) in SVGS {
        assert!(
            !dir.path().join(file).exists(),
            "{file} written without data"
        );
    }
}

#[test]
fn odd_numbers_do_not_fail() {
    let mut results = sample_results();
    results.rows.truncate(1);
    results.cells.retain(|c| c.row == BASELINE_ROW);
    results.rows[0].idle_rss_kib = Some(u64::MAX);
    for (i, cell) in results.cells.iter_mut().enumerate() {
        if let CellStatus::Done { repeats } = &mut cell.status {
            for r in repeats.iter_mut() {
                r.summary.wall_ms = [f64::NAN, 0.0, f64::INFINITY, -1.0][i % 4];
                r.summary.heartbeat.max_lateness_ms = 0.0;
                r.summary.heartbeat.p99_lateness_ms = f64::NAN;
                r.server_peak_in_flight = 0;
                r.cpu_user_s = f64::NAN;
            }
        }
    }
    results.cells.push(Cell {
        row: "not-in-rows".into(),
        workload: "custom".into(),
        label: "custom".into(),
        plan: Plan::new("http://127.0.0.1:1", 1, Duration::ZERO),
        status: CellStatus::Done { repeats: vec![] },
    });
    let dir = tempfile::tempdir().expect("tempdir");
    write_report(&results, dir.path()).expect("write_report");
    let readme = read(dir.path(), "README.md");
    assert!(readme.contains("`not-in-rows`"));
    assert!(readme.contains("### `custom`"));
}
