//! The README's per-workload tables, hyperfine-style: one line per row —
//! every row, measured or not — with the wall time and its spread, a
//! "Relative" column against the fastest row, the speedup against
//! [`BASELINE_ROW`], and the cost columns; skipped and failed cells are listed
//! under the table with their reasons. Load generators (`wrk`, `oha`) get a
//! line each above the rows and a "× tool" column each.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::results::{BASELINE_ROW, Ceiling};

use super::figures::{Entry, Fate, Figures, Group, ratio};
use super::format::{
    NONE, code, duration_ms, floor_ms, int, md_cell, num, plan_shape, plan_shape_n, projection_s,
    speedup, times, wall_range,
};

/// A Markdown table: a header and lines, left-aligned unless the columns
/// after the first hold numbers.
pub(crate) struct MdTable {
    header: Vec<String>,
    lines: Vec<Vec<String>>,
    numeric: bool,
}

impl MdTable {
    /// A table of text with these column headers.
    pub fn new(header: Vec<String>) -> MdTable {
        MdTable {
            header,
            lines: Vec::new(),
            numeric: false,
        }
    }

    /// A table whose columns after the first are numbers (right-aligned).
    pub fn numeric(header: Vec<String>) -> MdTable {
        MdTable {
            numeric: true,
            ..MdTable::new(header)
        }
    }

    /// Appends a line (cells are escaped here).
    pub fn push(&mut self, cells: Vec<String>) {
        self.lines.push(cells);
    }

    /// The Markdown text, ending in a newline.
    pub fn render(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = (0..self.header.len())
                .map(|i| md_cell(cells.get(i).map_or("", String::as_str)))
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let rule: Vec<&str> = (0..self.header.len())
            .map(|i| {
                if i > 0 && self.numeric {
                    "---:"
                } else {
                    ":---"
                }
            })
            .collect();
        let mut out = line(&self.header);
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for l in &self.lines {
            out.push_str(&line(l));
        }
        out
    }
}

/// A column of a workload table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Wall,
    Relative,
    Speedup,
    Floor,
    /// Row req/s over generator `i`'s ([`Group::generators`]).
    Generator(usize),
    ReqPerS,
    Latency,
    Cpu,
    PeakRss,
    RssPerInflight,
    Heartbeat,
    Threads,
    Errors,
}

impl Col {
    fn header(self, g: &Group<'_>) -> String {
        match self {
            Col::Wall => "Wall (median, min–max)".into(),
            Col::Relative => "Relative".into(),
            Col::Speedup => format!("vs {}", code(BASELINE_ROW)),
            Col::Floor => "× floor".into(),
            Col::Generator(i) => format!("× {}", g.generator_word(i)),
            Col::ReqPerS => "req/s".into(),
            Col::Latency => "Latency p50 / p99 (ms)".into(),
            Col::Cpu => "CPU µs/req".into(),
            Col::PeakRss => "Peak RSS (MiB)".into(),
            Col::RssPerInflight => "RSS / in-flight (KiB)".into(),
            Col::Heartbeat => "Heartbeat p99 / max late (ms)".into(),
            Col::Threads => "Threads".into(),
            Col::Errors => "Errors".into(),
        }
    }

    fn value(self, e: &Entry<'_>, f: &Figures) -> String {
        let d = &f.d;
        match self {
            Col::Wall => wall_range(d.wall_ms, d.wall_min_ms, d.wall_max_ms),
            Col::Relative => relative(f.relative),
            Col::Speedup if e.row.id == BASELINE_ROW => "baseline".into(),
            Col::Speedup => f.speedup.map_or(NONE.into(), speedup),
            Col::Floor => d.floor_multiple.map_or(NONE.into(), times),
            Col::Generator(i) => f
                .generator_multiples
                .get(i)
                .copied()
                .flatten()
                .map_or(NONE.into(), times),
            Col::ReqPerS => num(d.req_per_s),
            Col::Latency => format!("{} / {}", num(d.p50_ms), num(d.p99_ms)),
            Col::Cpu => num(d.cpu_us_per_req),
            Col::PeakRss => num(d.peak_rss_kib / 1024.0),
            Col::RssPerInflight => f.rss_per_inflight_kib.map_or(NONE.into(), num),
            Col::Heartbeat => format!("{} / {}", num(d.hb_p99_ms), num(d.hb_max_ms)),
            Col::Threads if d.threads > 0.0 => num(d.threads),
            Col::Threads => NONE.into(),
            Col::Errors => errors(d.errors, d.requests),
        }
    }
}

