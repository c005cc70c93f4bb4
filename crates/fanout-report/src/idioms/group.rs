//! Idioms: rows that share runtime, client and everything else a row
//! declares ([`RowInfo`]) and differ only by their [`fanout_core::Idiom`] —
//! `spawn`, `join-set`, `join-all`, `futures-unordered`,
//! `buffer-unordered` over one client. Grouped from the row descriptions,
//! never from ids. For each group (and host): the plans where two or more
//! of its idioms ran, and a table across them, ties marked.

use fanout_core::Idiom;
use fanout_results::RowInfo;

use crate::figures::Figures;
use crate::format::{NONE, code, num, wall_range};
use crate::md::MdTable;
use crate::model::{Report, Table};
use crate::names::described;
use crate::ties::{Better, Mark, Spread, Ties, ties};

/// Rows differing only by idiom, on one host.
pub(crate) struct Group<'r, 'a> {
    /// The rows, in report order.
    pub rows: Vec<&'r RowInfo>,
    /// The row every other is measured against: the `spawn` row, else the first.
    pub base: usize,
    /// The client host.
    pub host: &'r str,
    /// The plans where two or more of the rows were measured.
    pub plans: Vec<Plan<'r, 'a>>,
}

/// One plan of an idiom group.
pub(crate) struct Plan<'r, 'a> {
    /// The plan's table.
    pub table: &'r Table<'a>,
    /// Each row's figures, in the order of [`Group::rows`].
    pub figures: Vec<Option<&'r Figures>>,
}

impl Group<'_, '_> {
    /// `` `tokio (multi-thread)` with `reqwest` ``, and the host when merged.
    pub fn name(&self, r: &Report<'_>) -> String {
        let row = self.rows[self.base];
        format!(
            "{} with {}{}",
            code(&row.runtime),
            code(&row.client),
            r.on_host(self.host)
        )
    }

    /// The idiom of row `i`, as code.
    pub fn idiom(&self, i: usize) -> String {
        code(self.rows[i].idiom.as_str())
    }
}

impl Plan<'_, '_> {
    /// The best row on `metric` and those tied with it.
    pub(crate) fn ties(
        &self,
        metric: impl Fn(&Figures) -> Option<Spread>,
        better: Better,
    ) -> Option<Ties> {
        let spreads: Vec<Option<Spread>> =
            self.figures.iter().map(|f| f.and_then(&metric)).collect();
        ties(&spreads, better)
    }
}

/// Two rows belong together when they differ only by idiom.
fn same_but_idiom(a: &RowInfo, b: &RowInfo) -> bool {
    a.runtime == b.runtime
        && a.client == b.client
        && a.tls == b.tls
        && a.model == b.model
        && a.protocols == b.protocols
        && a.tuned == b.tuned
        && a.reference == b.reference
        && a.upstream == b.upstream
}

/// Every idiom group with two idioms or more, per host.
pub(crate) fn groups<'r, 'a>(r: &'r Report<'a>) -> Vec<Group<'r, 'a>> {
    let mut sets: Vec<Vec<&RowInfo>> = Vec::new();
    for row in r.rows.iter().filter(|row| described(row)) {
        match sets.iter_mut().find(|s| same_but_idiom(s[0], row)) {
            Some(s) => s.push(row),
            None => sets.push(vec![row]),
        }
    }
    sets.retain(|s| s.iter().any(|row| row.idiom != s[0].idiom));
    let mut out = Vec::new();
    for rows in sets {
        let base = rows
            .iter()
            .position(|row| row.idiom == Idiom::Spawn)
            .unwrap_or(0);
        for host in &r.hosts {
            let plans: Vec<Plan<'_, '_>> = r
                .tables
                .iter()
                .map(|t| Plan {
                    table: t,
                    figures: rows
                        .iter()
                        .map(|row| {
                            t.of_host(host)
                                .find(|e| e.row.id == row.id)
                                .and_then(|e| e.figures.as_ref())
                        })
                        .collect(),
                })
                .filter(|p| p.figures.iter().flatten().count() >= 2)
                .collect();
            if !plans.is_empty() {
                out.push(Group {
                    rows: rows.clone(),
                    base,
                    host,
                    plans,
                });
            }
        }
    }
    out
}

/// A plan's name without code marks, for chart categories.
pub(crate) fn plain_name(t: &Table<'_>) -> String {
    if t.label == t.workload_id {
        t.workload_id.clone()
    } else {
        format!("{} {}", t.workload_id, t.label)
    }
}

/// `1.03, tied`: a row's median wall over the base row's, with its mark.
fn versus_base(p: &Plan<'_, '_>, ties: Option<&Ties>, base: usize, i: usize) -> String {
    let (Some(f), Some(b)) = (p.figures[i], p.figures[base]) else {
        return NONE.into();
    };
    let ratio = crate::format::ratio2(f.wall.median / b.wall.median);
    match ties.map(|t| t.mark(i)) {
        Some(Mark::Best) => format!("{ratio}, fastest"),
        Some(Mark::Tied) => format!("{ratio}, tied"),
        _ => ratio,
    }
}

/// The group's table: a line per (plan, idiom) measured.
pub(crate) fn table(g: &Group<'_, '_>) -> String {
    let header = [
        "Plan",
        "Idiom",
        "Wall (median, min–max)",
        "Wall ÷ base",
        "CPU µs/req",
        "RSS / in-flight (KiB)",
        "Heartbeat p99 late (ms)",
        "Threads",
    ];
    let mut t = MdTable::numeric(header.map(String::from).to_vec(), 2);
    for p in &g.plans {
        let ties = p.ties(|f| Some(f.wall), Better::Lower);
        for (i, f) in p.figures.iter().enumerate() {
            let Some(f) = f else { continue };
            t.push(vec![
                p.table.name(),
                g.idiom(i),
                wall_range(f.wall.median, f.wall.min, f.wall.max),
                versus_base(p, ties.as_ref(), g.base, i),
                num(f.d.cpu_us_per_req),
                f.rss_per_inflight.map_or(NONE.into(), |s| num(s.median)),
                num(f.d.hb_p99_ms),
                if f.d.threads > 0.0 {
                    num(f.d.threads)
                } else {
                    NONE.into()
                },
            ]);
        }
    }
    t.render()
}

/// What ties a group to its chart: the base row and the host.
pub(crate) fn chart_key(g: &Group<'_, '_>) -> String {
    format!("{}@{}", g.rows[g.base].id, g.host)
}
