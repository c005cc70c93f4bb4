//! `fanout-server`: the fanout target server in its own process.
//!
//! Prints `http://ADDR` and `https://ADDR ca=PATH` (one port, both schemes)
//! as the first two lines of stdout, so a parent process can read them, then
//! serves until SIGINT or SIGTERM. All of it is [`fanout_server::serve`].

use std::process::ExitCode;

use clap::Parser;
use fanout_server::ServeArgs;

/// The fanout target server: GET /delay/{ms}?id=N&bytes=B[&format=json]
/// (plus the fault keys seed, error, reset, stall, truncate, slow, corrupt,
/// stall_ms), GET /status/{code}, GET /stats, POST /stats/reset — over
/// HTTP/1.1 and HTTP/2, plain and TLS, on one port. Prints
/// `http://ADDR` and `https://ADDR ca=PATH` as the first two lines of
/// stdout, then serves until Ctrl-C or SIGTERM.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> ExitCode {
    match fanout_server::serve(Cli::parse().serve) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
