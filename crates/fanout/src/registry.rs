//! The registry: every row the harness knows, one line per row family.
//!
//! Adding a runtime: one dependency line in this crate's `Cargo.toml` and one
//! line below. `cargo test` then runs the conformance kit on it and
//! `fanout list` shows it.

use fanout_core::Runtime;

/// Every registered row, in report order.
pub fn rows() -> Vec<Box<dyn Runtime>> {
    let mut rows: Vec<Box<dyn Runtime>> = Vec::new();
    rows.extend(rt_sequential::Sequential::rows());
    rows.extend(rt_threads::Threads::rows());
    rows.extend(rt_tokio::Tokio::rows());
    rows.extend(rt_async_std::AsyncStd::rows());
    rows.extend(rt_smol::Smol::rows());
    rows.extend(rt_compio::Compio::rows());
    // new rows go above this line (cargo xtask new-runtime)
    rows
}

/// The ids of every row, comma-separated (for error messages).
pub fn ids() -> String {
    rows().iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
}

/// Looks a row up by id.
pub fn find(id: &str) -> Result<Box<dyn Runtime>, UnknownRow> {
    rows()
        .into_iter()
        .find(|r| r.id() == id)
        .ok_or_else(|| UnknownRow(id.to_string()))
}

/// A row id that is not registered.
#[derive(Debug)]
pub struct UnknownRow(pub String);

impl std::fmt::Display for UnknownRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown runtime {:?}; known runtimes: {} (see `fanout list`)",
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
        let rows = rows();
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
    fn unknown_ids_list_the_known_ones() {
        let msg = find("nope").err().unwrap().to_string();
        assert!(
            msg.contains("tokio-reqwest") && msg.contains("sequential-ureq"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
}
