//! HTTP/2 at the server's stream cap, the way a user can fix it today.
//!
//! reqwest and hyper-util's legacy `Client` put every request to one host
//! on one HTTP/2 connection, and queue the requests beyond the server's
//! `SETTINGS_MAX_CONCURRENT_STREAMS` until a stream frees (hyper#2197: RFC
//! 9113 §9.1 says a client SHOULD NOT open more than one connection to a
//! host; reqwest#976 and reqwest#3012 are the open requests for more).
//! Neither client opens a second connection, nor exposes the cap it
//! received (hyper#3623), so its users keep several clients and spread the
//! requests over them: each client's pool holds its own HTTP/2 connection.
//!
//! The tuned rows do exactly that: ⌈bound ÷ [`STREAM_CAP`]⌉ clients for a
//! plan that may be HTTP/2, request `i` on client `i mod k`, all built
//! before the clock starts and kept for the session, as a program would.

use fanout_core::{Plan, Protocol};

/// The streams one HTTP/2 connection is assumed to carry at once: RFC
/// 9113 §6.5.2 recommends that `SETTINGS_MAX_CONCURRENT_STREAMS` be no
/// smaller than 100, and 100 is the target server's default
/// (`--h2-max-streams`). An assumption, stated: neither reqwest nor
/// hyper-util lets a user read the value the server sent.
pub const STREAM_CAP: u64 = 100;

/// What the h2-pool rows change, for `fanout list` and the report.
pub const TUNED: &str = "an HTTP/2 fan-out spread round-robin over ⌈bound ÷ 100⌉ clients, \
     one HTTP/2 connection each (100 = RFC 9113's recommended least \
     SETTINGS_MAX_CONCURRENT_STREAMS, assumed: the client does not expose it) \
     (default: one client, every request on one connection)";

/// How many clients a fan-out of `plan` is spread over: ⌈bound ÷
/// [`STREAM_CAP`]⌉ when the plan may be HTTP/2 (asked for, or the client's
/// default over TLS, where ALPN may pick it); one otherwise, as HTTP/1.1
/// opens a connection per request in flight anyway.
pub fn clients(plan: &Plan) -> usize {
    let may_be_h2 = match plan.protocol {
        Protocol::Http2 => true,
        Protocol::Auto => plan.tls,
        Protocol::Http1 => false,
    };
    if !may_be_h2 {
        return 1;
    }
    plan.max_in_flight().div_ceil(STREAM_CAP).max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_names_the_cap_it_assumes() {
        assert!(
            TUNED.contains(&format!("⌈bound ÷ {STREAM_CAP}⌉")),
            "{TUNED}"
        );
        assert!(TUNED.contains(&format!("({STREAM_CAP} = ")), "{TUNED}");
    }
    use std::time::Duration;

    fn plan(protocol: Protocol, tls: bool, n: u64, bound: Option<u64>) -> Plan {
        Plan {
            protocol,
            tls,
            concurrency: bound,
            ..Plan::new(n, Duration::ZERO)
        }
    }

    #[test]
    fn one_client_per_hundred_streams_in_flight_when_the_plan_may_be_http2() {
        assert_eq!(clients(&plan(Protocol::Http2, true, 1_000, None)), 10);
        assert_eq!(clients(&plan(Protocol::Http2, false, 1_000, Some(150))), 2);
        assert_eq!(clients(&plan(Protocol::Http2, true, 100, None)), 1);
        assert_eq!(clients(&plan(Protocol::Http2, true, 101, None)), 2);
        assert_eq!(clients(&plan(Protocol::Auto, true, 1_000, Some(100))), 1);
        assert_eq!(clients(&plan(Protocol::Auto, true, 1_000, None)), 10);
        assert_eq!(clients(&plan(Protocol::Http1, true, 1_000, None)), 1);
        assert_eq!(clients(&plan(Protocol::Auto, false, 10_000, None)), 1);
    }
}
