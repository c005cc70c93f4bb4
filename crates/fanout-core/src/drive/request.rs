//! One request, from the plan to its [`Sample`]: the [`Request`] a row's
//! fetch gets (URL built by core, and how to read the body: [`BodyAs`]),
//! the verification of what it fetched ([`Expect`], [`to_sample`]), and the
//! timing and collecting every driver shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::body::{self, BodyError};
use crate::heartbeat::Heartbeat;
use crate::plan::{Format, Plan};
use crate::sample::{Body, ErrorKind, FetchError, Fetched, Outcome, Sample};
use crate::target::{Echo, Target};

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
    /// The target is a foreign server: a JSON body is any JSON value, and
    /// any 2xx is a success.
    pub foreign: bool,
}

/// How a row reads a response's body, decided by core
/// ([`Request::body_as`]) so that every row reads the same answers the
/// same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyAs {
    /// Read whole as bytes ([`crate::Response::bytes`]): byte plans, and
    /// any answer that is not a success.
    Bytes,
    /// Decoded with the client's own JSON API into the project's
    /// [`crate::Document`] ([`crate::Response::json`]): a 200 answer of the
    /// project's own server to a JSON plan.
    Document,
    /// Decoded with the client's own JSON API into any JSON value,
    /// `serde_json::Value` ([`crate::Response::value`]): a 2xx answer of a
    /// foreign server to a JSON plan — a body of unknown shape, decoded
    /// whole, as a program without a type for it would.
    Value,
}

impl Request {
    /// How to read the body of an answer with this status.
    pub fn body_as(&self, status: u16) -> BodyAs {
        match self.format {
            Format::Json if !self.foreign && status == 200 => BodyAs::Document,
            Format::Json if self.foreign && (200..300).contains(&status) => BodyAs::Value,
            _ => BodyAs::Bytes,
        }
    }
}

/// The N requests of `plan` on `target`, built before the timed part.
pub fn requests(plan: &Plan, target: &Target) -> Vec<Request> {
    let foreign = target.foreign.is_some();
    (0..plan.requests)
        .map(|id| Request {
            id,
            url: Arc::from(plan.url(target, id)),
            keep_alive: plan.keep_alive,
            format: plan.format,
            timeout: plan.timeout,
            foreign,
        })
        .collect()
}

/// What a fan-out's answers must be, built once before the timed part: on
/// the project's own server a 200 with the body or document of core's rule;
/// on a foreign server a 2xx, a JSON plan's body decoded, and what the
/// server [`Echo`]es.
#[derive(Debug, Clone)]
pub struct Expect {
    format: Format,
    bytes: u64,
    /// `None`: the project's own server.
    foreign: Option<Foreign>,
}

/// What is checked of a foreign server's answers.
#[derive(Debug, Clone)]
struct Foreign {
    /// httpbin's `args`: the template's query, form-decoded, each key with
    /// its values in order (`{i}` still in them); `None`: no echo.
    args: Option<Vec<(String, Vec<String>)>>,
}

impl Expect {
    /// What `plan`'s answers on `target` must be.
    pub fn new(plan: &Plan, target: &Target) -> Expect {
        let foreign = target.foreign.as_ref().map(|f| Foreign {
            args: (f.echo == Echo::Args).then(|| query_args(&f.url)),
        });
        Expect {
            format: plan.format,
            bytes: plan.bytes,
            foreign,
        }
    }
}

/// A template's query as httpbin echoes it in `args` (form-decoded, a key
/// given twice keeps both values, in order).
fn query_args(template: &str) -> Vec<(String, Vec<String>)> {
    let query = template.split_once('?').map_or("", |(_, q)| q);
    let mut args: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match args.iter_mut().find(|(key, _)| *key == k) {
            Some((_, values)) => values.push(v.into_owned()),
            None => args.push((k.into_owned(), vec![v.into_owned()])),
        }
    }
    args
}

