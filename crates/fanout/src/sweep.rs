//! The sweep: every (row, workload) cell in a fresh child process against a
//! server in a process of its own, one warm-up then R repeats; CPU and peak
//! RSS of the client from `wait4`; results written to `results/` atomically.
//!
//! Run by `fanout sweep` and by `cargo bench --bench sweep`. A cell whose
//! projected run time is over the per-run budget (the sequential row on
//! `c10k`) is recorded as skipped with the reason and the projection; a child
//! that crashes or hangs is recorded as failed with the reason. Ctrl-C stops
//! the sweep between runs: the previous `results/` stays as it was and what
//! finished is saved beside it as `results.partial.json`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fanout_core::{Plan, Runtime, ServerStats, WORKLOADS, Workload};
use indicatif::{ProgressBar, ProgressStyle};
use wait4::Wait4;

use crate::reference::{self, PYTHON_ROWS, PythonRow};
use crate::registry;
use crate::results::{Ceiling, Cell, CellStatus, Repeat, Results, RowInfo, SCHEMA, Settings};
use crate::server_process::ServerProcess;
use crate::summary::Summary;

/// What to sweep and where to write it.
#[derive(Debug, Clone)]
pub struct Options {
    /// Row ids; empty = every registered row.
    pub rows: Vec<String>,
    /// Workload ids; empty = every workload.
    pub workloads: Vec<String>,
    /// Measured repeats per cell, after one warm-up.
    pub repeats: u32,
    /// Smaller N (see `Workload::quick_plans`).
    pub quick: bool,
    /// The results directory (replaced atomically at the end).
    pub out: PathBuf,
    /// A cell whose projected run time is over this is skipped.
    pub cell_budget: Duration,
    /// The binary that acts as `fanout run` / `fanout serve` children.
    pub exe: PathBuf,
    /// Show a progress bar.
    pub progress: bool,
    /// The command line, recorded in the results.
    pub command: String,
}

impl Options {
    /// Defaults: every row and workload, 3 repeats, `results/`, 15 s budget.
    pub fn new(exe: PathBuf) -> Options {
        Options {
            rows: Vec::new(),
            workloads: Vec::new(),
            repeats: 3,
            quick: false,
            out: PathBuf::from("results"),
            cell_budget: Duration::from_secs(15),
            exe,
            progress: true,
            command: String::new(),
        }
    }
}

/// The projected wall time of one run of `plan` by a row that can have at
/// most `cap` requests in flight: rounds of the server delay.
pub fn projection(plan: &Plan, cap: Option<u64>) -> Duration {
    let in_flight = plan.max_in_flight().min(cap.unwrap_or(u64::MAX)).max(1);
    plan.delay * plan.requests.div_ceil(in_flight) as u32
}

/// Why a cell is skipped, if it is: its projected run time is over budget.
pub fn skip_reason(plan: &Plan, cap: Option<u64>, budget: Duration) -> Option<(String, f64)> {
    let projected = projection(plan, cap);
    (projected > budget).then(|| {
        let in_flight = plan.max_in_flight().min(cap.unwrap_or(u64::MAX));
        (
            format!(
                "projected {:.0} s per run ({} requests × {} ms, {} at a time) is over the {} s per-run budget",
                projected.as_secs_f64(),
                plan.requests,
                plan.delay.as_millis(),
                in_flight,
                budget.as_secs()
            ),
            projected.as_secs_f64(),
        )
    })
}

/// A row of the sweep: a registered Rust row, or a reference program.
enum RowSpec {
    Rust(Box<dyn Runtime>),
    Python(PythonRow),
}

