//! Responses: the `/delay` bodies, the fault variants of them, and the few
//! fixed answers.
//!
//! A `/delay` body is a [`Payload`]: either the deterministic bytes — the
//! `"{id}:"` prefix as one small frame, then slices of core's static fill
//! buffer ([`fanout_core::body::fill_chunk`], up to [`CHUNK`] bytes each), so
//! a 64 MiB body costs no allocation — or a JSON document
//! ([`fanout_core::Document`]) serialized once by serde_json and sent in
//! [`CHUNK`]-sized slices of that one buffer. Its exact `size_hint` lets
//! hyper write `Content-Length` itself.
//!
//! Faults change how a payload is sent: [`SlowBody`] trickles it in
//! [`SLOW_PIECES`] pieces, [`SLOW_PAUSE`] apart; `corrupt` replaces its first
//! byte with `!` ([`Payload::new`]); [`TruncatedBody`] hands out the first
//! half and then:
//!
//! - on HTTP/1.1, nothing more: it has the connection closed once the half
//!   is written (see [`crate::conn`]);
//! - on HTTP/2, an error, which makes hyper reset the stream (`RST_STREAM`
//!   with `INTERNAL_ERROR`) — but only once h2 has taken the half out of its
//!   send queue and encoded it, since a reset discards the DATA frames still
//!   queued. The last piece of the half is a [`Bytes`] whose owner holds a
//!   `oneshot` sender: h2 drops the buffer once it has encoded all of it, the
//!   receiver wakes the body, and the body fails. The client reads the
//!   headers (with the whole `Content-Length`), half the body, and the reset.
//!
//! Every response body is wrapped in a [`Reply`], which holds the request's
//! [`OpenRequest`] until hyper drops the body.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use fanout_core::body::{CHUNK, fill_chunk, prefix};
use fanout_core::stats::ServerStats;
use fanout_core::{Document, Format};
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

use crate::conn::{Conn, OpenRequest};
use crate::route::ROUTES;

/// A slow body comes in this many pieces…
pub(crate) const SLOW_PIECES: u64 = 8;
/// …each after a pause this long (so about 40 ms in all).
pub(crate) const SLOW_PAUSE: Duration = Duration::from_millis(5);

const OCTET_STREAM: &str = "application/octet-stream";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// The byte a corrupted body starts with.
pub(crate) const CORRUPT_BYTE: u8 = b'!';

/// The error an HTTP/2 truncated body ends with: hyper resets the stream.
#[derive(Debug)]
pub(crate) struct StreamCut;

impl fmt::Display for StreamCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("injected fault: stream reset after half the body")
    }
}

impl std::error::Error for StreamCut {}

/// The body of every response the server sends, with the request it
/// answers: dropping it closes the [`OpenRequest`], ended or reset.
#[derive(Debug)]
pub(crate) struct Reply {
    body: ResponseBody,
    open: OpenRequest,
}

impl Reply {
    /// `body`, answering `open`.
    pub(crate) fn new(body: ResponseBody, open: OpenRequest) -> Reply {
        Reply { body, open }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        // hyper drops a body once its end is reached, or when it gives up on
        // it (the client reset the stream or went away, or the body failed).
        if self.body.is_end_stream() {
            self.open.ended();
        }
    }
}

