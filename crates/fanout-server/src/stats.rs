//! The server's counters: lock-free atomics shared by every connection.
//!
//! Each counter sits on its own cache line, so workers bumping `in_flight`
//! do not also bounce the line holding `connections`. Orderings are
//! `Relaxed`: each counter is exact on its own, and a snapshot taken while
//! requests are running is a best-effort picture of a moving system anyway.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use fanout_core::Fault;
use fanout_core::stats::{Injected, ProtocolStats, ServerStats, TlsStats};

/// One counter, alone on a cache line (128 bytes covers adjacent-line prefetch).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Counter(AtomicU64);

impl Counter {
    fn add(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }

    fn zero(&self) {
        self.0.store(0, Relaxed);
    }

    /// Raises the counter to `n` if it is lower; reads first, so the common
    /// case (no new maximum) costs no write.
    fn raise(&self, n: u64) {
        if n > self.0.load(Relaxed) {
            self.0.fetch_max(n, Relaxed);
        }
    }
}

/// The HTTP version a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// HTTP/1.1 (and 1.0).
    Http1,
    /// HTTP/2, by ALPN over TLS or by prior knowledge in cleartext.
    Http2,
}

/// The live counters behind one [`ProtocolStats`].
#[derive(Debug, Default)]
struct ProtoCounters {
    connections: Counter,
    requests: Counter,
    max_streams: Counter,
    reset_streams: Counter,
}

impl ProtoCounters {
    fn snapshot(&self) -> ProtocolStats {
        ProtocolStats {
            connections: self.connections.get(),
            requests: self.requests.get(),
            max_streams: self.max_streams.get(),
            reset_streams: self.reset_streams.get(),
        }
    }

    fn reset(&self) {
        self.connections.zero();
        self.requests.zero();
        self.max_streams.zero();
        self.reset_streams.zero();
    }
}

/// The live counters behind [`ServerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: Counter,
    connections: Counter,
    in_flight: Counter,
    peak_in_flight: Counter,
    bad_requests: Counter,
    /// Faults injected, in [`Fault::ALL`] order.
    injected: [Counter; Fault::ALL.len()],
    tls_handshakes: Counter,
    tls_resumed: Counter,
    tls_failed: Counter,
    http1: ProtoCounters,
    http2: ProtoCounters,
}

impl Counters {
    fn proto(&self, proto: Proto) -> &ProtoCounters {
        match proto {
            Proto::Http1 => &self.http1,
            Proto::Http2 => &self.http2,
        }
    }

    /// Counts an accepted TCP connection.
    pub(crate) fn connection(&self) {
        self.connections.add();
    }

    /// Counts a connection the server started serving with `proto`.
    pub(crate) fn protocol_connection(&self, proto: Proto) {
        self.proto(proto).connections.add();
    }

    /// Counts a completed TLS handshake; `resumed` if it resumed an earlier session.
    pub(crate) fn tls_handshake(&self, resumed: bool) {
        self.tls_handshakes.add();
        if resumed {
            self.tls_resumed.add();
        }
    }

    /// Counts a TLS handshake that failed or timed out.
    pub(crate) fn tls_failed(&self) {
        self.tls_failed.add();
    }

    /// Notes that one connection of `proto` has `open` requests open at once.
    pub(crate) fn streams_open(&self, proto: Proto, open: u64) {
        self.proto(proto).max_streams.raise(open);
    }

    /// Counts an HTTP/2 stream that ended before its response did.
    pub(crate) fn reset_stream(&self, proto: Proto) {
        self.proto(proto).reset_streams.add();
    }

    /// Counts a request answered with 400 because it was malformed or out of bounds.
    pub(crate) fn bad_request(&self) {
        self.bad_requests.add();
    }

    /// Counts a fault decided for a request (when it is decided: a stalled
    /// request counts while it is still stalling). A kind this server does
    /// not know is not counted.
    pub(crate) fn injected(&self, fault: Fault) {
        if let Some(i) = Fault::ALL.iter().position(|&f| f == fault) {
            self.injected[i].add();
        }
    }

