//! [`merge`]: result sets from several client hosts as one.
//!
//! The first set leads: its environment stays [`Results::environment`], the
//! others' go to [`Results::merged`], and its settings, load-generator lines
//! and overhead figures are kept. Rows are unioned by id (the first
//! description wins; a conflict is noted). Cells are concatenated, each
//! naming its host ([`crate::Cell::host`]), so every table gets a
//! line per row and host.
//!
//! What results.json cannot attribute to a host stays the first host's
//! alone, and the notes say what was left out: a row's idle RSS (one per
//! row; a row the first set lacks loses it), and the generator lines and
//! overhead figures of the other sets.

use std::collections::BTreeSet;

use crate::model::{Environment, Results, RowInfo};
use anyhow::bail;

/// A merged set and what the merge had to decide, one note a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged results.
    pub results: Results,
    /// What was kept or left out, for the reader.
    pub notes: Vec<String>,
}

/// Merges result sets from several hosts (see the module docs), printing
/// the notes on stderr (`note: …`). Refuses sets of different schemas or
/// `--quick` settings, sets without a host name, and two sets from one host.
pub fn merge(sets: Vec<Results>) -> anyhow::Result<Results> {
    let merged = merge_noted(sets)?;
    for n in &merged.notes {
        eprintln!("note: {n}");
    }
    Ok(merged.results)
}

fn name(e: &Environment) -> String {
    if e.host.is_empty() {
        "(no host name)".into()
    } else {
        format!("`{}`", e.host)
    }
}

/// The row fields that make a description, idle RSS aside (it is per host).
fn describe(r: &RowInfo) -> RowInfo {
    RowInfo {
        idle_rss_kib: None,
        ..r.clone()
    }
}

/// What differs between two descriptions of a row, by field name.
fn conflicts(a: &RowInfo, b: &RowInfo) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("runtime", a.runtime == b.runtime);
    check("client", a.client == b.client);
    check("tls", a.tls == b.tls);
    check("model", a.model == b.model);
    check("idiom", a.idiom == b.idiom);
    check("protocols", a.protocols == b.protocols);
    check("upstream", a.upstream == b.upstream);
    check("variant_of", a.variant_of == b.variant_of);
    check("tuned", a.tuned == b.tuned);
    check("reference", a.reference == b.reference);
    out
}

/// [`merge`], returning the notes instead of printing them.
pub fn merge_noted(sets: Vec<Results>) -> anyhow::Result<Merged> {
    let mut sets = sets.into_iter();
    let Some(mut out) = sets.next() else {
        bail!("nothing to merge: give at least one result set");
    };
    let mut notes = Vec::new();
    let mut hosts: BTreeSet<String> = BTreeSet::new();
    let mut envs: Vec<Environment> = Vec::new();
    let first_host = out.environment.host.clone();
    for (k, e) in std::iter::once(&out.environment)
        .chain(&out.merged)
        .enumerate()
    {
        if e.host.is_empty() {
            bail!(
                "cannot merge: result set 1 (environment {}, dated {}) records no host name, so its cells cannot be told apart from another host's; re-run its sweep with this fanout",
                k + 1,
                e.date
            );
        }
        hosts.insert(e.host.clone());
    }
    for c in out.cells.iter_mut() {
        c.host.get_or_insert_with(|| first_host.clone());
    }
    for (i, set) in sets.enumerate() {
        let n = i + 2;
        if set.schema != out.schema {
            bail!(
                "cannot merge: result set {n} ({}) has schema {}, set 1 ({}) has schema {}; re-run the older sweep with this fanout",
                name(&set.environment),
                set.schema,
                name(&out.environment),
                out.schema
            );
        }
        if set.settings.quick != out.settings.quick {
            let q = |quick: bool| {
                if quick {
                    "a `--quick` run"
                } else {
                    "a full run"
                }
            };
            bail!(
                "cannot merge: result set {n} ({}) is {} and set 1 ({}) is {}; their plans differ (smaller N with `--quick`), so their cells do not match",
                name(&set.environment),
                q(set.settings.quick),
                name(&out.environment),
                q(out.settings.quick)
            );
        }
        for e in std::iter::once(&set.environment).chain(&set.merged) {
            if e.host.is_empty() {
                bail!(
                    "cannot merge: result set {n} (dated {}) records no host name, so its cells cannot be told apart from another host's; re-run its sweep with this fanout",
                    e.date
                );
            }
            if !hosts.insert(e.host.clone()) {
                bail!(
                    "cannot merge: host {} appears in more than one result set; merge combines hosts — to see what changed on one host, use `fanout compare OLD NEW`",
                    name(e)
                );
            }
        }
        let s = &out.settings;
        if set.settings.repeats != s.repeats || set.settings.cell_budget_s != s.cell_budget_s {
            notes.push(format!(
                "{} ran {} repeats with a {} s budget, {} {} with {} s; the settings shown are the first set's",
                name(&set.environment),
                set.settings.repeats,
                set.settings.cell_budget_s,
                name(&out.environment),
                s.repeats,
                s.cell_budget_s
            ));
        }
        for row in &set.rows {
            match out.rows.iter().find(|r| r.id == row.id) {
                Some(kept) if describe(kept) != describe(row) => notes.push(format!(
                    "row `{}`: its description differs on {} ({}); the first is kept",
                    row.id,
                    name(&set.environment),
                    conflicts(kept, row).join(", ")
                )),
                Some(_) => {}
                None => {
                    if row.idle_rss_kib.is_some() {
                        notes.push(format!(
                            "row `{}`: idle RSS measured on {} only, not kept (results.json holds one per row, the first host's); its RSS per in-flight request is not shown",
                            row.id,
                            name(&set.environment)
                        ));
                    }
                    out.rows.push(RowInfo {
                        idle_rss_kib: None,
                        ..row.clone()
                    });
                }
            }
        }
        if !set.generators.is_empty() || !set.overhead.is_empty() {
            notes.push(format!(
                "the load-generator lines and harness-overhead figures of {} were left out: results.json does not record a host for them, so only the first set's are kept",
                name(&set.environment)
            ));
        }
        let host = set.environment.host.clone();
        out.cells.extend(set.cells.into_iter().map(|mut c| {
            c.host.get_or_insert_with(|| host.clone());
            c
        }));
        envs.push(set.environment);
        envs.extend(set.merged);
    }
    out.merged.extend(envs);
    Ok(Merged {
        results: out,
        notes,
    })
}
