//! Tidy checks that keep the docs and the code telling the same story
//! (rust-analyzer's `xtask/src/tidy.rs` is the model): the registry, the
//! `crates/rt-*` folders, the README's Rows table, the crates whose
//! versions the report records, the CI script and the README's test
//! command — and three rules of the project: every workload declares the
//! scenario the report's verdict reads and a figure that decides it, no
//! workload id is matched as a string outside the workload definitions,
//! and no row turns certificate verification off.

use std::path::{Path, PathBuf};

use fanout::registry;

fn root() -> PathBuf {
    fanout::paths::root()
}

fn read(p: impl AsRef<Path>) -> String {
    let p = root().join(p);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every file under `dir` (relative to the root) whose name ends in one of `exts`.
fn files(dir: &str, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if p.is_dir() {
                if !["target", "node_modules", "__pycache__", ".git"].contains(&name.as_str()) {
                    stack.push(p);
                }
            } else if exts.iter().any(|x| name.ends_with(x)) {
                out.push(p);
            }
        }
    }
    out
}

/// The README's Rows table: (id, idiom) per line.
fn readme_rows() -> Vec<(String, String)> {
    let readme = read("README.md");
    let start = readme
        .find("## Rows")
        .expect("the README has a Rows section");
    let end = readme[start..]
        .find("<!-- rows:end")
        .map(|i| start + i)
        .expect("the Rows table ends with the rows:end marker");
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let id = cells[1].split('`').nth(1).unwrap_or_default();
            (id.to_string(), cells[5].to_string())
        })
        .collect()
}

#[test]
fn the_readme_rows_table_lists_every_registered_row_with_its_idiom() {
    let table = readme_rows();
    let rows = registry::all();
    for row in &rows {
        let line = table.iter().find(|(id, _)| id == row.id());
        let Some((_, idiom)) = line else {
            panic!(
                "row {} is registered but not in the README's Rows table (add a line above `<!-- rows:end`)",
                row.id()
            );
        };
        assert_eq!(
            idiom,
            row.describe().idiom.as_str(),
            "the README's idiom for {}",
            row.id()
        );
    }
    for (id, _) in &table {
        assert!(
            rows.iter().any(|r| r.id() == id),
            "the README's Rows table lists {id}, which is not registered"
        );
    }
}

#[test]
fn every_row_crate_is_registered_tested_and_documented() {
    let manifest = read("crates/fanout/Cargo.toml");
    let registry_src = read("crates/fanout/src/registry.rs");
    let mut readmes = String::new();
    let dirs: Vec<_> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rt-"))
        .collect();
    assert!(!dirs.is_empty());
    for dir in &dirs {
        assert!(
            manifest.contains(&format!("{dir} = {{ path = \"../{dir}\" }}")),
            "crates/{dir} is not a dependency of crates/fanout"
        );
        let module = dir.replace('-', "_");
        assert!(
            registry_src.contains(&format!("{module}::")),
            "crates/{dir} is not in the registry"
        );
        assert!(
            root()
                .join(format!("crates/{dir}/tests/conformance.rs"))
                .exists(),
            "crates/{dir} has no tests/conformance.rs"
        );
        readmes.push_str(&read(format!("crates/{dir}/README.md")));
    }
    for row in registry::rust_rows() {
        assert!(
            readmes.contains(&format!("`{}`", row.id())),
            "no crate README names row {}",
            row.id()
        );
    }
}

#[test]
fn the_recorded_crates_are_in_the_lock_file() {
    let lock = read("Cargo.lock");
    for name in fanout::environment::CRATES {
        assert!(
            lock.contains(&format!("name = \"{name}\"\n")),
            "environment.rs records {name}, which Cargo.lock does not have"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let first_screen: String = readme.lines().take(40).collect::<Vec<_>>().join("\n");
    for cmd in ["cargo test --workspace", "cargo bench"] {
        assert!(
            first_screen.contains(cmd),
            "the README's first screen lacks `{cmd}`"
        );
    }
    assert!(read(".ci/run").contains("cargo test --workspace"));
}

#[test]
fn every_workload_declares_a_scenario_and_a_figure_its_last_plan_has() {
    use fanout_core::Metric;
    let mut seen = std::collections::BTreeSet::new();
    for w in fanout_core::WORKLOADS {
        let s = w.scenario;
        assert!(
            !s.says.trim().is_empty(),
            "workload {} has no scenario sentence (Workload::scenario.says in workload.rs)",
            w.id
        );
        assert!(
            seen.insert(s.says),
            "two workloads share the scenario {:?}: the verdict would list it twice",
            s.says
        );
        // The verdict reads the last plan: it must have the deciding figure.
        let last = w.plans().pop().expect("a workload has a plan");
        match s.decided_by {
            Metric::Wall | Metric::CpuPerRequest | Metric::MemoryPerInFlight => {}
            Metric::CpuPerHandshake => assert!(
                last.tls && !last.keep_alive,
                "workload {} is decided by CPU per handshake, but its last plan does not make a TLS handshake per request (HTTPS without keep-alive)",
                w.id
            ),
            other => panic!(
                "workload {} is decided by {other:?}, which the report cannot read yet (fanout-report's figures::metric)",
                w.id
            ),
        }
    }
}

#[test]
fn no_workload_id_is_matched_as_a_string_outside_the_workload_definitions() {
    let mut offenders = Vec::new();
    for dir in [
        "crates/fanout/src",
        "crates/fanout-report/src",
        "crates/fanout-results/src",
        "crates/fanout-server/src",
        "benches/benches",
    ] {
        for f in files(dir, &[".rs"]) {
            let text = std::fs::read_to_string(&f).unwrap();
            // Test modules may build synthetic results with ids.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for w in fanout_core::WORKLOADS {
                let quoted = format!("\"{}\"", w.id);
                // Matched: compared, a match arm, or looked up by name.
                let matched = [
                    format!("== {quoted}"),
                    format!("{quoted} =="),
                    format!("!= {quoted}"),
                    format!("{quoted} =>"),
                    format!("{quoted} |"),
                    format!("| {quoted}"),
                    format!("get({quoted})"),
                    format!("contains(&{quoted})"),
                ];
                for (n, line) in code.lines().enumerate() {
                    let l = line.trim_start();
                    // The body format `json` shares a workload's spelling.
                    let format = line.contains("Format::");
                    if matched.iter().any(|m| line.contains(m.as_str()))
                        && !l.starts_with("//")
                        && !format
                    {
                        offenders.push(format!("{}:{}: {}", f.display(), n + 1, l));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "workload ids as strings:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn no_row_turns_certificate_verification_off() {
    const FORBIDDEN: [&str; 10] = [
        "danger_accept_invalid",
        "disable_verification",
        "dangerous()",
        "verify=False",
        "CERT_NONE",
        "InsecureSkipVerify",
        "rejectUnauthorized",
        "NODE_TLS_REJECT_UNAUTHORIZED",
        "--insecure",
        "check_hostname = False",
    ];
    let mut offenders = Vec::new();
    for dir in ["crates", "baselines"] {
        for f in files(dir, &[".rs", ".py", ".js", ".mjs", ".go"]) {
            let path = f.to_string_lossy().into_owned();
            let is_row = path.contains("/crates/rt-") || path.contains("/baselines/");
            if !is_row {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                if FORBIDDEN.iter().any(|s| line.contains(s)) {
                    offenders.push(format!("{path}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "verification switched off:\n{}",
        offenders.join("\n")
    );
}
