//! The `fanout` command line: argument parsing and dispatch; each command
//! lives in a module of its own. In the library so that any binary of the
//! workspace (the `sweep` bench too) can act as the `fanout run` / `fanout
//! serve` child the sweep starts.

mod list;
mod report;
mod run;
mod sweep;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Measure how programs — Rust runtimes, clients and idioms, beside Python,
/// Node.js and Go — fan out many HTTP API calls against one target server.
///
/// `fanout run` runs one fan-out with one row; `fanout sweep` runs every
/// row on every workload, each in a child process of its own, and writes
/// results/; `fanout compare` says what got faster or slower between two
/// result sets. Exit codes: 0 ok, 1 some requests failed (or, for compare,
/// a cell got slower), 2 bad arguments or a setup error (one `error:` line).
#[derive(Debug, Parser)]
#[command(name = "fanout", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the rows: id, runtime, client, TLS stack, model, idiom, protocols,
    /// upstream, the workloads each runs on, and what each tuned row changes.
    List,
    /// Run the target server in the foreground (prints its two addresses first).
    Serve(fanout_server::ServeArgs),
    /// Run one fan-out (or a workload's plans) with one row and print what it
    /// measured (and, on its own server, what the server saw).
    Run(run::RunArgs),
    /// Run every row on every workload, each cell in fresh child processes,
    /// and write results/ (README.md with the verdict and the pitfalls, a
    /// page per workload, results.json, results.csv, SVG charts).
    Sweep(sweep::SweepArgs),
    /// Re-render a results directory from its results.json (no measuring;
    /// an older file's rows get `variant_of` from this fanout's registry),
    /// or merge several (e.g. from two hosts) into one report.
    Report(report::ReportArgs),
    /// Compare two result sets cell by cell: slower, faster, unclear or the
    /// same, after the drift every cell of a plan shares is taken out, by a
    /// threshold and the noise measured between the two sittings.
    Compare(report::CompareArgs),
    /// The harness-overhead benchmark's bare loop (run by the sweep).
    #[command(hide = true)]
    Bare(run::BareArgs),
}

/// A duration like `100ms` or `2s` (humantime), for every duration flag.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 100ms, 2s)"))
}

/// The `--target HOST:PORT` (and `--ca FILE`) given to `run` or `sweep`, if any.
pub(crate) fn given_target(
    target: &Option<String>,
    ca: &Option<PathBuf>,
) -> anyhow::Result<Option<fanout_core::Target>> {
    let Some(t) = target else { return Ok(None) };
    let t = fanout_core::Target::parse(t)?;
    Ok(Some(match ca {
        Some(ca) => t.with_ca(ca),
        None => t,
    }))
}

/// The fanout binary to start as children: this one.
pub(crate) fn current_exe() -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    std::env::current_exe().context("cannot find the fanout binary")
}

/// Parses `args` (the first is the program name), runs the command, and
/// returns the process exit code: 0 ok, 1 some requests failed, 2 bad
/// arguments or a setup error (printed as one `error:` line).
pub fn main_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run_command(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// Runs a parsed command; returns the process exit code.
pub fn run_command(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::List => list::list(),
        Command::Serve(args) => fanout_server::serve(args).map(|()| 0),
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Report(args) => report::report(args),
        Command::Compare(args) => report::compare(args),
        Command::Bare(args) => run::bare(args),
    }
}