/// hyperfine's relative column: `1.00` for the fastest, `12.30` for a row
/// twelve times slower.
fn relative(r: f64) -> String {
    if !r.is_finite() {
        NONE.into()
    } else if r < 99.995 {
        format!("{r:.2}")
    } else {
        num(r)
    }
}

fn errors(errors: u64, requests: u64) -> String {
    if errors == 0 {
        "0".into()
    } else {
        let pct = 100.0 * errors as f64 / requests.max(1) as f64;
        format!("{} of {} ({} %)", int(errors), int(requests), num(pct))
    }
}

fn columns(g: &Group<'_>) -> Vec<Col> {
    let mut cols = vec![Col::Wall, Col::Relative, Col::Speedup];
    if floor_ms(&g.plan) > 0.0 {
        cols.push(Col::Floor);
    }
    cols.extend((0..g.generators.len()).map(Col::Generator));
    cols.extend([
        Col::ReqPerS,
        Col::Latency,
        Col::Cpu,
        Col::PeakRss,
        Col::RssPerInflight,
        Col::Heartbeat,
        Col::Threads,
        Col::Errors,
    ]);
    cols
}

/// The short word a table shows for a cell without figures.
fn fate_word(fate: &Fate<'_>) -> String {
    match fate {
        Fate::Measured(_) => String::new(),
        Fate::Skipped { .. } => "*skipped*".into(),
        Fate::Failed(_) => "*failed*".into(),
        Fate::NoRepeats => "*no repeats*".into(),
        Fate::NotRun => "*not run*".into(),
    }
}

/// The full table of one group.
pub(crate) fn group_table(g: &Group<'_>) -> String {
    let cols = columns(g);
    let mut header = vec!["Row".to_string()];
    header.extend(cols.iter().map(|c| c.header(g)));
    let mut table = MdTable::numeric(header);
    for (i, c) in g.generators.iter().enumerate() {
        let mut line = vec![format!("{} (load generator)", code(&c.tool))];
        line.extend(cols.iter().map(|col| generator_value(*col, g, i, c)));
        table.push(line);
    }
    for e in &g.entries {
        let mut line = vec![code_name(e)];
        match e.fate() {
            Fate::Measured(f) => line.extend(cols.iter().map(|c| c.value(e, f))),
            fate => {
                line.push(fate_word(&fate));
                line.extend(cols.iter().skip(1).map(|_| NONE.to_string()));
            }
        }
        table.push(line);
    }
    table.render()
}

/// A load generator's figure in column `col`: its wall (when it ran a
/// request count), × floor, req/s, and its req/s over each generator's.
fn generator_value(col: Col, g: &Group<'_>, i: usize, c: &Ceiling) -> String {
    let floor = floor_ms(&g.plan);
    match col {
        Col::Wall => c.wall_ms.map_or(NONE.into(), |w| wall_range(w, w, w)),
        Col::Floor => c
            .wall_ms
            .and_then(|w| ratio(w, floor))
            .map_or(NONE.into(), times),
        Col::Generator(j) if j == i => "1.00×".into(),
        Col::Generator(j) => g
            .generators
            .get(j)
            .and_then(|other| ratio(c.req_per_s, other.req_per_s))
            .map_or(NONE.into(), times),
        Col::ReqPerS => num(c.req_per_s),
        _ => NONE.into(),
    }
}

/// `` `id` (tuned)``.
fn code_name(e: &Entry<'_>) -> String {
    let name = e.display_name();
    match name.strip_prefix(e.row.id.as_str()) {
        Some(markers) => format!("{}{markers}", code(&e.row.id)),
        None => code(&name),
    }
}