impl Body for Reply {
    type Data = Bytes;
    type Error = StreamCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamCut>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// What a response's body is.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    /// No body.
    Empty,
    /// A small body held in one buffer (reasons, `/stats`), sent as one frame.
    Full(Option<Bytes>),
    /// A `/delay` body, whole.
    Whole(Payload),
    /// Its first half, then the end of the connection or stream (injected fault).
    Truncated(TruncatedBody),
    /// All of it, trickled (injected fault).
    Slow(Box<SlowBody>),
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = StreamCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamCut>>> {
        let never = |p: Poll<Option<Result<Frame<Bytes>, Infallible>>>| {
            p.map(|f| f.map(|r| r.map_err(|e| match e {})))
        };
        match self.get_mut() {
            ResponseBody::Empty => Poll::Ready(None),
            ResponseBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            ResponseBody::Whole(body) => never(Pin::new(body).poll_frame(cx)),
            ResponseBody::Truncated(body) => Pin::new(body).poll_frame(cx),
            ResponseBody::Slow(body) => never(Pin::new(&mut **body).poll_frame(cx)),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Empty => true,
            ResponseBody::Full(bytes) => bytes.is_none(),
            ResponseBody::Whole(body) => body.is_end_stream(),
            ResponseBody::Truncated(body) => body.is_end_stream(),
            ResponseBody::Slow(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Empty => SizeHint::with_exact(0),
            ResponseBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ResponseBody::Whole(body) => body.size_hint(),
            ResponseBody::Truncated(body) => body.size_hint(),
            ResponseBody::Slow(body) => body.size_hint(),
        }
    }
}

/// Where a payload's bytes come from.
#[derive(Debug)]
enum Source {
    /// The deterministic rule of request `id` ([`fanout_core::body`]).
    Rule {
        id: u64,
        /// `"{id}:"`, its first byte replaced for a corrupted body.
        prefix: [u8; 21],
        prefix_len: u8,
    },
    /// A serialized JSON document, sliced without copying.
    Json(Bytes),
}

/// The bytes of a `/delay` answer, handed out in order without copying
/// beyond the small prefix frame.
#[derive(Debug)]
pub(crate) struct Payload {
    source: Source,
    /// Length of the whole body.
    len: u64,
    /// Bytes handed out so far.
    sent: u64,
}

impl Payload {
    /// The body of request `id` for a plan of `bytes` in `format`: the rule's
    /// `bytes` bytes, or the JSON document of `(id, bytes)` (about `bytes`
    /// long). With `corrupt`, its first byte is `!` (a body of 0 bytes has
    /// none to replace). Fails only if serde_json does.
    pub(crate) fn new(
        id: u64,
        bytes: u64,
        format: Format,
        corrupt: bool,
    ) -> Result<Payload, serde_json::Error> {
        let (source, len) = match format {
            Format::Json => {
                let mut json = serde_json::to_vec(&Document::new(id, bytes))?;
                if corrupt && let Some(first) = json.first_mut() {
                    *first = CORRUPT_BYTE;
                }
                let len = json.len() as u64;
                (Source::Json(Bytes::from(json)), len)
            }
            Format::Bytes => {
                let mut buf = [0u8; 21];
                let prefix_len = prefix(id, &mut buf) as u8;
                if corrupt {
                    // The prefix is at least "0:", and it starts the body.
                    buf[0] = CORRUPT_BYTE;
                }
                let source = Source::Rule {
                    id,
                    prefix: buf,
                    prefix_len,
                };
                (source, bytes)
            }
        };
        Ok(Payload {
            source,
            len,
            sent: 0,
        })
    }

    /// The `Content-Type` of this payload.
    fn content_type(&self) -> &'static str {
        match self.source {
            Source::Rule { .. } => OCTET_STREAM,
            Source::Json(_) => JSON,
        }
    }

    /// The next chunk, at most `max` (≥ 1) bytes; `None` at the end.
    fn next_chunk(&mut self, max: u64) -> Option<Bytes> {
        let remaining = (self.len - self.sent).min(max);
        if remaining == 0 {
            return None;
        }
        let chunk = match &self.source {
            Source::Rule {
                id,
                prefix,
                prefix_len,
            } => {
                let plen = u64::from(*prefix_len);
                if self.sent < plen {
                    let end = plen.min(self.sent + remaining) as usize;
                    Bytes::copy_from_slice(&prefix[self.sent as usize..end])
                } else {
                    let max = remaining.min(CHUNK as u64) as usize;
                    Bytes::from_static(fill_chunk(*id, self.sent, max))
                }
            }
            Source::Json(json) => {
                let start = self.sent as usize;
                json.slice(start..start + remaining.min(CHUNK as u64) as usize)
            }
        };
        self.sent += chunk.len() as u64;
        Some(chunk)
    }
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(
            self.get_mut()
                .next_chunk(u64::MAX)
                .map(|c| Ok(Frame::data(c))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.len
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len - self.sent)
    }
}

