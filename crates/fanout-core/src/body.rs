//! The deterministic response body, and its verification.
//!
//! The target server's body for request `id` with length `bytes` is fixed by
//! one rule, defined here once and ported exactly by anything else that
//! fetches from the server (the Python baselines, for example):
//!
//! ```text
//! prefix   = the ASCII decimal digits of id, then ':'      e.g. "42:"
//! body[k]  = prefix[k]                      for k < len(prefix)
//! body[k]  = FILL[(id + k) mod 64]          otherwise
//! FILL     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
//! ```
//!
//! and the body is exactly `bytes` long (a body shorter than the prefix is the
//! prefix cut short). The id in the prefix means a body meant for another
//! request never verifies; the fill means every byte is checked, so a row
//! cannot skip reading the body.
//!
//! The server streams the fill as slices of one static buffer ([`fill_chunk`]),
//! so a large body costs it no allocation.

use std::sync::OnceLock;

/// The 64 fill characters, indexed by `(id + k) mod 64`.
pub const FILL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Size of the largest chunk [`fill_chunk`] hands out.
pub const CHUNK: usize = 64 * 1024;

/// `FILL` repeated to `CHUNK + 64` bytes: any `CHUNK`-long window of the
/// infinite fill starts somewhere in the first 64 bytes.
fn repeated_fill() -> &'static [u8] {
    static BUF: OnceLock<Vec<u8>> = OnceLock::new();
    BUF.get_or_init(|| FILL.iter().copied().cycle().take(CHUNK + 64).collect())
}

/// Writes the prefix of request `id` (`"{id}:"`) into `buf`, returning its length.
pub fn prefix(id: u64, buf: &mut [u8; 21]) -> usize {
    // u64::MAX has 20 digits, plus ':'.
    let mut digits = [0u8; 20];
    let mut n = id;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (k, d) in digits[..len].iter().rev().enumerate() {
        buf[k] = *d;
    }
    buf[len] = b':';
    len + 1
}

/// The fill bytes of request `id` starting at body offset `k`, at most
/// `max` (≤ [`CHUNK`]) of them, as a slice of one static buffer.
pub fn fill_chunk(id: u64, k: u64, max: usize) -> &'static [u8] {
    let start = ((id.wrapping_add(k)) % 64) as usize;
    let len = max.min(CHUNK);
    &repeated_fill()[start..start + len]
}

/// The whole expected body of request `id`, `bytes` long. Allocates: meant for
/// tests and small bodies; [`verify`] does not use it.
pub fn expected(id: u64, bytes: u64) -> Vec<u8> {
    let mut p = [0u8; 21];
    let plen = prefix(id, &mut p);
    (0..bytes)
        .map(|k| {
            if (k as usize) < plen {
                p[k as usize]
            } else {
                FILL[((id.wrapping_add(k)) % 64) as usize]
            }
        })
        .collect()
}

/// Why a body failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body was shorter or longer than the plan asked for.
    #[error("body is {got} bytes, expected {expected}")]
    Length {
        /// Bytes received.
        got: u64,
        /// Bytes the plan asked for.
        expected: u64,
    },
    /// A byte differs from the rule.
    #[error("body differs from the expected bytes at offset {offset}")]
    Content {
        /// First differing offset.
        offset: u64,
    },
}

/// Checks that `body` is exactly the server's body for request `id` with
/// length `bytes`. Every row passes every body through this (via the drivers
/// in [`crate::drive`]).
pub fn verify(id: u64, bytes: u64, body: &[u8]) -> Result<(), BodyError> {
    if body.len() as u64 != bytes {
        return Err(BodyError::Length {
            got: body.len() as u64,
            expected: bytes,
        });
    }
    let mut p = [0u8; 21];
    let plen = prefix(id, &mut p).min(body.len());
    if let Some(offset) = (0..plen).find(|&k| body[k] != p[k]) {
        return Err(BodyError::Content {
            offset: offset as u64,
        });
    }
    let mut k = plen;
    while k < body.len() {
        let want = fill_chunk(id, k as u64, body.len() - k);
        let got = &body[k..k + want.len()];
        if got != want {
            let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
            return Err(BodyError::Content {
                offset: (k + at) as u64,
            });
        }
        k += want.len();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_by_example() {
        assert_eq!(expected(42, 10), b"42:tuvwxyz".to_vec());
        assert_eq!(expected(0, 4), b"0:CD".to_vec());
        assert_eq!(expected(12345, 3), b"123".to_vec());
        assert_eq!(expected(7, 0), Vec::<u8>::new());
    }

    #[test]
    fn verify_accepts_the_expected_body_at_every_size() {
        for id in [0, 1, 63, 64, 99_999, u64::MAX] {
            for bytes in [
                0,
                1,
                2,
                5,
                21,
                22,
                64,
                1000,
                CHUNK as u64 + 77,
                3 * CHUNK as u64,
            ] {
                assert_eq!(
                    verify(id, bytes, &expected(id, bytes)),
                    Ok(()),
                    "{id} {bytes}"
                );
            }
        }
    }

    #[test]
    fn verify_rejects_wrong_length_id_and_content() {
        let body = expected(5, 2000);
        assert_eq!(
            verify(5, 2001, &body),
            Err(BodyError::Length {
                got: 2000,
                expected: 2001
            })
        );
        assert_eq!(
            verify(6, 2000, &body),
            Err(BodyError::Content { offset: 0 })
        );
        // Same length prefix, different id: caught in the fill.
        assert!(verify(69, 2000, &expected(5, 2000)).is_err());
        let mut bad = body.clone();
        bad[1500] ^= 1;
        assert_eq!(
            verify(5, 2000, &bad),
            Err(BodyError::Content { offset: 1500 })
        );
    }

    #[test]
    fn fill_chunks_tile_the_body() {
        let (id, bytes) = (3u64, 3 * CHUNK as u64 + 5);
        let mut p = [0u8; 21];
        let plen = prefix(id, &mut p);
        let mut built = p[..plen].to_vec();
        while (built.len() as u64) < bytes {
            let k = built.len() as u64;
            built.extend_from_slice(fill_chunk(id, k, (bytes - k) as usize));
        }
        assert_eq!(built, expected(id, bytes));
    }
}
