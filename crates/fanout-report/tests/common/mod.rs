//! A synthetic [`Results`] for the snapshot tests: figures computed from a
//! few per-row and per-workload factors, so that every kind of table line
//! appears — measured rows, a tie at the top, rows behind it, skipped,
//! unsupported (no TLS stack, a protocol the client cannot be held to, a
//! missing toolchain), failed, not run — plus load generators, the
//! harness overhead, errors by kind, TLS resumption and HTTP/2.

#![allow(dead_code)]

use std::collections::BTreeMap;

use fanout_core::row::{ANY_PROTOCOL, HTTP1_ONLY};
use fanout_core::stats::{ProtocolStats, TlsStats};
use fanout_core::{ErrorKind, Idiom, Model, Plan, Protocol, ServerStats, Upstream, Workload};
use fanout_results::summary::{HeartbeatSummary, Latency, Summary};
use fanout_results::{
    Cell, CellStatus, Environment, GeneratorLine, Overhead, Repeat, Results, RowInfo, SCHEMA,
    Settings,
};

/// A row description.
pub struct R {
    pub id: &'static str,
    pub runtime: &'static str,
    pub client: &'static str,
    pub tls: Option<&'static str>,
    pub model: Model,
    pub idiom: Idiom,
    pub h2: bool,
    pub tuned: bool,
    pub reference: bool,
    /// Wall over the plan's base, and the spread of the three repeats.
    pub factor: f64,
    pub jitter: [f64; 3],
    /// Client CPU per plain request, µs; memory per in-flight request, KiB.
    pub cpu_us: f64,
    pub kib: u64,
    /// The row it varies in one setting.
    pub variant_of: Option<&'static str>,
}

const RUSTLS: Option<&str> = Some("rustls 0.23 (ring)");

pub const ROWS: [R; 9] = [
    R {
        id: "sequential-ureq",
        runtime: "none (one thread)",
        client: "ureq",
        tls: RUSTLS,
        model: Model::Sequential,
        idiom: Idiom::Loop,
        h2: false,
        tuned: false,
        reference: false,
        factor: 0.0,
        jitter: [0.0, -0.001, 0.002],
        cpu_us: 60.0,
        kib: 0,
        variant_of: None,
    },
    R {
        id: "threads-ureq",
        runtime: "std threads",
        client: "ureq",
        tls: RUSTLS,
        model: Model::Threads,
        idiom: Idiom::ThreadPerRequest,
        h2: false,
        tuned: false,
        reference: false,
        factor: 1.8,
        jitter: [0.0, -0.01, 0.01],
        cpu_us: 40.0,
        kib: 300,
        variant_of: None,
    },
    R {
        id: "tokio-reqwest",
        runtime: "tokio (multi-thread)",
        client: "reqwest",
        tls: RUSTLS,
        model: Model::Async,
        idiom: Idiom::Spawn,
        h2: true,
        tuned: false,
        reference: false,
        factor: 1.10,
        jitter: [0.0, -0.04, 0.02],
        cpu_us: 18.0,
        kib: 25,
        variant_of: None,
    },
    R {
        id: "tokio-reqwest-join-set",
        runtime: "tokio (multi-thread)",
        client: "reqwest",
        tls: RUSTLS,
        model: Model::Async,
        idiom: Idiom::JoinSet,
        h2: true,
        tuned: false,
        reference: false,
        factor: 1.06,
        jitter: [0.0, -0.02, 0.03],
        cpu_us: 18.0,
        kib: 24,
        variant_of: Some("tokio-reqwest"),
    },
    R {
        id: "tokio-reqwest-buffer-unordered",
        runtime: "tokio (multi-thread)",
        client: "reqwest",
        tls: RUSTLS,
        model: Model::Async,
        idiom: Idiom::BufferUnordered,
        h2: true,
        tuned: false,
        reference: false,
        factor: 1.30,
        jitter: [0.0, -0.01, 0.01],
        cpu_us: 17.0,
        kib: 12,
        variant_of: Some("tokio-reqwest"),
    },
    R {
        id: "tokio-hyper",
        runtime: "tokio (multi-thread)",
        client: "hyper-util",
        tls: RUSTLS,
        model: Model::Async,
        idiom: Idiom::Spawn,
        h2: true,
        tuned: false,
        reference: false,
        factor: 1.04,
        jitter: [0.0, -0.01, 0.02],
        cpu_us: 15.0,
        kib: 21,
        variant_of: None,
    },
    R {
        id: "tokio-hyper-tuned",
        runtime: "tokio (multi-thread)",
        client: "hyper-util (1 KiB read buffer)",
        tls: RUSTLS,
        model: Model::Async,
        idiom: Idiom::Spawn,
        h2: true,
        tuned: true,
        reference: false,
        factor: 1.00,
        jitter: [0.0, -0.01, 0.04],
        cpu_us: 14.0,
        kib: 17,
        variant_of: Some("tokio-hyper"),
    },
    R {
        id: "smol-isahc",
        runtime: "smol",
        client: "isahc",
        tls: None,
        model: Model::Async,
        idiom: Idiom::Spawn,
        h2: false,
        tuned: false,
        reference: false,
        factor: 1.45,
        jitter: [0.0, -0.06, 0.01],
        cpu_us: 25.0,
        kib: 24,
        variant_of: None,
    },
    R {
        id: "python-aiohttp-gather",
        runtime: "CPython 3.11.2 (project venv)",
        client: "aiohttp (one ClientSession)",
        tls: Some("Python ssl (OpenSSL 3.0)"),
        model: Model::Async,
        idiom: Idiom::AsyncioGather,
        h2: false,
        tuned: false,
        reference: true,
        factor: 2.0,
        jitter: [0.0, -0.02, 0.2],
        cpu_us: 500.0,
        kib: 13,
        variant_of: None,
    },
];

