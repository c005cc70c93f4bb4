//! Tidy checks that keep the docs and the code telling the same story
//! (rust-analyzer's `xtask/src/tidy.rs` is the model): the registry, the
//! `crates/rt-*` folders, the README's Rows table, the crates whose
//! versions the report records, the CI script and the README's test
//! command — and four rules of the project: every workload declares the
//! scenario the report's verdict reads and a figure that decides it, no
//! workload id is matched as a string outside the workload definitions, no
//! row turns certificate verification off, and no two files of one crate
//! need each other (a circle; see `circles/mod.rs` for what counts).

use std::path::{Path, PathBuf};

use fanout::registry;

mod circles;

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

/// Circles allowed for now, each as (crate, its files, the reason): none.
/// An entry must name a circle that exists (the test fails once it is gone).
const ALLOWED_CIRCLES: &[(&str, &[&str], &str)] = &[];

#[test]
fn no_file_is_in_a_circle() {
    let mut circles = Vec::new();
    for krate in circles::crates(&root()) {
        circles.extend(krate.circles());
    }
    let allowed = |c: &circles::Circle| {
        ALLOWED_CIRCLES.iter().any(|(krate, files, _)| {
            c.krate.starts_with(krate) && c.files.iter().eq(files.iter().copied())
        })
    };
    let mut problems: Vec<String> = circles
        .iter()
        .filter(|c| !allowed(c))
        .map(|c| {
            let files: Vec<&str> = c.files.iter().map(String::as_str).collect();
            format!("{}: {} — e.g. {}", c.krate, files.join(", "), c.cycle)
        })
        .collect();
    for (krate, files, _) in ALLOWED_CIRCLES {
        let still = circles
            .iter()
            .any(|c| c.krate.starts_with(krate) && c.files.iter().eq(files.iter().copied()));
        if !still {
            problems.push(format!(
                "{krate}: the allowed circle {files:?} is gone: remove it from ALLOWED_CIRCLES"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "files that need each other (move what both need into a file of its own, \
         or let one of them take a value instead of naming the other):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_circle_finder_follows_re_exports_and_spares_parents_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("crates/demo/src");
    std::fs::create_dir_all(src.join("facade")).unwrap();
    std::fs::write(dir.path().join("crates/demo/Cargo.toml"), "").unwrap();
    for (file, text) in [
        (
            "lib.rs",
            "mod a; mod b; mod c; mod d; mod facade; pub use facade::F; pub struct Root;",
        ),
        // A circle between siblings, one side in code only.
        (
            "a.rs",
            "use crate::b::B; pub struct A; pub fn g() { crate::d::f(); }",
        ),
        (
            "b.rs",
            "pub struct B; pub fn f() -> crate::a::A { crate::a::A }",
        ),
        // A circle through a re-export: `crate::F` is defined in facade/inner.rs.
        ("c.rs", "pub struct C; pub fn f() -> crate::F { todo!() }"),
        (
            "facade/mod.rs",
            "mod inner; pub use inner::F; pub struct Shared;",
        ),
        (
            "facade/inner.rs",
            "use super::Shared; use crate::Root; pub struct F(crate::c::C);",
        ),
        // Test code and a parent's own items tie no knot.
        (
            "d.rs",
            "pub fn f() -> crate::Root { todo!() }\n#[cfg(test)] mod tests { use crate::a::A; }",
        ),
    ] {
        std::fs::write(src.join(file), text).unwrap();
    }
    let found: Vec<Vec<String>> = circles::crates(dir.path())
        .iter()
        .flat_map(|k| k.circles())
        .map(|c| c.files.into_iter().collect())
        .collect();
    assert_eq!(
        found,
        [
            vec!["src/a.rs", "src/b.rs"],
            vec!["src/c.rs", "src/facade/inner.rs"]
        ],
        "{found:?}"
    );
}

#[test]
fn the_sweep_help_names_every_workload() {
    let help = read("crates/fanout/src/cli/sweep.rs");
    let start = help
        .find("/// Only these workloads")
        .expect("sweep's --workloads help");
    let text: String = help[start..]
        .lines()
        .take_while(|l| l.trim_start().starts_with("///"))
        .collect::<Vec<_>>()
        .join(" ");
    for w in fanout_core::WORKLOADS.iter() {
        assert!(
            text.contains(&format!(" {},", w.id)) || text.contains(&format!(" {};", w.id)),
            "`fanout sweep --workloads` help does not name {}: {text}",
            w.id
        );
    }
}