impl RowSpec {
    fn id(&self) -> &'static str {
        match self {
            RowSpec::Rust(r) => r.id(),
            RowSpec::Python(p) => p.id,
        }
    }

    /// The most requests the row can have in flight, whatever the plan says.
    fn cap(&self) -> Option<u64> {
        match self {
            RowSpec::Rust(r) => r.describe().max_concurrency,
            RowSpec::Python(p) => p.max_concurrency,
        }
    }

    fn info(&self) -> RowInfo {
        match self {
            RowSpec::Rust(r) => row_info(r.as_ref()),
            RowSpec::Python(p) => p.info(),
        }
    }

    fn command(&self, exe: &Path, plan_json: &str) -> Command {
        match self {
            RowSpec::Rust(r) => {
                let mut cmd = Command::new(exe);
                cmd.args(["run", "--runtime", r.id(), "--json", "--plan", plan_json]);
                cmd
            }
            RowSpec::Python(p) => p.command(plan_json),
        }
    }
}

struct Job {
    row: Arc<RowSpec>,
    workload: Workload,
    label: String,
    plan: Plan,
}

/// Runs the sweep and writes `options.out`. Returns the results.
pub fn run(options: &Options) -> anyhow::Result<Results> {
    let rows = select_rows(&options.rows)?;
    let workloads = select_workloads(&options.workloads)?;
    if options.repeats == 0 {
        bail!("--repeats must be at least 1");
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // Children share our process group, so Ctrl-C reaches them too; we only
    // note it and stop between runs. Setting the handler twice (a second
    // sweep in one process) is not an error worth failing for.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let python_missing = rows
        .iter()
        .any(|r| matches!(r.as_ref(), RowSpec::Python(_)))
        .then(reference::python_unavailable)
        .flatten();
    let mut results = Results {
        schema: SCHEMA,
        environment: crate::environment::collect(&options.command),
        settings: Settings {
            repeats: options.repeats,
            quick: options.quick,
            cell_budget_s: options.cell_budget.as_secs_f64(),
        },
        rows: rows.iter().map(|r| r.info()).collect(),
        cells: Vec::new(),
        ceilings: Vec::new(),
    };

    // The plans' target is filled per run; build the job list with a placeholder.
    let mut jobs = Vec::new();
    for row in &rows {
        for w in &workloads {
            let plans = if options.quick {
                w.quick_plans("http://127.0.0.1:0")
            } else {
                w.plans("http://127.0.0.1:0")
            };
            for plan in plans {
                jobs.push(Job {
                    row: Arc::clone(row),
                    workload: *w,
                    label: w.label(&plan),
                    plan,
                });
            }
        }
    }
    let runs_per_cell = 1 + options.repeats as u64;
    let total: u64 = rows.len() as u64
        + jobs
            .iter()
            .map(|j| {
                let cap = j.row.cap();
                if skip_reason(&j.plan, cap, options.cell_budget).is_some() {
                    0
                } else {
                    runs_per_cell
                }
            })
            .sum::<u64>();
    let bar = if options.progress {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} runs, ETA {eta} · {msg}",
        )
        .expect("static progress template")
        .progress_chars("=> "),
    );

    for (info, row) in results.rows.iter_mut().zip(&rows) {
        bar.set_message(format!("{} · idle RSS", row.id()));
        let idle = Plan {
            heartbeat: Duration::from_millis(10),
            ..Plan::new("http://127.0.0.1:0", 1, Duration::ZERO)
        };
        let runnable = !(matches!(row.as_ref(), RowSpec::Python(_)) && python_missing.is_some());
        if runnable {
            info.idle_rss_kib = run_child(options, row, &idle, None)
                .ok()
                .map(|r| r.peak_rss_kib);
        }
        bar.inc(1);
        if interrupted.load(Ordering::SeqCst) {
            return Err(save_partial(options, &results));
        }
    }

    for job in jobs {
        let cap = job.row.cap();
        let status = if let (RowSpec::Python(_), Some(why)) = (job.row.as_ref(), &python_missing) {
            bar.inc(runs_per_cell);
            CellStatus::Skipped {
                reason: why.clone(),
                projected_s: None,
            }
        } else if let Some((reason, projected)) = skip_reason(&job.plan, cap, options.cell_budget) {
            CellStatus::Skipped {
                reason,
                projected_s: Some(projected),
            }
        } else {
            run_cell(options, &job, runs_per_cell, &bar, &interrupted)
        };
        results.cells.push(Cell {
            row: job.row.id().to_string(),
            workload: job.workload.id.to_string(),
            label: job.label.clone(),
            plan: job.plan.clone(),
            status,
        });
        if interrupted.load(Ordering::SeqCst) {
            bar.abandon_with_message("interrupted");
            return Err(save_partial(options, &results));
        }
    }
    results.ceilings = load_generators(options, &workloads, &bar, &interrupted);
    if interrupted.load(Ordering::SeqCst) {
        bar.abandon_with_message("interrupted");
        return Err(save_partial(options, &results));
    }
    bar.finish_with_message("done");
    write_results(&results, &options.out)?;
    Ok(results)
}

