//! Routing: a request's method, path and query become a [`Route`], or a
//! [`Reject`] with a one-line reason.
//!
//! Parsing works on the `&str`s of the request URI and allocates nothing on
//! success; only a rejection formats its reason. Every number is checked by
//! hand (digits only, no sign, no overflow) and against the bounds in
//! [`fanout_core::plan`], so a malformed or out-of-bounds request is a 4xx,
//! never a panic and never a silently clamped value.

use fanout_core::plan::{MAX_BYTES, MAX_DELAY};
use http::{Method, StatusCode};

/// The routes, one line each, for 404 and 405 answers.
pub(crate) const ROUTES: &str =
    "GET /delay/{ms}?id=N&bytes=B, GET /status/{code}, GET /stats, POST /stats/reset";

/// A request the server will answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /delay/{ms}?id=N&bytes=B`: wait `ms`, then the body of `(id, bytes)`.
    Delay {
        /// Milliseconds to wait, at most [`MAX_DELAY`].
        ms: u64,
        /// Request id, the body's prefix.
        id: u64,
        /// Body length, at most [`MAX_BYTES`].
        bytes: u64,
    },
    /// `GET /status/{code}`: an empty answer with this status (200..=599).
    Status(StatusCode),
    /// `GET /stats`: the counters as JSON.
    Stats,
    /// `POST /stats/reset`: zero the counters.
    ResetStats,
}

/// A request the server refuses, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reject {
    /// 400: malformed or out of bounds; the reason is one line.
    BadRequest(String),
    /// 404: no route has this path.
    NotFound,
    /// 405: the path exists but takes another method (the one named here).
    MethodNotAllowed(&'static str),
}

/// Routes a request from its method and URI parts.
pub(crate) fn parse(method: &Method, path: &str, query: Option<&str>) -> Result<Route, Reject> {
    // An empty query (`/stats?`) is no query.
    let query = query.filter(|q| !q.is_empty());
    if let Some(ms) = path
        .strip_prefix("/delay/")
        .or(path.eq("/delay").then_some(""))
    {
        require(method, Method::GET, "GET")?;
        let ms = delay(ms)?;
        let (id, bytes) = delay_query(query)?;
        return Ok(Route::Delay { ms, id, bytes });
    }
    if let Some(code) = path
        .strip_prefix("/status/")
        .or(path.eq("/status").then_some(""))
    {
        require(method, Method::GET, "GET")?;
        no_query(path, query)?;
        return status(code).map(Route::Status);
    }
    match path {
        "/stats" => {
            require(method, Method::GET, "GET")?;
            no_query(path, query)?;
            Ok(Route::Stats)
        }
        "/stats/reset" => {
            require(method, Method::POST, "POST")?;
            no_query(path, query)?;
            Ok(Route::ResetStats)
        }
        _ => Err(Reject::NotFound),
    }
}

fn require(got: &Method, want: Method, name: &'static str) -> Result<(), Reject> {
    if *got == want {
        Ok(())
    } else {
        Err(Reject::MethodNotAllowed(name))
    }
}

fn bad(reason: String) -> Reject {
    Reject::BadRequest(reason)
}

/// Why a string is not a `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumError {
    Empty,
    NotDigits,
    Overflow,
}

/// ASCII decimal digits only: no sign, no whitespace, no overflow.
fn parse_u64(s: &str) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Empty);
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(NumError::NotDigits);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(NumError::Overflow)?;
    }
    Ok(n)
}

fn delay(s: &str) -> Result<u64, Reject> {
    let max = MAX_DELAY.as_millis();
    match parse_u64(s) {
        Ok(ms) if u128::from(ms) <= max => Ok(ms),
        Ok(_) | Err(NumError::Overflow) => {
            Err(bad(format!("delay {s} ms is over the {max} ms bound")))
        }
        Err(NumError::Empty) => Err(bad(
            "/delay/{ms} needs a delay in milliseconds, e.g. /delay/100".into(),
        )),
        Err(NumError::NotDigits) => Err(bad(format!(
            "delay {s:?} is not a whole number of milliseconds (digits only)"
        ))),
    }
}