/// How a truncated body ends after its half.
#[derive(Debug)]
pub(crate) enum CutEnd {
    /// HTTP/1.1: the connection closes once the half is written.
    Connection(Arc<Conn>),
    /// HTTP/2: the stream is reset once h2 has encoded the half.
    Stream(StreamEnd),
}

impl CutEnd {
    /// The end of an HTTP/2 truncated body.
    pub(crate) fn stream() -> CutEnd {
        let (tx, rx) = oneshot::channel();
        CutEnd::Stream(StreamEnd {
            tx: Some(tx),
            written: rx,
        })
    }
}

/// The HTTP/2 end of a truncated body: the sender rides in the last piece
/// of the half, the receiver wakes once that piece has been dropped.
#[derive(Debug)]
pub(crate) struct StreamEnd {
    /// Taken when the last piece is handed out.
    tx: Option<oneshot::Sender<()>>,
    written: oneshot::Receiver<()>,
}

/// A buffer whose drop says it was consumed.
struct Tracked {
    bytes: Bytes,
    _done: oneshot::Sender<()>,
}

impl AsRef<[u8]> for Tracked {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// `bytes`, as a buffer that drops `done` when the last reference to it goes.
fn tracked(bytes: Bytes, done: oneshot::Sender<()>) -> Bytes {
    Bytes::from_owner(Tracked { bytes, _done: done })
}

/// The first `⌊len/2⌋` bytes of a [`Payload`] whose `Content-Length`
/// promises all `len`, then the [`CutEnd`].
#[derive(Debug)]
pub(crate) struct TruncatedBody {
    payload: Payload,
    /// Bytes it hands out: half the body.
    cut: u64,
    end: CutEnd,
}

impl Body for TruncatedBody {
    type Data = Bytes;
    type Error = StreamCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamCut>>> {
        let this = self.get_mut();
        let chunk = this.payload.next_chunk(this.cut - this.payload.sent);
        let last = this.payload.sent == this.cut;
        match (&mut this.end, chunk) {
            (CutEnd::Connection(conn), Some(chunk)) => {
                if last {
                    // Handed to hyper with this chunk: anything flushed after is all of it.
                    conn.truncated();
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            (CutEnd::Connection(conn), None) => {
                // Nothing to hand out (a body under 2 bytes): close after the head.
                conn.truncated();
                // No wake-up needed: the connection ends on hyper's next flush.
                Poll::Pending
            }
            (CutEnd::Stream(end), Some(chunk)) => {
                let chunk = match (last, end.tx.take()) {
                    (true, Some(tx)) => tracked(chunk, tx),
                    (_, tx) => {
                        end.tx = tx;
                        chunk
                    }
                };
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            (CutEnd::Stream(end), None) => match end.tx.take() {
                // Nothing was handed out (a body under 2 bytes): an empty
                // DATA frame behind the headers, so they are not discarded.
                Some(tx) => Poll::Ready(Some(Ok(Frame::data(tracked(Bytes::new(), tx))))),
                None => match Pin::new(&mut end.written).poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(_) => Poll::Ready(Some(Err(StreamCut))),
                },
            },
        }
    }

    /// Never: hyper would see a body shorter than its `Content-Length`
    /// and close (HTTP/1.1) or end the stream cleanly (HTTP/2).
    fn is_end_stream(&self) -> bool {
        false
    }

    /// What the whole body would have left, so `Content-Length` promises it all.
    fn size_hint(&self) -> SizeHint {
        self.payload.size_hint()
    }
}

/// A [`Payload`] in [`SLOW_PIECES`] pieces as even as can be (fewer
/// for a body under that many bytes), each after a [`SLOW_PAUSE`]. A piece
/// may take more than one frame (the prefix, 64 KiB slices); hyper writes
/// them together when the next pause starts.
#[derive(Debug)]
pub(crate) struct SlowBody {
    payload: Payload,
    /// The piece being sent, 1..=SLOW_PIECES; 0 before the first.
    piece: u64,
    /// Bytes left of that piece; 0 = pause, then the next piece.
    left: u64,
    pause: Pin<Box<Sleep>>,
}

impl Body for SlowBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.payload.is_end_stream() {
            return Poll::Ready(None);
        }
        if this.left == 0 {
            if this.pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Piece k ends at ⌊len·k/8⌋; skip the empty ones of a short body.
            // Ends by k = SLOW_PIECES, whose end is `len` > `sent`.
            while this.left == 0 {
                this.piece += 1;
                let end = this.payload.len * this.piece / SLOW_PIECES;
                this.left = end.saturating_sub(this.payload.sent);
            }
        }
        let chunk = this.payload.next_chunk(this.left);
        if let Some(c) = &chunk {
            this.left -= c.len() as u64;
            if this.left == 0 {
                this.pause.as_mut().reset(Instant::now() + SLOW_PAUSE);
            }
        }
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.payload.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.payload.size_hint()
    }
}

fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: ResponseBody,
) -> Response<ResponseBody> {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn text(status: StatusCode, line: String) -> Response<ResponseBody> {
    with_type(status, TEXT, ResponseBody::Full(Some(Bytes::from(line))))
}

/// 200 with the whole payload.
pub(crate) fn whole(payload: Payload) -> Response<ResponseBody> {
    with_type(
        StatusCode::OK,
        payload.content_type(),
        ResponseBody::Whole(payload),
    )
}

/// 200 promising the whole payload, sending half of it, then ending as
/// `end` says (injected fault).
pub(crate) fn truncated(payload: Payload, end: CutEnd) -> Response<ResponseBody> {
    let cut = payload.len / 2;
    if let (0, CutEnd::Connection(conn)) = (cut, &end) {
        // Nothing to send: close right after the head. (hyper never polls
        // the body when `Content-Length` is 0, so it could not say so.)
        conn.truncated();
    }
    with_type(
        StatusCode::OK,
        payload.content_type(),
        ResponseBody::Truncated(TruncatedBody { payload, cut, end }),
    )
}

/// 200 with the whole payload, trickled (injected fault). Starts its first
/// pause now, so it must be called on the runtime.
pub(crate) fn slow(payload: Payload) -> Response<ResponseBody> {
    with_type(
        StatusCode::OK,
        payload.content_type(),
        ResponseBody::Slow(Box::new(SlowBody {
            payload,
            piece: 0,
            left: 0,
            pause: Box::pin(tokio::time::sleep(SLOW_PAUSE)),
        })),
    )
}

/// `status` with an empty body.
pub(crate) fn status(status: StatusCode) -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::Empty);
    *res.status_mut() = status;
    res
}

