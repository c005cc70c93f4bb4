//! The verdict: for each scenario a workload declares
//! ([`fanout_core::Scenario`]), which Rust rows serve it best and what the
//! reference programs cost against them — computed from the report's
//! tables, never from a row or workload name.
//!
//! A scenario is read on its workload's last plan (the largest N, the
//! HTTP/2 plan) on the first result set's host, by the figure it is decided
//! by ([`crate::figures::metric`]). The best Rust row and every Rust row
//! tied with it are found by the tie rule every table uses
//! ([`Table::ties_by`]); a row with a request that failed beyond the faults
//! the plan injected ([`fanout_results::Derived::failed`]) cannot be among
//! them. Each language of the reference programs gets its best program on
//! the same plan, with its ratio to the Rust choice.

use fanout_core::{Metric, Scenario, WORKLOADS, Workload};

use crate::figures::metric;
use crate::model::{Entry, Fate, Report, Table};
use crate::names::language;
use crate::ties::{Better, Spread};

/// One scenario's line of the verdict.
pub(crate) struct ScenarioVerdict<'r> {
    /// The workload that stands for it.
    pub workload: Workload,
    /// The plan it is read on, when the results have the workload.
    pub table: Option<&'r Table<'r>>,
    /// What the figures say.
    pub outcome: Outcome<'r>,
}

/// A row's figure on the scenario's metric.
pub(crate) type Standing<'r> = (&'r Entry<'r>, Spread);

/// What the figures say about a scenario.
pub(crate) enum Outcome<'r> {
    /// Nothing to decide on, and why (lowercase, no final period).
    NotMeasured(String),
    /// Decided.
    Decided(Decision<'r>),
}

/// A decided scenario.
pub(crate) struct Decision<'r> {
    /// The Rust rows within noise of the best, the best first.
    pub choice: Vec<Standing<'r>>,
    /// The best Rust row outside noise, when there is one.
    pub next: Option<Standing<'r>>,
    /// One per language of the reference programs in the results.
    pub references: Vec<Reference<'r>>,
    /// Rows measured on the plan that could not win: requests failed
    /// beyond the injected faults (how many, over the repeats).
    pub excluded: Vec<(&'r Entry<'r>, u64)>,
}

/// A language's best program on the scenario's plan.
pub(crate) struct Reference<'r> {
    /// `CPython`, `Node.js`, `Go` ([`language`]).
    pub language: String,
    /// Its best program without failed requests, when one was measured.
    pub best: Option<Standing<'r>>,
    /// Otherwise, why none was: each program with what became of it.
    pub why_not: Vec<(&'r Entry<'r>, String)>,
}

impl Decision<'_> {
    /// The best Rust row's figure.
    pub fn best(&self) -> Spread {
        self.choice[0].1
    }
}

/// The verdict of every scenario the presets declare, in report order (the
/// one against the user's own server only when the results have it).
pub(crate) fn verdicts<'r>(r: &'r Report<'r>) -> Vec<ScenarioVerdict<'r>> {
    let workloads = r.workloads();
    WORKLOADS
        .iter()
        .filter(|w| {
            w.server != fanout_core::workload::Server::Url
                || workloads.iter().any(|(id, _, _)| *id == w.id)
        })
        .map(|w| {
            let last = workloads
                .iter()
                .find(|(id, _, _)| *id == w.id)
                .and_then(|(_, _, tables)| tables.last().copied());
            ScenarioVerdict {
                workload: *w,
                table: last,
                outcome: match last {
                    None => Outcome::NotMeasured("not in these results".into()),
                    Some(t) => decide(r, t, w.scenario),
                },
            }
        })
        .collect()
}

/// The host the verdict reads: the first result set's.
pub(crate) fn host<'r>(r: &'r Report<'_>) -> &'r str {
    r.hosts.first().map_or("", String::as_str)
}

