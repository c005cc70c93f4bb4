//! [`Sample`] (one per request), [`ErrorKind`], and [`Outcome`] (one fan-out).

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::heartbeat::HeartbeatReport;

/// Why a request failed. Shared by every row, so the report can count failures
/// by kind across rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed: the certificate did not verify, or the
    /// handshake broke off.
    Tls,
    /// The request did not finish within the plan's timeout.
    Timeout,
    /// The peer reset or closed the connection before a response.
    Reset,
    /// The server answered with a status other than 200.
    Status,
    /// The response body ended before its announced length.
    Truncated,
    /// The response was not valid HTTP/1.1.
    Protocol,
    /// The body arrived whole but is not the body the plan expects.
    BodyMismatch,
    /// The body arrived whole but is not a JSON document of the expected shape.
    Decode,
    /// Anything the row could not classify (core prints the first such
    /// error's message to stderr once per process).
    Other,
}

impl ErrorKind {
    /// Every kind, in report order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Timeout,
        ErrorKind::Reset,
        ErrorKind::Status,
        ErrorKind::Truncated,
        ErrorKind::Protocol,
        ErrorKind::BodyMismatch,
        ErrorKind::Decode,
        ErrorKind::Other,
    ];

    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Status => "status",
            ErrorKind::Truncated => "truncated",
            ErrorKind::Protocol => "protocol",
            ErrorKind::BodyMismatch => "body-mismatch",
            ErrorKind::Decode => "decode",
            ErrorKind::Other => "other",
        }
    }

    /// The kind of an error that happened before the response head arrived:
    /// the connection ending early there is a `reset` (nothing was received),
    /// whatever the client calls it.
    pub fn in_head(self) -> ErrorKind {
        match self {
            ErrorKind::Truncated => ErrorKind::Reset,
            k => k,
        }
    }

    /// The kind of an error that happened while reading the body after a
    /// response head: the connection ending early there is a `truncated` body.
    pub fn in_body(self) -> ErrorKind {
        match self {
            ErrorKind::Reset => ErrorKind::Truncated,
            k => k,
        }
    }

    /// Classifies an I/O error by its kind.
    pub fn from_io(e: &io::Error) -> ErrorKind {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused
            | K::AddrNotAvailable
            | K::HostUnreachable
            | K::NetworkUnreachable => ErrorKind::Connect,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::NotConnected => {
                ErrorKind::Reset
            }
            K::TimedOut | K::WouldBlock => ErrorKind::Timeout,
            K::UnexpectedEof => ErrorKind::Truncated,
            K::InvalidData => ErrorKind::Protocol,
            _ => ErrorKind::Other,
        }
    }

    /// Classifies any error by walking its `source()` chain for an
    /// [`io::Error`] (the usual root of a client error); `None` when the chain
    /// holds none, so the row can apply what its client's error type says.
    ///
    /// A TLS error anywhere in the chain decides first (with feature
    /// `rustls`, a `rustls::Error`, which rustls hands over inside an
    /// `io::Error` of kind `InvalidData`), then a JSON error (a
    /// `serde_json::Error` that is not I/O is a `decode` error), then I/O.
    pub fn from_chain(e: &(dyn StdError + 'static)) -> Option<ErrorKind> {
        let mut io_kind = None;
        for err in chain(e) {
            #[cfg(feature = "rustls")]
            if err.is::<rustls::Error>() {
                return Some(ErrorKind::Tls);
            }
            if let Some(j) = err.downcast_ref::<serde_json::Error>()
                && !j.is_io()
            {
                return Some(ErrorKind::Decode);
            }
            if let Some(io) = err.downcast_ref::<io::Error>() {
                // An io::Error may itself wrap a typed error; prefer a precise kind.
                let kind = ErrorKind::from_io(io);
                if kind != ErrorKind::Other && io_kind.is_none() {
                    io_kind = Some(kind);
                }
            }
        }
        io_kind
    }
}

/// An error and its sources, outermost first. An `io::Error`'s `source()`
/// skips the error it wraps (`get_ref`), so that one is visited too.
pub fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next: Vec<&'a (dyn StdError + 'static)> = vec![e];
    std::iter::from_fn(move || {
        let err = next.pop()?;
        if let Some(src) = err.source() {
            next.push(src);
        }
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            let inner: &(dyn StdError + 'static) = inner;
            if !next.iter().any(|n| std::ptr::addr_eq(*n, inner)) {
                next.push(inner);
            }
        }
        Some(err)
    })
}