/// 200 with the counters as JSON.
pub(crate) fn stats(stats: &ServerStats) -> Response<ResponseBody> {
    match serde_json::to_vec(stats) {
        Ok(json) => with_type(StatusCode::OK, JSON, ResponseBody::Full(Some(json.into()))),
        // Cannot happen for a struct of integers; answer rather than panic.
        Err(e) => internal_error(&e),
    }
}

/// 500 with a one-line reason (serde_json failed: cannot happen for the
/// server's own types, but it is an answer rather than a panic).
pub(crate) fn internal_error(e: &dyn fmt::Display) -> Response<ResponseBody> {
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {e}\n"),
    )
}

/// 400 with a one-line reason.
pub(crate) fn bad_request(reason: &str) -> Response<ResponseBody> {
    text(StatusCode::BAD_REQUEST, format!("bad request: {reason}\n"))
}

/// 403 with a one-line reason.
pub(crate) fn forbidden(reason: &str) -> Response<ResponseBody> {
    text(StatusCode::FORBIDDEN, format!("forbidden: {reason}\n"))
}

/// 404 naming the routes there are.
pub(crate) fn not_found(path: &str) -> Response<ResponseBody> {
    text(
        StatusCode::NOT_FOUND,
        format!("not found: no route for {path:?}; routes are {ROUTES}\n"),
    )
}

