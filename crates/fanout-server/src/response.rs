//! Responses: the streamed deterministic body, and the few fixed answers.
//!
//! A `/delay` body is [`DelayBody`]: the `"{id}:"` prefix as one small frame,
//! then slices of core's static fill buffer ([`fanout_core::body::fill_chunk`],
//! up to [`CHUNK`] bytes each), so a 64 MiB body costs no allocation. Its
//! exact `size_hint` lets hyper write `Content-Length` itself.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use fanout_core::body::{CHUNK, fill_chunk, prefix};
use fanout_core::target::ServerStats;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};

use crate::route::ROUTES;

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
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Empty => true,
            ResponseBody::Full(bytes) => bytes.is_none(),
            ResponseBody::Delay(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Empty => SizeHint::with_exact(0),
            ResponseBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ResponseBody::Delay(body) => body.size_hint(),
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

impl Body for DelayBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let remaining = this.len - this.sent;
        if remaining == 0 {
            return Poll::Ready(None);
        }
        let plen = u64::from(this.prefix_len);
        let chunk = if this.sent < plen {
            let end = plen.min(this.len) as usize;
            Bytes::copy_from_slice(&this.prefix[this.sent as usize..end])
        } else {
            let max = remaining.min(CHUNK as u64) as usize;
            Bytes::from_static(fill_chunk(this.id, this.sent, max))
        };
        this.sent += chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.len
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len - self.sent)
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
}
