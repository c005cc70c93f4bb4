//! What the harness and the conformance kit know about the target server.
//!
//! The server (crate `fanout-server`) keeps these counters and serves them as
//! JSON at `GET /stats`; an in-process server hands them over directly through
//! [`Target`], so `fanout-core` needs no HTTP client to read them.

use serde::{Deserialize, Serialize};

/// The server's counters, as served by `GET /stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    /// Requests whose handler has finished (any route, any status).
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Requests being handled right now.
    pub in_flight: u64,
    /// The most requests handled at once since start or the last reset.
    pub peak_in_flight: u64,
    /// Requests answered with `400 Bad Request` (malformed or out of bounds).
    pub bad_requests: u64,
    /// Faults injected, by kind (`error`, `reset`, `stall`, `truncate`, `slow`).
    #[serde(default)]
    pub injected: Injected,
}

/// Faults the server injected since start or the last reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    /// 503 answers.
    pub error: u64,
    /// Connections closed before a response.
    pub reset: u64,
    /// Responses held past the client's timeout.
    pub stall: u64,
    /// Bodies cut short.
    pub truncate: u64,
    /// Bodies trickled.
    pub slow: u64,
}

/// A live target server the conformance kit can drive and inspect.
pub trait Target {
    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    fn base_url(&self) -> String;
    /// A snapshot of the server's counters.
    fn stats(&self) -> ServerStats;
    /// Zeroes the counters (except `in_flight`, which is live) and sets
    /// `peak_in_flight` to the current `in_flight`.
    fn reset_stats(&self);
}