fn status(s: &str) -> Result<StatusCode, Reject> {
    match parse_u64(s) {
        Ok(code @ 100..=199) => Err(bad(format!(
            "status {code} is informational (1xx) and cannot be a final answer; use 200..=599"
        ))),
        Ok(code @ 200..=599) => {
            // Cannot fail: 200..=599 are all valid status codes.
            StatusCode::from_u16(code as u16).map_err(|e| bad(e.to_string()))
        }
        Ok(_) | Err(NumError::Overflow) => Err(bad(format!("status {s} is outside 200..=599"))),
        Err(NumError::Empty) => Err(bad(
            "/status/{code} needs a status code, e.g. /status/503".into()
        )),
        Err(NumError::NotDigits) => Err(bad(format!(
            "status {s:?} is not a number (digits only, 200..=599)"
        ))),
    }
}

/// `id` and `bytes`, each optional (default 0), each at most once, nothing else.
fn delay_query(query: Option<&str>) -> Result<(u64, u64), Reject> {
    let (mut id, mut bytes) = (None, None);
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        if pair.is_empty() {
            return Err(bad("empty query parameter (a stray '&')".into()));
        }
        let Some((key, value)) = pair.split_once('=') else {
            return Err(bad(format!(
                "query parameter {pair:?} has no value (write {pair}=N)"
            )));
        };
        let (slot, parsed) = match key {
            "id" => (&mut id, id_value(value)?),
            "bytes" => (&mut bytes, bytes_value(value)?),
            _ => {
                return Err(bad(format!(
                    "unknown query parameter {key:?}; /delay takes id and bytes"
                )));
            }
        };
        if slot.replace(parsed).is_some() {
            return Err(bad(format!("query parameter {key:?} is given twice")));
        }
    }
    Ok((id.unwrap_or(0), bytes.unwrap_or(0)))
}

fn id_value(v: &str) -> Result<u64, Reject> {
    match parse_u64(v) {
        Ok(id) => Ok(id),
        Err(NumError::Overflow) => Err(bad(format!("id {v} does not fit in 64 bits"))),
        Err(NumError::Empty | NumError::NotDigits) => {
            Err(bad(format!("id {v:?} is not a whole number (digits only)")))
        }
    }
}

fn bytes_value(v: &str) -> Result<u64, Reject> {
    match parse_u64(v) {
        Ok(b) if b <= MAX_BYTES => Ok(b),
        Ok(_) | Err(NumError::Overflow) => Err(bad(format!(
            "bytes {v} is over the {MAX_BYTES} byte (64 MiB) bound"
        ))),
        Err(NumError::Empty | NumError::NotDigits) => Err(bad(format!(
            "bytes {v:?} is not a whole number (digits only)"
        ))),
    }
}

