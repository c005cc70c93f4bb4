//! The one writer: every file the harness produces goes through here, and
//! none is ever left half-written. A results directory is built whole in a
//! temporary directory beside it — `results.json` plus what the report
//! renders in memory ([`fanout_report::render`], once per write: the pages
//! and charts, and the project README's block) — then swapped into place;
//! the project README's generated block is replaced through a temporary
//! file and a rename; an interrupted sweep's finished cells are saved the
//! same way beside the previous results.

use std::path::{Path, PathBuf};

use anyhow::Context;

use fanout_results::Results;

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = parent(path);
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("cannot write beside {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes the results directory `out` — `results.json`, `README.md`,
/// `results.csv`, the charts — whole, replacing what was there; when `out`
/// is a project's `results/`, refreshes the README block beside it.
pub fn results(results: &Results, out: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(results)?;
    directory(out, results, json.as_bytes())
}

/// Re-renders the report in `out` from its `results.json`, after
/// `prepare` (which may complete what an older file lacks); `results.json`
/// itself is kept byte for byte.
pub fn rerender(out: &Path, prepare: impl FnOnce(&mut Results)) -> anyhow::Result<Results> {
    let json = out.join("results.json");
    let mut loaded = Results::load(&json)?;
    prepare(&mut loaded);
    let bytes = std::fs::read(&json).with_context(|| format!("cannot read {}", json.display()))?;
    directory(out, &loaded, &bytes)?;
    Ok(loaded)
}

fn directory(out: &Path, results: &Results, json: &[u8]) -> anyhow::Result<()> {
    let rendered = fanout_report::render(results)?;
    let dir = parent(out);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".results-tmp-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a temporary directory in {}", dir.display()))?;
    std::fs::write(tmp.path().join("results.json"), json)?;
    for (name, bytes) in &rendered.files {
        let path = tmp.path().join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {name}"))?;
    }
    swap_into_place(tmp, out)?;
    project_readme(&rendered.readme_block, out)
}

/// Replaces directory `out` with the temporary directory `tmp`; on failure
/// the previous `out` is put back.
pub fn swap_into_place(tmp: tempfile::TempDir, out: &Path) -> anyhow::Result<()> {
    let dir = parent(out);
    let new = tmp.keep();
    let old = dir.join(format!(".results-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &old)
            .with_context(|| format!("cannot move {} aside", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&new, out) {
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&new);
        return Err(e)
            .with_context(|| format!("cannot move the new results into {}", out.display()));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// When `out` is a project's `results/` (a `README.md` with the generated
/// block's markers beside it), replaces that block with `block`.
fn project_readme(block: &str, out: &Path) -> anyhow::Result<()> {
    if out.file_name().is_none_or(|n| n != "results") {
        return Ok(());
    }
    let readme = parent(out).join("README.md");
    let Ok(text) = std::fs::read_to_string(&readme) else {
        return Ok(());
    };
    let (start, end) = (fanout_report::README_START, fanout_report::README_END);
    let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
        return Ok(());
    };
    if b < a {
        return Ok(());
    }
    atomically(
        &readme,
        format!("{}{start}\n{block}\n{}", &text[..a], &text[b..]).as_bytes(),
    )?;
    eprintln!("updated the results block of {}", readme.display());
    Ok(())
}

/// The file an interrupted sweep saves what it finished to: beside `out`.
pub fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or("results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!("{name}.partial.json"))
}

/// Saves an interrupted sweep's finished cells beside `out`, which stays as
/// it was; returns the error that says so.
pub fn partial(results: &Results, out: &Path) -> anyhow::Error {
    let path = partial_path(out);
    let saved = serde_json::to_string_pretty(results)
        .map_err(anyhow::Error::from)
        .and_then(|j| atomically(&path, j.as_bytes()));
    match saved {
        Ok(()) => anyhow::anyhow!(
            "interrupted: {} left as it was; the {} finished cells are in {}",
            out.display(),
            results.cells.len(),
            path.display()
        ),
        Err(e) => anyhow::anyhow!("interrupted, and could not save the finished cells: {e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_swapped_in_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.txt"), "old").unwrap();
        let tmp = tempfile::Builder::new()
            .prefix(".results-tmp-")
            .tempdir_in(dir.path())
            .unwrap();
        std::fs::write(tmp.path().join("new.txt"), "new").unwrap();
        swap_into_place(tmp, &out).unwrap();
        assert!(out.join("new.txt").exists() && !out.join("old.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary directories left behind");
        assert_eq!(partial_path(&out), dir.path().join("results.partial.json"));
    }
}
