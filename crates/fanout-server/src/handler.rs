//! Answering one request, on either HTTP version: route it, count it, wait,
//! and apply the fault [`fanout_core::Faults::decide`] picks for it.
//!
//! The fault is the same on both versions; how it ends differs where HTTP/2
//! has streams:
//!
//! | fault | HTTP/1.1 | HTTP/2 |
//! |---|---|---|
//! | `error` | 503, empty body | 503, empty body |
//! | `reset` | no response; the connection is reset (TCP RST) | no response header; the stream is reset (`RST_STREAM`, `INTERNAL_ERROR`); the connection lives on |
//! | `truncate` | head with the whole `Content-Length`, half the body, then the connection closes (FIN) | headers with the whole `content-length`, half the body, then `RST_STREAM` (`INTERNAL_ERROR`) |
//! | `stall`, `slow`, `corrupt` | as without faults, late / trickled / first byte `!` | the same |

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use fanout_core::{DelayRequest, Fault};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::body::{CutEnd, Payload, ResponseBody};
use crate::conn::state::{Conn, OpenRequest};
use crate::response::{self, Reply};
use crate::route::{self, Reject, Route};
use crate::stats::Proto;

/// The error a handler fails with to have its request reset: on HTTP/1.1
/// hyper closes the connection without writing a response (an RST, see
/// [`crate::conn::io`]); on HTTP/2 it resets the stream.
#[derive(Debug)]
pub(crate) struct InjectedReset;

impl fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("injected fault: reset")
    }
}

impl std::error::Error for InjectedReset {}

/// Answers one request of `proto` on `conn`. The request is open (for
/// `max_streams` and `reset_streams`) until the returned body is dropped.
pub(crate) async fn handle(
    req: Request<Incoming>,
    conn: Arc<Conn>,
    proto: Proto,
) -> Result<Response<Reply>, InjectedReset> {
    let open = OpenRequest::new(conn.clone(), proto);
    // An error, or this future dropped before it ends (the client reset the
    // stream or went away, the server stopped), drops `open` un-ended.
    let res = answer(req, &conn, proto).await?;
    Ok(res.map(|body| Reply::new(body, open)))
}

async fn answer(
    req: Request<Incoming>,
    conn: &Arc<Conn>,
    proto: Proto,
) -> Result<Response<ResponseBody>, InjectedReset> {
    let counters = &conn.shared.counters;
    // The request body, if any, is not read.
    let (parts, _) = req.into_parts();
    let (method, path) = (&parts.method, parts.uri.path());
    Ok(match route::parse(method, path, parts.uri.query()) {
        Ok(Route::Delay(delay)) => {
            let DelayRequest {
                ms,
                id,
                bytes,
                format,
                faults,
                ..
            } = delay;
            let _in_flight = counters.enter(proto);
            // No fault keys: `None` at once, without hashing.
            let fault = faults.decide(id);
            if let Some(fault) = fault {
                counters.injected(fault);
            }
            // A stall waits `stall_ms` instead of `ms`; every other fault
            // strikes after the usual delay.
            let wait = if fault == Some(Fault::Stall) {
                delay.stall()
            } else {
                ms
            };
            if wait > 0 {
                let _sleeping = conn.sleeping();
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            match fault {
                Some(Fault::Error) => return Ok(response::status(StatusCode::SERVICE_UNAVAILABLE)),
                Some(Fault::Reset) => {
                    if proto == Proto::Http1 {
                        conn.reset();
                    }
                    return Err(InjectedReset);
                }
                _ => {}
            }
            let payload = match Payload::new(id, bytes, format, fault == Some(Fault::Corrupt)) {
                Ok(payload) => payload,
                Err(e) => return Ok(response::internal_error(&e)),
            };
            match fault {
                Some(Fault::Truncate) => response::truncated(
                    payload,
                    match proto {
                        Proto::Http1 => CutEnd::Connection(conn.clone()),
                        Proto::Http2 => CutEnd::stream(),
                    },
                ),
                Some(Fault::Slow) => response::slow(payload),
                // No fault, a stall (now over), a corruption (in the
                // payload), or a kind added to fanout-core after this server.
                _ => response::whole(payload),
            }
        }
        Ok(Route::Status(code)) => {
            let _in_flight = counters.enter(proto);
            response::status(code)
        }
        Ok(Route::Stats) => {
            // Taken before this request counts itself as in flight.
            let stats = conn.shared.stats();
            let _in_flight = counters.enter(proto);
            response::stats(&stats)
        }
        Ok(Route::ResetStats) if !conn.shared.allow_reset => {
            let _in_flight = counters.enter(proto);
            response::forbidden(
                "resetting the counters is off; start the server with --allow-reset to allow it",
            )
        }
        Ok(Route::ResetStats) => {
            // This request ends before the reset, which so leaves no trace of it.
            drop(counters.enter(proto));
            counters.reset();
            response::status(StatusCode::NO_CONTENT)
        }
        Err(reject) => {
            let _in_flight = counters.enter(proto);
            match reject {
                Reject::BadRequest(reason) => {
                    counters.bad_request();
                    response::bad_request(&reason)
                }
                Reject::NotFound => response::not_found(path),
                Reject::MethodNotAllowed(allow) => {
                    response::method_not_allowed(method, path, allow)
                }
            }
        }
    })
}
