//! [`Plan`]: one fan-out — N, the server's delay, the body's size and
//! [`Format`], the bound, keep-alive, TLS, the [`Protocol`], the timeout,
//! the heartbeat, the faults and the network's round trip — with its bounds
//! and its floor. The URL of each of its requests is built by [`crate::url`]
//! ([`Plan::url`]).

mod format;
mod protocol;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use self::format::Format;
pub use self::protocol::Protocol;
use crate::faults::Faults;

/// Upper bound on the server-side delay, enforced by the server too.
pub const MAX_DELAY: Duration = Duration::from_millis(60_000);
/// Upper bound on a body, enforced by the server too.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Upper bound on requests per plan: every request loop is bounded.
pub const MAX_REQUESTS: u64 = 1_000_000;
/// Upper bound on a JSON document's nominal size (the server builds it in memory).
pub const MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;
/// Upper bound on the emulated round trip ([`Plan::rtt`]), enforced by the
/// server too: beyond it no network is being emulated, only a stall.
pub const MAX_RTT: Duration = Duration::from_secs(10);

/// One fan-out — *what* to run: `requests` GETs with a bound on how many
/// may be in flight at once, and how each is made. *Where* it runs is a
/// [`Target`](crate::Target), given beside the plan.
///
/// Request `i` fetches [`Plan::path`]`(i)` on the target; every row fetches
/// exactly these URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// How many requests (N).
    pub requests: u64,
    /// How long the server waits before answering each request.
    #[serde(with = "millis")]
    pub delay: Duration,
    /// Body size of each response, in bytes (about that, for JSON documents).
    pub bytes: u64,
    /// What the body is and how it is read.
    #[serde(default)]
    pub format: Format,
    /// Most requests in flight at once; `None` = unbounded, like `asyncio.gather`.
    pub concurrency: Option<u64>,
    /// Reuse connections (HTTP/1.1 keep-alive). Off: every request sends
    /// `Connection: close` and gets a fresh connection.
    pub keep_alive: bool,
    /// HTTPS: TLS with the certificate verified against the target's CA.
    #[serde(default)]
    pub tls: bool,
    /// The HTTP version asked for.
    #[serde(default)]
    pub protocol: Protocol,
    /// Per-request timeout, from the request's start to its last body byte.
    #[serde(with = "millis")]
    pub timeout: Duration,
    /// Period of the heartbeat ticker that runs during the fan-out.
    #[serde(with = "millis")]
    pub heartbeat: Duration,
    /// Faults the server injects (none by default).
    #[serde(default, skip_serializing_if = "Faults::is_none")]
    pub faults: Faults,
    /// The network's round trip, emulated by the target server for every
    /// row alike (whole milliseconds; 0, the default, is loopback as it is).
    /// Not part of any URL: the server is started with it (`fanout serve
    /// --rtt`), because it delays a connection from its first byte, before
    /// any request. A plan without it serializes as before.
    #[serde(default, with = "millis", skip_serializing_if = "Duration::is_zero")]
    pub rtt: Duration,
}

/// A plan or target that cannot run, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A field is out of its bounds.
    #[error("{0}")]
    OutOfBounds(String),
    /// The target is not a `HOST:PORT` address (or `http(s)://HOST:PORT`).
    #[error("target must look like HOST:PORT or http://HOST:PORT, got {0:?}")]
    Target(String),
    /// A foreign server's URL template that cannot be used, or a plan it
    /// cannot serve, with the reason.
    #[error("{0}")]
    Url(String),
}

impl Plan {
    /// A plan with the given N and delay: 256-byte bodies, unbounded,
    /// keep-alive, plain HTTP, the client's default protocol, 30 s timeout,
    /// 10 ms heartbeat, loopback (no emulated round trip).
    pub fn new(requests: u64, delay: Duration) -> Plan {
        Plan {
            requests,
            delay,
            bytes: 256,
            format: Format::Bytes,
            concurrency: None,
            keep_alive: true,
            tls: false,
            protocol: Protocol::Auto,
            timeout: Duration::from_secs(30),
            heartbeat: Duration::from_millis(10),
            faults: Faults::default(),
            rtt: Duration::ZERO,
        }
    }

