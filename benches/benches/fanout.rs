//! # `cargo bench --bench fanout`: criterion statistics of one fan-out
//!
//! **What it measures**: the wall time of [`Session::fan_out`] — one plan of
//! N GETs, run in this process by one Rust row against the target server in
//! a child process — with criterion's statistics (mean, confidence interval,
//! change since the last run) and HTML reports. One benchmark group per plan
//! a workload gives the criterion bench ([`Workload::criterion_plans`]:
//! `latency` and `api`),
//! one [`BenchmarkId`] per idiomatic Rust row (the idiom and tuned variants
//! are the sweep's). The session (runtime,
//! client, pool) is started once per (row, group), outside the timed part;
//! the timed part is exactly `session.fan_out(&plan)`, and the time is the
//! [`Outcome::wall`] it reports. Each sample is about one fan-out
//! (criterion's `Flat` sampling, ten samples, one warm-up fan-out that also
//! opens the pool's connections).
//!
//! **What it is not**: it is not the sweep (`benches/sweep.rs`, `fanout
//! sweep`). Here every row shares this process, so there is no CPU time,
//! peak RSS or thread count per row, no latency histogram, no heartbeat
//! lateness and no reference rows: the sweep runs each cell in fresh child
//! processes and reads those from the OS. Nothing here asserts anything
//! about speed; a fan-out with failed requests is reported on stderr, not a
//! panic.
//!
//! The bench binary is also the target server: started as `fanout serve …`
//! / `fanout run …` (first argument `serve` or `run`) it behaves as the
//! `fanout` binary, so the server child is this same file.

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use fanout::harness::server::ServerProcess;
use fanout::registry;
use fanout_core::{ErrorKind, Outcome, Plan, Row, Session, Target, WORKLOADS};

/// A row whose one fan-out would take longer than this (N × delay at its
/// concurrency cap: the sequential row; `async-std-surf` on `latency`) is
/// skipped, so every group stays in seconds.
const ROW_LIMIT: Duration = Duration::from_millis(1_500);

fn main() {
    // The server child (and the sweep's `run` child) is this binary.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "serve" || a == "run")
    {
        std::process::exit(fanout::cli::main_from(std::env::args_os()));
    }

    let server = std::env::current_exe()
        .map_err(|e| format!("cannot find the bench binary: {e}"))
        .and_then(|exe| ServerProcess::start(&exe, &[]).map_err(|e| format!("{e:#}")))
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2);
        });
    let target = server.target().clone();
    // The idiomatic rows: an idiom or tuned variant of another row is the
    // sweep's alone (`idioms.md`, the pitfalls), to keep `cargo bench`
    // within its 20 minutes.
    let rows: Vec<_> = registry::rust_rows()
        .into_iter()
        .filter(|r| {
            let variant = r.describe().variant_of;
            if let Some(base) = variant {
                eprintln!(
                    "note: {} not benchmarked: a variant of {base}, measured by the sweep",
                    r.id()
                );
            }
            variant.is_none()
        })
        .collect();
    let mut c = Criterion::default().configure_from_args();

    for w in &WORKLOADS {
        for plan in w.criterion_plans() {
            let name = match w.label(&plan) {
                label if label == w.id => label,
                label => format!("{}/{label}", w.id),
            };
            let mut group = c.benchmark_group(&name);
            group
                .sampling_mode(SamplingMode::Flat)
                .sample_size(10)
                .warm_up_time(Duration::from_millis(1)) // criterion still runs one fan-out
                // About ten fan-outs at the floor, between 1 and 5 s.
                .measurement_time(
                    (plan.floor() * 10).clamp(Duration::from_secs(1), Duration::from_secs(5)),
                )
                .noise_threshold(0.05) // loopback fan-outs vary more than criterion's 1 %
                .nresamples(10_000); // not 100 000: its analysis took ~5 s a benchmark
            if plan.delay.is_zero() {
                group.throughput(Throughput::Elements(plan.requests));
            }
            for row in &rows {
                bench_row(&mut group, &name, row.as_ref(), &plan, &target);
            }
            group.finish();
        }
    }

    c.final_summary();
    drop(server);
}

/// Benchmarks one row on one plan, or says on stderr why it is skipped.
fn bench_row(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    row: &dyn Row,
    plan: &Plan,
    target: &Target,
) {
    let id = row.id();
    let d = row.describe();
    if let Some(why) = d.unsupported(plan) {
        eprintln!("note: {name}/{id} skipped: {why}");
        return;
    }
    let takes = plan.projection(d.max_concurrency);
    if takes > ROW_LIMIT {
        eprintln!(
            "note: {name}/{id} skipped: one fan-out takes at least {takes:?} (limit {ROW_LIMIT:?})"
        );
        return;
    }
    let mut session: Box<dyn Session> = match row.start(target) {
        Ok(session) => session,
        Err(e) => {
            eprintln!("note: {name}/{id} skipped: cannot start the row: {e}");
            return;
        }
    };
    let mut failures = Failures::default();
    group.bench_function(BenchmarkId::from_parameter(id), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| match session.fan_out(plan) {
                    Ok(outcome) => {
                        failures.record(&outcome);
                        outcome.wall
                    }
                    Err(e) => {
                        failures.setup = Some(e.to_string());
                        Duration::ZERO
                    }
                })
                .sum()
        })
    });
    failures.report(name, id);
}

/// Failed requests over every fan-out of one benchmark, warm-up included.
#[derive(Default)]
struct Failures {
    fan_outs: u64,
    failed_fan_outs: u64,
    by_kind: BTreeMap<ErrorKind, u64>,
    setup: Option<String>,
}

impl Failures {
    fn record(&mut self, outcome: &Outcome) {
        self.fan_outs += 1;
        let errors = outcome.errors();
        if !errors.is_empty() {
            self.failed_fan_outs += 1;
        }
        for (kind, n) in errors {
            *self.by_kind.entry(kind).or_default() += n;
        }
    }

    /// One line on stderr when any request failed; nothing otherwise.
    fn report(&self, name: &str, id: &str) {
        if let Some(e) = &self.setup {
            eprintln!(
                "warning: {name}/{id}: the session could not run the plan ({e}); its times are not fan-outs"
            );
        }
        if self.failed_fan_outs == 0 {
            return;
        }
        let kinds: Vec<_> = self
            .by_kind
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        eprintln!(
            "warning: {name}/{id}: {} of {} fan-outs had failed requests ({}); \
             its times include them",
            self.failed_fan_outs,
            self.fan_outs,
            kinds.join(", ")
        );
    }
}
