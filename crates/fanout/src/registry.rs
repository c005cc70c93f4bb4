//! The registry: every row the harness knows — the Rust rows, one line per
//! row family, and the reference programs in other languages
//! ([`crate::reference`]) — behind one type, [`RowSpec`].
//!
//! Adding a Rust row family: one dependency line in this crate's
//! `Cargo.toml` and one line in [`rust_rows`] (`cargo xtask new-runtime`
//! writes both). `cargo test` then runs the conformance kit on it, `fanout
//! list` shows it, and the tidy test asks for its line in the README.

use std::path::Path;
use std::process::Command;

use fanout_core::{Description, Plan, Row, Target};

use crate::reference::Program;

/// Every registered Rust row, in report order.
pub fn rust_rows() -> Vec<Box<dyn Row>> {
    let mut rows: Vec<Box<dyn Row>> = Vec::new();
    rows.extend(rt_blocking::Blocking::rows());
    rows.extend(rt_tokio::Tokio::rows());
    rows.extend(rt_async_std::AsyncStd::rows());
    rows.extend(rt_smol::Smol::rows());
    rows.extend(rt_compio::Compio::rows());
    // new rows go above this line (cargo xtask new-runtime)
    rows
}

/// A row of the comparison: a Rust row run by this binary, or a reference
/// program in another language.
pub enum RowSpec {
    /// A registered Rust row.
    Rust(Box<dyn Row>),
    /// A reference program (Python, Node.js, Go).
    Program(&'static Program),
}

impl RowSpec {
    /// The row's id.
    pub fn id(&self) -> &'static str {
        match self {
            RowSpec::Rust(r) => r.id(),
            RowSpec::Program(p) => p.id,
        }
    }

    /// What the row is.
    pub fn describe(&self) -> Description {
        match self {
            RowSpec::Rust(r) => r.describe(),
            RowSpec::Program(p) => p.describe(),
        }
    }

    /// A program from outside Rust (shown as "(reference)").
    pub fn is_reference(&self) -> bool {
        matches!(self, RowSpec::Program(_))
    }

    /// Why the row cannot run on this machine at all (a missing toolchain),
    /// or `None`. May set the row up on first use (the Python environment,
    /// the Go build), saying so on stderr.
    pub fn unavailable(&self) -> Option<String> {
        match self {
            RowSpec::Rust(_) => None,
            RowSpec::Program(p) => p.unavailable(),
        }
    }

    /// Why the row cannot run `plan` (HTTPS without a TLS stack, a protocol
    /// its client cannot be held to), or `None`.
    pub fn unsupported(&self, plan: &Plan) -> Option<String> {
        self.describe().unsupported(plan)
    }

    /// The command that runs one fan-out of `plan` against `target` in a
    /// child process and prints its [`fanout_results::summary::Summary`] as one JSON
    /// line: `exe run --row ID --plan … --target ADDR [--ca FILE] --json` for a Rust row
    /// (`exe` is a binary that acts as `fanout`; a foreign server's `--url
    /// TEMPLATE --allow-remote [--echo args]` instead of `--target`, the
    /// parent having checked the host), the program's own command for a
    /// reference row.
    pub fn command(&self, exe: &Path, plan: &Plan, target: &Target) -> Result<Command, String> {
        let plan = serde_json::to_string(plan).map_err(|e| e.to_string())?;
        match self {
            RowSpec::Rust(r) => {
                let mut cmd = Command::new(exe);
                cmd.args(["run", "--row", r.id(), "--json", "--plan", &plan]);
                match &target.foreign {
                    Some(f) => {
                        cmd.args(["--url", &f.url, "--allow-remote"]);
                        if f.echo == fanout_core::Echo::Args {
                            cmd.args(["--echo", "args"]);
                        }
                    }
                    None => {
                        cmd.args(["--target", &target.addr]);
                    }
                }
                if let Some(ca) = &target.ca {
                    cmd.arg("--ca").arg(ca);
                }
                Ok(cmd)
            }
            RowSpec::Program(p) => p.command(&plan, target),
        }
    }
}

/// Every row — the Rust rows, then the reference programs — in report order.
pub fn all() -> Vec<RowSpec> {
    rust_rows()
        .into_iter()
        .map(RowSpec::Rust)
        .chain(crate::reference::PROGRAMS.iter().map(RowSpec::Program))
        .collect()
}

/// The ids of every row, comma-separated (for error messages).
pub fn ids() -> String {
    all().iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
}

/// Looks a row up by id.
pub fn find(id: &str) -> Result<RowSpec, UnknownRow> {
    all()
        .into_iter()
        .find(|r| r.id() == id)
        .ok_or_else(|| UnknownRow(id.to_string()))
}

/// The rows with these ids, in the order given; every row when empty.
pub fn select(ids: &[String]) -> Result<Vec<RowSpec>, UnknownRow> {
    if ids.is_empty() {
        return Ok(all());
    }
    ids.iter().map(|id| find(id)).collect()
}

/// A row id that is not registered.
#[derive(Debug)]
pub struct UnknownRow(pub String);

impl std::fmt::Display for UnknownRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown row {:?}; known rows: {} (see `fanout list`)",
            self.0,
            ids()
        )
    }
}

impl std::error::Error for UnknownRow {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let rows = all();
        let mut ids: Vec<_> = rows.iter().map(|r| r.id()).collect();
        for id in &ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "duplicate row ids");
    }

    #[test]
    fn variants_name_a_registered_row_of_their_kind() {
        let rows = all();
        for r in &rows {
            let d = r.describe();
            let Some(base) = d.variant_of else {
                assert!(
                    d.tuned.is_none() && d.focus != fanout_core::Focus::Idioms,
                    "{}: a tuned or idiom row names the row it varies (variant_of)",
                    r.id()
                );
                continue;
            };
            let b = rows
                .iter()
                .find(|b| b.id() == base)
                .unwrap_or_else(|| panic!("{}: variant_of {base:?} is not a row", r.id()));
            assert!(
                b.describe().variant_of.is_none(),
                "{}: {base} is itself a variant",
                r.id()
            );
            assert_eq!(b.is_reference(), r.is_reference(), "{}", r.id());
        }
    }

    #[test]
    fn every_row_with_tls_names_its_roots_without_a_ca() {
        for r in all() {
            let d = r.describe();
            assert_eq!(
                d.tls.is_some(),
                d.roots.is_some_and(|s| !s.is_empty()),
                "{}: a row with a TLS stack says what it trusts without a CA (Description::roots)",
                r.id()
            );
        }
    }

    #[test]
    fn unknown_ids_list_the_known_ones() {
        let msg = find("nope").err().unwrap().to_string();
        assert!(
            msg.contains("tokio-reqwest")
                && msg.contains("sequential-ureq")
                && msg.contains("python-aiohttp-gather"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
}
