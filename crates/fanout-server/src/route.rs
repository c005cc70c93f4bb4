//! Routing: a request's method, path and query become a [`Route`], or a
//! [`Reject`] with a one-line reason.
//!
//! A `/delay` request is read by core's URL scheme
//! ([`fanout_core::url`], [`DelayRequest::parse`]): the keys, their bounds
//! and their reasons are defined there, once, beside the code that writes
//! them. Parsing works on the `&str`s of the request URI and allocates
//! nothing on success; only a rejection formats its reason. Numbers are
//! digits only and checked against the bounds in [`fanout_core::plan`], so
//! a malformed or out-of-bounds request is a 4xx, never a panic and never a
//! silently clamped value.

use fanout_core::DelayRequest;
use fanout_core::url::{NumberError, whole_number};
use http::{Method, StatusCode};

/// The routes, one line each, for 404 and 405 answers.
pub(crate) const ROUTES: &str = "GET /delay/{ms}?id=N&bytes=B[&format=json] (and fault keys), \
     GET /status/{code}, GET /stats, POST /stats/reset";

/// A request the server will answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /delay/{ms}?id=N&bytes=B[&format=json][&seed=S&error=‰…&stall_ms=T]`:
    /// wait `ms`, then the body of `(id, bytes)` in `format` — unless
    /// `faults` decides otherwise for `id`.
    Delay(DelayRequest),
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
        return DelayRequest::parse(ms, query)
            .map(Route::Delay)
            .map_err(|e| bad(e.into_reason()));
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

