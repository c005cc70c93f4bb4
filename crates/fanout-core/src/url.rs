//! The URL scheme of the project's server, defined once: what request `i`
//! of a [`Plan`] asks for, written here for every row ([`Plan::url`]) and
//! read here by the server ([`DelayRequest::parse`]).
//!
//! Request `i` is `GET /delay/{ms}?id={i}&bytes={bytes}`, then the other
//! keys when they say something, in this order ([`Key::ALL`]):
//!
//! | key | value | written |
//! |---|---|---|
//! | `id` | the request's index | always |
//! | `bytes` | the body's size, ≤ [`MAX_BYTES`] (≤ [`MAX_JSON_BYTES`] for a document) | always |
//! | `format` | `bytes` (the default) or `json` | `json` only |
//! | `seed` | the seed of [`Faults::decide`] | with faults |
//! | `error`, `reset`, `stall`, `truncate`, `slow`, `corrupt` | the fault's rate, ‰ (each ≤ 1000, their sum too) | each rate that is not 0 |
//! | `stall_ms` | how long a stalled request waits: the plan's timeout plus a second, ≤ [`MAX_DELAY`] | with a `stall` rate |
//!
//! `ms` is the plan's delay in whole milliseconds, ≤ [`MAX_DELAY`]. Reading
//! takes the keys in any order, each at most once, every one optional (`id`
//! and `bytes` 0, `format` `bytes`, rates and `seed` 0, `stall_ms`
//! [`MAX_DELAY`]); numbers are ASCII digits only (no sign, no overflow); an
//! unknown or repeated key, or a value out of bounds, is an error with a
//! one-line reason. Reading allocates nothing unless it fails.
//!
//! The Python, Node.js and Go reference programs build the same URLs
//! (`baselines/`); a change here is a change to their contract.
//!
//! Against a [`Foreign`](crate::target::Foreign) server none of this is
//! sent: request `i` is the target's URL template with `{i}` replaced.

use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::faults::{Fault, Faults};
use crate::plan::{Format, MAX_BYTES, MAX_DELAY, MAX_JSON_BYTES, Plan};
use crate::target::Target;

/// A fault rate is in requests per thousand.
const MAX_RATE: u64 = 1000;

/// One `/delay` request as values: what the URL of [`DelayRequest::of`]
/// says, and what [`DelayRequest::parse`] reads back. Its [`Display`](fmt::Display)
/// is the path and query, e.g. `/delay/100?id=7&bytes=1024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRequest {
    /// How long the server waits before answering, ms (≤ [`MAX_DELAY`]).
    pub ms: u64,
    /// The request's index: its body's identity.
    pub id: u64,
    /// The body's length (about that, for a JSON document).
    pub bytes: u64,
    /// Bytes of the rule, or a JSON document.
    pub format: Format,
    /// The fault rates and their seed; [`Faults::default`] when no rate is set.
    pub faults: Faults,
    /// How long a stalled request waits instead of `ms`, when given.
    pub stall_ms: Option<u64>,
}

/// A key of the `/delay` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `id`: the request's index.
    Id,
    /// `bytes`: the body's length.
    Bytes,
    /// `format`: `bytes` or `json`.
    Format,
    /// `seed`: the seed of the fault decision.
    Seed,
    /// A fault's rate, ‰; its key is [`Fault::as_str`].
    Rate(Fault),
    /// `stall_ms`: how long a stalled request waits.
    StallMs,
}

impl Key {
    /// Every key, in the order a URL has them.
    pub const ALL: [Key; 11] = [
        Key::Id,
        Key::Bytes,
        Key::Format,
        Key::Seed,
        Key::Rate(Fault::ALL[0]),
        Key::Rate(Fault::ALL[1]),
        Key::Rate(Fault::ALL[2]),
        Key::Rate(Fault::ALL[3]),
        Key::Rate(Fault::ALL[4]),
        Key::Rate(Fault::ALL[5]),
        Key::StallMs,
    ];

