//! The load generator the project installs itself: oha, pinned
//! ([`OHA_VERSION`]), built from crates.io with `cargo install --locked
//! --root target/fanout-tools` on first use ([`crate::setup`]: under a file
//! lock, one line saying what and where; a few minutes once, reused
//! afterwards). Its default features (rustls, with aws-lc-rs and ring built
//! by cargo from source) need no system library, so it builds on the bare
//! image. `FANOUT_NO_TOOLS=1` (or `fanout sweep --no-tools`) skips the
//! install: the sweep then runs no oha line and says why. `wrk` needs a system package and stays optional
//! (found on `PATH`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The oha release the sweep runs.
pub const OHA_VERSION: &str = "1.16.0";

/// Where it is installed: `target/fanout-tools` (the binary in `bin/`).
pub fn dir() -> PathBuf {
    crate::paths::target_dir().join("fanout-tools")
}

/// Why the tools are not installed, when `FANOUT_NO_TOOLS` asks for that.
pub fn skipped() -> Option<String> {
    skipped_by(std::env::var_os("FANOUT_NO_TOOLS"))
}

/// [`skipped`] for a value of `FANOUT_NO_TOOLS` (unset, empty and `0` do not skip).
fn skipped_by(value: Option<std::ffi::OsString>) -> Option<String> {
    value.filter(|v| !v.is_empty() && v != "0").map(|_| {
        format!(
            "oha not installed: FANOUT_NO_TOOLS is set (unset it to let the sweep build oha \
                 {OHA_VERSION} into {}, a few minutes once)",
            dir().display()
        )
    })
}

/// The oha binary, installed first if needed (once per process). `Err`
/// says why there is none, in one line.
pub fn oha() -> Result<PathBuf, String> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY
        .get_or_init(|| match skipped() {
            Some(why) => Err(why),
            None => ensure(&dir(), OHA_VERSION),
        })
        .clone()
}

/// Installs (or finds) oha `version` under `dir`.
fn ensure(dir: &Path, version: &str) -> Result<PathBuf, String> {
    let bin = dir.join("bin/oha");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let spec = format!("oha@{version}");
    let announce = format!(
        "installing the load generator oha {version} (once; building it takes a few minutes): \
         `cargo install --locked --root {} {spec}` (set FANOUT_NO_TOOLS=1 to skip it)",
        dir.display()
    );
    crate::setup::once(
        dir,
        &format!("{spec}\n"),
        &format!("oha {version}"),
        &announce,
        |dir| {
            crate::setup::run(
                Command::new(&cargo)
                    .args(["install", "--locked", "--quiet", "--force", "--root"])
                    .arg(dir)
                    .arg(&spec)
                    .current_dir(dir),
                &format!("{cargo} not found: oha is built with cargo"),
                &format!("cargo install {spec} failed (it needs crates.io once)"),
            )
            .map(drop)
        },
    )?;
    if !bin.exists() {
        return Err(format!(
            "{} is missing: remove {} and run again",
            bin.display(),
            dir.display()
        ));
    }
    Ok(bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fanout_no_tools_names_itself_and_the_way_back() {
        let why = skipped_by(Some("1".into())).expect("FANOUT_NO_TOOLS=1 skips");
        assert!(
            why.starts_with("oha not installed: FANOUT_NO_TOOLS is set"),
            "{why}"
        );
        assert!(why.contains(OHA_VERSION), "{why}");
        for no in [None, Some("".into()), Some("0".into())] {
            assert_eq!(skipped_by(no), None);
        }
    }
}