fn run_cell(
    options: &Options,
    job: &Job,
    runs: u64,
    bar: &ProgressBar,
    interrupted: &AtomicBool,
) -> CellStatus {
    let server = match ServerProcess::start(&options.exe) {
        Ok(s) => s,
        Err(e) => {
            return CellStatus::Failed {
                reason: format!("cannot start the server: {e:#}"),
            };
        }
    };
    let mut repeats = Vec::new();
    let mut runs = runs;
    let mut k = 0;
    while k < runs {
        let what = if k == 0 {
            "warm-up".to_string()
        } else {
            format!("repeat {k}/{}", runs - 1)
        };
        bar.set_message(format!("{} · {} · {what}", job.row.id(), job.label));
        let plan = Plan {
            target: server.base_url(),
            ..job.plan.clone()
        };
        let started = Instant::now();
        let result = run_child(options, &job.row, &plan, Some(&server));
        bar.inc(1);
        // A cell whose warm-up alone takes over a third of the per-run budget
        // (a CPU-bound reference row on `throughput`, say) gets one measured
        // repeat, not R: the sweep stays within its time, the cell says so.
        if k == 0 && runs > 2 && started.elapsed() > options.cell_budget / 3 {
            bar.inc(runs - 2);
            runs = 2;
        }
        if interrupted.load(Ordering::SeqCst) {
            return CellStatus::Failed {
                reason: "interrupted".into(),
            };
        }
        match result {
            Ok(r) if k > 0 => repeats.push(r),
            Ok(_) => {}
            Err(e) => {
                bar.inc(runs - 1 - k);
                return CellStatus::Failed {
                    reason: format!("{e:#}"),
                };
            }
        }
        k += 1;
    }
    CellStatus::Done { repeats }
}

/// Measures one run of row `id` (a registered row or a reference program) on
/// `plan` exactly as the sweep does — a server child from `exe`, the client in
/// a child process, `wait4` — without writing anything. `plan.target` is
/// replaced by the server's.
pub fn run_once(exe: &Path, id: &str, plan: &Plan) -> anyhow::Result<Repeat> {
    let row = select_rows(&[id.to_string()])?.remove(0);
    let options = Options::new(exe.to_path_buf());
    run_child(&options, &row, plan, None)
}

