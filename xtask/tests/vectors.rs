//! The committed golden vectors (`baselines/vectors.json`) are what
//! fanout-core writes now: a change to a rule in core fails here until the
//! file is regenerated (`cargo xtask vectors`), and then the ports' tests
//! (`crates/fanout/tests/ports.rs`) fail until they follow.

use std::path::Path;

#[test]
fn the_committed_vectors_are_what_core_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if let Err(e) = xtask::vectors::run(root, true) {
        panic!("{e}");
    }
}

#[test]
fn the_vectors_hold_what_the_ports_check() {
    let v = xtask::vectors::vectors();
    for key in [
        "urls",
        "bodies",
        "body_checks",
        "documents",
        "document_checks",
        "faults",
        "fault_kinds",
        "error_kinds",
        "invalid_plans",
    ] {
        assert!(
            v[key].as_array().is_some_and(|a| !a.is_empty()),
            "{key} is missing or empty"
        );
    }
    // Every verdict a port is checked against occurs at least once.
    let kinds: Vec<&str> = v["document_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap_or("ok"))
        .collect();
    for k in ["ok", "decode", "body-mismatch"] {
        assert!(kinds.contains(&k), "no document check gives {k}: {kinds:?}");
    }
    let oks: Vec<bool> = v["body_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ok"].as_bool().unwrap())
        .collect();
    assert!(oks.contains(&true) && oks.contains(&false), "{oks:?}");
    // Foreign servers: every verdict, read and echo a port must reproduce.
    let f = &v["foreign"];
    for key in ["targets", "reads", "checks"] {
        assert!(
            f[key].as_array().is_some_and(|a| !a.is_empty()),
            "foreign.{key} is missing or empty"
        );
    }
    let checks = f["checks"].as_array().unwrap();
    let verdicts: Vec<(&str, bool)> = checks
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or("ok"),
                c["verified"].as_bool().unwrap(),
            )
        })
        .collect();
    for want in [
        ("ok", true),
        ("ok", false),
        ("status", false),
        ("decode", false),
        ("body-mismatch", false),
    ] {
        assert!(
            verdicts.contains(&want),
            "no foreign check gives {want:?}: {verdicts:?}"
        );
    }
    let reads: Vec<&str> = f["reads"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["read"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
        })
        .collect();
    for want in ["bytes", "document", "value"] {
        assert!(reads.contains(&want), "no read gives {want}");
    }
}
