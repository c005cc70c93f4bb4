//! [`Plan`]: one fan-out, and the URL of each of its requests.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::body::{self, BodyError};
use crate::faults::Faults;

/// Upper bound on the server-side delay, enforced by the server too.
pub const MAX_DELAY: Duration = Duration::from_millis(60_000);
/// Upper bound on a body, enforced by the server too.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Upper bound on requests per plan: every request loop is bounded.
pub const MAX_REQUESTS: u64 = 1_000_000;

/// One fan-out: `requests` GETs against one target, with a bound on how many
/// may be in flight at once.
///
/// Request `i` fetches [`Plan::url`]`(i)`; every row fetches exactly these URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Base URL of the target server, e.g. `http://127.0.0.1:40123`.
    pub target: String,
    /// How many requests (N).
    pub requests: u64,
    /// How long the server waits before answering each request.
    #[serde(with = "millis")]
    pub delay: Duration,
    /// Body size of each response, in bytes.
    pub bytes: u64,
    /// Most requests in flight at once; `None` = unbounded, like `asyncio.gather`.
    pub concurrency: Option<u64>,
    /// Reuse connections (HTTP/1.1 keep-alive). Off: every request sends
    /// `Connection: close` and gets a fresh connection.
    pub keep_alive: bool,
    /// Per-request timeout, from the request's start to its last body byte.
    #[serde(with = "millis")]
    pub timeout: Duration,
    /// Period of the heartbeat ticker that runs during the fan-out.
    #[serde(with = "millis")]
    pub heartbeat: Duration,
    /// Faults the server injects (none by default).
    #[serde(default, skip_serializing_if = "Faults::is_none")]
    pub faults: Faults,
}

/// A plan that cannot run, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A field is out of its bounds.
    #[error("{0}")]
    OutOfBounds(String),
    /// The target is not an `http://host:port` URL.
    #[error("target must look like http://HOST:PORT, got {0:?}")]
    Target(String),
}

impl Plan {
    /// A plan with the given target, N and delay; 256-byte bodies, unbounded,
    /// keep-alive, 30 s timeout, 10 ms heartbeat.
    pub fn new(target: impl Into<String>, requests: u64, delay: Duration) -> Plan {
        Plan {
            target: target.into(),
            requests,
            delay,
            bytes: 256,
            concurrency: None,
            keep_alive: true,
            timeout: Duration::from_secs(30),
            heartbeat: Duration::from_millis(10),
            faults: Faults::default(),
        }
    }

    /// Checks every field is in bounds; rows may assume a validated plan.
    pub fn validate(&self) -> Result<(), PlanError> {
        let oob = |m: String| Err(PlanError::OutOfBounds(m));
        let t = self.target.trim_end_matches('/');
        let rest = t
            .strip_prefix("http://")
            .ok_or_else(|| PlanError::Target(self.target.clone()))?;
        if rest.is_empty() || rest.contains('/') || rest.contains('?') {
            return Err(PlanError::Target(self.target.clone()));
        }
        if self.requests == 0 || self.requests > MAX_REQUESTS {
            return oob(format!(
                "requests must be 1..={MAX_REQUESTS}, got {}",
                self.requests
            ));
        }
        if self.delay > MAX_DELAY {
            return oob(format!(
                "delay must be at most {} ms, got {} ms",
                MAX_DELAY.as_millis(),
                self.delay.as_millis()
            ));
        }
        if self.bytes > MAX_BYTES {
            return oob(format!(
                "bytes must be at most {MAX_BYTES}, got {}",
                self.bytes
            ));
        }
        if self.concurrency == Some(0) {
            return oob("concurrency must be at least 1 (omit it for unbounded)".into());
        }
        if self.timeout.is_zero() {
            return oob("timeout must be greater than zero".into());
        }
        if self.heartbeat < Duration::from_millis(1) {
            return oob("heartbeat period must be at least 1 ms".into());
        }
        self.faults.validate().map_err(PlanError::OutOfBounds)?;
        Ok(())
    }

    /// The URL of request `i`: `{target}/delay/{ms}?id={i}&bytes={bytes}`,
    /// then, with faults, `&seed=…&error=‰…&stall_ms=…` (see [`Faults::query`];
    /// a stall lasts the timeout plus a second, at most [`MAX_DELAY`]).
    pub fn url(&self, i: u64) -> String {
        let mut url = format!(
            "{}/delay/{}?id={i}&bytes={}",
            self.target.trim_end_matches('/'),
            self.delay.as_millis(),
            self.bytes
        );
        if !self.faults.is_none() {
            url.push_str(&self.faults.query());
            if self.faults.stall > 0 {
                let stall = (self.timeout + Duration::from_secs(1)).min(MAX_DELAY);
                url.push_str(&format!("&stall_ms={}", stall.as_millis()));
            }
        }
        url
    }

    /// All N URLs, built once before the timed part of a fan-out.
    pub fn urls(&self) -> Vec<String> {
        (0..self.requests).map(|i| self.url(i)).collect()
    }

    /// The most requests this plan lets be in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.concurrency.unwrap_or(self.requests).min(self.requests)
    }

    /// Verifies the body of request `i` against the deterministic rule.
    pub fn verify(&self, i: u64, body: &[u8]) -> Result<(), BodyError> {
        body::verify(i, self.bytes, body)
    }

    /// The floor no client can beat: the server's delay (one round of it,
    /// when everything is in flight at once).
    pub fn floor(&self) -> Duration {
        let rounds = self.requests.div_ceil(self.max_in_flight().max(1));
        self.delay * rounds as u32
    }
}

/// Serde for `Duration` as whole milliseconds (`u64`) — readable in JSON.
pub mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as milliseconds.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    /// Deserializes from milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_here_and_identical_for_every_row() {
        let mut p = Plan::new("http://127.0.0.1:9/", 3, Duration::from_millis(100));
        p.bytes = 1024;
        assert_eq!(p.url(2), "http://127.0.0.1:9/delay/100?id=2&bytes=1024");
        assert_eq!(p.urls().len(), 3);
    }

    #[test]
    fn validation_rejects_out_of_bounds() {
        let ok = Plan::new("http://127.0.0.1:9", 10, Duration::from_millis(1));
        assert_eq!(ok.validate(), Ok(()));
        for bad in [
            Plan {
                requests: 0,
                ..ok.clone()
            },
            Plan {
                concurrency: Some(0),
                ..ok.clone()
            },
            Plan {
                delay: MAX_DELAY + Duration::from_millis(1),
                ..ok.clone()
            },
            Plan {
                bytes: MAX_BYTES + 1,
                ..ok.clone()
            },
            Plan {
                timeout: Duration::ZERO,
                ..ok.clone()
            },
            Plan {
                target: "ftp://x".into(),
                ..ok.clone()
            },
            Plan {
                target: "http://".into(),
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn floor_counts_rounds_of_the_bound() {
        let mut p = Plan::new("http://h:1", 10, Duration::from_millis(100));
        assert_eq!(p.floor(), Duration::from_millis(100));
        p.concurrency = Some(3);
        assert_eq!(p.floor(), Duration::from_millis(400));
    }
}
