//! Responses: the streamed deterministic body, and the few fixed answers.
//!
//! A `/delay` body is [`DelayBody`]: the `"{id}:"` prefix as one small frame,
//! then slices of core's static fill buffer ([`fanout_core::body::fill_chunk`],
//! up to [`CHUNK`] bytes each), so a 64 MiB body costs no allocation. Its
//! exact `size_hint` lets hyper write `Content-Length` itself.
//!
//! Two faults change how that body is sent: [`TruncatedBody`] hands out the
//! first half and then nothing (and has the connection closed, see
//! [`crate::conn`]); [`SlowBody`] trickles it in [`SLOW_PIECES`] pieces,
//! [`SLOW_PAUSE`] apart.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use fanout_core::body::{CHUNK, fill_chunk, prefix};
use fanout_core::target::ServerStats;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::conn::Conn;
use crate::route::ROUTES;

/// A slow body comes in this many pieces…
pub(crate) const SLOW_PIECES: u64 = 8;
/// …each after a pause this long (so about 40 ms in all).
pub(crate) const SLOW_PAUSE: Duration = Duration::from_millis(5);

const OCTET_STREAM: &str = "application/octet-stream";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// The body of every response the server sends.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    /// No body.
    Empty,
    /// A small body held in one buffer (reasons, JSON), sent as one frame.
    Full(Option<Bytes>),
    /// The deterministic body of a `/delay` request.
    Delay(DelayBody),
    /// Its first half, then the connection closes (injected fault).
    Truncated(TruncatedBody),
    /// All of it, trickled (injected fault).
    Slow(Box<SlowBody>),
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResponseBody::Empty => Poll::Ready(None),
            ResponseBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            ResponseBody::Delay(body) => Pin::new(body).poll_frame(cx),
            ResponseBody::Truncated(body) => Pin::new(body).poll_frame(cx),
            ResponseBody::Slow(body) => Pin::new(&mut **body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Empty => true,
            ResponseBody::Full(bytes) => bytes.is_none(),
            ResponseBody::Delay(body) => body.is_end_stream(),
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
            ResponseBody::Delay(body) => body.size_hint(),
            ResponseBody::Truncated(body) => body.size_hint(),
            ResponseBody::Slow(body) => body.size_hint(),
        }
    }
}

/// The body of request `id`, `len` bytes long, streamed without allocating
/// beyond the prefix frame.
#[derive(Debug)]
pub(crate) struct DelayBody {
    id: u64,
    len: u64,
    /// Bytes handed out so far.
    sent: u64,
    prefix: [u8; 21],
    prefix_len: u8,
}

impl DelayBody {
    /// The body of `(id, len)`.
    pub(crate) fn new(id: u64, len: u64) -> DelayBody {
        let mut buf = [0u8; 21];
        let prefix_len = prefix(id, &mut buf) as u8;
        DelayBody {
            id,
            len,
            sent: 0,
            prefix: buf,
            prefix_len,
        }
    }
}

impl DelayBody {
    /// The next chunk, at most `max` (≥ 1) bytes; `None` at the end.
    fn next_chunk(&mut self, max: u64) -> Option<Bytes> {
        let remaining = (self.len - self.sent).min(max);
        if remaining == 0 {
            return None;
        }
        let plen = u64::from(self.prefix_len);
        let chunk = if self.sent < plen {
            let end = plen.min(self.sent + remaining) as usize;
            Bytes::copy_from_slice(&self.prefix[self.sent as usize..end])
        } else {
            let max = remaining.min(CHUNK as u64) as usize;
            Bytes::from_static(fill_chunk(self.id, self.sent, max))
        };
        self.sent += chunk.len() as u64;
        Some(chunk)
    }
}

impl Body for DelayBody {
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

/// The first `⌊len/2⌋` bytes of a [`DelayBody`] that promises all `len`;
/// then it marks the connection to be closed once they are written
/// ([`Conn::truncated`]) and stays pending: the client reads half the body
/// and then the end of the connection.
#[derive(Debug)]
pub(crate) struct TruncatedBody {
    body: DelayBody,
    /// Bytes it hands out: half the body.
    cut: u64,
    conn: Arc<Conn>,
}

impl Body for TruncatedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        match this.body.next_chunk(this.cut - this.body.sent) {
            Some(chunk) => {
                if this.body.sent == this.cut {
                    // Handed to hyper with this chunk: anything flushed after is all of it.
                    this.conn.truncated();
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            None => {
                // Nothing to hand out (a body under 2 bytes): close after the head.
                this.conn.truncated();
                // No wake-up needed: the connection ends on hyper's next flush.
                Poll::Pending
            }
        }
    }