/// A reference row whose toolchain is missing on the machine.
pub const GO: &str = "go-goroutines";
const GO_MISSING: &str = "go not found on PATH: apt-get install golang-go (any Go ≥ 1.19; the program uses the standard library only)";

pub fn info(r: &R) -> RowInfo {
    RowInfo {
        id: r.id.into(),
        runtime: r.runtime.into(),
        client: r.client.into(),
        tls: r.tls.map(str::to_string),
        roots: r.tls.map(|_| "the OS store".to_string()),
        model: r.model,
        idiom: r.idiom,
        protocols: if r.h2 { ANY_PROTOCOL } else { HTTP1_ONLY }.to_vec(),
        upstream: Upstream::Maintained,
        tuned: r
            .tuned
            .then(|| "hyper-util pool with a 1 KiB read buffer per connection".to_string()),
        variant_of: r.variant_of.map(str::to_string),
        reference: r.reference,
        idle_rss_kib: Some(if r.reference { 30_000 } else { 4_000 }),
    }
}

fn go_info() -> RowInfo {
    RowInfo {
        id: GO.into(),
        runtime: "Go (not found)".into(),
        client: "net/http (one Client, default Transport)".into(),
        tls: Some("Go crypto/tls".into()),
        roots: Some("the OS store (crypto/x509 SystemCertPool)".into()),
        model: Model::Threads,
        idiom: Idiom::Goroutines,
        protocols: ANY_PROTOCOL.to_vec(),
        upstream: Upstream::Maintained,
        tuned: None,
        variant_of: None,
        reference: true,
        idle_rss_kib: None,
    }
}