    /// The key as the URL spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::Bytes => "bytes",
            Key::Format => "format",
            Key::Seed => "seed",
            Key::Rate(f) => f.as_str(),
            Key::StallMs => "stall_ms",
        }
    }

    /// The key spelled `name` (case matters).
    pub fn named(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Its place in [`Key::ALL`].
    fn index(self) -> usize {
        match self {
            Key::Id => 0,
            Key::Bytes => 1,
            Key::Format => 2,
            Key::Seed => 3,
            Key::Rate(Fault::Error) => 4,
            Key::Rate(Fault::Reset) => 5,
            Key::Rate(Fault::Stall) => 6,
            Key::Rate(Fault::Truncate) => 7,
            Key::Rate(Fault::Slow) => 8,
            Key::Rate(Fault::Corrupt) => 9,
            Key::StallMs => 10,
        }
    }

    /// What a number under this key counts, and its bound (`format` is
    /// read as a word, not asked).
    fn number(self) -> (Unit, u64) {
        match self {
            Key::Id | Key::Seed | Key::Format => (Unit::Count, u64::MAX),
            Key::Bytes => (Unit::Bytes, MAX_BYTES),
            Key::Rate(_) => (Unit::PerMille, MAX_RATE),
            Key::StallMs => (Unit::Millis, max_delay_ms()),
        }
    }
}

/// A URL the server cannot answer, with the reason in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl UrlError {
    /// The reason, e.g. `delay 99999999 ms is over the 60000 ms bound`.
    pub fn into_reason(self) -> String {
        self.0
    }
}

fn bad(reason: String) -> UrlError {
    UrlError(reason)
}

/// Why a string is not a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Nothing at all.
    Empty,
    /// Something other than ASCII digits.
    NotDigits,
    /// Over `u64::MAX`.
    Overflow,
}

/// A whole number in ASCII decimal digits: no sign, no whitespace, no overflow.
pub fn whole_number(s: &str) -> Result<u64, NumberError> {
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(NumberError::NotDigits);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(NumberError::Overflow)?;
    }
    Ok(n)
}

/// What a number in the URL counts, for its reason when it is wrong.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// A plain count (`id`, `seed`).
    Count,
    /// Bytes (`bytes`).
    Bytes,
    /// Per thousand (a fault rate).
    PerMille,
    /// Milliseconds (the delay, `stall_ms`).
    Millis,
}

/// Reads `value`, the number `name` counts in `unit`, at most `max`.
fn number(name: &str, unit: Unit, max: u64, value: &str) -> Result<u64, UrlError> {
    let n = whole_number(value);
    if let Ok(n) = n
        && n <= max
    {
        return Ok(n);
    }
    let over = !matches!(n, Err(NumberError::Empty | NumberError::NotDigits));
    Err(bad(match (unit, over) {
        (Unit::Count, true) => format!("{name} {value} does not fit in 64 bits"),
        (Unit::Count | Unit::Bytes, false) => {
            format!("{name} {value:?} is not a whole number (digits only)")
        }
        (Unit::Bytes, true) => format!(
            "{name} {value} is over the {max} byte ({} MiB) bound",
            max >> 20
        ),
        (Unit::PerMille, true) => {
            format!("{name} rate {value}‰ is over {max}‰ (rates are per thousand requests)")
        }
        (Unit::PerMille, false) => {
            format!("{name} rate {value:?} is not a whole number of ‰ (digits only, 0..={max})")
        }
        (Unit::Millis, true) => {
            // `stall_ms` says its unit; `delay` does not.
            let unit = if name.ends_with("_ms") { "" } else { " ms" };
            format!("{name} {value}{unit} is over the {max} ms bound")
        }
        (Unit::Millis, false) => {
            format!("{name} {value:?} is not a whole number of milliseconds (digits only)")
        }
    }))
}

