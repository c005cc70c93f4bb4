//! The Python reference rows' own virtual environment, managed by the
//! project: created on first use under the target directory
//! (`target/fanout-python/venv`) from `baselines/python/requirements.txt`,
//! whose every package is pinned and hashed (`pip install --require-hashes`),
//! and reused afterwards. Nothing is installed into the system Python.
//!
//! Several processes may ask at once (the tests run in parallel): the first
//! takes a file lock and builds the environment, the others wait on the lock
//! and then find it ready. An environment is reused only if it was built from
//! the requirements file as it is now (a copy is kept beside it); a failed
//! install leaves no such copy, so the next use tries again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

/// The requirements file the environment is built from.
pub fn requirements() -> PathBuf {
    crate::paths::root().join("baselines/python/requirements.txt")
}

/// Where the environment lives: `$CARGO_TARGET_DIR/fanout-python`, else
/// `target/fanout-python` in the workspace.
pub fn dir() -> PathBuf {
    crate::paths::target_dir().join("fanout-python")
}

/// The interpreter that creates the environment: `$PYTHON`, else `python3`.
fn base_python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The environment's interpreter, building the environment first if needed
/// (once per process; later calls return the first answer). `Err` says why
/// the Python rows cannot run here, in one line, with what to do.
pub fn interpreter() -> Result<PathBuf, String> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY
        .get_or_init(|| ensure(&dir(), &requirements()))
        .clone()
}

fn venv_python(dir: &Path) -> PathBuf {
    dir.join("venv/bin/python")
}

/// Builds (or finds) the environment in `dir` from `requirements`.
fn ensure(dir: &Path, requirements: &Path) -> Result<PathBuf, String> {
    let wanted = std::fs::read_to_string(requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock = std::fs::File::create(dir.join("lock"))
        .map_err(|e| format!("cannot create {}: {e}", dir.join("lock").display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", dir.join("lock").display()))?;
    let stamp = dir.join("installed-requirements.txt");
    let python = venv_python(dir);
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    let _ = std::fs::remove_file(&stamp);
    let started = Instant::now();
    eprintln!(
        "fanout: setting up the Python reference rows (once): `{} -m venv {}`, then pip \
         installs aiohttp, requests and their dependencies from {} (pinned, --require-hashes) \
         into it; the system Python is not touched",
        base_python(),
        dir.join("venv").display(),
        requirements.display()
    );
    if dir.join("venv").exists() {
        std::fs::remove_dir_all(dir.join("venv")).map_err(|e| {
            format!(
                "cannot remove the stale {}: {e}",
                dir.join("venv").display()
            )
        })?;
    }
    run(
        Command::new(base_python())
            .args(["-m", "venv"])
            .arg(dir.join("venv")),
        &format!(
            "{} not found: install Python 3 to run the Python reference rows",
            base_python()
        ),
        "cannot create the virtual environment",
    )?;
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--require-hashes",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "-r",
            ])
            .arg(requirements),
        "the new virtual environment has no python",
        &format!(
            "pip could not install {} (the Python rows need PyPI, or a pip mirror, once)",
            requirements.display()
        ),
    )?;
    std::fs::write(&stamp, &wanted)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    eprintln!(
        "fanout: the Python environment is ready ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(python)
}

/// Runs `cmd`; `Err` with `missing` when it cannot start, or `failed` and
/// the last line it printed when it fails.
fn run(cmd: &mut Command, missing: &str, failed: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing.to_string(),
        _ => format!("{failed}: {e}"),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "{failed}: {}",
        crate::harness::child::last_line(&text)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_install_is_reported_and_retried() {
        let dir = tempfile::tempdir().unwrap();
        let req = dir.path().join("requirements.txt");
        // A requirement without a hash: pip refuses it under --require-hashes,
        // before any download.
        std::fs::write(&req, "surely-not-a-package==1.0\n").unwrap();
        let env = dir.path().join("env");
        let err = ensure(&env, &req).unwrap_err();
        assert!(err.starts_with("pip could not install"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        assert!(
            !env.join("installed-requirements.txt").exists(),
            "a failed install must not be marked as done"
        );
    }

    #[test]
    fn an_empty_requirements_file_gives_a_reused_environment() {
        let dir = tempfile::tempdir().unwrap();
        let req = dir.path().join("requirements.txt");
        std::fs::write(&req, "# nothing\n").unwrap();
        let env = dir.path().join("env");
        let python = ensure(&env, &req).unwrap();
        assert!(python.exists());
        let cfg = env.join("venv/pyvenv.cfg");
        let made = std::fs::metadata(&cfg).unwrap().modified().unwrap();
        assert_eq!(ensure(&env, &req).unwrap(), python);
        let again = std::fs::metadata(&cfg).unwrap().modified().unwrap();
        assert_eq!(made, again, "the environment was rebuilt, not reused");
    }
}