/// Runs one `fanout run --plan … --json` child and measures it.
fn run_child(
    options: &Options,
    row: &RowSpec,
    plan: &Plan,
    server: Option<&ServerProcess>,
) -> anyhow::Result<Repeat> {
    let own_server;
    let server = match server {
        Some(s) => s,
        None => {
            own_server = ServerProcess::start(&options.exe)?;
            &own_server
        }
    };
    let plan = Plan {
        target: server.base_url(),
        ..plan.clone()
    };
    server_stats(&plan.target, true)?;
    let mut child = row
        .command(&options.exe, &serde_json::to_string(&plan)?)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start the client of row {}", row.id()))?;
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    // A watchdog: the plan's worst case plus slack, then SIGKILL.
    let limit = projection(&plan, None) * 4 + plan.timeout + Duration::from_secs(60);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let start = Instant::now();
            while !done.load(Ordering::SeqCst) {
                if start.elapsed() > limit {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    return true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            false
        })
    };
    let usage = child.wait4().context("wait4 on the client child")?;
    done.store(true, Ordering::SeqCst);
    let killed = watchdog.join().unwrap_or(false);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let stats = server_stats(&plan.target, false)?;
    if killed {
        bail!(
            "the client did not finish within {} s and was killed",
            limit.as_secs()
        );
    }
    let code = match usage.status.code() {
        Some(c @ (0 | 1)) => c, // 1 = some requests failed: still a measurement
        Some(c) => bail!("the client exited with {c}: {}", last_line(&stderr)),
        None => bail!(
            "the client was killed by a signal ({:?}): {}",
            usage.status,
            last_line(&stderr)
        ),
    };
    let summary: Summary = serde_json::from_str(stdout.trim())
        .with_context(|| format!("the client printed no summary: {}", last_line(&stderr)))?;
    Ok(Repeat {
        summary,
        cpu_user_s: usage.rusage.utime.as_secs_f64(),
        cpu_sys_s: usage.rusage.stime.as_secs_f64(),
        peak_rss_kib: usage.rusage.maxrss / 1024,
        exit_code: code,
        server_peak_in_flight: stats.peak_in_flight,
        server_connections: client_connections(&stats),
    })
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut s);
        }
        s
    })
}

fn last_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .to_string()
}

/// `GET /stats`, or `POST /stats/reset` when `reset`. Each call is one
/// fresh connection (`Connection: close`), so the counters read after a run
/// include exactly one connection of the harness's own, which
/// [`client_connections`] takes off.
fn server_stats(base: &str, reset: bool) -> anyhow::Result<ServerStats> {
    let agent = ureq::Agent::new_with_defaults();
    if reset {
        agent
            .post(format!("{base}/stats/reset"))
            .header("connection", "close")
            .send_empty()
            .context("cannot reset the server's counters")?;
        return Ok(ServerStats::default());
    }
    let mut resp = agent
        .get(format!("{base}/stats"))
        .header("connection", "close")
        .call()
        .context("cannot read the server's counters")?;
    let text = resp.body_mut().read_to_string()?;
    serde_json::from_str(&text).context("the server's /stats is not the expected JSON")
}

/// Connections the client opened: the server's count less the `/stats` read.
fn client_connections(stats: &ServerStats) -> u64 {
    stats.connections.saturating_sub(1)
}

fn select_rows(ids: &[String]) -> anyhow::Result<Vec<Arc<RowSpec>>> {
    let all = || {
        registry::rows()
            .into_iter()
            .map(RowSpec::Rust)
            .chain(PYTHON_ROWS.iter().map(|p| RowSpec::Python(*p)))
            .map(Arc::new)
    };
    if ids.is_empty() {
        return Ok(all().collect());
    }
    ids.iter()
        .map(|id| match (registry::find(id), PythonRow::get(id)) {
            (Ok(row), _) => Ok(Arc::new(RowSpec::Rust(row))),
            (_, Some(p)) => Ok(Arc::new(RowSpec::Python(p))),
            (Err(_), None) => {
                let known: Vec<_> = all().map(|r| r.id()).collect();
                bail!(
                    "unknown runtime {id:?}; known runtimes: {}",
                    known.join(", ")
                )
            }
        })
        .collect()
}

/// The workloads `oha` runs on: the plan's N at the plan's concurrency —
/// 64 connections on `throughput`, one connection per request, all at once,
/// on the unbounded `latency` and `c10k` (as the unbounded rows do).
const OHA_WORKLOADS: [&str; 3] = ["throughput", "latency", "c10k"];