    /// Never: hyper would see a body shorter than its `Content-Length`
    /// and close before flushing.
    fn is_end_stream(&self) -> bool {
        false
    }

    /// What the whole body would have left, so `Content-Length` promises it all.
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A [`DelayBody`] in [`SLOW_PIECES`] pieces as even as can be (fewer
/// for a body under that many bytes), each after a [`SLOW_PAUSE`]. A piece
/// may take more than one frame (the prefix, 64 KiB slices); hyper writes
/// them together when the next pause starts.
#[derive(Debug)]
pub(crate) struct SlowBody {
    body: DelayBody,
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
        if this.body.is_end_stream() {
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
                let end = this.body.len * this.piece / SLOW_PIECES;
                this.left = end.saturating_sub(this.body.sent);
            }
        }
        let chunk = this.body.next_chunk(this.left);
        if let Some(c) = &chunk {
            this.left -= c.len() as u64;
            if this.left == 0 {
                this.pause.as_mut().reset(Instant::now() + SLOW_PAUSE);
            }
        }
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
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

/// 200 with the deterministic body of `(id, bytes)`.
pub(crate) fn delay(id: u64, bytes: u64) -> Response<ResponseBody> {
    with_type(
        StatusCode::OK,
        OCTET_STREAM,
        ResponseBody::Delay(DelayBody::new(id, bytes)),
    )
}

/// 200 promising the body of `(id, bytes)`, sending half of it, then
/// closing the connection (injected fault).
pub(crate) fn truncated(id: u64, bytes: u64, conn: Arc<Conn>) -> Response<ResponseBody> {
    if bytes / 2 == 0 {
        // Nothing to send: close right after the head. (hyper never polls
        // the body when `Content-Length` is 0, so it could not say so.)
        conn.truncated();
    }
    with_type(
        StatusCode::OK,
        OCTET_STREAM,
        ResponseBody::Truncated(TruncatedBody {
            body: DelayBody::new(id, bytes),
            cut: bytes / 2,
            conn,
        }),
    )
}

/// 200 with the body of `(id, bytes)`, trickled (injected fault). Starts its
/// first pause now, so it must be called on the runtime.
pub(crate) fn slow(id: u64, bytes: u64) -> Response<ResponseBody> {
    with_type(
        StatusCode::OK,
        OCTET_STREAM,
        ResponseBody::Slow(Box::new(SlowBody {
            body: DelayBody::new(id, bytes),
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
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}\n"),
        ),
    }
}

/// 400 with a one-line reason.
pub(crate) fn bad_request(reason: &str) -> Response<ResponseBody> {
    text(StatusCode::BAD_REQUEST, format!("bad request: {reason}\n"))
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

    #[test]
    fn delay_body_is_the_rule_at_every_size() {
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
                let got = drain(ResponseBody::Delay(DelayBody::new(id, bytes)));
                assert!(got == expected(id, bytes), "id {id} bytes {bytes}");
            }
        }
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
        let shared = Arc::new(crate::serve::Shared::new(&crate::Config::default()));
        Arc::new(Conn::new(shared))
    }

    #[test]
    fn a_truncated_body_promises_all_sends_half_then_waits() {
        let mut cx = Context::from_waker(Waker::noop());
        for (id, bytes) in [(1, 1000), (2, 3), (3, 2), (4, 1), (5, 0), (6, 200_001)] {
            let conn = conn();
            let res = truncated(id, bytes, conn.clone());
            let mut body = res.into_body();
            assert_eq!(body.size_hint().exact(), Some(bytes));
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
                            got.len() as u64 == bytes / 2,
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
            assert!(
                got == expected(id, bytes)[..(bytes / 2) as usize],
                "id {id} bytes {bytes}"
            );
        }
    }

    #[test]
    fn a_slow_body_is_whole_in_pieces_with_pauses() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for bytes in [0u64, 1, 7, 8, 9, 100, 200_000] {
            let (got, pieces, took) = rt.block_on(async {
                let started = Instant::now();
                let mut body = slow(9, bytes).into_body();
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
            assert!(got == expected(9, bytes), "{bytes} bytes");
            assert_eq!(pieces, bytes.min(SLOW_PIECES), "{bytes} bytes");
            assert!(
                took >= SLOW_PAUSE * pieces as u32,
                "{bytes} bytes in {took:?}"
            );
        }
    }
}
