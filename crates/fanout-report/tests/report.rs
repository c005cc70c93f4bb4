//! Behaviour of the report beyond the snapshots: which files `render`
//! returns, what a page says about a chart without data, odd and empty
//! inputs rendering without a panic, rows and workloads the results name
//! but this fanout does not know — and, on the same synthetic results,
//! what `fanout_results`' `merge` and `compare` refuse, note and match.

mod common;

use common::{file, results, results_on, section};
use fanout_report::render;
use fanout_results::{CellStatus, Results, Verdict, compare, merge, merge_noted};

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn every_page_and_chart_with_data_is_returned_and_embedded() {
    let files = render(&results()).unwrap().files;
    let mut got = names(&files);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "README.md",
            "c10k-memory.svg",
            "demo-heartbeat.svg",
            "h2-protocols.svg",
            "idioms-tokio-reqwest.svg",
            "idioms.md",
            "json-cpu.svg",
            "methods.md",
            "pitfalls.md",
            "results.csv",
            "scaling.svg",
            "summary.svg",
            "throughput-cpu.svg",
            "throughput-rate.svg",
            "tls-handshake-cpu.svg",
            "workloads/api.md",
            "workloads/c10k.md",
            "workloads/demo.md",
            "workloads/faults.md",
            "workloads/h2.md",
            "workloads/json.md",
            "workloads/latency.md",
            "workloads/scaling.md",
            "workloads/throughput.md",
            "workloads/tls-handshake.md",
        ]
    );
    let pages: String = files
        .iter()
        .filter(|(n, _)| n.ends_with(".md"))
        .map(|(n, b)| {
            let text = String::from_utf8(b.clone()).unwrap();
            // Links from a workload page lead up a directory.
            if n.starts_with("workloads/") {
                text.replace("](../", "](")
            } else {
                text
            }
        })
        .collect();
    for (name, bytes) in &files {
        if name.ends_with(".svg") {
            assert!(pages.contains(&format!("]({name})")), "{name} not embedded");
            let svg = String::from_utf8(bytes.clone()).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{name}");
        }
    }
    // Every local link of every page leads to a file that was rendered.
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".md")) {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
        for link in text.split("](").skip(1).filter_map(|t| t.split(')').next()) {
            let target = link.split('#').next().unwrap();
            if target.is_empty() || target.starts_with("http") {
                continue;
            }
            let path = match target.strip_prefix("../") {
                Some(up) => up.to_string(),
                None if dir.is_empty() => target.to_string(),
                None => format!("{dir}/{target}"),
            };
            assert!(
                path == "results.json" || files.iter().any(|(n, _)| *n == path),
                "{name} links to {target}, which is not rendered"
            );
        }
    }
    let svg = file(&files, "h2-protocols.svg");
    for text in ["HTTP/1.1", "HTTP/2", "tokio-hyper-tuned (tuned)"] {
        assert!(svg.contains(text), "{text} missing from h2-protocols.svg");
    }
    assert!(
        !svg.contains(">threads-ureq<"),
        "HTTP/1.1-only rows have no h2 bars"
    );
}

#[test]
fn the_scaling_chart_has_a_panel_per_group_of_rows() {
    let svg = file(&render(&results()).unwrap().files, "scaling.svg");
    for panel in [
        "blocking clients and threads",
        "tokio",
        "smol",
        "reference programs",
    ] {
        assert!(svg.contains(&format!("\n{panel}\n")), "no panel {panel}");
    }
}

#[test]
fn a_chart_without_data_is_not_returned_and_its_page_says_why() {
    let mut r = results_on("bench-a", &["c10k"]);
    for row in &mut r.rows {
        row.idle_rss_kib = None;
    }
    let files = render(&r).unwrap().files;
    assert!(!names(&files).contains(&"c10k-memory.svg"));
    let page = file(&files, "workloads/c10k.md");
    assert!(
        page.contains(
            "*No chart `c10k-memory.svg` (Client memory per in-flight request on c10k): no cell ran with the row's idle RSS known.*"
        ),
        "{page}"
    );
    // A workload not in the results gets no page and no chart link.
    assert!(!names(&files).iter().any(|n| n.contains("scaling")));
}