/// The load generators beside the rows, for the selected workloads: `wrk`
/// on `throughput`, `oha` on [`OHA_WORKLOADS`]. Each runs against a fresh
/// server; one that is missing or fails is left out with a `note:` line.
fn load_generators(
    options: &Options,
    workloads: &[Workload],
    bar: &ProgressBar,
    interrupted: &AtomicBool,
) -> Vec<Ceiling> {
    let mut out = Vec::new();
    let mut oha_missing = false;
    for w in workloads {
        if w.id == "throughput" && !interrupted.load(Ordering::SeqCst) {
            bar.set_message("wrk on throughput");
            out.extend(ceiling(options));
        }
        if !OHA_WORKLOADS.contains(&w.id) || oha_missing || interrupted.load(Ordering::SeqCst) {
            continue;
        }
        bar.set_message(format!("oha on {}", w.id));
        match oha_line(options, w, interrupted) {
            Ok(c) => out.push(c),
            Err(why) => {
                // Said once, not once per workload.
                oha_missing = why == reference::OHA_HINT;
                bar.suspend(|| eprintln!("note: no oha line on {}: {why}", w.id));
            }
        }
    }
    out
}

/// The workload's first plan (quick or full, as the sweep) on `base`.
fn generator_plan(options: &Options, w: &Workload, base: &str) -> Option<Plan> {
    let plans = if options.quick {
        w.quick_plans(base)
    } else {
        w.plans(base)
    };
    plans.into_iter().next()
}

/// `oha -n N -c C` on the workload's plan URL for id 0 against a fresh
/// server: one warm-up, then the sweep's repeats; the median wall.
fn oha_line(options: &Options, w: &Workload, interrupted: &AtomicBool) -> Result<Ceiling, String> {
    let server = ServerProcess::start(&options.exe)
        .map_err(|e| format!("cannot start the server: {e:#}"))?;
    let plan = generator_plan(options, w, &server.base_url())
        .ok_or_else(|| format!("workload {} has no plan", w.id))?;
    let mut walls = Vec::new();
    let mut command = String::new();
    for k in 0..=options.repeats {
        if interrupted.load(Ordering::SeqCst) {
            return Err("interrupted".into());
        }
        let (figures, cmd) = reference::oha(&plan.url(0), plan.requests, plan.max_in_flight())?;
        if k > 0 {
            walls.push(figures.total_s * 1e3);
            command = cmd;
        }
    }
    let wall_ms = crate::results::median(walls);
    Ok(Ceiling {
        tool: reference::oha_version(),
        workload: w.id.to_string(),
        // As for the rows: N over the median wall.
        req_per_s: plan.requests as f64 / (wall_ms / 1e3),
        command,
        wall_ms: Some(wall_ms),
    })
}

/// The ceiling on `throughput`: `wrk` with the plan's connection count
/// against a fresh server, one warm-up and the sweep's repeats; the median.
fn ceiling(options: &Options) -> Option<Ceiling> {
    let w = Workload::get("throughput")?;
    let server = ServerProcess::start(&options.exe).ok()?;
    let plan = generator_plan(options, &w, &server.base_url())?;
    let seconds = if options.quick { 2 } else { 5 };
    let mut figures = Vec::new();
    let mut command = String::new();
    for k in 0..=options.repeats {
        match reference::wrk(&plan.url(0), plan.concurrency.unwrap_or(64), 2, seconds) {
            Ok((rps, cmd)) if k > 0 => {
                figures.push(rps);
                command = cmd;
            }
            Ok(_) => {}
            Err(why) => {
                eprintln!("note: no wrk line on throughput: {why}");
                return None;
            }
        }
    }
    Some(Ceiling {
        tool: reference::wrk_version(),
        workload: w.id.to_string(),
        req_per_s: crate::results::median(figures),
        command,
        wall_ms: None,
    })
}

fn select_workloads(ids: &[String]) -> anyhow::Result<Vec<Workload>> {
    if ids.is_empty() {
        return Ok(WORKLOADS.to_vec());
    }
    ids.iter()
        .map(|id| {
            Workload::get(id).with_context(|| {
                format!(
                    "unknown workload {id:?}; known workloads: {}",
                    Workload::ids()
                )
            })
        })
        .collect()
}