/// One measured run.
#[allow(clippy::too_many_arguments)]
pub fn repeat(
    plan: &Plan,
    wall_ms: f64,
    cpu_us: f64,
    rss_kib: u64,
    threads: u64,
    server: ServerStats,
    errors: &[(ErrorKind, u64)],
    hb_ms: (f64, f64),
) -> Repeat {
    let failed: u64 = errors.iter().map(|(_, n)| n).sum();
    let delay = plan.delay.as_secs_f64() * 1e3;
    Repeat {
        summary: Summary {
            row: String::new(),
            requests: plan.requests,
            ok: plan.requests - failed,
            errors: errors.iter().copied().collect::<BTreeMap<_, _>>(),
            verified: plan.requests - failed,
            bytes: plan.requests * plan.bytes,
            wall_ms,
            req_per_s: plan.requests as f64 / (wall_ms / 1e3),
            latency_ms: Latency {
                p50: delay + 1.0,
                p90: delay + 2.0,
                p99: delay + 5.0,
                max: delay + 9.0,
                mean: delay + 1.5,
            },
            heartbeat: HeartbeatSummary {
                period_ms: plan.heartbeat.as_secs_f64() * 1e3,
                ticks: 20,
                missed: 0,
                max_lateness_ms: hb_ms.1,
                p99_lateness_ms: hb_ms.0,
            },
        },
        target: "127.0.0.1:40000".into(),
        cpu_user_s: plan.requests as f64 * cpu_us * 0.7e-6,
        cpu_sys_s: plan.requests as f64 * cpu_us * 0.3e-6,
        peak_rss_kib: rss_kib,
        threads_peak: threads,
        exit_code: i32::from(failed > 0),
        server: Some(server),
    }
}

/// What the server counted for `r` on `plan`, repeat `k`.
fn server(r: &R, plan: &Plan, workload: &str, in_flight: u64, k: usize) -> ServerStats {
    let h2 = plan.tls && r.h2 && plan.protocol != Protocol::Http1;
    // A quirk of the synthetic set: the tuned row's second repeat on `api`
    // went out over HTTP/1.1, so its protocol is "mixed".
    let h2 = h2 && !(r.tuned && workload == "api" && k == 1);
    // Over HTTP/2 the tuned row opens a connection per 100 streams; the
    // others keep one connection at the server's cap of 100 streams.
    let connections = if !plan.keep_alive {
        plan.requests
    } else if h2 && r.tuned {
        in_flight.div_ceil(100)
    } else if h2 {
        1
    } else {
        in_flight
    };
    let proto = ProtocolStats {
        connections,
        requests: plan.requests,
        max_streams: if h2 { in_flight.min(100) } else { 1 },
        reset_streams: 0,
    };
    let resumed = if plan.tls && !plan.keep_alive && r.tls == RUSTLS {
        connections - 1
    } else {
        0
    };
    ServerStats {
        requests: plan.requests,
        connections,
        peak_in_flight: in_flight,
        tls: TlsStats {
            handshakes: if plan.tls { connections } else { 0 },
            resumed,
            failed: 0,
        },
        http1: if h2 { ProtocolStats::default() } else { proto },
        http2: if h2 { proto } else { ProtocolStats::default() },
        ..ServerStats::default()
    }
}