    /// Marks a handler of a `proto` request as running until the guard
    /// drops — also when the handler is cancelled (the client went away, the
    /// server stopped).
    pub(crate) fn enter(&self, proto: Proto) -> InFlight<'_> {
        let now = self.in_flight.0.fetch_add(1, Relaxed) + 1;
        self.peak_in_flight.raise(now);
        InFlight {
            counters: self,
            proto,
        }
    }

    /// A snapshot of every counter.
    pub(crate) fn snapshot(&self) -> ServerStats {
        let mut injected = Injected::default();
        for (fault, counter) in Fault::ALL.iter().zip(&self.injected) {
            let n = counter.get();
            match fault {
                Fault::Error => injected.error = n,
                Fault::Reset => injected.reset = n,
                Fault::Stall => injected.stall = n,
                Fault::Truncate => injected.truncate = n,
                Fault::Slow => injected.slow = n,
                Fault::Corrupt => injected.corrupt = n,
                // A kind added to fanout-core later has no field to go in.
                _ => {}
            }
        }
        ServerStats {
            requests: self.requests.get(),
            connections: self.connections.get(),
            in_flight: self.in_flight.get(),
            peak_in_flight: self.peak_in_flight.get(),
            bad_requests: self.bad_requests.get(),
            injected,
            tls: TlsStats {
                handshakes: self.tls_handshakes.get(),
                resumed: self.tls_resumed.get(),
                failed: self.tls_failed.get(),
            },
            http1: self.http1.snapshot(),
            http2: self.http2.snapshot(),
            // A setting, not a counter: `Shared::stats` fills it in.
            rtt_ms: 0,
        }
    }

    /// Zeroes every counter except `in_flight` (live), and sets
    /// `peak_in_flight` to the current `in_flight`.
    pub(crate) fn reset(&self) {
        self.requests.zero();
        self.connections.zero();
        self.bad_requests.zero();
        for c in &self.injected {
            c.zero();
        }
        self.tls_handshakes.zero();
        self.tls_resumed.zero();
        self.tls_failed.zero();
        self.http1.reset();
        self.http2.reset();
        self.peak_in_flight.0.store(self.in_flight.get(), Relaxed);
    }
}

/// A running handler; dropping it ends the request in the counters.
#[must_use = "the request counts as in flight only while this guard lives"]
pub(crate) struct InFlight<'a> {
    counters: &'a Counters,
    proto: Proto,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.counters.in_flight.0.fetch_sub(1, Relaxed);
        self.counters.requests.add();
        self.counters.proto(self.proto).requests.add();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_track_in_flight_peak_and_requests() {
        let c = Counters::default();
        c.connection();
        let a = c.enter(Proto::Http1);
        let b = c.enter(Proto::Http2);
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (2, 2, 0));
        drop(a);
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (1, 2, 1));
        assert_eq!((s.http1.requests, s.http2.requests), (1, 0));
        c.bad_request();
        c.injected(Fault::Stall);
        c.injected(Fault::Slow);
        c.injected(Fault::Slow);
        c.injected(Fault::Corrupt);
        let s = c.snapshot();
        assert_eq!(
            s.injected,
            Injected {
                stall: 1,
                slow: 2,
                corrupt: 1,
                ..Injected::default()
            }
        );
        c.tls_handshake(false);
        c.tls_handshake(true);
        c.tls_failed();
        c.protocol_connection(Proto::Http2);
        c.streams_open(Proto::Http2, 3);
        c.streams_open(Proto::Http2, 2);
        c.reset_stream(Proto::Http2);
        let s = c.snapshot();
        assert_eq!(
            s.tls,
            TlsStats {
                handshakes: 2,
                resumed: 1,
                failed: 1
            }
        );
        assert_eq!(
            s.http2,
            ProtocolStats {
                connections: 1,
                requests: 0,
                max_streams: 3,
                reset_streams: 1
            }
        );
        c.reset();
        assert_eq!(
            c.snapshot(),
            ServerStats {
                in_flight: 1,
                peak_in_flight: 1,
                ..ServerStats::default()
            }
        );
        drop(b);
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (0, 1, 1));
        assert_eq!((s.http1.requests, s.http2.requests), (0, 1));
    }
}
