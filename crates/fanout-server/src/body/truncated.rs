//! [`TruncatedBody`]: the first half of a [`Payload`] whose
//! `Content-Length` promises all of it (an injected `truncate`), then:
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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::oneshot;

use super::payload::Payload;
use crate::conn::state::Conn;

/// The error an HTTP/2 truncated body ends with: hyper resets the stream.
#[derive(Debug)]
pub(crate) struct StreamCut;

impl fmt::Display for StreamCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("injected fault: stream reset after half the body")
    }
}

impl std::error::Error for StreamCut {}

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

impl TruncatedBody {
    /// Half of `payload`, then `end`.
    pub(crate) fn new(payload: Payload, end: CutEnd) -> TruncatedBody {
        let cut = payload.len() / 2;
        if let (0, CutEnd::Connection(conn)) = (cut, &end) {
            // Nothing to send: close right after the head. (hyper never polls
            // the body when `Content-Length` is 0, so it could not say so.)
            conn.truncated();
        }
        TruncatedBody { payload, cut, end }
    }
}

impl Body for TruncatedBody {
    type Data = Bytes;
    type Error = StreamCut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamCut>>> {
        let this = self.get_mut();
        let chunk = this.payload.next_chunk(this.cut - this.payload.sent());
        let last = this.payload.sent() == this.cut;
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

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use fanout_core::Format;
    use fanout_core::body::expected;

    use super::*;
    use crate::body::ResponseBody;
    use crate::body::tests::drain;

    fn payload(id: u64, bytes: u64, format: Format, corrupt: bool) -> Payload {
        Payload::new(id, bytes, format, corrupt).unwrap()
    }

    fn truncated(payload: Payload, end: CutEnd) -> ResponseBody {
        ResponseBody::Truncated(TruncatedBody::new(payload, end))
    }

    fn conn() -> Arc<Conn> {
        let (tls, _ca) = crate::tls::setup(&[]).unwrap();
        let shared = Arc::new(crate::shared::Shared::new(&crate::Config::default(), tls));
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
            let mut body = res;
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
            let mut body = res;
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
}