fn status(s: &str) -> Result<StatusCode, Reject> {
    match whole_number(s) {
        Ok(code @ 100..=199) => Err(bad(format!(
            "status {code} is informational (1xx) and cannot be a final answer; use 200..=599"
        ))),
        Ok(code @ 200..=599) => {
            // Cannot fail: 200..=599 are all valid status codes.
            StatusCode::from_u16(code as u16).map_err(|e| bad(e.to_string()))
        }
        Ok(_) | Err(NumberError::Overflow) => Err(bad(format!("status {s} is outside 200..=599"))),
        Err(NumberError::Empty) => Err(bad(
            "/status/{code} needs a status code, e.g. /status/503".into()
        )),
        Err(NumberError::NotDigits) => Err(bad(format!(
            "status {s:?} is not a number (digits only, 200..=599)"
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
    use fanout_core::plan::{MAX_BYTES, MAX_JSON_BYTES};
    use fanout_core::{Faults, Format};

    use super::*;

    fn get(path: &str, query: Option<&str>) -> Result<Route, Reject> {
        parse(&Method::GET, path, query)
    }

    /// A `/delay` route of bytes without faults.
    fn plain(ms: u64, id: u64, bytes: u64) -> Route {
        Route::Delay(DelayRequest {
            ms,
            id,
            bytes,
            format: Format::Bytes,
            faults: Faults::default(),
            stall_ms: None,
        })
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
            Ok(plain(100, 7, 1024))
        );
        assert_eq!(get("/delay/0", Some("bytes=5&id=1")), Ok(plain(0, 1, 5)));
        assert_eq!(get("/delay/60000", None), Ok(plain(60_000, 0, 0)));
        assert_eq!(get("/delay/3", Some("")), Ok(plain(3, 0, 0)));
        assert_eq!(
            get(
                "/delay/0",
                Some(&format!("id={}&bytes={MAX_BYTES}", u64::MAX))
            ),
            Ok(plain(0, u64::MAX, MAX_BYTES))
        );
    }

    #[test]
    fn formats() {
        let json = |ms, id, bytes| {
            Route::Delay(DelayRequest {
                ms,
                id,
                bytes,
                format: Format::Json,
                faults: Faults::default(),
                stall_ms: None,
            })
        };
        assert_eq!(
            get("/delay/5", Some("id=1&bytes=2048&format=json")),
            Ok(json(5, 1, 2048))
        );
        assert_eq!(get("/delay/0", Some("format=json")), Ok(json(0, 0, 0)));
        assert_eq!(
            get(
                "/delay/0",
                Some(&format!("format=json&bytes={MAX_JSON_BYTES}"))
            ),
            Ok(json(0, 0, MAX_JSON_BYTES))
        );
        assert_eq!(
            get("/delay/0", Some("format=bytes&bytes=3")),
            Ok(plain(0, 0, 3))
        );
        for (query, want) in [
            ("format=xml", "format \"xml\" is not bytes or json"),
            ("format=JSON", "is not bytes or json"),
            ("format=", "format \"\" is not bytes or json"),
            ("format=json&format=json", "given twice"),
            (
                "format=json&bytes=4194305",
                "bytes 4194305 is over the 4194304 byte (4 MiB) bound of a JSON document",
            ),
        ] {
            let got = reason(get("/delay/0", Some(query)));
            assert!(got.contains(want), "{query}: {got:?} lacks {want:?}");
        }
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
    fn fault_keys() {
        let faulty = |ms, id, bytes, faults, stall_ms| {
            Ok(Route::Delay(DelayRequest {
                ms,
                id,
                bytes,
                format: Format::Bytes,
                faults,
                stall_ms,
            }))
        };
        assert_eq!(
            get(
                "/delay/5",
                Some(
                    "id=3&bytes=10&seed=42&error=100&reset=50&stall=20&truncate=30&slow=700&corrupt=100&stall_ms=31000"
                )
            ),
            faulty(
                5,
                3,
                10,
                Faults {
                    seed: 42,
                    error: 100,
                    reset: 50,
                    stall: 20,
                    truncate: 30,
                    slow: 700,
                    corrupt: 100,
                },
                Some(31_000)
            )
        );
        // Any order; absent rates are 0; stall_ms absent.
        assert_eq!(
            get("/delay/0", Some("slow=1000&seed=7")),
            faulty(
                0,
                0,
                0,
                Faults {
                    seed: 7,
                    slow: 1000,
                    ..Faults::default()
                },
                None
            )
        );
        // A seed or a stall time without rates is no fault at all.
        assert_eq!(
            get("/delay/1", Some("seed=9&stall_ms=5&error=0")),
            faulty(1, 0, 0, Faults::default(), Some(5))
        );
    }

    #[test]
    fn malformed_fault_keys_have_reasons() {
        let cases: &[(&str, &str)] = &[
            ("error=1001", "error rate 1001‰ is over 1000‰"),
            ("slow=65536", "slow rate 65536‰ is over 1000‰"),
            ("reset=99999999999999999999", "over 1000‰"),
            ("stall=-1", "not a whole number of ‰"),
            ("truncate=", "not a whole number of ‰"),
            ("error=600&reset=401", "add up to 1001‰"),
            ("corrupt=600&slow=401", "add up to 1001‰"),
            ("corrupt=1001", "corrupt rate 1001‰ is over 1000‰"),
            ("corrupt=1&corrupt=1", "given twice"),
            (
                "error=1000&reset=1000&stall=1000&truncate=1000&slow=1000",
                "add up to 5000‰",
            ),
            (
                "seed=18446744073709551616",
                "seed 18446744073709551616 does not fit",
            ),
            ("seed=x", "seed \"x\" is not a whole number"),
            (
                "stall_ms=60001",
                "stall_ms 60001 is over the 60000 ms bound",
            ),
            ("stall_ms=1e3", "not a whole number of milliseconds"),
            ("seed=1&seed=1", "given twice"),
            ("error=1&error=1", "given twice"),
            ("stall_ms=1&stall_ms=1", "given twice"),
            (
                "Error=1",
                "unknown query parameter \"Error\"; /delay takes id, bytes, format, seed",
            ),
            ("stallms=1", "unknown query parameter"),
        ];
        for &(query, want) in cases {
            let got = reason(get("/delay/1", Some(query)));
            assert!(got.contains(want), "{query}: {got:?} lacks {want:?}");
            assert!(!got.contains('\n'), "{got:?} is not one line");
        }
    }

    mod props {
        use std::time::Duration;

        use fanout_core::{Plan, Target};
        use proptest::prelude::*;

        use super::*;

        /// Fault rates summing to at most 1000, often all zero.
        fn faults() -> impl Strategy<Value = Faults> {
            prop_oneof![
                1 => any::<u64>().prop_map(|seed| Faults { seed, ..Faults::default() }),
                3 => (any::<u64>(), proptest::collection::vec(0u16..=1000, 6)).prop_map(
                    |(seed, mut r)| {
                        // Scale down until the sum fits.
                        while r.iter().map(|&x| u32::from(x)).sum::<u32>() > 1000 {
                            for x in &mut r {
                                *x /= 2;
                            }
                        }
                        Faults {
                            seed,
                            error: r[0],
                            reset: r[1],
                            stall: r[2],
                            truncate: r[3],
                            slow: r[4],
                            corrupt: r[5],
                        }
                    }
                ),
            ]
        }

        fn split(url: &str) -> (String, Option<String>) {
            let uri: http::Uri = url.parse().expect("the plan's URL is a URI");
            (uri.path().to_owned(), uri.query().map(str::to_owned))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_path_and_query_is_answered_without_panicking(
                path in "\\PC*",
                query in proptest::option::of("\\PC*"),
                method in prop_oneof![Just(Method::GET), Just(Method::POST), Just(Method::HEAD)],
            ) {
                let _ = parse(&method, &path, query.as_deref());
            }

            #[test]
            fn delay_like_requests_are_answered_without_panicking(
                ms in "[0-9a-z+-]{0,25}",
                pairs in proptest::collection::vec(
                    (
                        prop_oneof![
                            Just("id"), Just("bytes"), Just("seed"), Just("error"), Just("reset"),
                            Just("stall"), Just("truncate"), Just("slow"), Just("corrupt"),
                            Just("stall_ms"), Just("format"), Just("x"),
                        ],
                        prop_oneof!["[0-9]{0,22}", "\\PC{0,6}", Just("json".to_owned())],
                    ),
                    0..8,
                ),
            ) {
                let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let query = query.join("&");
                match get(&format!("/delay/{ms}"), Some(&query)) {
                    Ok(Route::Delay(d)) => {
                        let DelayRequest { ms: got, bytes, format, faults, .. } = d;
                        prop_assert!(got <= 60_000 && d.stall() <= 60_000);
                        prop_assert!(format == Format::Bytes || bytes <= MAX_JSON_BYTES);
                        prop_assert!(faults.validate().is_ok());
                    }
                    Err(Reject::BadRequest(reason)) => prop_assert!(!reason.contains('\n')),
                    other => prop_assert!(false, "unexpected {other:?}"),
                }
            }

            #[test]
            fn the_plans_urls_parse_back_to_its_values(
                ms in 0u64..=60_000,
                id in any::<u64>(),
                bytes in 0..=MAX_BYTES,
                json in any::<bool>(),
                tls in any::<bool>(),
                faults in faults(),
                timeout_ms in 1u64..=120_000,
            ) {
                let target = Target::parse("127.0.0.1:9").unwrap();
                let format = if json { Format::Json } else { Format::Bytes };
                let bytes = if json { bytes % (MAX_JSON_BYTES + 1) } else { bytes };
                let mut plan = Plan::new(1, Duration::from_millis(ms));
                plan.bytes = bytes;
                plan.format = format;
                plan.tls = tls;
                plan.faults = faults;
                plan.timeout = Duration::from_millis(timeout_ms);
                prop_assert_eq!(plan.validate(), Ok(()));
                let (path, query) = split(&plan.url(&target, id));
                let want_faults = if faults.is_none() { Faults::default() } else { faults };
                let want_stall = (faults.stall > 0).then(|| (timeout_ms + 1000).min(60_000));
                prop_assert_eq!(
                    get(&path, query.as_deref()),
                    Ok(Route::Delay(DelayRequest { ms, id, bytes, format, faults: want_faults, stall_ms: want_stall }))
                );
                // And the handler's decision is the plan's.
                if let Ok(Route::Delay(parsed)) = get(&path, query.as_deref()) {
                    prop_assert_eq!(parsed.faults.decide(id), faults.decide(id));
                }
            }
        }
    }
}
