//! The per-plan table, hyperfine-style: one line per row (and host) — every
//! row, measured or not — with the wall time and its spread, a Relative
//! column against the best row with ties marked, and the cost columns; the
//! columns a plan needs are chosen from the plan itself (TLS, handshakes and
//! resumption on HTTPS; protocol used, connections and streams where a
//! protocol is asked for or negotiated over TLS). Load generators get a
//! line each above the rows and a "× tool" column each. Cells without
//! figures are listed under the table with their reasons. A table against a
//! foreign server (`--url`, the local httpbin) gets a Content column (what
//! was verified of the bodies) and says why the server-counted columns are
//! empty.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use fanout_core::{Echo, Protocol};
use fanout_results::GeneratorLine;

use crate::figures::{Figures, ratio};
use crate::format::{
    NONE, code, duration_ms, floor_ms, int, num, one_line, plan_shape, projection_s, ratio_range,
    times, wall_range,
};
use crate::md::MdTable;
use crate::model::{Entry, Fate, Report, Table};
use crate::names::row_cell;
use crate::ties::Mark;

/// A column of a plan's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Host,
    Tls,
    Wall,
    Relative,
    Floor,
    /// Row req/s over generator `i`'s ([`Table::generators`]).
    Generator(usize),
    ReqPerS,
    Latency,
    Cpu,
    CpuPerHandshake,
    PeakRss,
    RssPerInflight,
    Heartbeat,
    Threads,
    Handshakes,
    Resumed,
    ProtocolUsed,
    Connections,
    MaxStreams,
    /// What was verified of the bodies (foreign servers only).
    Content,
    Errors,
}

/// The plan asks for TLS handshakes to be counted.
pub(crate) fn shows_tls(t: &Table<'_>) -> bool {
    t.plan.tls
}

/// The plan asks for a protocol, or negotiates one over TLS.
pub(crate) fn shows_protocol(t: &Table<'_>) -> bool {
    t.plan.tls || t.plan.protocol != Protocol::Auto
}

impl Col {
    fn header(self, t: &Table<'_>) -> String {
        match self {
            Col::Host => "Host".into(),
            Col::Tls => "TLS".into(),
            Col::Wall => "Wall (median, min–max)".into(),
            Col::Relative => "Relative".into(),
            Col::Floor => "× floor".into(),
            Col::Generator(i) => format!("× {}", t.generator_word(i)),
            Col::ReqPerS => "req/s".into(),
            Col::Latency => "Latency p50 / p99 (ms)".into(),
            Col::Cpu => "CPU µs/req".into(),
            Col::CpuPerHandshake => "CPU µs/handshake".into(),
            Col::PeakRss => "Peak RSS (MiB)".into(),
            Col::RssPerInflight => "RSS / in-flight (KiB)".into(),
            Col::Heartbeat => "Heartbeat p99 / max late (ms)".into(),
            Col::Threads => "Threads".into(),
            Col::Handshakes => "Handshakes / req".into(),
            Col::Resumed => "Resumed".into(),
            Col::ProtocolUsed => "Protocol used".into(),
            Col::Connections => "Connections".into(),
            Col::MaxStreams => "Max streams / conn".into(),
            Col::Content => "Content".into(),
            Col::Errors => "Errors".into(),
        }
    }

    /// A measured entry's figure.
    fn value(self, t: &Table<'_>, e: &Entry<'_>, f: &Figures) -> String {
        let d = &f.d;
        match self {
            Col::Host => code(&e.host),
            Col::Tls => tls(e),
            Col::Wall => wall_range(d.wall_ms, d.wall_min_ms, d.wall_max_ms),
            Col::Relative => relative(f),
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
            Col::CpuPerHandshake => f.cpu_per_handshake.map_or(NONE.into(), |s| num(s.median)),
            Col::PeakRss => num(d.peak_rss_kib / 1024.0),
            Col::RssPerInflight => f.rss_per_inflight.map_or(NONE.into(), |s| num(s.median)),
            Col::Heartbeat => format!("{} / {}", num(d.hb_p99_ms), num(d.hb_max_ms)),
            Col::Threads if d.threads > 0.0 => num(d.threads),
            Col::Threads => NONE.into(),
            Col::Handshakes => ratio(d.handshakes, t.plan.requests as f64).map_or(NONE.into(), num),
            Col::Resumed => resumed(d.resumed, d.handshakes),
            Col::ProtocolUsed => f.protocol_used.into(),
            Col::Connections => num(d.connections),
            Col::MaxStreams => num(d.max_streams),
            Col::Content => content(t, e),
            Col::Errors => errors(t, d.errors, d.failed, d.requests),
        }
    }
}