#[cfg(feature = "hyper")]
impl ErrorKind {
    /// Classifies an error by the [`hyper::Error`] in its `source()` chain,
    /// for rows whose client is built on hyper (feature `hyper`). An I/O
    /// error in the chain decides first ([`ErrorKind::from_chain`]); an
    /// HTTP/2 stream reset or refused by the server is a `reset` (a
    /// `truncated` body after the head, by [`ErrorKind::in_body`]).
    pub fn from_hyper_chain(e: &(dyn StdError + 'static)) -> ErrorKind {
        if let Some(kind) = ErrorKind::from_chain(e) {
            return kind;
        }
        for err in chain(e) {
            // An HTTP/2 stream the server reset (RST_STREAM) or refused.
            if let Some(h2) = err.downcast_ref::<h2::Error>()
                && h2.is_remote()
            {
                return ErrorKind::Reset;
            }
            if let Some(h) = err.downcast_ref::<hyper::Error>() {
                return if h.is_parse() || h.is_parse_status() {
                    ErrorKind::Protocol
                } else if h.is_timeout() {
                    ErrorKind::Timeout
                } else if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                    ErrorKind::Reset
                } else {
                    ErrorKind::Other
                };
            }
        }
        ErrorKind::Other
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a row's fetch of one request produced: the status and the body
/// (bytes or the decoded document), or why it failed. The drivers in
/// [`crate::drive`] turn it into a [`Sample`], verifying the body.
pub type Fetched = Result<Response, FetchError>;

/// A response as a row hands it to core.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The whole body, read or decoded.
    pub body: Body,
}

/// A response body as a row read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// The bytes, read whole (`Bytes::from(vec)` takes a `Vec<u8>` without
    /// copying): for byte plans, and for any response that is not a 200.
    Bytes(bytes::Bytes),
    /// The JSON document, decoded by the client's own JSON API (JSON plans).
    Json(Box<Document>),
    /// Any JSON value, decoded by the client's own JSON API: a foreign
    /// server's answer to a JSON plan ([`crate::BodyAs::Value`]).
    Value(Box<serde_json::Value>),
}

impl Response {
    /// A response whose body was read as bytes.
    pub fn bytes(status: u16, body: impl Into<bytes::Bytes>) -> Response {
        Response {
            status,
            body: Body::Bytes(body.into()),
        }
    }

    /// A response whose body was decoded as the JSON document.
    pub fn json(status: u16, doc: Document) -> Response {
        Response {
            status,
            body: Body::Json(Box::new(doc)),
        }
    }

    /// A response whose body was decoded as any JSON value.
    pub fn value(status: u16, value: serde_json::Value) -> Response {
        Response {
            status,
            body: Body::Value(Box::new(value)),
        }
    }
}

/// Why one request failed: its kind, and the client's error it came from
/// (printed once per process when the kind is [`ErrorKind::Other`], so an
/// unclassified error is seen, not just counted).
#[derive(Debug)]
pub struct FetchError {
    /// The kind the report counts.
    pub kind: ErrorKind,
    /// The client's error, when there is one.
    pub source: Option<Box<dyn StdError + Send + Sync>>,
}

impl FetchError {
    /// An error of `kind` caused by `source`.
    pub fn new(kind: ErrorKind, source: impl Into<Box<dyn StdError + Send + Sync>>) -> FetchError {
        FetchError {
            kind,
            source: Some(source.into()),
        }
    }

    /// The same error, with its kind mapped (e.g. [`ErrorKind::in_body`]).
    pub fn map_kind(self, f: impl FnOnce(ErrorKind) -> ErrorKind) -> FetchError {
        FetchError {
            kind: f(self.kind),
            ..self
        }
    }
}

impl From<ErrorKind> for FetchError {
    fn from(kind: ErrorKind) -> FetchError {
        FetchError { kind, source: None }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Some(e) => {
                write!(f, "{}: {e}", self.kind)?;
                let mut cur = e.source();
                while let Some(s) = cur {
                    write!(f, ": {s}")?;
                    cur = s.source();
                }
                Ok(())
            }
            None => write!(f, "{}", self.kind),
        }
    }
}

/// One request's record. A failed request is a sample with an error, never a
/// panic and never dropped: an [`Outcome`] has exactly N samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Index of the request in the plan.
    pub id: u64,
    /// When the request started, from the start of the fan-out.
    pub start: Duration,
    /// From start to the last body byte (or to the failure).
    pub latency: Duration,
    /// HTTP status, when a response head arrived.
    pub status: Option<u16>,
    /// Why it failed; `None` = success (200 and a verified body).
    pub error: Option<ErrorKind>,
    /// Body bytes read (0 for a decoded JSON document: the client's JSON
    /// API does not say how many bytes it read).
    pub bytes: u64,
    /// The body passed verification: [`crate::body::verify`] for bytes,
    /// [`Document::verify`] for a decoded JSON document.
    pub verified: bool,
}

impl Sample {
    /// Whether the request succeeded (200 and the verified body).
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// One fan-out's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// One per request, in plan order: `samples[i].id == i`.
    pub samples: Vec<Sample>,
    /// From the first request's start to the last one's end.
    pub wall: Duration,
    /// The heartbeat ticker's record during the fan-out.
    pub heartbeat: HeartbeatReport,
}

impl Outcome {
    /// Number of successful requests.
    pub fn ok_count(&self) -> u64 {
        self.samples.iter().filter(|s| s.ok()).count() as u64
    }

    /// Failures by kind, in [`ErrorKind::ALL`] order, kinds with zero left out.
    pub fn errors(&self) -> Vec<(ErrorKind, u64)> {
        ErrorKind::ALL
            .iter()
            .map(|&k| {
                (
                    k,
                    self.samples.iter().filter(|s| s.error == Some(k)).count() as u64,
                )
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(io::Error);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn classifies_through_the_source_chain() {
        let e = Wrapper(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(ErrorKind::from_chain(&e), Some(ErrorKind::Connect));
        let e = Wrapper(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(ErrorKind::from_chain(&e), Some(ErrorKind::Reset));
        let e = Wrapper(io::Error::other("x"));
        assert_eq!(ErrorKind::from_chain(&e), None);
    }

    #[test]
    fn kinds_serialize_as_their_names() {
        for k in ErrorKind::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }
}