fn max_delay_ms() -> u64 {
    MAX_DELAY.as_millis() as u64
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl DelayRequest {
    /// Request `id` of `plan`. A stall rate adds `stall_ms`: the plan's
    /// timeout plus a second (the client has given up by then), at most
    /// [`MAX_DELAY`].
    pub fn of(plan: &Plan, id: u64) -> DelayRequest {
        let faults = if plan.faults.is_none() {
            Faults::default()
        } else {
            plan.faults
        };
        let stall_ms = (faults.stall > 0)
            .then(|| millis((plan.timeout + Duration::from_secs(1)).min(MAX_DELAY)));
        DelayRequest {
            ms: millis(plan.delay),
            id,
            bytes: plan.bytes,
            format: plan.format,
            faults,
            stall_ms,
        }
    }

    /// How long a stalled request waits, ms: `stall_ms`, or [`MAX_DELAY`].
    pub fn stall(&self) -> u64 {
        self.stall_ms.unwrap_or_else(max_delay_ms)
    }

    /// Reads a `/delay` request: `ms` is what follows `/delay/` in the path,
    /// `query` what follows the `?` (`None` or empty: no query).
    pub fn parse(ms: &str, query: Option<&str>) -> Result<DelayRequest, UrlError> {
        if ms.is_empty() {
            return Err(bad(
                "/delay/{ms} needs a delay in milliseconds, e.g. /delay/100".into(),
            ));
        }
        let ms = number("delay", Unit::Millis, max_delay_ms(), ms)?;
        let mut values = [None; Key::ALL.len()];
        let mut format = None;
        for pair in query
            .into_iter()
            .filter(|q| !q.is_empty())
            .flat_map(|q| q.split('&'))
        {
            if pair.is_empty() {
                return Err(bad("empty query parameter (a stray '&')".into()));
            }
            let Some((name, value)) = pair.split_once('=') else {
                return Err(bad(format!(
                    "query parameter {pair:?} has no value (write {pair}=N)"
                )));
            };
            let Some(key) = Key::named(name) else {
                return Err(bad(format!(
                    "unknown query parameter {name:?}; /delay takes {}",
                    key_list()
                )));
            };
            let twice = if key == Key::Format {
                let f = match value {
                    "bytes" => Format::Bytes,
                    "json" => Format::Json,
                    _ => return Err(bad(format!("format {value:?} is not bytes or json"))),
                };
                format.replace(f).is_some()
            } else {
                let (unit, max) = key.number();
                let n = number(name, unit, max, value)?;
                values[key.index()].replace(n).is_some()
            };
            if twice {
                return Err(bad(format!("query parameter {name:?} is given twice")));
            }
        }
        let value = |k: Key| values[k.index()];
        // Each rate is at most MAX_RATE (checked above), so each fits a u16.
        let rate = |f: Fault| value(Key::Rate(f)).unwrap_or(0) as u16;
        let faults = Faults {
            seed: value(Key::Seed).unwrap_or(0),
            error: rate(Fault::Error),
            reset: rate(Fault::Reset),
            stall: rate(Fault::Stall),
            truncate: rate(Fault::Truncate),
            slow: rate(Fault::Slow),
            corrupt: rate(Fault::Corrupt),
        };
        faults.validate().map_err(bad)?;
        let (bytes, format) = (value(Key::Bytes).unwrap_or(0), format.unwrap_or_default());
        if format == Format::Json && bytes > MAX_JSON_BYTES {
            return Err(bad(format!(
                "bytes {bytes} is over the {MAX_JSON_BYTES} byte ({} MiB) bound of a JSON document",
                MAX_JSON_BYTES >> 20
            )));
        }
        Ok(DelayRequest {
            ms,
            id: value(Key::Id).unwrap_or(0),
            bytes,
            format,
            // No rates: no faults, whatever the seed.
            faults: if faults.is_none() {
                Faults::default()
            } else {
                faults
            },
            stall_ms: value(Key::StallMs),
        })
    }
}

/// `id, bytes, … and stall_ms`: the keys, for a reason.
fn key_list() -> String {
    let names: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
    let (last, rest) = names.split_last().expect("there are keys");
    format!("{} and {last}", rest.join(", "))
}

impl fmt::Display for DelayRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/delay/{}?id={}&bytes={}", self.ms, self.id, self.bytes)?;
        if self.format == Format::Json {
            f.write_str("&format=json")?;
        }
        if !self.faults.is_none() {
            write!(f, "&seed={}", self.faults.seed)?;
            for fault in Fault::ALL {
                let rate = self.faults.rate(fault);
                if rate > 0 {
                    write!(f, "&{}={rate}", fault.as_str())?;
                }
            }
        }
        if let Some(ms) = self.stall_ms {
            write!(f, "&stall_ms={ms}")?;
        }
        Ok(())
    }
}

impl Plan {
    /// The path and query of request `i`: [`DelayRequest::of`] written out,
    /// e.g. `/delay/100?id=7&bytes=1024`.
    pub fn path(&self, i: u64) -> String {
        DelayRequest::of(self, i).to_string()
    }