/// What was verified of a foreign server's bodies: its echoes, counted
/// over the repeats, or nothing.
fn content(t: &Table<'_>, e: &Entry<'_>) -> String {
    match t.foreign.map(|f| f.echo) {
        Some(Echo::Args) => {
            let reps = e.cell.and_then(|c| c.repeats()).unwrap_or_default();
            let verified: u64 = reps.iter().map(|r| r.summary.verified).sum();
            let requests: u64 = reps.iter().map(|r| r.summary.requests).sum();
            format!("{} of {} echoes verified", int(verified), int(requests))
        }
        _ => "content not verified (foreign server)".into(),
    }
}

/// The row's TLS stack, or `none`.
fn tls(e: &Entry<'_>) -> String {
    e.row.tls.clone().unwrap_or_else(|| "none".into())
}

/// `998 of 1 000`, `none of 1 000`, `—` when no handshake was counted.
pub(crate) fn resumed(resumed: f64, handshakes: f64) -> String {
    if handshakes.is_nan() || handshakes <= 0.0 {
        NONE.into()
    } else if resumed > 0.0 {
        format!("{} of {}", num(resumed), num(handshakes))
    } else {
        format!("none of {}", num(handshakes))
    }
}

/// The Relative column: `1.00` for the best alone, `1.00–1.04, tied` for
/// rows tied with it, `1.72–1.78` for the others.
pub(crate) fn relative(f: &Figures) -> String {
    let Some((lo, hi)) = f.relative else {
        return NONE.into();
    };
    match f.mark {
        Mark::Best => ratio_range(lo, hi),
        Mark::Tied => format!("{}, tied", ratio_range(lo, hi)),
        // Behind beyond noise, yet 1.00 at two decimals: show a third.
        Mark::Behind if ratio_range(lo, hi) == "1.00" => {
            let (a, b) = (format!("{lo:.3}"), format!("{hi:.3}"));
            if a == b { a } else { format!("{a}–{b}") }
        }
        Mark::Behind => ratio_range(lo, hi),
    }
}

/// `0`, `12 of 3 000 (0.4 %)`; on a plan with injected faults, whether
/// they are all the faults account for (`as injected`) or how many are
/// not (a row with those cannot win the verdict).
fn errors(t: &Table<'_>, errors: u64, failed: u64, requests: u64) -> String {
    if errors == 0 {
        return "0".into();
    }
    let pct = 100.0 * errors as f64 / requests.max(1) as f64;
    let mut s = format!("{} of {} ({} %", int(errors), int(requests), num(pct));
    if !t.plan.faults.is_none() {
        if failed == 0 {
            s.push_str(", as injected");
        } else {
            s.push_str(&format!("; {} not injected", int(failed)));
        }
    }
    s.push(')');
    s
}

fn columns(r: &Report<'_>, t: &Table<'_>) -> Vec<Col> {
    let mut cols = Vec::new();
    if r.multi_host {
        cols.push(Col::Host);
    }
    if shows_tls(t) {
        cols.push(Col::Tls);
    }
    cols.extend([Col::Wall, Col::Relative]);
    if floor_ms(&t.plan) > 0.0 {
        cols.push(Col::Floor);
    }
    cols.extend((0..t.generators.len()).map(Col::Generator));
    cols.extend([Col::ReqPerS, Col::Latency, Col::Cpu]);
    if shows_tls(t) && !t.plan.keep_alive {
        cols.push(Col::CpuPerHandshake);
    }
    cols.extend([
        Col::PeakRss,
        Col::RssPerInflight,
        Col::Heartbeat,
        Col::Threads,
    ]);
    if shows_tls(t) {
        cols.extend([Col::Handshakes, Col::Resumed]);
    }
    if shows_protocol(t) {
        cols.extend([Col::ProtocolUsed, Col::Connections, Col::MaxStreams]);
    }
    if t.foreign.is_some() {
        cols.push(Col::Content);
    }
    cols.push(Col::Errors);
    cols
}

