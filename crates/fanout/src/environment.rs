//! [`collect`]: the machine and software a sweep runs on, recorded beside the
//! numbers (ripgrep's benchsuite records the same).

use std::collections::BTreeMap;
use std::process::Command;

use fanout_results::Environment;

/// The runtimes, clients and TLS stacks whose versions the report lists,
/// from `Cargo.lock` (the tidy test checks each is in the lock file).
pub const CRATES: &[&str] = &[
    "async-std",
    "aws-lc-rs",
    "compio",
    "criterion",
    "curl",
    "curl-sys",
    "cyper",
    "futures-util",
    "hyper",
    "hyper-rustls",
    "hyper-util",
    "isahc",
    "reqwest",
    "ring",
    "rustls",
    "serde_json",
    "smol",
    "smol-hyper",
    "surf",
    "tokio",
    "ureq",
];

/// The workspace's lock file, as built.
const CARGO_LOCK: &str = include_str!("../../../Cargo.lock");

/// Versions of [`CRATES`] in `Cargo.lock` (several versions joined by `, `).
pub fn crate_versions() -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let Ok(lock) = CARGO_LOCK.parse::<toml::Table>() else {
        return out;
    };
    let packages = lock
        .get("package")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    for p in packages {
        let (Some(name), Some(version)) = (
            p.get("name").and_then(|v| v.as_str()),
            p.get("version").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        if CRATES.contains(&name) {
            out.entry(name.to_string())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(version)
                })
                .or_insert_with(|| version.to_string());
        }
    }
    out
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The reference rows' toolchains found on this machine, by name: the
/// project's Python environment and Node.js when installed (else the
/// interpreter it would be made from; `$FANOUT_NODE`), the Go on `PATH`.
fn toolchains() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let python = crate::python_env::dir().join("venv/bin/python");
    let python = python
        .exists()
        .then(|| python.to_string_lossy().into_owned());
    let node = std::env::var_os("FANOUT_NODE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::node_env::dir().join("node/bin/node"));
    for (name, cmd, args) in [
        (
            "python",
            python.unwrap_or_else(|| "python3".into()),
            &["--version"][..],
        ),
        (
            "node",
            node.to_string_lossy().into_owned(),
            &["--version"][..],
        ),
        (
            "go",
            std::env::var("FANOUT_GO").unwrap_or_else(|_| "go".into()),
            &["version"][..],
        ),
    ] {
        if let Some(v) = crate::setup::first_line(&cmd, args) {
            out.insert(name.to_string(), v);
        }
    }
    out
}

/// Reads the environment now; `command` is the command line being run.
pub fn collect(command_line: &str) -> Environment {
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory_bytes = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024);
    let commit = match command("git", &["rev-parse", "HEAD"]) {
        Some(head) => {
            let dirty = command("git", &["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{head}-dirty") } else { head }
        }
        None => "unknown".into(),
    };
    Environment {
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        commit,
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
        memory_bytes,
        kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
        rustc: command(
            &std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
            &["--version"],
        )
        .unwrap_or_else(|| "unknown".into()),
        crates: crate_versions().into_iter().chain(toolchains()).collect(),
        command: command_line.to_string(),
        host: read("/proc/sys/kernel/hostname").trim().to_string(),
        server: String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_lock_file_names_the_clients() {
        let v = super::crate_versions();
        for c in ["tokio", "ureq", "reqwest", "hyper"] {
            assert!(v.contains_key(c), "{c} missing from {v:?}");
        }
    }
}
