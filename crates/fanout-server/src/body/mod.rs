//! What a response's body is ([`ResponseBody`]): nothing, a small buffer,
//! or a `/delay` [`Payload`] — whole, [`truncated`](TruncatedBody) or
//! [`slow`](SlowBody) when a fault says so.
//!
//! A `/delay` body is a [`Payload`]: either the deterministic bytes — the
//! `"{id}:"` prefix as one small frame, then slices of core's static fill
//! buffer ([`fanout_core::body::fill_chunk`], up to
//! [`CHUNK`](fanout_core::body::CHUNK) bytes each), so a 64 MiB body costs no
//! allocation — or a JSON document ([`fanout_core::Document`]) serialized
//! once by serde_json and sent in `CHUNK`-sized slices of that one buffer.
//! Its exact `size_hint` lets hyper write `Content-Length` itself.
//!
//! Faults change how a payload is sent: [`SlowBody`] (`slow.rs`) trickles
//! it; `corrupt` replaces its first byte with `!` ([`Payload::new`]);
//! [`TruncatedBody`] (`truncated.rs`) hands out the first half, then ends
//! the connection (HTTP/1.1) or the stream (HTTP/2).

mod payload;
mod slow;
mod truncated;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

pub(crate) use self::payload::Payload;
pub(crate) use self::slow::SlowBody;
pub(crate) use self::truncated::{CutEnd, StreamCut, TruncatedBody};

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

#[cfg(test)]
pub(crate) mod tests {
    use std::task::Waker;

    use fanout_core::body::CHUNK;

    use super::*;

    /// Drains a body that is always ready, checking each frame's size.
    pub(crate) fn drain(mut body: ResponseBody) -> Vec<u8> {
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
    fn full_and_empty_bodies() {
        assert_eq!(drain(ResponseBody::Empty), b"");
        assert_eq!(
            drain(ResponseBody::Full(Some(Bytes::from_static(b"hi\n")))),
            b"hi\n"
        );
    }
}