/// The short word a table shows for a cell without figures.
pub(crate) fn fate_word(fate: &Fate<'_>) -> &'static str {
    match fate {
        Fate::Measured(_) => "",
        Fate::Skipped { .. } => "*skipped*",
        Fate::Unsupported(_) => "*cannot*",
        Fate::Failed(_) => "*failed*",
        Fate::NoRepeats => "*no repeats*",
        Fate::NotRun => "*not run*",
    }
}

/// The full table of one plan.
pub(crate) fn plan_table(r: &Report<'_>, t: &Table<'_>) -> String {
    let cols = columns(r, t);
    let mut header = vec!["Row".to_string()];
    header.extend(cols.iter().map(|c| c.header(t)));
    let text_cols = 1 + cols
        .iter()
        .take_while(|c| matches!(c, Col::Host | Col::Tls))
        .count();
    let mut table = MdTable::numeric(header, text_cols);
    for (i, g) in t.generators.iter().enumerate() {
        let mut line = vec![format!("{} (load generator)", code(&g.tool))];
        line.extend(cols.iter().map(|col| generator_value(*col, r, t, i, g)));
        table.push(line);
    }
    for e in &t.entries {
        let mut line = vec![row_cell(&e.row)];
        match e.fate() {
            Fate::Measured(f) => line.extend(cols.iter().map(|c| c.value(t, e, f))),
            fate => line.extend(cols.iter().map(|c| match c {
                Col::Host => code(&e.host),
                Col::Tls => tls(e),
                Col::Wall => fate_word(&fate).into(),
                _ => NONE.into(),
            })),
        }
        table.push(line);
    }
    table.render()
}

/// A load generator's figure in column `col`: its wall (when it ran a
/// request count), × floor, req/s, and its req/s over each generator's.
fn generator_value(col: Col, r: &Report<'_>, t: &Table<'_>, i: usize, g: &GeneratorLine) -> String {
    match col {
        Col::Host => code(&r.results.environment.host),
        Col::Tls => "not verified".into(),
        Col::Wall => g
            .wall_ms
            .zip(g.wall_range())
            .map_or(NONE.into(), |(w, (lo, hi))| wall_range(w, lo, hi)),
        Col::Floor => g
            .wall_ms
            .and_then(|w| ratio(w, floor_ms(&t.plan)))
            .map_or(NONE.into(), times),
        Col::Generator(j) if j == i => "1.00×".into(),
        Col::Generator(j) => t
            .generators
            .get(j)
            .and_then(|other| ratio(g.req_per_s, other.req_per_s))
            .map_or(NONE.into(), times),
        Col::ReqPerS => num(g.req_per_s),
        _ => NONE.into(),
    }
}

/// One note line per entry without figures.
pub(crate) fn fate_notes(r: &Report<'_>, t: &Table<'_>) -> Vec<String> {
    fates(r, t)
        .into_iter()
        .map(|(who, what)| format!("{who} — {what}"))
        .collect()
}

/// Each entry without figures: who (the row, and the host when merged)
/// and what became of it.
pub(crate) fn fates(r: &Report<'_>, t: &Table<'_>) -> Vec<(String, String)> {
    t.entries
        .iter()
        .filter_map(|e| {
            let who = format!("{}{}", code(&e.row.id), r.on_host(&e.host));
            let what = match e.fate() {
                Fate::Measured(_) => return None,
                Fate::Skipped {
                    reason,
                    projected_s,
                } => {
                    let mut s = format!("skipped: {}", one_line(reason));
                    if let Some(p) = projected_s.filter(|_| !reason.contains("projected")) {
                        s.push_str(&format!("; projected {} per run", projection_s(p)));
                    }
                    s
                }
                Fate::Unsupported(reason) => format!("cannot: {}", one_line(reason)),
                Fate::Failed(reason) => format!("failed: {}", one_line(reason)),
                Fate::NoRepeats => "recorded as done without a measured repeat".into(),
                Fate::NotRun => "not run: results.json has no cell for it".into(),
            };
            Some((who, what))
        })
        .collect()
}

/// Errors by kind per measured entry, when any had errors.
pub(crate) fn errors_table(r: &Report<'_>, t: &Table<'_>) -> Option<String> {
    if !t.measured().any(|(_, f)| f.d.errors > 0) {
        return None;
    }
    let kinds: BTreeSet<_> = t
        .measured()
        .flat_map(|(_, f)| f.errors_by_kind.keys().copied())
        .collect();
    let mut header = vec!["Row".to_string()];
    if r.multi_host {
        header.push("Host".into());
    }
    header.extend(kinds.iter().map(|k| k.to_string()));
    header.push("total".into());
    let mut table = MdTable::numeric(header, 1 + usize::from(r.multi_host));
    for (e, f) in t.measured() {
        let mut line = vec![row_cell(&e.row)];
        if r.multi_host {
            line.push(code(&e.host));
        }
        line.extend(
            kinds
                .iter()
                .map(|k| int(f.errors_by_kind.get(k).copied().unwrap_or(0))),
        );
        line.push(int(f.d.errors));
        table.push(line);
    }
    Some(table.render())
}

/// The plan in words, with its floor; against a foreign server, where the
/// requests went and what was checked of the answers.
pub(crate) fn plan_line(t: &Table<'_>) -> String {
    let floor = floor_ms(&t.plan);
    let mut s = match t.foreign {
        None => format!("Plan: {}", plan_shape(&t.plan)),
        Some(f) => format!(
            "Plan: {} requests to {}, {}",
            int(t.plan.requests),
            code(&f.url),
            foreign_shape(&t.plan)
        ),
    };
    if floor > 0.0 {
        let what = if t.foreign.is_some() {
            " (the server's known delay)"
        } else {
            ""
        };
        let _ = write!(s, "; floor {}{what}", duration_ms(floor));
    }
    s.push('.');
    if let Some(f) = t.foreign {
        let server = match &f.software {
            Some(sw) => format!("a local {sw}, started by the harness for the workload"),
            None => "the user's own server".into(),
        };
        let checked = match f.echo {
            Echo::Args => {
                "a 2xx, the JSON body decoded by each client's own JSON API, and the \
                 query httpbin echoes (`args`) matching each request's index"
            }
            Echo::Nothing if t.plan.format == fanout_core::Format::Json => {
                "a 2xx and a body each client's own JSON API decodes; content not verified \
                 (foreign server)"
            }
            Echo::Nothing => "a 2xx, the body read whole; content not verified (foreign server)",
        };
        let _ = write!(
            s,
            " Against a foreign server, {server}: checked are {checked}. It has no counters the \
             harness can read, so the columns the project's server counts — connections, \
             streams, TLS handshakes, and RSS per in-flight request (which divides by its count \
             of requests in flight) — are empty rather than guessed."
        );
    }
    s
}

/// A foreign plan in words without what is not sent (delay, body size).
fn foreign_shape(plan: &fanout_core::Plan) -> String {
    let mut parts = vec![match plan.format {
        fanout_core::Format::Json => "JSON decoded".to_string(),
        fanout_core::Format::Bytes => "bodies read whole".to_string(),
    }];
    parts.push(match plan.concurrency {
        Some(c) if c < plan.requests => format!("{} at once", int(c)),
        _ => "all at once".to_string(),
    });
    if !plan.keep_alive {
        parts.push("no keep-alive".into());
    }
    if plan.tls {
        parts.push("HTTPS".into());
    }
    if plan.protocol != Protocol::Auto {
        parts.push(crate::format::protocol(plan.protocol).to_string());
    }
    parts.join(", ")
}

/// A plan's whole section: the plan, its table, the notes (when `notes`),
/// the load generators' commands and the errors by kind.
pub(crate) fn plan_section(out: &mut String, r: &Report<'_>, t: &Table<'_>, notes: bool) {
    let _ = writeln!(out, "{}\n", plan_line(t));
    out.push_str(&plan_table(r, t));
    if notes {
        push_notes(out, &fate_notes(r, t));
    }
    for g in &t.generators {
        let _ = writeln!(
            out,
            "\nLoad generator: {}{} against a server of its own: `{}`.",
            g.tool,
            r.on_host(&r.results.environment.host),
            g.command.replace('`', "'")
        );
    }
    if let Some(table) = errors_table(r, t) {
        out.push_str(
            "\nErrors by kind, summed over each row's repeats (latency columns are over the successful requests):\n\n",
        );
        out.push_str(&table);
    }
}

/// A bulleted list of notes, after a blank line.
pub(crate) fn push_notes(out: &mut String, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    out.push('\n');
    for n in notes {
        let _ = writeln!(out, "- {n}");
    }
}