/// Whether `v` is httpbin's echo of request `id`'s query: its `args` object
/// has exactly the template's keys, each with its value (a string) or its
/// values (a list of strings), `{i}` replaced by `id`.
fn echoes(v: &Value, args: &[(String, Vec<String>)], id: u64) -> bool {
    let Some(got) = v.get("args").and_then(Value::as_object) else {
        return false;
    };
    let i = id.to_string();
    let is = |got: &Value, want: &str| got.as_str() == Some(&want.replace("{i}", &i));
    got.len() == args.len()
        && args.iter().all(|(k, want)| {
            let key = k.replace("{i}", &i);
            match (got.get(&key), want.as_slice()) {
                (Some(g), [one]) => is(g, one),
                (Some(Value::Array(g)), many) => {
                    g.len() == many.len() && g.iter().zip(many).all(|(g, w)| is(g, w))
                }
                _ => false,
            }
        })
}

/// Turns what a fetch produced into a [`Sample`], verifying the body. On
/// the project's own server a status other than 200 is a `status` error, a
/// byte body is checked byte for byte ([`body::verify`]), a decoded
/// document field by field ([`crate::Document::verify`]). On a foreign
/// server a status outside 2xx is a `status` error, a JSON plan's body must
/// have been decoded (else `decode`), and an echo is checked (else
/// `body-mismatch`); with no echo the content is not verified
/// (`verified` false, yet a success).
pub fn to_sample(
    expect: &Expect,
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
            match &expect.foreign {
                None => {
                    s.error = if resp.status != 200 {
                        Some(ErrorKind::Status)
                    } else {
                        verify(expect, id, &resp.body).err()
                    };
                    s.verified = s.error.is_none();
                }
                Some(foreign) => {
                    let checked = if (200..300).contains(&resp.status) {
                        check_foreign(expect.format, foreign, id, &resp.body)
                    } else {
                        Err(ErrorKind::Status)
                    };
                    s.error = checked.err();
                    s.verified = matches!(checked, Ok(true));
                }
            }
        }
    }
    s
}

/// Checks a 200 answer's body against the plan's format and rule.
fn verify(expect: &Expect, id: u64, body: &Body) -> Result<(), ErrorKind> {
    match (expect.format, body) {
        (Format::Bytes, Body::Bytes(b)) => match body::verify(id, expect.bytes, b) {
            Ok(()) => Ok(()),
            Err(BodyError::Length { got, expected }) if got < expected => Err(ErrorKind::Truncated),
            Err(_) => Err(ErrorKind::BodyMismatch),
        },
        (Format::Json, Body::Json(doc)) => doc
            .verify(id, expect.bytes)
            .map_err(|_| ErrorKind::BodyMismatch),
        // A JSON plan whose body the row did not decode: not a verified document.
        (Format::Json, Body::Bytes(_)) => Err(ErrorKind::Decode),
        // Decoded into something that is not the document: not verified
        // field by field (and a byte plan's body is never decoded).
        (_, Body::Value(_)) | (Format::Bytes, Body::Json(_)) => Err(ErrorKind::BodyMismatch),
    }
}

/// Checks a foreign server's 2xx answer: a JSON plan's body decoded into a
/// JSON value, and the echo when there is one. `Ok(true)`: the content was
/// verified too (an echo matched); `Ok(false)`: nothing to verify it by.
fn check_foreign(format: Format, f: &Foreign, id: u64, body: &Body) -> Result<bool, ErrorKind> {
    match (format, body) {
        (Format::Json, Body::Value(v)) => match &f.args {
            Some(args) if echoes(v, args, id) => Ok(true),
            Some(_) => Err(ErrorKind::BodyMismatch),
            None => Ok(false),
        },
        (Format::Bytes, Body::Bytes(_)) => Ok(false),
        // Not decoded, though the plan is JSON: the row read it as bytes.
        (Format::Json, Body::Bytes(_)) => Err(ErrorKind::Decode),
        // Decoded as the project's document, which a foreign server does
        // not send (or decoded at all on a byte plan).
        (_, Body::Json(_)) | (Format::Bytes, Body::Value(_)) => Err(ErrorKind::BodyMismatch),
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
    expect: &Expect,
    t0: Instant,
    req: &Request,
    fetch: &F,
) -> Sample {
    let started = Instant::now();
    let fetched = fetch(req);
    to_sample(expect, req.id, started - t0, started.elapsed(), fetched)
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