    /// Checks every field is in bounds; rows may assume a validated plan.
    pub fn validate(&self) -> Result<(), PlanError> {
        let oob = |m: String| Err(PlanError::OutOfBounds(m));
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
        if self.format == Format::Json && self.bytes > MAX_JSON_BYTES {
            return oob(format!(
                "a JSON document must be at most {MAX_JSON_BYTES} bytes, got {}",
                self.bytes
            ));
        }
        if self.concurrency == Some(0) {
            return oob("concurrency must be at least 1 (omit it for unbounded)".into());
        }
        if self.timeout.is_zero() {
            return oob("timeout must be greater than zero".into());
        }
        if !self.keep_alive && self.protocol == Protocol::Http2 {
            return oob(
                "keep-alive off (`Connection: close`) is HTTP/1.1's; HTTP/2 has no per-request close: use protocol http1 or auto".into(),
            );
        }
        if self.heartbeat < Duration::from_millis(1) {
            return oob("heartbeat period must be at least 1 ms".into());
        }
        if let Err(why) = check_rtt(self.rtt) {
            return oob(why);
        }
        self.faults.validate().map_err(PlanError::OutOfBounds)?;
        Ok(())
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The most requests this plan lets be in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.concurrency.unwrap_or(self.requests).min(self.requests)
    }

    /// The most requests in flight for a row that can have at most `cap` at
    /// once whatever the plan says (a fixed pool; `None` = no cap of its own).
    pub fn in_flight_with(&self, cap: Option<u64>) -> u64 {
        self.max_in_flight().min(cap.unwrap_or(u64::MAX)).max(1)
    }

    /// Round trips a new connection costs before its first request can be
    /// sent: TCP's handshake, and TLS 1.3's on top for HTTPS (a resumed
    /// TLS 1.3 session costs the same round trip; the server takes no early
    /// data). The same for HTTP/1.1 and HTTP/2.
    pub fn setup_round_trips(&self) -> u32 {
        1 + u32::from(self.tls)
    }

    /// Whether every request needs a connection of its own: keep-alive off
    /// on a plan that can only be HTTP/1.1 (protocol `http1`, or `auto` in
    /// cleartext, where no ALPN offers HTTP/2). Over HTTPS, `auto` lets a
    /// client negotiate HTTP/2, where `Connection: close` means nothing.
    pub fn connection_per_request(&self) -> bool {
        !self.keep_alive
            && match self.protocol {
                Protocol::Http1 => true,
                Protocol::Auto => !self.tls,
                _ => false,
            }
    }

    /// The floor no client can beat: rounds of the server's delay plus one
    /// round trip each at the plan's bound (one round when everything is in
    /// flight at once), plus the round trips that open a connection — once
    /// when connections can be reused (they open side by side), every round
    /// when each request needs its own ([`Plan::connection_per_request`]).
    /// At `rtt` 0 it is the rounds of the delay alone.
    pub fn floor(&self) -> Duration {
        self.projection(None)
    }

    /// The floor for a row that can have at most `cap` requests in flight:
    /// the same rounds at the smaller of the plan's bound and the cap. The
    /// sweep's projection of a cell's run time.
    pub fn projection(&self, cap: Option<u64>) -> Duration {
        let rounds = self.requests.div_ceil(self.in_flight_with(cap));
        let rounds = rounds.min(u64::from(u32::MAX)) as u32;
        let setup = self.rtt.saturating_mul(self.setup_round_trips());
        let round = self.delay.saturating_add(self.rtt);
        if self.connection_per_request() {
            round.saturating_add(setup).saturating_mul(rounds)
        } else {
            setup.saturating_add(round.saturating_mul(rounds))
        }
    }
}