fn no_query(path: &str, query: Option<&str>) -> Result<(), Reject> {
    match query {
        None => Ok(()),
        Some(q) => Err(bad(format!("{path} takes no query parameters, got {q:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, query: Option<&str>) -> Result<Route, Reject> {
        parse(&Method::GET, path, query)
    }

    fn reason(r: Result<Route, Reject>) -> String {
        match r {
            Err(Reject::BadRequest(reason)) => reason,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn delay_with_and_without_query() {
        assert_eq!(
            get("/delay/100", Some("id=7&bytes=1024")),
            Ok(Route::Delay {
                ms: 100,
                id: 7,
                bytes: 1024
            })
        );
        assert_eq!(
            get("/delay/0", Some("bytes=5&id=1")),
            Ok(Route::Delay {
                ms: 0,
                id: 1,
                bytes: 5
            })
        );
        assert_eq!(
            get("/delay/60000", None),
            Ok(Route::Delay {
                ms: 60_000,
                id: 0,
                bytes: 0
            })
        );
        assert_eq!(
            get("/delay/3", Some("")),
            Ok(Route::Delay {
                ms: 3,
                id: 0,
                bytes: 0
            })
        );
        assert_eq!(
            get(
                "/delay/0",
                Some(&format!("id={}&bytes={MAX_BYTES}", u64::MAX))
            ),
            Ok(Route::Delay {
                ms: 0,
                id: u64::MAX,
                bytes: MAX_BYTES
            })
        );
    }

    #[test]
    fn malformed_and_out_of_bounds_delay_requests_have_reasons() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("/delay/abc", None, "not a whole number"),
            ("/delay/-1", None, "not a whole number"),
            ("/delay/+1", None, "not a whole number"),
            ("/delay/1.5", None, "not a whole number"),
            ("/delay/10/", None, "not a whole number"),
            ("/delay/", None, "needs a delay"),
            ("/delay", None, "needs a delay"),
            ("/delay/60001", None, "over the 60000 ms bound"),
            (
                "/delay/99999999",
                None,
                "delay 99999999 ms is over the 60000 ms bound",
            ),
            (
                "/delay/18446744073709551616",
                None,
                "over the 60000 ms bound",
            ),
            ("/delay/1", Some("bytes=67108865"), "over the 67108864 byte"),
            (
                "/delay/1",
                Some("bytes=999999999999"),
                "over the 67108864 byte",
            ),
            (
                "/delay/1",
                Some("bytes=18446744073709551616"),
                "over the 67108864 byte",
            ),
            (
                "/delay/1",
                Some("id=18446744073709551616"),
                "does not fit in 64 bits",
            ),
            ("/delay/1", Some("id=x"), "not a whole number"),
            ("/delay/1", Some("id="), "not a whole number"),
            ("/delay/1", Some("id"), "has no value"),
            ("/delay/1", Some("id=1&"), "stray '&'"),
            ("/delay/1", Some("id=1&id=2"), "given twice"),
            ("/delay/1", Some("bytes=1&bytes=1"), "given twice"),
            ("/delay/1", Some("ids=1"), "unknown query parameter \"ids\""),
        ];
        for &(path, query, want) in cases {
            let got = reason(get(path, query));
            assert!(
                got.contains(want),
                "{path}?{query:?}: {got:?} lacks {want:?}"
            );
            assert!(!got.contains('\n'), "{got:?} is not one line");
        }
    }

    #[test]
    fn status_codes() {
        assert_eq!(
            get("/status/503", None),
            Ok(Route::Status(StatusCode::SERVICE_UNAVAILABLE))
        );
        assert_eq!(get("/status/200", None), Ok(Route::Status(StatusCode::OK)));
        assert_eq!(
            get("/status/599", None),
            Ok(Route::Status(StatusCode::from_u16(599).unwrap()))
        );
        assert!(reason(get("/status/101", None)).contains("informational"));
        assert!(reason(get("/status/100", None)).contains("informational"));
        for bad in [
            "/status/99",
            "/status/600",
            "/status/0",
            "/status/99999999999999999999",
        ] {
            assert!(
                reason(get(bad, None)).contains("outside 200..=599"),
                "{bad}"
            );
        }
        assert!(reason(get("/status/abc", None)).contains("not a number"));
        assert!(reason(get("/status/", None)).contains("needs a status code"));
        assert!(reason(get("/status/200", Some("x=1"))).contains("no query"));
    }

    #[test]
    fn stats_routes_methods_and_unknown_paths() {
        assert_eq!(get("/stats", None), Ok(Route::Stats));
        assert_eq!(get("/stats", Some("")), Ok(Route::Stats));
        assert_eq!(
            parse(&Method::POST, "/stats/reset", None),
            Ok(Route::ResetStats)
        );
        assert_eq!(
            get("/stats/reset", None),
            Err(Reject::MethodNotAllowed("POST"))
        );
        assert_eq!(
            parse(&Method::POST, "/delay/1", None),
            Err(Reject::MethodNotAllowed("GET"))
        );
        assert_eq!(
            parse(&Method::HEAD, "/stats", None),
            Err(Reject::MethodNotAllowed("GET"))
        );
        for path in [
            "/",
            "/nope",
            "/delayed/1",
            "/stats/",
            "/stats/x",
            "//delay/1",
        ] {
            assert_eq!(get(path, None), Err(Reject::NotFound), "{path}");
        }
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(parse_u64("0"), Ok(0));
        assert_eq!(parse_u64("007"), Ok(7));
        assert_eq!(parse_u64("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_u64("18446744073709551616"), Err(NumError::Overflow));
        assert_eq!(parse_u64(""), Err(NumError::Empty));
        for s in ["-1", "+1", " 1", "1 ", "0x10", "1e3", "١"] {
            assert_eq!(parse_u64(s), Err(NumError::NotDigits), "{s:?}");
        }
    }
}
