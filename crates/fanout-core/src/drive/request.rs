//! One request, from the plan to its [`Sample`]: the [`Request`] a row's
//! fetch gets (URL built by core), the verification of what it fetched
//! ([`to_sample`]), and the timing and collecting every driver shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::body::{self, BodyError};
use crate::heartbeat::Heartbeat;
use crate::plan::{Format, Plan};
use crate::sample::{Body, ErrorKind, FetchError, Fetched, Outcome, Sample};
use crate::target::Target;

/// One request, as the driver hands it to a row's fetch: everything the
/// client needs, so the row copies no plan fields. Cloning is cheap (the
/// URL is shared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Index of the request in the plan.
    pub id: u64,
    /// The whole URL, built by core ([`Plan::url`]).
    pub url: Arc<str>,
    /// Off: send `Connection: close` (HTTP/1.1).
    pub keep_alive: bool,
    /// Read the body as bytes, or decode it as the JSON document.
    pub format: Format,
    /// The plan's per-request timeout. The async drivers enforce it
    /// themselves; blocking rows hand it to their client.
    pub timeout: Duration,
}

impl Request {
    /// Whether the body is to be decoded as the JSON document (a 200
    /// answer to a JSON plan; any other answer is read as bytes).
    pub fn decode_json(&self, status: u16) -> bool {
        self.format == Format::Json && status == 200
    }
}

/// The N requests of `plan` on `target`, built before the timed part.
pub fn requests(plan: &Plan, target: &Target) -> Vec<Request> {
    (0..plan.requests)
        .map(|id| Request {
            id,
            url: Arc::from(plan.url(target, id)),
            keep_alive: plan.keep_alive,
            format: plan.format,
            timeout: plan.timeout,
        })
        .collect()
}

/// Turns what a fetch produced into a [`Sample`], verifying the body: a
/// status other than 200 is a `status` error, a byte body is checked byte
/// for byte ([`body::verify`]), a decoded document field by field
/// ([`crate::Document::verify`]).
pub fn to_sample(
    plan: &Plan,
    id: u64,
    start: Duration,
    latency: Duration,
    fetched: Fetched,
) -> Sample {
    let mut s = Sample {
        id,
        start,
        latency,
        status: None,
        error: None,
        bytes: 0,
        verified: false,
    };
    match fetched {
        Err(e) => {
            if e.kind == ErrorKind::Other {
                note_unclassified(&e);
            }
            s.error = Some(e.kind);
        }
        Ok(resp) => {
            s.status = Some(resp.status);
            if let Body::Bytes(b) = &resp.body {
                s.bytes = b.len() as u64;
            }
            s.error = if resp.status != 200 {
                Some(ErrorKind::Status)
            } else {
                verify(plan, id, &resp.body).err()
            };
            s.verified = s.error.is_none();
        }
    }
    s
}

/// Checks a 200 answer's body against the plan's format and rule.
fn verify(plan: &Plan, id: u64, body: &Body) -> Result<(), ErrorKind> {
    match (plan.format, body) {
        (Format::Bytes, Body::Bytes(b)) => match body::verify(id, plan.bytes, b) {
            Ok(()) => Ok(()),
            Err(BodyError::Length { got, expected }) if got < expected => Err(ErrorKind::Truncated),
            Err(_) => Err(ErrorKind::BodyMismatch),
        },
        (Format::Json, Body::Json(doc)) => doc
            .verify(id, plan.bytes)
            .map_err(|_| ErrorKind::BodyMismatch),
        // A JSON plan whose body the row did not decode: not a verified document.
        (Format::Json, Body::Bytes(_)) => Err(ErrorKind::Decode),
        (Format::Bytes, Body::Json(_)) => Err(ErrorKind::BodyMismatch),
    }
}

/// Prints the first unclassified error of this process to stderr, so an
/// `other` in the report can be traced to a message.
fn note_unclassified(e: &FetchError) {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        eprintln!(
            "note: a request failed with an error the row does not classify (counted as `other`; said once): {e}"
        );
    }
}

/// A sample for a request that never ran because the row could not start
/// it (e.g. the OS refused a thread): counted, never dropped.
pub(super) fn not_started(id: u64, start: Duration) -> Sample {
    Sample {
        id,
        start,
        latency: Duration::ZERO,
        status: None,
        error: Some(ErrorKind::Other),
        bytes: 0,
        verified: false,
    }
}

/// Runs one blocking fetch, timed from its start: the clock starts here,
/// when the request's turn has come.
pub(super) fn timed<F: Fn(&Request) -> Fetched>(
    plan: &Plan,
    t0: Instant,
    req: &Request,
    fetch: &F,
) -> Sample {
    let started = Instant::now();
    let fetched = fetch(req);
    to_sample(plan, req.id, started - t0, started.elapsed(), fetched)
}

/// The fan-out's [`Outcome`]: its wall time since `t0`, the heartbeat
/// stopped, the samples in plan order.
pub(super) fn finish(mut samples: Vec<Sample>, t0: Instant, hb: &Heartbeat) -> Outcome {
    let wall = t0.elapsed();
    let heartbeat = hb.finish();
    samples.sort_unstable_by_key(|s| s.id);
    Outcome {
        samples,
        wall,
        heartbeat,
    }
}