/// Why `rtt` cannot be a plan's round trip, if it cannot: over [`MAX_RTT`],
/// or not a whole number of milliseconds (what a plan records).
pub fn check_rtt(rtt: Duration) -> Result<(), String> {
    if rtt > MAX_RTT {
        return Err(format!(
            "rtt must be at most {} s, got {} ms",
            MAX_RTT.as_secs(),
            rtt.as_millis()
        ));
    }
    if !rtt.subsec_nanos().is_multiple_of(1_000_000) {
        return Err(format!(
            "rtt must be a whole number of milliseconds, got {rtt:?}"
        ));
    }
    Ok(())
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
    fn validation_rejects_out_of_bounds() {
        let ok = Plan::new(10, Duration::from_millis(1));
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
                bytes: MAX_JSON_BYTES + 1,
                format: Format::Json,
                ..ok.clone()
            },
            Plan {
                timeout: Duration::ZERO,
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn floor_and_projection_count_rounds_of_the_bound() {
        let mut p = Plan::new(10, Duration::from_millis(100));
        assert_eq!(p.floor(), Duration::from_millis(100));
        assert_eq!(p.projection(Some(1)), Duration::from_secs(1));
        p.concurrency = Some(3);
        assert_eq!(p.floor(), Duration::from_millis(400));
        let c10k = Plan::new(10_000, Duration::from_secs(1));
        assert_eq!(c10k.projection(Some(1)), Duration::from_secs(10_000));
        assert_eq!(c10k.projection(Some(128)), Duration::from_secs(79));
        let zero = Plan {
            concurrency: Some(64),
            ..Plan::new(20_000, Duration::ZERO)
        };
        assert_eq!(zero.projection(Some(1)), Duration::ZERO);
    }

    #[test]
    fn the_floor_counts_round_trips_and_connection_set_up() {
        let ms = Duration::from_millis;
        let rtt = ms(25);
        // api at 25 ms: TCP + TLS once, then 10 rounds of 20 ms + one round trip.
        let api = Plan {
            tls: true,
            concurrency: Some(100),
            rtt,
            ..Plan::new(1_000, ms(20))
        };
        assert_eq!(api.setup_round_trips(), 2);
        assert_eq!(api.floor(), ms(2 * 25 + 10 * 45));
        assert_eq!(api.projection(Some(1)), ms(50 + 1_000 * 45));
        // Without keep-alive every round opens its connections, unless
        // ALPN may pick HTTP/2 (one connection, `Connection: close` moot).
        let cold = Plan {
            keep_alive: false,
            protocol: Protocol::Http1,
            ..api.clone()
        };
        assert_eq!(cold.floor(), ms(10 * (50 + 45)));
        let auto = Plan {
            protocol: Protocol::Auto,
            ..cold.clone()
        };
        assert_eq!(auto.floor(), api.floor());
        for protocol in [Protocol::Http1, Protocol::Auto] {
            let http = Plan {
                tls: false,
                protocol,
                ..cold.clone()
            };
            assert_eq!(http.floor(), ms(10 * (25 + 45)));
        }
        // At rtt 0 nothing changes, keep-alive or not.
        for keep_alive in [true, false] {
            let p = Plan {
                keep_alive,
                rtt: Duration::ZERO,
                ..api.clone()
            };
            assert_eq!(p.floor(), ms(200));
        }
    }

    #[test]
    fn rtt_is_bounded_and_whole_milliseconds() {
        let ok = Plan::new(10, Duration::from_millis(1));
        for good in [0, 1, 25, 10_000] {
            let p = Plan {
                rtt: Duration::from_millis(good),
                ..ok.clone()
            };
            assert_eq!(p.validate(), Ok(()), "{good} ms");
        }
        for bad in [
            MAX_RTT + Duration::from_millis(1),
            Duration::from_micros(1500),
        ] {
            let p = Plan {
                rtt: bad,
                ..ok.clone()
            };
            assert!(p.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_plan_at_rtt_0_serializes_as_before_and_rtt_round_trips() {
        let p = Plan::new(5, Duration::from_millis(500));
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("rtt"), "{json}");
        let wan = Plan {
            rtt: Duration::from_millis(25),
            ..p
        };
        let json = serde_json::to_string(&wan).unwrap();
        assert!(json.ends_with(r#""rtt":25}"#), "{json}");
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), wan);
    }

    #[test]
    fn old_plans_without_the_new_fields_still_load() {
        let p: Plan = serde_json::from_str(
            r#"{"requests":5,"delay":500,"bytes":256,"concurrency":null,"keep_alive":true,"timeout":30000,"heartbeat":100}"#,
        )
        .unwrap();
        assert_eq!(
            (p.format, p.tls, p.protocol, p.rtt),
            (Format::Bytes, false, Protocol::Auto, Duration::ZERO)
        );
    }
}