/// 405 naming the method the path takes.
pub(crate) fn method_not_allowed(
    method: &Method,
    path: &str,
    allow: &'static str,
) -> Response<ResponseBody> {
    let mut res = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed: {path} takes {allow}, not {method}\n"),
    );
    res.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    res
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use fanout_core::body::expected;

    use super::*;

    /// Drains a body that is always ready, checking each frame's size.
    fn drain(mut body: ResponseBody) -> Vec<u8> {
        let mut cx = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        loop {
            let before = body.size_hint().exact().expect("exact size");
            assert_eq!(body.is_end_stream(), before == 0);
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    let data = frame.into_data().expect("data frame");
                    assert!(!data.is_empty() && data.len() <= CHUNK);
                    out.extend_from_slice(&data);
                    assert_eq!(body.size_hint().exact(), Some(before - data.len() as u64));
                }
                Poll::Ready(None) => return out,
                other => panic!("unexpected poll: {other:?}"),
            }
        }
    }

    fn payload(id: u64, bytes: u64, format: Format, corrupt: bool) -> Payload {
        Payload::new(id, bytes, format, corrupt).unwrap()
    }

    fn json(id: u64, bytes: u64) -> Vec<u8> {
        serde_json::to_vec(&Document::new(id, bytes)).unwrap()
    }

    #[test]
    fn byte_bodies_are_the_rule_at_every_size() {
        for id in [0, 7, 42, 64, 12345, u64::MAX] {
            for bytes in [
                0,
                1,
                2,
                3,
                20,
                21,
                22,
                1000,
                CHUNK as u64,
                CHUNK as u64 + 1,
                200_000,
            ] {
                let got = drain(ResponseBody::Whole(payload(
                    id,
                    bytes,
                    Format::Bytes,
                    false,
                )));
                assert!(got == expected(id, bytes), "id {id} bytes {bytes}");
            }
        }
    }

    #[test]
    fn json_bodies_are_the_document_and_decode() {
        for (id, bytes) in [(0, 0), (1, 2048), (u64::MAX, 100), (9, 300_000)] {
            let got = drain(ResponseBody::Whole(payload(id, bytes, Format::Json, false)));
            assert!(got == json(id, bytes), "id {id} bytes {bytes}");
            let doc: Document = serde_json::from_slice(&got).unwrap();
            assert_eq!(doc.verify(id, bytes), Ok(()));
        }
        let res = whole(payload(1, 10, Format::Json, false));
        assert_eq!(res.headers()[CONTENT_TYPE], JSON);
        let res = whole(payload(1, 10, Format::Bytes, false));
        assert_eq!(res.headers()[CONTENT_TYPE], OCTET_STREAM);
    }

    #[test]
    fn a_corrupted_body_differs_in_its_first_byte_only() {
        for (id, bytes) in [(0, 1), (42, 10), (7, 200_000)] {
            let got = drain(ResponseBody::Whole(payload(id, bytes, Format::Bytes, true)));
            let mut want = expected(id, bytes);
            want[0] = b'!';
            assert!(got == want, "id {id} bytes {bytes}");
            assert!(fanout_core::body::verify(id, bytes, &got).is_err());
        }
        assert!(drain(ResponseBody::Whole(payload(3, 0, Format::Bytes, true))).is_empty());
        let got = drain(ResponseBody::Whole(payload(5, 2048, Format::Json, true)));
        let mut want = json(5, 2048);
        want[0] = b'!';
        assert_eq!(got, want);
        assert!(serde_json::from_slice::<Document>(&got).is_err());
    }

    #[test]
    fn full_and_empty_bodies() {
        assert_eq!(drain(ResponseBody::Empty), b"");
        assert_eq!(
            drain(ResponseBody::Full(Some(Bytes::from_static(b"hi\n")))),
            b"hi\n"
        );
    }

    fn conn() -> Arc<Conn> {
        let (tls, _ca) = crate::tls::setup(&[]).unwrap();
        let shared = Arc::new(crate::serve::Shared::new(&crate::Config::default(), tls));
        Arc::new(Conn::new(shared))
    }

    #[test]
    fn an_http1_truncated_body_promises_all_sends_half_then_waits() {
        let mut cx = Context::from_waker(Waker::noop());
        let conn = conn();
        for (id, bytes, format) in [
            (1, 1000, Format::Bytes),
            (2, 3, Format::Bytes),
            (3, 2, Format::Bytes),
            (4, 1, Format::Bytes),
            (5, 0, Format::Bytes),
            (6, 200_001, Format::Bytes),
            (7, 2048, Format::Json),
        ] {
            let conn = Arc::new(Conn::new(conn.shared.clone()));
            let whole = drain(ResponseBody::Whole(payload(id, bytes, format, false)));
            let len = whole.len() as u64;
            let res = truncated(
                payload(id, bytes, format, false),
                CutEnd::Connection(conn.clone()),
            );
            let mut body = res.into_body();
            assert_eq!(body.size_hint().exact(), Some(len));
            assert!(!body.is_end_stream());
            let mut got = Vec::new();
            loop {
                let flagged = conn.is_truncated();
                match Pin::new(&mut body).poll_frame(&mut cx) {
                    Poll::Ready(Some(Ok(frame))) => {
                        assert!(!flagged, "a byte after the flag");
                        got.extend_from_slice(&frame.into_data().unwrap());
                        assert_eq!(
                            conn.is_truncated(),
                            got.len() as u64 == len / 2,
                            "flagged with the last byte"
                        );
                    }
                    Poll::Pending => break,
                    other => panic!("unexpected poll: {other:?}"),
                }
            }
            assert!(conn.is_truncated());
            assert!(
                !body.is_end_stream(),
                "never ends: hyper would see it short"
            );
            assert!(got == whole[..(len / 2) as usize], "id {id} bytes {bytes}");
        }
    }

    #[test]
    fn an_http2_truncated_body_fails_once_its_half_is_consumed() {
        let mut cx = Context::from_waker(Waker::noop());
        for (id, bytes) in [(1, 1000), (6, 200_001), (2, 1), (3, 0)] {
            let res = truncated(payload(id, bytes, Format::Bytes, false), CutEnd::stream());
            let mut body = res.into_body();
            assert_eq!(body.size_hint().exact(), Some(bytes));
            let mut handed = Vec::new();
            // Hand out the half (an empty frame for a body under 2 bytes).
            loop {
                match Pin::new(&mut body).poll_frame(&mut cx) {
                    Poll::Ready(Some(Ok(frame))) => handed.push(frame.into_data().unwrap()),
                    Poll::Pending => break,
                    other => panic!("unexpected poll: {other:?}"),
                }
            }
            let got: Vec<u8> = handed.iter().flat_map(|b| b.to_vec()).collect();
            assert!(
                got == expected(id, bytes)[..(bytes / 2) as usize],
                "id {id} bytes {bytes}"
            );
            // Pending while h2 still holds the last piece, an error once it is gone.
            assert!(Pin::new(&mut body).poll_frame(&mut cx).is_pending());
            drop(handed);
            assert!(matches!(
                Pin::new(&mut body).poll_frame(&mut cx),
                Poll::Ready(Some(Err(StreamCut)))
            ));
            assert!(!body.is_end_stream());
        }
    }

    #[test]
    fn a_slow_body_is_whole_in_pieces_with_pauses() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for (bytes, format) in [
            (0u64, Format::Bytes),
            (1, Format::Bytes),
            (7, Format::Bytes),
            (8, Format::Bytes),
            (9, Format::Bytes),
            (100, Format::Bytes),
            (200_000, Format::Bytes),
            (2048, Format::Json),
        ] {
            let want = drain(ResponseBody::Whole(payload(9, bytes, format, false)));
            let (got, pieces, took) = rt.block_on(async {
                let started = Instant::now();
                let mut body = slow(payload(9, bytes, format, false)).into_body();
                let (mut got, mut pieces, mut in_piece) = (Vec::new(), 0, false);
                while let Some(frame) = std::future::poll_fn(|cx| {
                    let poll = Pin::new(&mut body).poll_frame(cx);
                    if poll.is_pending() {
                        in_piece = false;
                    }
                    poll
                })
                .await
                {
                    if !in_piece {
                        pieces += 1;
                        in_piece = true;
                    }
                    got.extend_from_slice(&frame.unwrap().into_data().unwrap());
                }
                (got, pieces, started.elapsed())
            });
            assert!(got == want, "{bytes} bytes");
            assert_eq!(
                pieces,
                (want.len() as u64).min(SLOW_PIECES),
                "{bytes} bytes"
            );
            assert!(
                took >= SLOW_PAUSE * pieces as u32,
                "{bytes} bytes in {took:?}"
            );
        }
    }
}
