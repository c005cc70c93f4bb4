//! `cargo xtask new-runtime NAME` — scaffolds a new row so that a newcomer can
//! add a runtime from CONTRIBUTING.md alone:
//!
//! 1. creates `crates/rt-NAME/` from `xtask/template/` (a working row that
//!    depends on `fanout-core` only: blocking ureq on a thread pool, to be
//!    replaced by the new runtime and client);
//! 2. adds `rt-NAME = { path = "../rt-NAME" }` to `crates/fanout/Cargo.toml`;
//! 3. adds the registry line to `crates/fanout/src/registry.rs`;
//! 4. adds the row's line to the README's Rows table (the tidy test in
//!    `crates/fanout/tests/tidy.rs` checks that table against the registry).
//!
//! Three lines outside the new crate. The new row shows in `fanout list` and
//! passes the conformance kit with no further edit. Nothing is written
//! unless every step can be done.
//!
//! `cargo xtask vectors [--check]` — writes (or checks) the golden test
//! vectors of the contract that the Python, Node.js and Go ports read
//! ([`vectors`]).

#![forbid(unsafe_code)]

pub mod vectors;

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask new-runtime NAME   (NAME: lowercase letters, digits and '-', e.g. glommio-isahc)\n       cargo xtask vectors [--check]   (write or check baselines/vectors.json)";

/// Marker line in the registry above which new rows are added.
pub const REGISTRY_MARKER: &str = "    // new rows go above this line (cargo xtask new-runtime)";
/// Marker line in `crates/fanout/Cargo.toml` below which row crates are added.
pub const MANIFEST_MARKER: &str =
    "# The rows, one crate per family (`cargo xtask new-runtime` adds a line here).";
/// Marker line in the README below the Rows table.
pub const README_MARKER: &str = "<!-- rows:end (cargo xtask new-runtime adds a line above) -->";