/// Decides one scenario on its plan's table.
pub(crate) fn decide<'r>(r: &'r Report<'r>, t: &'r Table<'r>, s: Scenario) -> Outcome<'r> {
    let host = host(r);
    let m = s.decided_by;
    let figure = |e: &Entry<'_>| e.figures.as_ref().and_then(|f| metric(f, m));
    let failed = |e: &Entry<'_>| e.figures.as_ref().map_or(0, |f| f.d.failed);
    let eligible = |e: &Entry<'_>| figure(e).is_some() && failed(e) == 0;
    let rust = |e: &Entry<'_>| !e.row.reference && eligible(e);
    let excluded: Vec<(&Entry<'_>, u64)> = t
        .of_host(host)
        .filter(|e| figure(e).is_some() && failed(e) > 0)
        .map(|e| (e, failed(e)))
        .collect();
    let Some((entries, ties)) = t.ties_by(host, rust, |f| metric(f, m), Better::Lower) else {
        return Outcome::NotMeasured(why_not_measured(t, host, m, !excluded.is_empty()));
    };
    let standing = |i: usize| Some((entries[i], figure(entries[i])?));
    let mut choice: Vec<Standing<'_>> = std::iter::once(ties.best)
        .chain(ties.tied.iter().copied().filter(|&i| i != ties.best))
        .filter_map(standing)
        .collect();
    if let Some(rest) = choice.get_mut(1..) {
        rest.sort_by(|a, b| a.1.median.total_cmp(&b.1.median));
    }
    let next = (0..entries.len())
        .filter(|i| !ties.tied.contains(i))
        .filter_map(standing)
        .min_by(|a, b| a.1.median.total_cmp(&b.1.median));
    Outcome::Decided(Decision {
        choice,
        next,
        references: references(r, t, host, m),
        excluded,
    })
}

/// Why a plan has no Rust row to choose.
fn why_not_measured(t: &Table<'_>, host: &str, m: Metric, failures: bool) -> String {
    let rust: Vec<&Entry<'_>> = t.of_host(host).filter(|e| !e.row.reference).collect();
    if !rust.iter().any(|e| e.figures.is_some()) {
        "no Rust row was measured on its plan".into()
    } else if failures {
        "every Rust row measured had failed requests".into()
    } else {
        format!("no Rust row has a figure for {}", m.as_str())
    }
}

/// Each language's best program on the plan, or why none was measured.
fn references<'r>(
    r: &'r Report<'r>,
    t: &'r Table<'r>,
    host: &'r str,
    m: Metric,
) -> Vec<Reference<'r>> {
    let mut languages: Vec<String> = Vec::new();
    for row in &r.rows {
        if let Some(l) = language(row).filter(|l| !languages.contains(l)) {
            languages.push(l);
        }
    }
    languages
        .into_iter()
        .map(|lang| {
            let programs: Vec<&Entry<'_>> = t
                .of_host(host)
                .filter(|e| language(&e.row).as_ref() == Some(&lang))
                .collect();
            let best = programs
                .iter()
                .filter(|e| e.figures.as_ref().is_some_and(|f| f.d.failed == 0))
                .filter_map(|e| Some((*e, metric(e.figures.as_ref()?, m)?)))
                .min_by(|a, b| a.1.median.total_cmp(&b.1.median));
            let why_not = if best.is_some() {
                Vec::new()
            } else {
                programs.iter().map(|e| (*e, fate(e, m))).collect()
            };
            Reference {
                language: lang,
                best,
                why_not,
            }
        })
        .collect()
}

/// What became of a program that has no figure to show, in a few words.
fn fate(e: &Entry<'_>, m: Metric) -> String {
    match e.fate() {
        Fate::Measured(f) if f.d.failed > 0 => {
            format!("{} requests failed", crate::format::int(f.d.failed))
        }
        Fate::Measured(_) => format!("no figure for {}", m.as_str()),
        Fate::Skipped { reason, .. } => format!("skipped: {}", crate::format::one_line(reason)),
        Fate::Unsupported(reason) => format!("cannot: {}", crate::format::one_line(reason)),
        Fate::Failed(reason) => format!("failed: {}", crate::format::one_line(reason)),
        Fate::NoRepeats => "recorded without a measured repeat".into(),
        Fate::NotRun => "not run".into(),
    }
}
