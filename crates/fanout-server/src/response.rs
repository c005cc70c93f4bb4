//! The responses: [`Reply`], the body of every response (which holds the
//! request's [`OpenRequest`] until hyper drops it), the `/delay` answers
//! (whole, truncated, slow — their bodies are in [`crate::body`]), and the
//! few fixed answers (status, `/stats`, 400, 403, 404, 405, 500).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use fanout_core::stats::ServerStats;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};

use crate::body::{CutEnd, Payload, ResponseBody, SlowBody, StreamCut, TruncatedBody};
use crate::conn::state::OpenRequest;
use crate::route::ROUTES;

const OCTET_STREAM: &str = "application/octet-stream";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

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

/// The `Content-Type` of a payload.
fn payload_type(payload: &Payload) -> &'static str {
    if payload.is_json() {
        JSON
    } else {
        OCTET_STREAM
    }
}

/// 200 with the whole payload.
pub(crate) fn whole(payload: Payload) -> Response<ResponseBody> {
    with_type(
        StatusCode::OK,
        payload_type(&payload),
        ResponseBody::Whole(payload),
    )
}

/// 200 promising the whole payload, sending half of it, then ending as
/// `end` says (injected fault).
pub(crate) fn truncated(payload: Payload, end: CutEnd) -> Response<ResponseBody> {
    let content_type = payload_type(&payload);
    let body = TruncatedBody::new(payload, end);
    with_type(StatusCode::OK, content_type, ResponseBody::Truncated(body))
}

/// 200 with the whole payload, trickled (injected fault). Starts its first
/// pause now, so it must be called on the runtime.
pub(crate) fn slow(payload: Payload) -> Response<ResponseBody> {
    let content_type = payload_type(&payload);
    let body = Box::new(SlowBody::new(payload));
    with_type(StatusCode::OK, content_type, ResponseBody::Slow(body))
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
    use fanout_core::Format;

    use super::*;

    #[test]
    fn payloads_say_what_they_are() {
        let payload = |format| Payload::new(1, 10, format, false).unwrap();
        let res = whole(payload(Format::Json));
        assert_eq!(res.headers()[CONTENT_TYPE], JSON);
        let res = whole(payload(Format::Bytes));
        assert_eq!(res.headers()[CONTENT_TYPE], OCTET_STREAM);
        let res = truncated(payload(Format::Json), CutEnd::stream());
        assert_eq!(res.headers()[CONTENT_TYPE], JSON);
    }

    #[test]
    fn fixed_answers_are_one_line() {
        let res = bad_request("delay 1 ms is late");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let res = method_not_allowed(&Method::POST, "/stats", "GET");
        assert_eq!(res.headers()[ALLOW], "GET");
        assert_eq!(
            status(StatusCode::NO_CONTENT).status(),
            StatusCode::NO_CONTENT
        );
    }
}
