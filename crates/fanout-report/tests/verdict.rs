//! The verdict and the pitfalls follow the data, not the names: another
//! row made faster wins its scenario; a row with a failure beyond the
//! injected faults cannot win; the verdict's figures are the workload
//! pages' figures; a tuned HTTP/2 pool row is named as the fix when it is
//! measured and not otherwise.

mod common;

use common::{file, results, results_on, section};
use fanout_core::{Metric, Workload};
use fanout_report::render;
use fanout_results::{CellStatus, Results, RowInfo};

fn readme(r: &Results) -> String {
    file(&render(r).expect("renders").files, "README.md")
}

/// The verdict's table lines: (scenario text, cells after it).
fn verdict_lines(readme: &str) -> Vec<(String, Vec<String>)> {
    section(readme, "## Verdict")
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Scenario") && !l.starts_with("| :"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            let scenario = cells[0]
                .trim_start_matches('[')
                .split("](")
                .next()
                .unwrap()
                .to_string();
            (scenario, cells[1..].to_vec())
        })
        .collect()
}

fn line<'v>(lines: &'v [(String, Vec<String>)], workload: &str) -> &'v [String] {
    let says = Workload::get(workload).unwrap().scenario.says;
    &lines
        .iter()
        .find(|(s, _)| s == says)
        .unwrap_or_else(|| panic!("no verdict line for {says}"))
        .1
}

/// Multiplies every repeat's wall time of a row's cells on a workload.
fn scale(r: &mut Results, row: &str, workload: &str, k: f64) {
    for c in r
        .cells
        .iter_mut()
        .filter(|c| c.row == row && c.workload == workload)
    {
        if let CellStatus::Done { repeats } = &mut c.status {
            for rep in repeats {
                rep.summary.wall_ms *= k;
            }
        }
    }
}

#[test]
fn another_row_made_faster_wins_its_scenario() {
    let r = results();
    let before = verdict_lines(&readme(&r));
    let choice = &line(&before, "latency")[1];
    assert!(!choice.contains("`smol-isahc`"), "{choice}");
    let mut faster = r.clone();
    scale(&mut faster, "smol-isahc", "latency", 0.5);
    let after = verdict_lines(&readme(&faster));
    let l = line(&after, "latency");
    assert_eq!(l[1], "`smol-isahc`", "{l:?}");
    // The previous choice is now the next Rust row, behind it.
    assert!(
        l[3].starts_with(choice.split(", ").next().unwrap()),
        "{l:?}"
    );
    // Nothing else changed.
    for w in ["throughput", "c10k", "api", "h2"] {
        assert_eq!(line(&before, w), line(&after, w), "{w}");
    }
}

#[test]
fn a_row_with_a_failure_beyond_the_injected_faults_cannot_win() {
    let r = results();
    let text = readme(&r);
    let lines = verdict_lines(&text);
    let faults = line(&lines, "faults");
    // The tuned row is the fastest on `faults`, but read one reset as `other`.
    assert!(!faults[1].contains("tokio-hyper-tuned"), "{faults:?}");
    assert!(
        section(&text, "## Verdict")
            .contains("Could not win, requests failed: `tokio-hyper-tuned` (tuned) on a flaky API"),
        "{text}"
    );
    // Every other row reported exactly the injected errors and can win.
    assert!(faults[1].contains('`'), "{faults:?}");
    let mut clean = r.clone();
    for c in clean
        .cells
        .iter_mut()
        .filter(|c| c.row == "tokio-hyper-tuned")
    {
        if let CellStatus::Done { repeats } = &mut c.status {
            for rep in repeats {
                rep.summary.errors = fanout_results::injected_errors(&c.plan)
                    .into_iter()
                    .collect();
            }
        }
    }
    let lines = verdict_lines(&readme(&clean));
    assert!(line(&lines, "faults")[1].starts_with("`tokio-hyper-tuned`"));
}

#[test]
fn a_scenario_without_cells_says_not_measured() {
    let lines = verdict_lines(&readme(&results_on("bench-a", &["latency"])));
    let c10k = line(&lines, "c10k");
    assert_eq!(c10k[1], "*not measured*: not in these results", "{c10k:?}");
    assert!(!line(&lines, "latency")[1].contains("not measured"));
}

/// The column of a workload table holding `m`, and the unit the verdict
/// writes after the number.
fn column(m: Metric) -> (&'static str, &'static str) {
    match m {
        Metric::Wall => ("Wall (median, min–max)", ""),
        Metric::CpuPerRequest => ("CPU µs/req", " µs"),
        Metric::CpuPerHandshake => ("CPU µs/handshake", " µs"),
        Metric::MemoryPerInFlight => ("RSS / in-flight (KiB)", " KiB"),
        _ => panic!("a metric this test does not know"),
    }
}

/// The table of `label` on a workload page: the page's only table, or the
/// one folded under that label.
fn table<'p>(page: &'p str, label: &str, plans: usize) -> &'p str {
    if plans == 1 {
        return page;
    }
    let start = page
        .find(&format!("<summary>{label} — full table"))
        .unwrap_or_else(|| panic!("no table {label}"));
    let rest = &page[start..];
    &rest[..rest.find("</details>").unwrap()]
}

/// The cell of `row` in column `col` of the first Markdown table in `text`.
fn cell(text: &str, row: &str, col: &str) -> String {
    let header: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("| Row |"))
        .unwrap()
        .split(" | ")
        .collect();
    let i = header
        .iter()
        .position(|h| h.trim() == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("| `{row}`")))
        .unwrap_or_else(|| panic!("no row {row}"));
    line.split(" | ").nth(i).unwrap().trim().to_string()
}