/// The fate of row `r` on a plan, and its repeats when measured.
fn status(r: &R, workload: &str, plan: &Plan) -> Option<CellStatus> {
    let floor = plan.floor().as_secs_f64() * 1e3;
    if plan.tls && r.tls.is_none() {
        return Some(CellStatus::Unsupported {
            reason: format!("{} has no TLS stack here", r.client),
        });
    }
    if plan.protocol == Protocol::Http2 && !r.h2 {
        return Some(CellStatus::Unsupported {
            reason: format!("{} cannot be held to HTTP/2", r.client),
        });
    }
    let seq = r.model == Model::Sequential;
    let seq_ms =
        plan.requests as f64 * plan.delay.as_secs_f64() * 1e3 * 1.02 + plan.requests as f64 * 0.06;
    if seq && seq_ms > 15_000.0 {
        return Some(CellStatus::Skipped {
            reason: format!(
                "projected {:.0} s per run ({} requests × {} ms, 1 at a time) is over the 15 s per-run budget",
                seq_ms / 1e3,
                plan.requests,
                plan.delay.as_millis()
            ),
            projected_s: Some(seq_ms / 1e3),
        });
    }
    if r.reference && workload == "faults" {
        return Some(CellStatus::Failed {
            reason: "the client exited with 2: ModuleNotFoundError: No module named 'aiohttp'"
                .into(),
        });
    }
    if r.reference && workload == "json" {
        return None;
    }
    let base = if floor > 0.0 {
        floor
    } else {
        let per = if plan.tls && !plan.keep_alive {
            0.1
        } else if plan.format == fanout_core::Format::Json {
            0.05
        } else {
            0.02
        };
        plan.requests as f64 * per
    };
    // Five requests hide every difference: the demo is a tie.
    let spread = if plan.requests <= 5 { 0.01 } else { 1.0 };
    let in_flight = if seq { 1 } else { plan.max_in_flight() };
    let tls_cost = if plan.tls { 3.0 } else { 1.0 };
    let json_cost = if plan.format == fanout_core::Format::Json {
        2.0
    } else {
        1.0
    };
    // Under faults, every row reports exactly the injected errors, but the
    // tuned row reads one reset as `other`: a failure beyond the faults.
    let mut errors: Vec<(ErrorKind, u64)> =
        fanout_results::injected_errors(plan).into_iter().collect();
    if r.tuned && !plan.faults.is_none() {
        for (kind, n) in errors.iter_mut() {
            if *kind == ErrorKind::Reset {
                *n -= 1;
            }
        }
        errors.push((ErrorKind::Other, 1));
    }
    let threads = match r.model {
        Model::Sequential => 1,
        Model::Threads => in_flight.min(128) + 1,
        _ if r.reference => 1,
        _ => 3,
    };
    // Bounded plans hide the buffer-unordered row's cost; one HTTP/2
    // connection at the streams cap takes ten rounds of the delay.
    let mut factor = if r.idiom == Idiom::BufferUnordered && plan.concurrency.is_some() {
        1.08
    } else {
        r.factor
    };
    if plan.protocol == Protocol::Http2 && r.h2 && !r.tuned {
        factor *= 9.0;
    }
    // Over a round trip, the client's CPU matters less: the reference
    // rows catch up with the Rust rows, and the others' gaps widen a little.
    if !plan.rtt.is_zero() {
        factor = if r.reference {
            1.02
        } else {
            1.0 + (factor - 1.0) * 1.5
        };
    }
    let repeats = r
        .jitter
        .iter()
        .enumerate()
        .map(|(k, j)| {
            let wall = if seq {
                seq_ms * (1.0 + j)
            } else {
                base * (1.0 + (factor - 1.0) * spread) * (1.0 + j * spread)
            };
            let hb = if seq {
                (
                    plan.delay.as_secs_f64() * 1e3 * 0.96,
                    plan.delay.as_secs_f64() * 1e3 * 0.99,
                )
            } else {
                (0.8 + r.factor, 1.2 + 2.0 * r.factor)
            };
            let idle = if r.reference { 30_000 } else { 4_000 };
            let rss = idle + in_flight * r.kib + k as u64 * 7;
            repeat(
                plan,
                wall,
                r.cpu_us * tls_cost * json_cost * (1.0 + j),
                rss,
                threads,
                server(r, plan, workload, in_flight, k),
                &errors,
                hb,
            )
        })
        .collect();
    Some(CellStatus::Done { repeats })
}

/// Workloads of the synthetic sweep.
pub const WORKLOADS: [&str; 10] = [
    "demo",
    "latency",
    "throughput",
    "c10k",
    "faults",
    "api",
    "scaling",
    "tls-handshake",
    "json",
    "h2",
];

pub fn environment(host: &str) -> Environment {
    Environment {
        host: host.into(),
        date: "2025-01-02T03:04:05Z".into(),
        commit: "0123abcd".into(),
        cpu: "Test CPU @ 3.0GHz".into(),
        cores: 2,
        memory_bytes: 8 << 30,
        kernel: "6.1.0-test".into(),
        rustc: "rustc 1.90.0".into(),
        crates: BTreeMap::from([
            ("python".to_string(), "3.11.2".to_string()),
            ("reqwest".to_string(), "0.13.5".to_string()),
            ("tokio".to_string(), "1.47.1".to_string()),
            ("ureq".to_string(), "3.1.0".to_string()),
        ]),
        command: "fanout sweep".into(),
        server: "local (a server child per cell)".into(),
    }
}

