//! # `cargo bench --bench fanout`: criterion statistics of one fan-out
//!
//! **What it measures**: the wall time of [`Session::fan_out`] — one plan of
//! N GETs, run in this process by one row against the target server in a
//! child process — with criterion's statistics (mean, confidence interval,
//! change since the last run) and HTML reports. One benchmark group per
//! workload preset (`demo`, `latency`, `throughput` at N = 2 000, `payload`,
//! and `scaling/N=10`, `N=100`, `N=1000`), one [`BenchmarkId`] per row of
//! [`fanout::registry::rows`]. The session (runtime, client, pool) is started
//! once per (row, group), outside the timed part; the timed part is exactly
//! `session.fan_out(&plan)`, and the time is the [`Outcome::wall`] it
//! reports. Each sample is about one fan-out (criterion's `Flat` sampling,
//! ten samples, one warm-up fan-out that also opens the pool's connections).
//!
//! **What it is not**: it is not the sweep (`benches/sweep.rs`,
//! `fanout sweep`). Here every row shares this process, so there is no CPU
//! time, peak RSS or thread count per row, no latency histogram and no
//! heartbeat lateness: the sweep runs each cell in a fresh child process and
//! reads those from the OS. Nothing here asserts anything about speed; a
//! fan-out with failed requests is reported on stderr, not a panic.
//!
//! The bench binary is also the target server: started as
//! `fanout serve …` / `fanout run …` (first argument `serve` or `run`) it
//! behaves as the `fanout` binary, so the server child is this same file.

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use fanout::registry;
use fanout::server_process::ServerProcess;
use fanout_core::{ErrorKind, Model, Outcome, Plan, Runtime, Session, Workload};

/// One benchmark group: a workload preset (and for `scaling`, one N).
struct Group {
    /// The preset's id.
    workload: &'static str,
    /// For `scaling`: which of its plans, by N.
    n: Option<u64>,
    /// Use the preset's quick variant ([`Workload::quick_plans`], N / 10).
    quick: bool,
    /// Criterion's measurement time: about ten fan-outs of a typical async
    /// row, so each sample is one fan-out (two for the fastest rows). Slower
    /// rows take longer than this, one fan-out per sample, and criterion
    /// says so ("Unable to complete 10 samples …"): expected.
    measurement: Duration,
}

const fn group(workload: &'static str, n: Option<u64>, measurement_ms: u64) -> Group {
    Group {
        workload,
        n,
        quick: false,
        measurement: Duration::from_millis(measurement_ms),
    }
}

/// The groups, in report order. `c10k` and `faults` are the sweep's alone, as
/// are `scaling` at N=1 and N=10 000. `throughput` runs its quick variant
/// (2 000 requests, not 20 000): the blocking rows take 2–6 s per 20 000 on
/// two cores, minutes per group at twelve fan-outs a row, and criterion
/// reports it in requests/s, which N does not change once the 64 connections
/// are warm.
const GROUPS: [Group; 7] = [
    group("demo", None, 5_000),
    group("latency", None, 2_000),
    Group {
        quick: true,
        ..group("throughput", None, 1_000)
    },
    group("payload", None, 2_000),
    group("scaling", Some(10), 1_000),
    group("scaling", Some(100), 1_000),
    group("scaling", Some(1_000), 2_000),
];

/// A sequential row takes N × delay per fan-out; it runs only where that is
/// at most this (the demo's 5 × 500 ms), so every group stays in seconds.
const SEQUENTIAL_LIMIT: Duration = Duration::from_millis(2_500);

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
        .and_then(|exe| ServerProcess::start(&exe).map_err(|e| format!("{e:#}")))
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2);
        });
    let target = server.base_url();
    let rows = registry::rows();
    let mut c = Criterion::default().configure_from_args();

    for g in &GROUPS {
        let workload = Workload::get(g.workload).expect("GROUPS names known workloads");
        let plans = if g.quick {
            workload.quick_plans(&target)
        } else {
            workload.plans(&target)
        };
        let plan = plans
            .into_iter()
            .find(|p| g.n.is_none_or(|n| p.requests == n))
            .expect("GROUPS names existing scaling N");
        let name = match g.n {
            Some(n) => format!("{}/N={n}", g.workload),
            None => g.workload.to_string(),
        };

        let mut group = c.benchmark_group(&name);
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(1)) // criterion still runs one fan-out
            .measurement_time(g.measurement)
            .noise_threshold(0.05) // loopback fan-outs vary more than criterion's 1 %
            .nresamples(10_000); // not 100 000: its analysis and plots took ~5 s a benchmark
        match g.workload {
            "throughput" => {
                group.throughput(Throughput::Elements(plan.requests));
            }
            "payload" => {
                group.throughput(Throughput::Bytes(plan.requests * plan.bytes));
            }
            _ => {}
        }
        for row in &rows {
            bench_row(&mut group, &name, row.as_ref(), &plan);
        }
        group.finish();
    }

    c.final_summary();
    drop(server);
}

/// Benchmarks one row on one plan, or says on stderr why it is skipped.
fn bench_row(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, row: &dyn Runtime, plan: &Plan) {
    let id = row.id();
    if row.describe().model == Model::Sequential {
        let takes = plan
            .delay
            .saturating_mul(u32::try_from(plan.requests).unwrap_or(u32::MAX));
        if takes > SEQUENTIAL_LIMIT {
            eprintln!(
                "note: {name}/{id} skipped: one sequential fan-out takes {} × {:?} = {takes:?} \
                 (limit {SEQUENTIAL_LIMIT:?})",
                plan.requests, plan.delay
            );
            return;
        }
    }
    let mut session: Box<dyn Session> = match row.start() {
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
                .map(|_| {
                    let outcome = session.fan_out(plan);
                    failures.record(&outcome);
                    outcome.wall
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
