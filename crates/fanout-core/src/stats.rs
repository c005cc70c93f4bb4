//! [`ServerStats`]: the target server's counters, as served by `GET /stats`.
//!
//! The server (crate `fanout-server`) keeps them; an in-process server hands
//! them over directly through [`crate::TargetServer`], so `fanout-core` needs
//! no HTTP client to read them. Fields added later carry `#[serde(default)]`,
//! so older snapshots still load.

use serde::{Deserialize, Serialize};

/// The server's counters, since start or the last reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    /// Requests whose handler has finished (any route, any status).
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Requests being handled right now.
    pub in_flight: u64,
    /// The most requests handled at once.
    pub peak_in_flight: u64,
    /// Requests answered with `400 Bad Request` (malformed or out of bounds).
    pub bad_requests: u64,
    /// Faults injected, by kind.
    #[serde(default)]
    pub injected: Injected,
    /// TLS handshakes.
    #[serde(default)]
    pub tls: TlsStats,
    /// HTTP/1.1 connections and requests.
    #[serde(default)]
    pub http1: ProtocolStats,
    /// HTTP/2 connections, requests and streams.
    #[serde(default)]
    pub http2: ProtocolStats,
    /// The round trip the server emulates, in milliseconds (`fanout serve
    /// --rtt`; a plan's `rtt` runs only against a server that emulates the
    /// same). A setting, not a counter: a reset leaves it. Absent (0) on a
    /// loopback server, so such snapshots read as before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rtt_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Faults the server injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    /// 503 answers.
    pub error: u64,
    /// Connections (HTTP/2: streams) closed before a response.
    pub reset: u64,
    /// Responses held past the client's timeout.
    pub stall: u64,
    /// Bodies cut short.
    pub truncate: u64,
    /// Bodies trickled.
    pub slow: u64,
    /// Bodies corrupted (first byte `!`).
    #[serde(default)]
    pub corrupt: u64,
}

impl Injected {
    /// The count of one fault.
    pub fn of(&self, f: crate::Fault) -> u64 {
        use crate::Fault;
        match f {
            Fault::Error => self.error,
            Fault::Reset => self.reset,
            Fault::Stall => self.stall,
            Fault::Truncate => self.truncate,
            Fault::Slow => self.slow,
            Fault::Corrupt => self.corrupt,
        }
    }
}

/// TLS handshakes the server completed or saw fail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsStats {
    /// Handshakes completed, full and resumed.
    pub handshakes: u64,
    /// Of those, resumed from an earlier session (ticket or session id).
    pub resumed: u64,
    /// Handshakes that failed (a client that rejected the certificate, say).
    pub failed: u64,
}

/// One HTTP version's share of the traffic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolStats {
    /// Connections that spoke it.
    pub connections: u64,
    /// Requests answered over it.
    pub requests: u64,
    /// The most requests open at once on one connection (HTTP/2 streams;
    /// at most 1 on HTTP/1.1).
    pub max_streams: u64,
    /// Streams reset by either side before their response ended (HTTP/2).
    pub reset_streams: u64,
}