/// The synthetic sweep on `workloads`, on host `host`.
pub fn results_on(host: &str, workloads: &[&str]) -> Results {
    let mut cells = Vec::new();
    for id in workloads {
        let w = Workload::get(id).expect("a preset");
        for plan in w.plans() {
            let label = w.label(&plan);
            for r in &ROWS {
                if let Some(status) = status(r, id, &plan) {
                    cells.push(Cell {
                        row: r.id.into(),
                        workload: id.to_string(),
                        label: label.clone(),
                        plan: plan.clone(),
                        status,
                        host: None,
                        foreign: None,
                    });
                }
            }
            cells.push(Cell {
                row: GO.into(),
                workload: id.to_string(),
                label,
                plan: plan.clone(),
                status: CellStatus::Unsupported {
                    reason: GO_MISSING.into(),
                },
                host: None,
                foreign: None,
            });
        }
    }
    let mut rows: Vec<RowInfo> = ROWS.iter().map(info).collect();
    rows.push(go_info());
    let line =
        |tool: &str, workload: &str, rps: f64, wall_ms: Option<f64>, command: &str| GeneratorLine {
            tool: tool.into(),
            workload: workload.into(),
            req_per_s: rps,
            command: command.into(),
            wall_ms,
            repeats: Vec::new(),
        };
    let generators = [
        line("oha 1.16.0", "latency", 1_000.0 / 0.185, Some(185.0), "oha -n 1000 -c 1000 --no-tui --output-format json 'http://127.0.0.1:40001/delay/100?id=0&bytes=256'"),
        line("wrk 4.2.0", "throughput", 145_000.0, None, "wrk -t2 -c64 -d5s http://127.0.0.1:40002/delay/0?id=0&bytes=1024"),
        line("oha 1.16.0", "throughput", 109_000.0, Some(183.5), "oha -n 20000 -c 64 --no-tui --output-format json 'http://127.0.0.1:40003/delay/0?id=0&bytes=1024'"),
    ]
    .into_iter()
    .filter(|g| workloads.contains(&g.workload.as_str()))
    .collect();
    let overhead = ["latency", "c10k"]
        .into_iter()
        .filter(|w| workloads.contains(w))
        .map(|w| {
            let (wall, cpu) = if w == "latency" {
                (195.0, 0.137)
            } else {
                (1_160.0, 1.9)
            };
            let (k, c) = if w == "latency" {
                (1.01, 1.02)
            } else {
                (1.03, 1.071)
            };
            Overhead {
                workload: w.into(),
                row: "tokio-reqwest".into(),
                driver: (0..5)
                    .map(|i| {
                        (
                            wall * k * (1.0 + 0.004 * i as f64),
                            cpu * c * (1.0 + 0.01 * i as f64),
                        )
                    })
                    .collect(),
                bare: (0..5)
                    .map(|i| (wall * (1.0 + 0.003 * i as f64), cpu))
                    .collect(),
                memory: None,
            }
        })
        .collect();
    Results {
        schema: SCHEMA,
        environment: environment(host),
        settings: Settings {
            repeats: 3,
            quick: false,
            cell_budget_s: 15.0,
            interleaved: true,
        },
        rows,
        cells,
        generators,
        overhead,
        merged: Vec::new(),
        stability: None,
    }
}

/// The whole synthetic sweep on host `bench-a`.
pub fn results() -> Results {
    results_on("bench-a", &WORKLOADS)
}

/// The section of `text` under the heading line `heading`, up to the next
/// heading of the same or a higher level.
pub fn section(text: &str, heading: &str) -> String {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = text.lines().skip_while(|l| *l != heading);
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no heading {heading:?} in\n{text}"));
    let mut out = vec![first];
    for l in lines {
        let hashes = l.chars().take_while(|c| *c == '#').count();
        if hashes > 0 && hashes <= level && l.chars().nth(hashes) == Some(' ') {
            break;
        }
        out.push(l);
    }
    out.join("\n")
}

/// The file `name` of a rendered report, as text.
pub fn file(files: &[(String, Vec<u8>)], name: &str) -> String {
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"));
    String::from_utf8(bytes.clone()).expect("UTF-8")
}
