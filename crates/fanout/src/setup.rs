//! The one pattern by which the project installs what it needs beyond
//! cargo, into the target directory only: the Python environment
//! ([`crate::python_env`]), Node.js ([`crate::node_env`]) and oha
//! ([`crate::tools`]).
//!
//! [`once`] takes a file lock in the install's directory (several processes
//! may ask at once: the tests run in parallel), reuses what is there when it
//! was built from the same pin (a stamp file holding the pin is written
//! last, so a failed or interrupted install is retried), and otherwise says
//! on one line what it installs and where, builds it, and says how long it
//! took. [`first_line`] reads a tool's version line, for the installs'
//! checks and for the rows' and the environment's descriptions.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Makes sure the install in `dir` is the one `pin` describes: under
/// `dir/lock`, returns at once when `dir/installed` holds `pin`; otherwise
/// prints `announce` (one line, on stderr), runs `build(dir)`, writes the
/// stamp and prints how long it took. `Err` is one line saying what to do.
pub(crate) fn once(
    dir: &Path,
    pin: &str,
    what: &str,
    announce: &str,
    build: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock_path = dir.join("lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let stamp = dir.join("installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == pin) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&stamp);
    let started = Instant::now();
    eprintln!("fanout: {announce}");
    build(dir)?;
    std::fs::write(&stamp, pin).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    eprintln!(
        "fanout: {what} is ready ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The first line a tool prints about itself (`node --version`, `wrk -v`,
/// …), on stdout or stderr, whatever its exit status (`wrk -v` exits 1);
/// `None` when it cannot run or prints nothing.
pub(crate) fn first_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(line.to_string())
}

/// Runs `cmd` to the end; `Err` with `missing` when it cannot start, or
/// `failed` and the last line it printed on stderr when it fails.
pub(crate) fn run(cmd: &mut Command, missing: &str, failed: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing.to_string(),
        _ => format!("{failed}: {e}"),
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
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
    fn an_install_runs_once_per_pin_and_a_failure_is_retried() {
        let dir = tempfile::tempdir().unwrap();
        let builds = std::cell::Cell::new(0);
        let build = |_: &Path| {
            builds.set(builds.get() + 1);
            Ok(())
        };
        once(dir.path(), "v1", "x", "installing x", build).unwrap();
        once(dir.path(), "v1", "x", "installing x", build).unwrap();
        assert_eq!(builds.get(), 1, "the same pin is reused");
        once(dir.path(), "v2", "x", "installing x", build).unwrap();
        assert_eq!(builds.get(), 2, "a new pin is installed");
        let err = once(dir.path(), "v3", "x", "installing x", |_| Err("no".into()));
        assert_eq!(err.unwrap_err(), "no");
        assert!(
            !dir.path().join("installed").exists(),
            "a failure is not stamped"
        );
        once(dir.path(), "v3", "x", "installing x", build).unwrap();
        assert_eq!(builds.get(), 3, "and the next use tries again");
    }
}