#[test]
fn no_cells_render_a_readme_that_says_so() {
    let mut r = results();
    r.cells.clear();
    r.generators.clear();
    r.overhead.clear();
    let rendered = render(&r).unwrap();
    let readme = file(&rendered.files, "README.md");
    assert!(readme.contains("## No data"), "{readme}");
    assert_eq!(file(&rendered.files, "results.csv").lines().count(), 1);
    assert!(!rendered.readme_block.contains('|'));
}

#[test]
fn odd_numbers_do_not_panic() {
    let mut r = results_on("bench-a", &["latency", "throughput", "c10k", "h2"]);
    for (i, c) in r.cells.iter_mut().enumerate() {
        if let CellStatus::Done { repeats } = &mut c.status {
            for rep in repeats.iter_mut() {
                match i % 4 {
                    0 => rep.summary.wall_ms = f64::NAN,
                    1 => rep.summary.wall_ms = 0.0,
                    2 => rep.server = Default::default(),
                    _ => rep.cpu_user_s = f64::INFINITY,
                }
            }
            if i % 7 == 0 {
                repeats.clear();
            }
        }
    }
    r.overhead[0].bare.clear();
    r.generators[0].req_per_s = f64::NAN;
    let files = render(&r).unwrap().files;
    assert!(
        files
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("*no repeats*"))
    );
    let c = compare(&r, &results(), &fanout_results::CompareSettings::new(5.0));
    assert!(!fanout_report::comparison_markdown(&c).is_empty());
}

#[test]
fn unknown_rows_and_workloads_are_rendered_not_dropped() {
    let mut r = results_on("bench-a", &["latency"]);
    let mut odd = r.cells[3].clone();
    odd.workload = "future-workload".into();
    odd.label = "future-workload".into();
    odd.row = "mystery-row".into();
    r.cells.push(odd);
    let files = render(&r).unwrap().files;
    let s = file(&files, "workloads/future-workload.md");
    assert!(
        s.contains("A workload this version of fanout does not know"),
        "{s}"
    );
    assert!(s.contains("| `mystery-row` |"), "{s}");
    let methods = file(&files, "methods.md");
    assert!(methods.contains("| `mystery-row` | *not described in results.json* |"));
    assert!(file(&files, "README.md").contains("(workloads/future-workload.md)"));
}

#[test]
fn the_readme_block_holds_the_verdict_and_the_in_readme_workloads_table() {
    let block = render(&results()).unwrap().readme_block;
    assert!(block.starts_with("| Scenario |"), "{block}");
    assert!(block.contains("](results/workloads/latency.md)"), "{block}");
    assert!(block.contains("1\u{202f}000 × 100 ms, unbounded; floor 100 ms"));
    assert_eq!(block.matches("| Row |").count(), 1, "{block}");
}

fn refused(sets: Vec<Results>) -> String {
    format!("{:#}", merge(sets).expect_err("refused"))
}

#[test]
fn merge_refuses_what_cannot_be_combined() {
    let a = || results_on("bench-a", &["demo"]);
    let b = || results_on("bench-b", &["demo"]);
    let mut quick = b();
    quick.settings.quick = true;
    let e = refused(vec![a(), quick]);
    assert!(
        e.contains("set 2 (`bench-b`) is a `--quick` run and set 1 (`bench-a`) is a full run"),
        "{e}"
    );
    let mut old = b();
    old.schema = 1;
    let e = refused(vec![a(), old]);
    assert!(
        e.contains("set 2 (`bench-b`) has schema 1, set 1 (`bench-a`) has schema 2"),
        "{e}"
    );
    let e = refused(vec![a(), a()]);
    assert!(
        e.contains("host `bench-a` appears in more than one result set"),
        "{e}"
    );
    let e = refused(vec![a(), results_on("", &["demo"])]);
    assert!(e.contains("records no host name"), "{e}");
    assert!(refused(Vec::new()).contains("nothing to merge"));
}

