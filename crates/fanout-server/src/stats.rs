//! The server's counters: lock-free atomics shared by every connection.
//!
//! Each counter sits on its own cache line, so workers bumping `in_flight`
//! do not also bounce the line holding `connections`. Orderings are
//! `Relaxed`: each counter is exact on its own, and a snapshot taken while
//! requests are running is a best-effort picture of a moving system anyway.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use fanout_core::Fault;
use fanout_core::target::{Injected, ServerStats};

/// One counter, alone on a cache line (128 bytes covers adjacent-line prefetch).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Counter(AtomicU64);

/// The live counters behind [`ServerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: Counter,
    connections: Counter,
    in_flight: Counter,
    peak_in_flight: Counter,
    bad_requests: Counter,
    /// Faults injected, in [`Fault::ALL`] order.
    injected: [Counter; 5],
}

impl Counters {
    /// Counts an accepted connection.
    pub(crate) fn connection(&self) {
        self.connections.0.fetch_add(1, Relaxed);
    }

    /// Counts a request answered with 400 because it was malformed or out of bounds.
    pub(crate) fn bad_request(&self) {
        self.bad_requests.0.fetch_add(1, Relaxed);
    }

    /// Counts a fault decided for a request (when it is decided: a stalled
    /// request counts while it is still stalling). A kind this server does
    /// not know is not counted.
    pub(crate) fn injected(&self, fault: Fault) {
        if let Some(i) = Fault::ALL.iter().position(|&f| f == fault) {
            self.injected[i].0.fetch_add(1, Relaxed);
        }
    }

    /// Marks a handler as running until the guard drops — also when the
    /// handler is cancelled (the client went away, the server stopped).
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.0.fetch_add(1, Relaxed) + 1;
        // Read first: the common case (no new peak) then costs no write.
        if now > self.peak_in_flight.0.load(Relaxed) {
            self.peak_in_flight.0.fetch_max(now, Relaxed);
        }
        InFlight(self)
    }

    /// A snapshot of every counter.
    pub(crate) fn snapshot(&self) -> ServerStats {
        ServerStats {
            requests: self.requests.0.load(Relaxed),
            connections: self.connections.0.load(Relaxed),
            in_flight: self.in_flight.0.load(Relaxed),
            peak_in_flight: self.peak_in_flight.0.load(Relaxed),
            bad_requests: self.bad_requests.0.load(Relaxed),
            injected: {
                let [error, reset, stall, truncate, slow] =
                    self.injected.each_ref().map(|c| c.0.load(Relaxed));
                Injected {
                    error,
                    reset,
                    stall,
                    truncate,
                    slow,
                }
            },
        }
    }

    /// Zeroes every counter except `in_flight` (live), and sets
    /// `peak_in_flight` to the current `in_flight`.
    pub(crate) fn reset(&self) {
        self.requests.0.store(0, Relaxed);
        self.connections.0.store(0, Relaxed);
        self.bad_requests.0.store(0, Relaxed);
        for c in &self.injected {
            c.0.store(0, Relaxed);
        }
        self.peak_in_flight
            .0
            .store(self.in_flight.0.load(Relaxed), Relaxed);
    }
}

/// A running handler; dropping it ends the request in the counters.
#[must_use = "the request counts as in flight only while this guard lives"]
pub(crate) struct InFlight<'a>(&'a Counters);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.0.fetch_sub(1, Relaxed);
        self.0.requests.0.fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_track_in_flight_peak_and_requests() {
        let c = Counters::default();
        c.connection();
        let a = c.enter();
        let b = c.enter();
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (2, 2, 0));
        drop(a);
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (1, 2, 1));
        c.bad_request();
        c.injected(Fault::Stall);
        c.injected(Fault::Slow);
        c.injected(Fault::Slow);
        let s = c.snapshot();
        assert_eq!(
            s.injected,
            Injected {
                stall: 1,
                slow: 2,
                ..Injected::default()
            }
        );
        c.reset();
        assert_eq!(
            c.snapshot(),
            ServerStats {
                requests: 0,
                connections: 0,
                in_flight: 1,
                peak_in_flight: 1,
                bad_requests: 0,
                injected: Injected::default(),
            }
        );
        drop(b);
        let s = c.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.requests), (0, 1, 1));
    }
}