fn row_info(row: &dyn Runtime) -> RowInfo {
    let d = row.describe();
    RowInfo {
        id: row.id().to_string(),
        runtime: d.runtime,
        client: d.client.to_string(),
        model: d.model.as_str().to_string(),
        upstream: d.upstream.to_string(),
        tuned: d.tuned.map(str::to_string),
        reference: false,
        idle_rss_kib: None,
    }
}

/// The file an interrupted sweep saves what it finished to: beside `out`.
pub fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or("results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!("{name}.partial.json"))
}

fn save_partial(options: &Options, results: &Results) -> anyhow::Error {
    let path = partial_path(&options.out);
    match serde_json::to_string_pretty(results)
        .map_err(anyhow::Error::from)
        .and_then(|j| {
            write_atomically(&path, j.as_bytes())?;
            Ok(())
        }) {
        Ok(()) => anyhow::anyhow!(
            "interrupted: {} left as it was; the {} finished cells are in {}",
            options.out.display(),
            results.cells.len(),
            path.display()
        ),
        Err(e) => anyhow::anyhow!("interrupted, and could not save the finished cells: {e:#}"),
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes `results.json` and the report into a temporary directory beside
/// `out`, then swaps it into place: `out` is never half-written.
pub fn write_results(results: &Results, out: &Path) -> anyhow::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".results-tmp-")
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    std::fs::write(
        tmp.path().join("results.json"),
        serde_json::to_string_pretty(results)?,
    )?;
    crate::report::write_report(results, tmp.path())?;
    swap_into_place(tmp, out)?;
    update_project_readme(results, out)
}

/// When `out` is the project's `results/` (a `README.md` with the generated
/// block's markers beside it), refreshes that block from `results`.
pub fn update_project_readme(results: &Results, out: &Path) -> anyhow::Result<()> {
    if out.file_name().is_some_and(|n| n == "results") {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if crate::report::update_readme(&parent.join("README.md"), results)? {
            eprintln!(
                "updated the results block of {}",
                parent.join("README.md").display()
            );
        }
    }
    Ok(())
}

/// Replaces directory `out` with the temporary directory `tmp`.
pub fn swap_into_place(tmp: tempfile::TempDir, out: &Path) -> anyhow::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let new = tmp.keep();
    let old = parent.join(format!(".results-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &old)
            .with_context(|| format!("cannot move {} aside", out.display()))?;
    }
    if let Err(e) = std::fs::rename(&new, out) {
        // Put the previous results back.
        let _ = std::fs::rename(&old, out);
        return Err(e)
            .with_context(|| format!("cannot move the new results into {}", out.display()));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n: u64, delay_ms: u64, concurrency: Option<u64>) -> Plan {
        Plan {
            concurrency,
            ..Plan::new("http://127.0.0.1:1", n, Duration::from_millis(delay_ms))
        }
    }

    #[test]
    fn projection_counts_rounds_of_the_delay() {
        assert_eq!(
            projection(&plan(10_000, 1_000, None), Some(1)),
            Duration::from_secs(10_000)
        );
        assert_eq!(
            projection(&plan(10_000, 1_000, None), None),
            Duration::from_secs(1)
        );
        assert_eq!(
            projection(&plan(1_000, 100, None), Some(128)),
            Duration::from_millis(800)
        );
        assert_eq!(
            projection(&plan(20_000, 0, Some(64)), Some(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn the_sequential_row_skips_c10k_with_the_projection_and_runs_demo() {
        let budget = Duration::from_secs(30);
        let (reason, projected) =
            skip_reason(&plan(10_000, 1_000, None), Some(1), budget).expect("skipped");
        assert_eq!(projected, 10_000.0);
        assert!(
            reason.contains("10000 s per run") && reason.contains("30 s"),
            "{reason}"
        );
        assert!(skip_reason(&plan(5, 500, None), Some(1), budget).is_none());
        assert!(
            skip_reason(&plan(10_000, 1_000, None), None, budget).is_none(),
            "async rows run c10k"
        );
    }

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