#[test]
fn merge_unions_rows_tags_cells_and_notes_what_it_leaves_out() {
    let a = results_on("bench-a", &["latency"]);
    let mut b = results_on("bench-b", &["latency"]);
    let i = b
        .rows
        .iter()
        .position(|r| r.id == "python-aiohttp-gather")
        .unwrap();
    b.rows[i].runtime = "CPython 3.12.1 (project venv)".into();
    let mut extra = b.rows[2].clone();
    extra.id = "only-on-b".into();
    b.rows.push(extra);
    let m = merge_noted(vec![a.clone(), b.clone()]).unwrap();
    let r = &m.results;
    assert_eq!(r.rows.len(), a.rows.len() + 1);
    assert_eq!(
        r.rows[i].runtime, a.rows[i].runtime,
        "the first description wins"
    );
    assert_eq!(r.row("only-on-b").unwrap().idle_rss_kib, None);
    assert_eq!(r.cells.len(), a.cells.len() + b.cells.len());
    assert!(r.cells.iter().all(|c| c.host.is_some()));
    assert_eq!(r.merged.len(), 1);
    assert_eq!(r.merged[0].host, "bench-b");
    assert_eq!(r.generators, a.generators);
    assert_eq!(
        m.notes,
        [
            "row `python-aiohttp-gather`: its description differs on `bench-b` (runtime); the first is kept",
            "row `only-on-b`: idle RSS measured on `bench-b` only, not kept (results.json holds one per row, the first host's); its RSS per in-flight request is not shown",
            "the load-generator lines and harness-overhead figures of `bench-b` were left out: results.json does not record a host for them, so only the first set's are kept",
        ]
    );
}

#[test]
fn compare_matches_by_host_once_merged() {
    let merged = merge(vec![
        results_on("bench-a", &["demo"]),
        results_on("bench-b", &["demo"]),
    ])
    .unwrap();
    let same = compare(&merged, &merged, &fanout_results::CompareSettings::new(5.0));
    assert!(same.differs.is_empty());
    assert!(same.changes.iter().all(|c| c.host.is_some()));
    assert!(same.slower().is_empty());
    // A single host's set against the merged one: its cells match that host's.
    let single = results_on("bench-a", &["demo"]);
    let c = compare(&single, &merged, &fanout_results::CompareSettings::new(5.0));
    let only_new = c
        .changes
        .iter()
        .filter(|c| c.verdict == Verdict::OnlyNew)
        .count();
    assert_eq!(only_new, single.cells.len());
    assert!(
        c.differs
            .iter()
            .any(|d| d == "hosts: `bench-a` → `bench-a`, `bench-b`"),
        "{:?}",
        c.differs
    );
    // Each host's environment is compared with the same host's.
    let mut b = results_on("bench-b", &["demo"]);
    b.environment.rustc = "rustc 1.91.0".into();
    let newer = merge(vec![results_on("bench-a", &["demo"]), b]).unwrap();
    assert_eq!(
        compare(&merged, &newer, &fanout_results::CompareSettings::new(5.0)).differs,
        ["on `bench-b`, rustc: `rustc 1.90.0` → `rustc 1.91.0`"]
    );
}

#[test]
fn consecutive_sweeps_rank_rows_alike_unless_a_pair_flips() {
    let old = results();
    let same = fanout_results::stability(&old, &old, 10.0);
    assert!(same.rankings > 0, "{same:?}");
    assert_eq!((same.agree, same.flipped.len()), (same.rankings, 0));

    // Make the fastest row of one table the slowest in the new sweep.
    let mut new = old.clone();
    let cells: Vec<usize> = (0..new.cells.len())
        .filter(|&i| {
            new.cells[i].workload == old.cells[0].workload && new.cells[i].repeats().is_some()
        })
        .collect();
    let (fast, _) = cells
        .iter()
        .map(|&i| (i, new.cells[i].derived().unwrap().wall_ms))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    if let CellStatus::Done { repeats } = &mut new.cells[fast].status {
        for r in repeats {
            r.summary.wall_ms *= 100.0;
        }
    }
    let s = fanout_results::stability(&old, &new, 10.0);
    assert!(s.agree < s.rankings && !s.flipped.is_empty(), "{s:?}");
    assert!(
        s.flipped[0].contains(&new.cells[fast].row),
        "{:?}",
        s.flipped
    );
    let mut with = new.clone();
    with.stability = Some(s);
    let files = render(&with).unwrap().files;
    let methods = file(&files, "methods.md");
    assert!(
        section(&methods, "## Between sweeps").contains("rankings agree"),
        "{methods}"
    );
    assert!(file(&files, "README.md").contains("rankings agree with the previous sweep"));
}
