//! [`Faults`]: deterministic fault injection, decided per request from a seed
//! and the request id — by the server when it answers, and by the
//! conformance kit when it checks what a row counted. Both call
//! [`Faults::decide`], so the expected count of every kind is known exactly.

use serde::{Deserialize, Serialize};

use crate::plan::Format;
use crate::sample::ErrorKind;

/// Rates of each injected fault, in requests per thousand; the rest are
/// answered normally. All zero = no faults (the URL carries no fault keys;
/// see [`crate::url`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Faults {
    /// Seed of the per-request decision.
    pub seed: u64,
    /// ‰ answered `503 Service Unavailable` (no body).
    pub error: u16,
    /// ‰ whose connection is closed before any response.
    pub reset: u16,
    /// ‰ never answered until after the client's timeout.
    pub stall: u16,
    /// ‰ whose body stops halfway (`Content-Length` promises more), then the
    /// connection closes.
    pub truncate: u16,
    /// ‰ whose body is trickled in small pieces (still complete and valid).
    pub slow: u16,
    /// ‰ whose body arrives whole but corrupted: its first byte is `!`, so a
    /// byte body fails verification and a JSON document fails to decode.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub corrupt: u16,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

/// What the server does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Answer 503.
    Error,
    /// Close the connection without answering.
    Reset,
    /// Answer only after the stall time.
    Stall,
    /// Send half the body, then close.
    Truncate,
    /// Trickle the body.
    Slow,
    /// Replace the body's first byte with `!`.
    Corrupt,
}

impl Fault {
    /// Every fault, in query order.
    pub const ALL: [Fault; 6] = [
        Fault::Error,
        Fault::Reset,
        Fault::Stall,
        Fault::Truncate,
        Fault::Slow,
        Fault::Corrupt,
    ];

    /// The query key and `/stats` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Error => "error",
            Fault::Reset => "reset",
            Fault::Stall => "stall",
            Fault::Truncate => "truncate",
            Fault::Slow => "slow",
            Fault::Corrupt => "corrupt",
        }
    }

    /// The error kind a row must report for this fault on a plan of this
    /// body format (`None`: the request succeeds). A reset before any
    /// response byte and a body cut short are told apart by every client in
    /// this workspace; see each row's README where a client reports them
    /// differently.
    pub fn expected_kind(self, format: Format) -> Option<ErrorKind> {
        match self {
            Fault::Error => Some(ErrorKind::Status),
            Fault::Reset => Some(ErrorKind::Reset),
            Fault::Stall => Some(ErrorKind::Timeout),
            Fault::Truncate => Some(ErrorKind::Truncated),
            Fault::Slow => None,
            Fault::Corrupt => Some(match format {
                Format::Bytes => ErrorKind::BodyMismatch,
                Format::Json => ErrorKind::Decode,
            }),
        }
    }
}

/// SplitMix64: a well-mixed, portable hash of the seed and the id.
fn mix(seed: u64, id: u64) -> u64 {
    let mut z = seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Faults {
    /// No faults at all.
    pub fn is_none(&self) -> bool {
        Fault::ALL.iter().all(|&f| self.rate(f) == 0)
    }

    /// The rate of one fault, ‰.
    pub fn rate(&self, f: Fault) -> u16 {
        match f {
            Fault::Error => self.error,
            Fault::Reset => self.reset,
            Fault::Stall => self.stall,
            Fault::Truncate => self.truncate,
            Fault::Slow => self.slow,
            Fault::Corrupt => self.corrupt,
        }
    }

    /// The rates add up to at most 1000‰.
    pub fn validate(&self) -> Result<(), String> {
        let sum: u32 = Fault::ALL.iter().map(|&f| u32::from(self.rate(f))).sum();
        if sum > 1000 {
            return Err(format!("fault rates add up to {sum}‰, more than 1000‰"));
        }
        Ok(())
    }

    /// What happens to request `id`: the hash of (seed, id) mod 1000 falls in
    /// one of the consecutive ranges error, reset, stall, truncate, slow,
    /// corrupt, or past them (`None`: answered normally).
    pub fn decide(&self, id: u64) -> Option<Fault> {
        if self.is_none() {
            return None;
        }
        let mut x = (mix(self.seed, id) % 1000) as u16;
        for f in Fault::ALL {
            let r = self.rate(f);
            if x < r {
                return Some(f);
            }
            x -= r;
        }
        None
    }

    /// How many of requests `0..requests` get fault `f`.
    pub fn count(&self, f: Fault, requests: u64) -> u64 {
        (0..requests)
            .filter(|&id| self.decide(id) == Some(f))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_deterministic_and_near_their_rates() {
        let f = Faults {
            seed: 42,
            error: 100,
            reset: 50,
            stall: 0,
            truncate: 200,
            slow: 10,
            corrupt: 0,
        };
        let mut counts = std::collections::HashMap::new();
        for id in 0..100_000 {
            assert_eq!(f.decide(id), f.decide(id));
            *counts.entry(f.decide(id)).or_insert(0u32) += 1;
        }
        for (fault, per_mille) in [
            (Fault::Error, 100),
            (Fault::Reset, 50),
            (Fault::Truncate, 200),
            (Fault::Slow, 10),
        ] {
            let n = counts.get(&Some(fault)).copied().unwrap_or(0);
            let want = per_mille * 100;
            assert!(
                n.abs_diff(want) < want / 10 + 50,
                "{fault:?}: {n} vs {want}"
            );
        }
        assert_eq!(counts.get(&Some(Fault::Stall)), None);
        let other = Faults { seed: 1, ..f };
        assert!(
            (0..1000).any(|id| other.decide(id) != f.decide(id)),
            "the seed changes the decisions"
        );
    }

    #[test]
    fn no_faults_means_no_decisions() {
        let f = Faults::default();
        assert!(f.is_none());
        assert_eq!(f.decide(3), None);
        assert!(
            Faults {
                error: 600,
                reset: 401,
                ..f
            }
            .validate()
            .is_err()
        );
    }
}