    /// The URL of request `i` on `target`: on the project's own server its
    /// address and [`Plan::path`]; on a foreign server its template with
    /// `{i}` replaced (the plan's delay, body size and faults are not sent).
    pub fn url(&self, target: &Target, i: u64) -> String {
        if let Some(foreign) = &target.foreign {
            return foreign.url(i);
        }
        let mut url = target.base_url(self.tls);
        let _ = write!(url, "{}", DelayRequest::of(self, i));
        url
    }

    /// All N URLs on `target`, built once before the timed part of a fan-out.
    pub fn urls(&self, target: &Target) -> Vec<String> {
        (0..self.requests).map(|i| self.url(target, i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_here_and_identical_for_every_row() {
        let target = Target::parse("127.0.0.1:9").unwrap();
        let mut p = Plan::new(3, Duration::from_millis(100));
        p.bytes = 1024;
        assert_eq!(
            p.url(&target, 2),
            "http://127.0.0.1:9/delay/100?id=2&bytes=1024"
        );
        p.tls = true;
        p.format = Format::Json;
        assert_eq!(
            p.url(&target, 0),
            "https://127.0.0.1:9/delay/100?id=0&bytes=1024&format=json"
        );
        assert_eq!(p.urls(&target).len(), 3);
        // A foreign server: its template, whatever the plan's delay and size.
        let foreign = Target::foreign("https://127.0.0.1:9/items/{i}?page={i}").unwrap();
        assert_eq!(p.url(&foreign, 3), "https://127.0.0.1:9/items/3?page=3");
        p.timeout = Duration::from_millis(500);
        p.faults = Faults {
            seed: 9,
            error: 5,
            slow: 1,
            ..Faults::default()
        };
        assert_eq!(
            p.path(4),
            "/delay/100?id=4&bytes=1024&format=json&seed=9&error=5&slow=1"
        );
        p.faults.stall = 3;
        assert_eq!(
            p.path(4),
            "/delay/100?id=4&bytes=1024&format=json&seed=9&error=5&stall=3&slow=1&stall_ms=1500"
        );
        p.timeout = Duration::from_secs(70);
        assert!(p.path(4).ends_with("&stall_ms=60000"), "at most MAX_DELAY");
        // A seed without rates is no fault at all.
        p.faults = Faults {
            seed: 9,
            ..Faults::default()
        };
        assert_eq!(p.path(1), "/delay/100?id=1&bytes=1024&format=json");
    }

    #[test]
    fn every_url_reads_back_as_what_it_says() {
        let mut p = Plan::new(1, Duration::from_millis(250));
        p.bytes = 77;
        p.faults = crate::conformance::CHECK_FAULTS;
        let want = DelayRequest::of(&p, 12);
        let path = p.path(12);
        let (ms, query) = path["/delay/".len()..].split_once('?').unwrap();
        assert_eq!(DelayRequest::parse(ms, Some(query)), Ok(want));
        assert_eq!(want.stall(), 31_000);
        assert_eq!(
            DelayRequest::parse("5", None).map(|d| d.stall()),
            Ok(60_000)
        );
    }

    #[test]
    fn keys_are_spelled_once_and_listed_in_order() {
        let names: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "id", "bytes", "format", "seed", "error", "reset", "stall", "truncate", "slow",
                "corrupt", "stall_ms"
            ]
        );
        assert!(Key::ALL.iter().all(|&k| Key::named(k.as_str()) == Some(k)));
        assert_eq!(Key::named("Error"), None);
        assert_eq!(
            key_list(),
            "id, bytes, format, seed, error, reset, stall, truncate, slow, corrupt and stall_ms"
        );
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(whole_number("0"), Ok(0));
        assert_eq!(whole_number("007"), Ok(7));
        assert_eq!(whole_number("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            whole_number("18446744073709551616"),
            Err(NumberError::Overflow)
        );
        assert_eq!(whole_number(""), Err(NumberError::Empty));
        for s in ["-1", "+1", " 1", "1 ", "0x10", "1e3", "١"] {
            assert_eq!(whole_number(s), Err(NumberError::NotDigits), "{s:?}");
        }
    }
}