/// The leading number of a figure (`149 ms (146–150)` → 149, in ms).
fn number(s: &str) -> f64 {
    let n: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '\u{202f}')
        .filter(|c| *c != '\u{202f}')
        .collect();
    let v: f64 = n.parse().unwrap_or_else(|_| panic!("no number in {s:?}"));
    if s[n.len()..].contains(" s") && !s.contains(" ms") {
        v * 1e3
    } else {
        v
    }
}

#[test]
fn the_verdicts_figures_are_the_workload_pages_figures() {
    let files = render(&results()).unwrap().files;
    let readme = file(&files, "README.md");
    let (mut checked, mut ratios) = (0, 0);
    for (says, cells) in verdict_lines(&readme) {
        let w = fanout_core::WORKLOADS
            .iter()
            .find(|w| w.scenario.says == says)
            .unwrap();
        if cells[1].starts_with("*not measured*") {
            continue;
        }
        let page = file(&files, &format!("workloads/{}.md", w.id));
        let plans = w.plans();
        let label = w.label(plans.last().unwrap());
        let t = table(&page, &label, plans.len());
        let (col, unit) = column(w.scenario.decided_by);
        let best = cells[1].split(", ").next().unwrap().trim_matches('`');
        let best = best.split('`').next().unwrap();
        // The Rust choice's figure is its cell in the page's table.
        let shown = cell(t, best, col);
        let figure = cells[2].trim_end_matches(unit);
        assert!(
            shown.starts_with(figure),
            "{}: verdict {figure:?}, table {shown:?}",
            w.id
        );
        // Each reference program's ratio is its figure over the choice's.
        for r in &cells[4..] {
            if !r.contains('×') {
                assert!(r.contains("not measured"), "{}: {r:?}", w.id);
                continue;
            }
            let (program, ratio) = r
                .split_once("` ")
                .unwrap_or_else(|| panic!("{}: no program and ratio in {r:?}", w.id));
            let program = program.trim_start_matches('`');
            let ratio: f64 = ratio
                .trim_start_matches("(tuned) ")
                .trim_end_matches('×')
                .parse()
                .unwrap();
            let theirs = number(&cell(t, program, col));
            let ours = number(&shown);
            assert!(
                (theirs / ours / ratio - 1.0).abs() < 0.02,
                "{}: {program} {theirs} / {ours} vs {ratio}",
                w.id
            );
            ratios += 1;
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} verdict lines checked");
    // The fixture's Python program is measured on most of those plans.
    assert!(
        ratios >= checked / 2,
        "only {ratios} reference ratios checked on {checked} lines"
    );
}

/// A tuned HTTP/2 pool row of `tokio-reqwest`, measured on `h2`'s HTTP/2
/// plan only, at a third of the base row's wall there.
fn with_pool_row(mut r: Results) -> Results {
    let base = r.row("tokio-reqwest").unwrap().clone();
    r.rows.push(RowInfo {
        id: "tokio-reqwest-h2-pool".into(),
        tuned: Some("a pool of HTTP/2 connections, a new one when streams run out".into()),
        variant_of: Some(base.id.clone()),
        ..base
    });
    let mut cell = r
        .cells
        .iter()
        .find(|c| c.row == "tokio-reqwest" && c.workload == "h2" && c.label == "http2")
        .unwrap()
        .clone();
    cell.row = "tokio-reqwest-h2-pool".into();
    if let CellStatus::Done { repeats } = &mut cell.status {
        for rep in repeats {
            rep.summary.wall_ms /= 3.0;
            let server = rep.server.as_mut().unwrap();
            server.connections = 10;
            server.http2.connections = 10;
        }
    }
    r.cells.push(cell);
    r
}

#[test]
fn a_tuned_pool_row_is_the_http2_fix_when_measured() {
    // Every finding is on the pitfalls page (the README shows the largest).
    let pitfalls = |r: &Results| {
        let files = render(r).unwrap().files;
        let page = file(&files, "pitfalls.md");
        let body = &page[page.find("Setups that differ").expect("the section's text")..];
        format!("## Pitfalls, measured\n\n{body}")
    };
    let without = section(&pitfalls(&results()), "## Pitfalls, measured");
    let h2 = section(
        &without,
        "### HTTP/2 queues on one connection at the server's stream cap",
    );
    assert!(h2.contains("| `tokio-reqwest` over HTTP/2 |"), "{h2}");
    assert!(!h2.contains("h2-pool"), "{h2}");
    let with = section(
        &pitfalls(&with_pool_row(results())),
        "## Pitfalls, measured",
    );
    let h2 = section(
        &with,
        "### HTTP/2 queues on one connection at the server's stream cap",
    );
    assert!(
        h2.contains("| `h2` at http2 | `tokio-reqwest` | `tokio-reqwest-h2-pool` (tuned) |"),
        "{h2}"
    );
    assert!(
        h2.contains("- `tokio-reqwest-h2-pool` (tuned): a pool of HTTP/2 connections"),
        "{h2}"
    );
    // Found once, under the HTTP/2 pitfall, not again as a tuned default.
    assert_eq!(
        with.matches("`tokio-reqwest-h2-pool` (tuned) |").count(),
        1,
        "{with}"
    );
}