/// One note line per cell without figures; `at` names the plan when a
/// workload has several.
pub(crate) fn fate_notes(g: &Group<'_>, at: Option<&str>) -> Vec<String> {
    let at = at.map(|l| format!(" at {l}")).unwrap_or_default();
    g.entries
        .iter()
        .filter_map(|e| {
            let who = format!("{}{at}", code(&e.row.id));
            match e.fate() {
                Fate::Measured(_) => None,
                Fate::Skipped {
                    reason,
                    projected_s,
                } => Some(format!(
                    "{who} — skipped: {}{}",
                    one_line(reason),
                    projected_s
                        .map(|s| format!("; projected {} per run", projection_s(s)))
                        .unwrap_or_default()
                )),
                Fate::Failed(reason) => Some(format!("{who} — failed: {}", one_line(reason))),
                Fate::NoRepeats => Some(format!(
                    "{who} — recorded as done without a measured repeat"
                )),
                Fate::NotRun => Some(format!("{who} — not run: results.json has no cell for it")),
            }
        })
        .collect()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Errors by kind per measured row, when any row had errors.
pub(crate) fn errors_table(g: &Group<'_>) -> Option<String> {
    if !g.has_errors() {
        return None;
    }
    let kinds: BTreeSet<&String> = g
        .measured()
        .flat_map(|(_, f)| f.errors_by_kind.keys())
        .collect();
    let mut header = vec!["Row".to_string()];
    header.extend(kinds.iter().map(|k| k.to_string()));
    header.push("total".into());
    let mut table = MdTable::numeric(header);
    for (e, f) in g.measured() {
        let mut line = vec![code_name(e)];
        line.extend(
            kinds
                .iter()
                .map(|k| int(f.errors_by_kind.get(*k).copied().unwrap_or(0))),
        );
        line.push(int(f.d.errors));
        table.push(line);
    }
    Some(table.render())
}

/// A workload with one plan: its table, notes, errors and the load
/// generators' commands.
/// `notes`: list the cells without figures under the table.
pub(crate) fn single_section(out: &mut String, g: &Group<'_>, repeats: u32, notes: bool) {
    let floor = floor_ms(&g.plan);
    let _ = write!(out, "Plan: {}", plan_shape(&g.plan));
    if floor > 0.0 {
        let _ = write!(out, "; floor {}", duration_ms(floor));
    }
    out.push_str(".\n\n");
    out.push_str(&group_table(g));
    if notes {
        push_notes(out, &fate_notes(g, None));
    }
    // A paragraph each: consecutive lines would run together in Markdown.
    for c in &g.generators {
        let _ = writeln!(
            out,
            "\nLoad generator: {} against the same server: `{}`.",
            c.tool,
            c.command.replace('`', "'")
        );
    }
    if let Some(t) = errors_table(g) {
        let _ = writeln!(
            out,
            "\nErrors by kind (summed over {} repeat{}; latency columns are over the successful requests):\n",
            repeats,
            if repeats == 1 { "" } else { "s" }
        );
        out.push_str(&t);
    }
}

/// A workload with several plans (`scaling`): a wall-time matrix with a
/// column per plan, the notes, then each plan's full table folded away.
pub(crate) fn multi_section(out: &mut String, groups: &[&Group<'_>], repeats: u32) {
    let Some(first) = groups.first() else {
        return;
    };
    let mut header = vec!["Row".to_string()];
    header.extend(groups.iter().map(|g| g.label.clone()));
    let mut matrix = MdTable::numeric(header);
    for (i, e) in first.entries.iter().enumerate() {
        let mut line = vec![code_name(e)];
        for g in groups {
            line.push(match g.entries.get(i).map(Entry::fate) {
                Some(Fate::Measured(f)) => duration_ms(f.d.wall_ms),
                Some(fate) => fate_word(&fate),
                None => fate_word(&Fate::NotRun),
            });
        }
        matrix.push(line);
    }
    let floors: Vec<String> = groups
        .iter()
        .map(|g| duration_ms(floor_ms(&g.plan)))
        .collect();
    let floors = if floors.iter().all(|f| *f == floors[0]) {
        format!("floor {} at every N", floors[0])
    } else {
        let each: Vec<String> = groups
            .iter()
            .zip(&floors)
            .map(|(g, f)| format!("{} {f}", g.label))
            .collect();
        format!("floors: {}", each.join(", "))
    };
    let _ = writeln!(
        out,
        "Median wall time per plan ({}); {floors}.\n",
        plan_shape_n(&first.plan, "N"),
    );
    out.push_str(&matrix.render());
    let notes: Vec<String> = groups
        .iter()
        .flat_map(|g| fate_notes(g, Some(&g.label)))
        .collect();
    push_notes(out, &notes);
    for g in groups {
        let _ = writeln!(
            out,
            "\n<details><summary>{} — full table</summary>\n",
            g.label
        );
        single_section(out, g, repeats, false);
        out.push_str("\n</details>\n");
    }
}

fn push_notes(out: &mut String, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    out.push('\n');
    for n in notes {
        let _ = writeln!(out, "- {n}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::figures::{
        groups,
        sample::{generator, results},
    };
    use super::*;

    const G: char = '\u{202f}';

    fn line<'a>(table: &'a str, start: &str) -> &'a str {
        table
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{table}"))
    }

    #[test]
    fn two_load_generators_get_a_line_and_a_column_each() {
        let r = results(
            &[("throughput", 400.0)],
            vec![
                generator("wrk 4.2.0", "throughput", 100_000.0, None),
                generator("oha 1.16.0", "throughput", 62_500.0, Some(320.0)),
            ],
        );
        let gs = groups(&r);
        let table = group_table(&gs[0]);
        let header = table.lines().next().unwrap();
        assert!(
            header.contains("| × wrk | × oha | req/s |") && !header.contains("ceiling"),
            "{header}"
        );
        // Wall only for oha (a request count); no floor on a 0 ms plan.
        assert!(
            line(&table, "| `wrk 4.2.0` (load generator) |").starts_with(&format!(
                "| `wrk 4.2.0` (load generator) | — | — | — | 1.00× | 1.6× | 100{G}000 | — |"
            )),
            "{table}"
        );
        assert!(
            line(&table, "| `oha 1.16.0` (load generator) |").starts_with(&format!(
                "| `oha 1.16.0` (load generator) | 320 ms | — | — | 0.625× | 1.00× | 62{G}500 | — |"
            )),
            "{table}"
        );
        assert!(
            line(&table, "| `tokio-hyper` |").contains(&format!("| 0.5× | 0.8× | 50{G}000 |")),
            "{table}"
        );
        let mut out = String::new();
        single_section(&mut out, &gs[0], 1, true);
        assert!(
            out.contains(
                "\nLoad generator: wrk 4.2.0 against the same server: `wrk 4.2.0 --on throughput`.\n\n\
                 Load generator: oha 1.16.0 against the same server: `oha 1.16.0 --on throughput`.\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_generator_with_a_wall_gets_its_floor_multiple() {
        let r = results(
            &[("latency", 200.0)],
            vec![generator(
                "oha 1.16.0",
                "latency",
                1_000.0 / 0.15,
                Some(150.0),
            )],
        );
        let table = group_table(&groups(&r)[0]);
        assert!(
            line(&table, "| `oha 1.16.0` (load generator) |").starts_with(&format!(
                "| `oha 1.16.0` (load generator) | 150 ms | — | — | 1.5× | 1.00× | 6{G}667 | — |"
            )),
            "{table}"
        );
        assert!(
            line(&table, "| `tokio-hyper` |").contains(&format!("| 2× | 0.75× | 5{G}000 |")),
            "{table}"
        );
        assert!(!table.contains("× wrk"), "{table}");
    }

    #[test]
    fn generators_sharing_a_name_are_told_apart() {
        let r = results(
            &[("throughput", 400.0)],
            vec![
                generator("wrk 4.2.0", "throughput", 100_000.0, None),
                generator("wrk 4.1.0", "throughput", 90_000.0, None),
                // The same tool twice on one workload: the first is kept.
                generator("wrk 4.2.0", "throughput", 1.0, None),
            ],
        );
        let table = group_table(&groups(&r)[0]);
        assert!(
            table
                .lines()
                .next()
                .unwrap()
                .contains("| × wrk 4.2.0 | × wrk 4.1.0 |"),
            "{table}"
        );
        assert_eq!(table.matches("(load generator)").count(), 2, "{table}");
    }
}
