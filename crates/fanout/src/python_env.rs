//! The Python reference rows' own virtual environment, managed by the
//! project: created on first use under the target directory
//! (`target/fanout-python/venv`) from `baselines/python/requirements.txt`,
//! whose every package is pinned and hashed (`pip install --require-hashes`),
//! and reused afterwards. Nothing is installed into the system Python.
//!
//! Installed the way everything the project sets up is ([`crate::setup`]):
//! under a file lock, reused only if it was built from the requirements
//! file as it is now (a copy is kept beside it as the stamp); a failed
//! install leaves no stamp, so the next use tries again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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
    let venv = dir.join("venv");
    let python = venv_python(dir);
    let announce = format!(
        "setting up the Python reference rows (once): `{} -m venv {}`, then pip installs \
         aiohttp, requests, httpx, uvloop, and httpbin under gunicorn (the httpbin workload's \
         server), with their dependencies from {} (pinned, \
         --require-hashes) into it; the system Python is not touched",
        base_python(),
        venv.display(),
        requirements.display()
    );
    crate::setup::once(dir, &wanted, "the Python environment", &announce, |_| {
        if venv.exists() {
            std::fs::remove_dir_all(&venv)
                .map_err(|e| format!("cannot remove the stale {}: {e}", venv.display()))?;
        }
        crate::setup::run(
            Command::new(base_python()).args(["-m", "venv"]).arg(&venv),
            &format!(
                "{} not found: install Python 3 to run the Python reference rows",
                base_python()
            ),
            "cannot create the virtual environment",
        )?;
        crate::setup::run(
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
        )
        .map(drop)
    })?;
    if !python.exists() {
        return Err(format!(
            "{} is missing: remove {} and run again",
            python.display(),
            dir.display()
        ));
    }
    Ok(python)
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
            !env.join("installed").exists(),
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
