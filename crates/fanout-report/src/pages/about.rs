//! The sections about the sweep rather than its figures, on the methods
//! page: the environment of every host, the settings, the rows and the
//! cells not measured.

use std::fmt::Write as _;

use fanout_core::Protocol;
use fanout_results::{Environment, Results};

use crate::format::{NONE, code, duration_ms, num, one_line, plural};
use crate::md::MdTable;
use crate::model::{Fate, Report};
use crate::names::{described, markers};
use crate::tables::fate_word;

/// The text, or `unknown` when it is empty.
pub(crate) fn or_unknown(s: &str) -> &str {
    if s.trim().is_empty() { "unknown" } else { s }
}

/// An environment field: its name and how to read it.
type Field = (&'static str, fn(&Environment) -> String);

/// The environments, the first set's first.
fn environments(results: &Results) -> Vec<&Environment> {
    std::iter::once(&results.environment)
        .chain(&results.merged)
        .collect()
}

pub(crate) fn environment(out: &mut String, r: &Report<'_>) {
    let envs = environments(r.results);
    let mut header = vec!["What".to_string()];
    if envs.len() > 1 {
        header.extend(envs.iter().map(|e| code(or_unknown(&e.host))));
    } else {
        header.push("Value".into());
    }
    let mut t = MdTable::new(header);
    let fields: [Field; 10] = [
        ("Host", |e| code(or_unknown(&e.host))),
        ("Date", |e| or_unknown(&e.date).into()),
        ("Commit", |e| code(or_unknown(&e.commit))),
        ("Command", |e| code(or_unknown(&e.command))),
        ("CPU", |e| or_unknown(&e.cpu).into()),
        ("Cores", |e| {
            if e.cores > 0 {
                e.cores.to_string()
            } else {
                "unknown".into()
            }
        }),
        ("Memory", |e| {
            if e.memory_bytes > 0 {
                format!("{} GiB", num(e.memory_bytes as f64 / f64::from(1u32 << 30)))
            } else {
                "unknown".into()
            }
        }),
        ("Kernel", |e| or_unknown(&e.kernel).into()),
        ("rustc", |e| or_unknown(&e.rustc).into()),
        ("Server", |e| or_unknown(&e.server).into()),
    ];
    for (name, f) in fields {
        let mut line = vec![name.to_string()];
        line.extend(envs.iter().map(|e| f(e)));
        t.push(line);
    }
    let _ = writeln!(out, "## Environment\n\n{}", t.render());
    let mut names: Vec<&String> = envs.iter().flat_map(|e| e.crates.keys()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return;
    }
    let mut header = vec!["Crate or toolchain".to_string()];
    if envs.len() > 1 {
        header.extend(envs.iter().map(|e| code(or_unknown(&e.host))));
    } else {
        header.push("Version".into());
    }
    let mut v = MdTable::new(header);
    for name in names {
        let mut line = vec![code(name)];
        line.extend(
            envs.iter()
                .map(|e| e.crates.get(name).cloned().unwrap_or_else(|| NONE.into())),
        );
        v.push(line);
    }
    let _ = writeln!(
        out,
        "Versions: the runtimes, clients and TLS stacks from `Cargo.lock`, and the reference \
         toolchains (python and node as the project installs them, go as found on the machine).\n\n{}",
        v.render()
    );
}

pub(crate) fn settings(out: &mut String, results: &Results) {
    let s = &results.settings;
    let order = if s.interleaved {
        "interleaved: within each plan, round-robin across rows (row A's repeat 1, row B's \
         repeat 1, …), so a drift of the machine lands on every row alike"
    } else {
        "one row after another"
    };
    let _ = writeln!(
        out,
        "## Settings\n\n\
         - {} per cell after one warm-up run (one, when the warm-up alone takes over a third of \
         the per-run budget; the cell's repeat count says so).\n\
         - Order: {order}.\n\
         - Budget: a cell projected to take over {} per run (the server delay times the rounds \
         its concurrency bound forces) is skipped and listed, never dropped.{}\n",
        plural(u64::from(s.repeats), "measured repeat"),
        duration_ms(s.cell_budget_s * 1e3),
        if s.quick {
            "\n- `--quick`: smaller N, one repeat — a smoke test, not a measurement."
        } else {
            ""
        }
    );
}

fn protocols(ps: &[Protocol]) -> String {
    let names: Vec<&str> = ps
        .iter()
        .filter(|p| **p != Protocol::Auto)
        .map(|p| crate::format::protocol(*p))
        .collect();
    if names.is_empty() {
        NONE.into()
    } else {
        names.join(", ")
    }
}

pub(crate) fn rows(out: &mut String, r: &Report<'_>) {
    if r.rows.is_empty() {
        return;
    }
    let mut t = MdTable::numeric(
        [
            "Row",
            "Runtime",
            "Client",
            "TLS",
            "Roots without a CA",
            "Model",
            "Idiom",
            "Held to",
            "Upstream",
            "Tuned settings",
            "Idle RSS (MiB)",
        ]
        .map(String::from)
        .to_vec(),
        10,
    );
    for row in &r.rows {
        if !described(row) {
            t.push(vec![
                code(&row.id),
                "*not described in results.json*".into(),
            ]);
            continue;
        }
        t.push(vec![
            code(&row.id) + &markers(row).replace(&format!(": {}", row.runtime), ""),
            row.runtime.clone(),
            row.client.clone(),
            row.tls.clone().unwrap_or_else(|| "none".into()),
            row.roots.clone().unwrap_or_else(|| NONE.into()),
            row.model.as_str().into(),
            row.idiom.as_str().into(),
            protocols(&row.protocols),
            row.upstream.to_string(),
            row.tuned.clone().unwrap_or_default(),
            row.idle_rss_kib
                .map_or(NONE.into(), |k| num(k as f64 / 1024.0)),
        ]);
    }
    let _ = writeln!(
        out,
        "## Rows\n\n{}; *(reference)* rows are programs from outside Rust, measured the same \
         way; *(tuned)* rows change an idiomatic row's settings (listed). Held to: the HTTP \
         versions the client can be forced to (every row can be asked for its default). Roots \
         without a CA: what the client trusts for HTTPS when it is given no CA (a foreign server \
         given with `--url` and no `--ca`) — its usual roots; with a CA, that CA is the only root, \
         and certificate verification is always on. Idle RSS: peak RSS of the row's process on a \
         one-request plan{}.\n\n{}",
        plural(r.rows.len() as u64, "row"),
        if r.multi_host {
            format!(", measured on {}", code(&r.results.environment.host))
        } else {
            String::new()
        },
        t.render()
    );
}

/// Every cell without figures, grouped by row, host and reason.
pub(crate) fn not_measured(out: &mut String, r: &Report<'_>) {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for t in &r.tables {
        for e in &t.entries {
            let (word, reason) = match e.fate() {
                Fate::Measured(_) => continue,
                Fate::NotRun => ("not run", "results.json has no cell for it".to_string()),
                Fate::Skipped { reason, .. } => ("skipped", one_line(reason)),
                Fate::Unsupported(reason) => ("cannot", one_line(reason)),
                Fate::Failed(reason) => ("failed", one_line(reason)),
                Fate::NoRepeats => ("no repeats", String::new()),
            };
            let key = format!(
                "{}{} — {word}: {reason}",
                code(&e.row.id),
                r.on_host(&e.host)
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, plans)) => plans.push(t.name()),
                None => groups.push((key, vec![t.name()])),
            }
        }
    }
    out.push_str("## Cells not measured\n\n");
    if groups.is_empty() {
        out.push_str("Every cell in these results was measured.\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "Listed, never dropped: *skipped* (projected over the budget), *cannot* (the row cannot \
         run the plan here: no TLS stack, a protocol its client cannot be held to, a toolchain \
         missing on this machine), *failed* (tried; the reason is the harness's), *not run* \
         (results.json has no cell for it). In the tables they read {}, {}, {} and {}.\n",
        fate_word(&Fate::Skipped {
            reason: "",
            projected_s: None
        }),
        fate_word(&Fate::Unsupported("")),
        fate_word(&Fate::Failed("")),
        fate_word(&Fate::NotRun),
    );
    let all = r.tables.len();
    for (key, plans) in groups {
        if plans.len() == all && all > 1 {
            let _ = writeln!(out, "- {key} (every plan in these results)");
        } else {
            let _ = writeln!(out, "- {key} ({})", plans.join(", "));
        }
    }
    out.push('\n');
}
