//! The fanout target server: the one server every row of the benchmark
//! fetches from, over plain HTTP/1.1, HTTPS (rustls) and HTTP/2 — all on one
//! port.
//!
//! It is httpbin-shaped, so the classic `/delay/5` demo maps directly, but
//! async and lean so it is never the bottleneck:
//!
//! | route | answer |
//! |---|---|
//! | `GET /delay/{ms}?id=N&bytes=B` | waits `ms` (≤ 60 000), then 200 with the deterministic body of `(N, B)` (B ≤ 64 MiB; both default to 0), `application/octet-stream` |
//! | `GET /delay/{ms}?id=N&bytes=B&format=json` | the same wait, then 200 with the JSON document of `(N, B)` ([`fanout_core::Document`], about B bytes, B ≤ 4 MiB), `application/json` |
//! | `GET /delay/{ms}?…&seed=S&error=‰&reset=‰&stall=‰&truncate=‰&slow=‰&corrupt=‰&stall_ms=T` | the same, unless [`fanout_core::Faults::decide`]`(N)` picks a fault (see below) |
//! | `GET /status/{code}` | an empty answer with that status (200..=599) |
//! | `GET /stats` | the counters, [`ServerStats`](fanout_core::ServerStats) as JSON |
//! | `POST /stats/reset` | zeroes the counters (as [`TargetServer::reset_stats`](fanout_core::TargetServer::reset_stats) says), 204 — only when started with `allow_reset` (`--allow-reset`), else 403 |
//!
//! `format` is `bytes` (the default) or `json`. A malformed or
//! out-of-bounds request gets `400` with a one-line reason (`bad request:
//! delay 99999999 ms is over the 60000 ms bound`), an unknown path `404`, a
//! known path with the wrong method `405` — never a crash. Unknown or
//! repeated query parameters are rejected, so a typo is not silently ignored.
//!
//! ## Schemes and versions
//!
//! One TCP port serves both `http://` and `https://`: a connection whose
//! first byte is `0x16` (a TLS handshake record) is TLS, anything else
//! cleartext. Over TLS, ALPN offers `h2` and `http/1.1`: `h2` gets HTTP/2,
//! anything else HTTP/1.1. In cleartext, a connection that opens with the
//! HTTP/2 preface gets HTTP/2 by prior knowledge (h2c), anything else
//! HTTP/1.1. HTTP/2 advertises `SETTINGS_MAX_CONCURRENT_STREAMS` =
//! [`Config::h2_max_streams`], 100 by default (RFC 9113 §6.5.2 recommends no
//! less than 100).
//!
//! ## TLS
//!
//! Each server makes its own throwaway CA (ECDSA P-256) at start and a leaf
//! it signs for `localhost`, `127.0.0.1` and `::1`; keys stay in memory.
//! The CA certificate is written as PEM to a file in a private temporary
//! directory, removed when the server is dropped: [`Server::ca_path`], and
//! the `ca` of [`Server::target`]. rustls (ring provider) keeps TLS 1.2
//! sessions in a stateful cache and issues tickets (TLS 1.2 and 1.3), so
//! clients resume.
//!
//! ## Faults
//!
//! The fault keys are the ones [`fanout_core::Plan::url`] writes
//! ([`fanout_core::url`] defines them, and the server reads them with it): rates in
//! requests per thousand (each ≤ 1000, their sum ≤ 1000), a `seed`, and
//! `stall_ms` (≤ 60 000; 60 000 when absent). The server builds a
//! [`fanout_core::Faults`] and asks `decide(id)`, so the conformance kit
//! knows exactly which request got which fault. Every fault works on both
//! formats and both versions:
//!
//! - `error`: after the delay, `503 Service Unavailable`, empty body.
//! - `reset`: after the delay, no response. HTTP/1.1: the connection is
//!   closed with an RST (`SO_LINGER` 0): the client reads `ECONNRESET`.
//!   HTTP/2: the stream is reset (`RST_STREAM` `INTERNAL_ERROR`) before any
//!   header; the connection and its other streams carry on.
//! - `stall`: waits `stall_ms` instead of `ms`, then answers normally (the
//!   client has timed out by then); a stop drops it like any sleeping request,
//!   and so does the client closing its connection or stream (hyper notices).
//! - `truncate`: after the delay, `200` with the whole body's
//!   `Content-Length` but only its first half. HTTP/1.1: then the connection
//!   closes (a FIN): the client reads a short body and EOF. HTTP/2: then
//!   `RST_STREAM` `INTERNAL_ERROR`.
//! - `slow`: the whole, correct body, in 8 pieces 5 ms apart (about 40 ms more).
//! - `corrupt`: the whole body, of the right length, with its first byte
//!   replaced by `!`: a byte body fails verification, a JSON document fails
//!   to decode.
//!
//! Without fault keys nothing of this runs: no hash, no allocation.
//!
//! It runs in-process ([`Server::start`], for tests) or in the foreground of
//! its own process ([`serve()`] with [`ServeArgs`], for the `fanout-server`
//! binary and `fanout serve`), on a multi-thread tokio runtime with hyper's
//! HTTP/1.1 and HTTP/2 servers; HTTP/1.1 keep-alive is on and
//! `Connection: close` is honoured. At `--rtt 0` (the default) the hot path
//! takes no lock and allocates nothing of its own beyond what hyper needs (and a JSON
//! document's one buffer): routes are parsed from the URI's `&str`s,
//! counters are atomics, and byte bodies are streamed from a static buffer
//! ([`fanout_core::body`]). With a round trip emulated, every connection's
//! bytes also pass a delay line (`conn/delay.rs`): a queue and a timer per
//! direction, a copy of each written chunk.
//!
//! ## Counters
//!
//! - `requests`: handlers that have ended, any route, any status — including
//!   handlers cut short because the server stopped or the client went away.
//!   A `/stats` request counts once it is answered; a `/stats/reset` request
//!   ends before its reset, so it leaves no trace.
//! - `connections`: TCP connections accepted and served (not those reset at
//!   once over [`Config::max_connections`]).
//! - `in_flight` / `peak_in_flight`: handlers running now / at most at once.
//!   A `/delay` request is in flight while it sleeps; its body is written
//!   after it leaves. The `/stats` snapshot is taken before the `/stats`
//!   request itself enters.
//! - `bad_requests`: requests this server answered with 400 (not `/status/400`,
//!   and not requests hyper refused before routing, such as a broken request line).
//! - `injected.{error,reset,stall,truncate,slow,corrupt}`: faults decided,
//!   counted when decided (a stalled request counts while it stalls; a
//!   request dropped during its delay by a stop still counts).
//! - `tls.handshakes`: TLS handshakes completed; `tls.resumed`: of those,
//!   the ones rustls reports as resumed (`HandshakeKind::Resumed`, from a
//!   ticket or a cached session); `tls.failed`: handshakes that failed (an
//!   alert from a client that rejected the certificate, a peer that closed
//!   mid-handshake, bytes that are not TLS after a `0x16`) or took longer
//!   than [`Config::header_read_timeout`].
//! - `http1`, `http2` ([`fanout_core::stats::ProtocolStats`]):
//!   `connections` the server started serving with that version (chosen by
//!   ALPN or the preface); `requests` answered over it (counted as
//!   `requests` is, so `http1.requests + http2.requests == requests`);
//!   `max_streams`, the most requests open at once on one connection — a
//!   request is open from its handler's start until hyper drops its
//!   response body (all sent or abandoned); on HTTP/1.1 at most 1;
//!   `reset_streams` (HTTP/2 only; always 0 for HTTP/1.1): streams whose
//!   response did not end — the handler failed (an injected `reset`) or was
//!   dropped before answering (the client sent `RST_STREAM`, the connection
//!   closed, the server stopped), or hyper dropped the response body before
//!   its last byte was handed over (an injected `truncate`, the client
//!   reset the stream or went away). A client's `RST_STREAM` after the last
//!   byte was handed to hyper is not seen, so not counted.
//!
//! ## Running it
//!
//! [`serve()`] (the `fanout-server` binary, and `fanout serve`) takes
//! [`ServeArgs`] — `--bind`, `--port`, `--workers`, `--max-connections`,
//! `--header-read-timeout`, `--h2-max-streams`, `--rtt`, `--allow-reset`,
//! `--tls-name` and the hidden `--exit-with-parent` — and prints exactly two lines to stdout, flushed,
//! before serving until SIGINT or SIGTERM (or stdin EOF):
//!
//! ```text
//! http://127.0.0.1:40123
//! https://127.0.0.1:40123 ca=/tmp/fanout-server-AbC123/ca.pem
//! ```
//!
//! (one port; an IPv6 bind prints `[::1]:40123`). The libraries it is built
//! on, their versions and upstream status are listed in the crate's README:
//! hyper 1.12 (HTTP/1.1 and HTTP/2 through h2 0.4), hyper-util 0.1, tokio
//! 1.54, rustls 0.23 with ring 0.17, tokio-rustls 0.26, rcgen 0.14, tempfile 3.
//!
//! ## Layout
//!
//! One way through, one room per job (in the style of hyper's own
//! `proto/h1/`): [`Server`] (`server.rs`; [`Config`] in `config.rs`) binds
//! and runs the accept loop (`listen.rs`); every connection shares what
//! `shared.rs` holds (counters, hyper's two builders, the TLS acceptor)
//! and gets a task of its own in `conn/` — `conn/mod.rs` picks the scheme
//! and version and runs hyper, `conn/sniff.rs` tells h2c from HTTP/1.1,
//! `conn/io.rs` is the socket hyper sees (with the HTTP/1.1 fault hooks),
//! `conn/state.rs` the connection's state and its open requests. Each
//! request goes to `handler.rs` (count, wait, fault) through `route.rs`
//! (a `/delay` URL is read by core's [`fanout_core::url`]) and is answered
//! by `response.rs`, with a body from `body/`: `payload.rs` (the bytes or
//! the document), `truncated.rs` and `slow.rs` (the faults). `stats.rs`
//! keeps the counters, `tls.rs` makes the CA and the certificate, `cli.rs`
//! reads the flags.
//!
//! ## Limits
//!
//! [`Config::max_connections`] connections at once (more are accepted and
//! reset at once), on both schemes; the first byte, the TLS handshake and
//! each HTTP/1.1 request head must each arrive within
//! [`Config::header_read_timeout`] (which is also how long an idle
//! HTTP/1.1 keep-alive connection is kept; an HTTP/2 connection with no
//! open stream is closed with a GOAWAY after one to two such periods); a
//! head over 64 KiB or 100 header lines gets `431` and a close (HTTP/1.1);
//! a header list over 64 KiB (`SETTINGS_MAX_HEADER_LIST_SIZE`) gets `431` on
//! its stream (HTTP/2, from h2), the connection carrying on.

mod body;
mod cli;
mod config;
mod conn;
mod handler;
mod listen;
mod response;
mod route;
mod server;
mod shared;
mod stats;
mod tls;

pub use crate::cli::{ServeArgs, parse_rtt, serve};
pub use crate::config::Config;
pub use crate::server::Server;