/// Runs `cargo xtask ARGS…` in the workspace that holds this crate.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent dir")?;
    match args {
        [cmd] if cmd == "vectors" => {
            vectors::run(root, false)?;
            println!("wrote {}", vectors::PATH);
            Ok(())
        }
        [cmd, flag] if cmd == "vectors" && flag == "--check" => vectors::run(root, true),
        [cmd, name] if cmd == "new-runtime" => {
            new_runtime(root, name)?;
            println!(
                "created crates/rt-{name}; next: edit it, then `cargo test -p rt-{name}` and `cargo run -p fanout -- list`"
            );
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// `{name}` → `{Type}` (`glommio-isahc` → `GlommioIsahc`).
fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn fill(template: &str, name: &str) -> String {
    template
        .replace("{name}", name)
        .replace("{snake}", &name.replace('-', "_"))
        .replace("{Type}", &type_name(name))
}

/// Scaffolds row `name` in the workspace at `root`.
pub fn new_runtime(root: &Path, name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        bail!("invalid row name {name:?}; {USAGE}");
    }
    let krate = root.join("crates").join(format!("rt-{name}"));
    if krate.exists() {
        bail!(
            "{} already exists; pick another name or remove it",
            krate.display()
        );
    }
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("template");
    let read = |f: &str| {
        fs::read_to_string(templates.join(f)).with_context(|| format!("cannot read template {f}"))
    };

    // Compute every edit first; write only if all of them apply.
    let fan_path = root.join("crates/fanout/Cargo.toml");
    let fan = fs::read_to_string(&fan_path).context("cannot read crates/fanout/Cargo.toml")?;
    let fan_new = insert_after(
        &fan,
        MANIFEST_MARKER,
        &format!("rt-{name} = {{ path = \"../rt-{name}\" }}"),
    )
    .context("crates/fanout/Cargo.toml has no rows marker line")?;

    let reg_path = root.join("crates/fanout/src/registry.rs");
    let reg = fs::read_to_string(&reg_path).context("cannot read crates/fanout/src/registry.rs")?;
    let reg_line = format!(
        "    rows.extend(rt_{}::{}::rows());",
        name.replace('-', "_"),
        type_name(name)
    );
    let reg_new = insert_before(&reg, REGISTRY_MARKER, &reg_line)
        .context("registry.rs has no `new rows go above this line` marker")?;

    let readme_path = root.join("README.md");
    let readme = fs::read_to_string(&readme_path).context("cannot read README.md")?;
    let readme_line = format!(
        "| `{name}` | TODO runtime | ureq | rustls 0.23 (ring) | thread-pool | auto, http1 | maintained |"
    );
    let readme_new = insert_before(&readme, README_MARKER, &readme_line)
        .context("README.md has no rows marker below its Rows table")?;

    let files = [
        ("Cargo.toml", fill(&read("Cargo.toml")?, name)),
        ("src/lib.rs", fill(&read("lib.rs")?, name)),
        ("tests/conformance.rs", fill(&read("conformance.rs")?, name)),
        ("README.md", fill(&read("README.md")?, name)),
    ];
    for (rel, text) in files {
        let path = krate.join(rel);
        fs::create_dir_all(path.parent().expect("file has a parent"))?;
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    fs::write(&fan_path, fan_new)?;
    fs::write(&reg_path, reg_new)?;
    fs::write(&readme_path, readme_new)?;
    Ok(())
}

/// Inserts `line` before the first line whose trimmed text is `marker`.
fn insert_before(text: &str, marker: &str, line: &str) -> Option<String> {
    let at = text.lines().position(|l| l.trim() == marker.trim())?;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at, line);
    Some(lines.join("\n") + "\n")
}

/// Inserts `line` after the first line equal to `marker`.
fn insert_after(text: &str, marker: &str, line: &str) -> Option<String> {
    let at = text.lines().position(|l| l.trim() == marker.trim())?;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at + 1, line);
    Some(lines.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("crates/fanout/src")).unwrap();
        fs::write(
            root.join("crates/fanout/Cargo.toml"),
            format!("[package]\nname = \"fanout\"\n\n[dependencies]\n{MANIFEST_MARKER}\nanyhow = \"1\"\n"),
        )
        .unwrap();
        fs::write(
            root.join("crates/fanout/src/registry.rs"),
            format!("fn rows() {{\n    rows.extend(a::A::rows());\n{REGISTRY_MARKER}\n}}\n"),
        )
        .unwrap();
        fs::write(
            root.join("README.md"),
            format!("## Rows\n\n| row |\n|---|\n| `a` |\n{README_MARKER}\n"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn scaffolds_the_crate_and_three_lines_outside_it() {
        let dir = fake_workspace();
        let before: Vec<String> = [
            "crates/fanout/Cargo.toml",
            "crates/fanout/src/registry.rs",
            "README.md",
        ]
        .iter()
        .map(|p| fs::read_to_string(dir.path().join(p)).unwrap())
        .collect();
        new_runtime(dir.path(), "glommio-isahc").unwrap();
        let read = |p: &str| fs::read_to_string(dir.path().join(p)).unwrap();
        let manifest = read("crates/fanout/Cargo.toml");
        assert!(manifest.contains("rt-glommio-isahc = { path = \"../rt-glommio-isahc\" }"));
        let reg = read("crates/fanout/src/registry.rs");
        assert!(
            reg.contains(
                "    rows.extend(rt_glommio_isahc::GlommioIsahc::rows());\n    // new rows go above"
            ),
            "{reg}"
        );
        assert!(read("README.md").contains("| `glommio-isahc` |"));
        let added: usize = [
            "crates/fanout/Cargo.toml",
            "crates/fanout/src/registry.rs",
            "README.md",
        ]
        .iter()
        .zip(&before)
        .map(|(p, old)| read(p).lines().count() - old.lines().count())
        .sum();
        assert_eq!(added, 3, "lines added outside the new crate");
        let lib = read("crates/rt-glommio-isahc/src/lib.rs");
        assert!(lib.contains("pub struct GlommioIsahc;") && lib.contains("\"glommio-isahc\""));
        let manifest = read("crates/rt-glommio-isahc/Cargo.toml");
        let deps = manifest.split("[dependencies]").nth(1).unwrap_or_default();
        assert!(
            !deps.contains("rt-"),
            "the template depends on no row crate: {manifest}"
        );
        for f in [
            "Cargo.toml",
            "README.md",
            "src/lib.rs",
            "tests/conformance.rs",
        ] {
            let text = read(&format!("crates/rt-glommio-isahc/{f}"));
            assert!(
                !text.contains("{name}") && !text.contains("{Type}") && !text.contains("{snake}"),
                "{f}"
            );
        }
    }

    #[test]
    fn refuses_bad_names_and_existing_crates_without_writing() {
        let dir = fake_workspace();
        for bad in ["", "Tokio", "a_b", "-x", "x-", "a--b", "9lives", "a b"] {
            assert!(new_runtime(dir.path(), bad).is_err(), "{bad:?}");
        }
        new_runtime(dir.path(), "ok").unwrap();
        let before = fs::read_to_string(dir.path().join("README.md")).unwrap();
        assert!(
            new_runtime(dir.path(), "ok")
                .unwrap_err()
                .to_string()
                .contains("already exists")
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("README.md")).unwrap(),
            before
        );
    }

    #[test]
    fn names_become_types() {
        assert_eq!(type_name("glommio-isahc"), "GlommioIsahc");
        assert_eq!(type_name("x"), "X");
    }
}
