//! A lean HTTP/1.1 client for many connections at once: ureq-proto (ureq's
//! sans-IO HTTP/1.1 state machine) over tokio's `TcpStream`, each request's
//! connection driven in the request's own task, kept between requests in a
//! stack of idle connections.
//!
//! Why it exists: on `c10k` (10 000 requests in flight, one connection each)
//! hyper holds, per connection, an 8 KiB write buffer (allocated whole,
//! whatever the request's size) and its dispatch channel (tokio's mpsc,
//! whose first block has room for 32 requests); hyper-util's legacy `Client`
//! adds a boxed request future and a task per connection. Measured with
//! heaptrack, that is 18 KB of a request's 25 KB of heap (see the crate
//! README). A sans-IO protocol leaves the buffers to its user: here one
//! [`BUF`]-byte buffer per request carries the request head out and the
//! response in, and the body is read into a buffer of its announced length.
//!
//! ureq-proto parses and writes HTTP/1.1 (status line, headers,
//! content-length and chunked bodies, `Connection: close`, when a
//! connection must not be reused). What it leaves to its user, by design,
//! is what this module does: open the socket, move bytes between the socket
//! and the state machine, and keep idle connections for reuse. Plain HTTP
//! only: HTTPS cells say the row has no TLS stack.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use fanout_core::{Document, ErrorKind, FetchError, Fetched, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ureq_proto::BodyMode;
use ureq_proto::client::{Call, RecvBodyResult, RecvResponseResult, SendRequestResult};
use ureq_proto::http;

/// Bytes of the one buffer a request holds while in flight: the request
/// head is written from it and the response read into it. A response head
/// must fit (the target's is about 150 bytes); a body streams through it.
pub const BUF: usize = 1024;

/// The most body bytes reserved up front from a `Content-Length`; a larger
/// body grows as it arrives.
const MAX_RESERVE: u64 = 1 << 20;

/// Idle connections, each with its authority (`host:port`), most recent last.
type Idle = Mutex<Vec<(Box<str>, TcpStream)>>;

/// The client: its idle connections. Cloning shares them, as clones of a
/// pooling client do.
#[derive(Clone, Default)]
pub(crate) struct Lean {
    idle: Arc<Idle>,
}

impl Lean {
    /// Starts one GET; the future owns everything it needs.
    pub(crate) fn get(&self, req: Request) -> impl Future<Output = Fetched> + Send + use<> {
        let idle = Arc::clone(&self.idle);
        async move { fetch(&idle, req).await }
    }
}

fn proto(kind: ErrorKind) -> impl FnOnce(ureq_proto::Error) -> FetchError {
    move |e| FetchError::new(kind, e)
}

fn io(head: bool) -> impl FnOnce(std::io::Error) -> FetchError {
    move |e| {
        let kind = ErrorKind::from_io(&e);
        FetchError::new(if head { kind.in_head() } else { kind.in_body() }, e)
    }
}

async fn fetch(idle: &Idle, req: Request) -> Fetched {
    let mut b = http::Request::get(&*req.url);
    if !req.keep_alive {
        b = b.header(http::header::CONNECTION, "close");
    }
    let request = b
        .body(())
        .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
    let authority: Box<str> = request
        .uri()
        .authority()
        .map(|a| a.as_str().into())
        .ok_or_else(|| FetchError::new(ErrorKind::Other, "the URL has no host"))?;
    let mut call = Call::new(request)
        .map_err(proto(ErrorKind::Other))?
        .proceed();

    let pooled = {
        let mut idle = idle.lock().unwrap_or_else(PoisonError::into_inner);
        let at = idle.iter().rposition(|(a, _)| *a == authority);
        at.map(|i| idle.swap_remove(i).1)
    };
    let mut stream = match pooled {
        Some(s) => s,
        None => {
            let s = TcpStream::connect(&*authority)
                .await
                .map_err(|e| FetchError::new(ErrorKind::Connect, e))?;
            // As hyper-util's connector does: a request head is one write.
            let _ = s.set_nodelay(true);
            s
        }
    };

    // The request head, from the buffer the response is then read into.
    let mut buf = vec![0u8; BUF].into_boxed_slice();
    let n = call.write(&mut buf).map_err(proto(ErrorKind::Other))?;
    stream.write_all(&buf[..n]).await.map_err(io(true))?;
    let mut call = match call.proceed().map_err(proto(ErrorKind::Other))? {
        Some(SendRequestResult::RecvResponse(c)) => c,
        _ => {
            return Err(FetchError::new(
                ErrorKind::Other,
                "a GET has no body to send",
            ));
        }
    };

    // The response head.
    let mut filled = 0;
    let response = loop {
        if filled == buf.len() {
            return Err(FetchError::new(
                ErrorKind::Protocol,
                format!("the response head is larger than the {BUF}-byte buffer"),
            ));
        }
        let n = stream.read(&mut buf[filled..]).await.map_err(io(true))?;
        if n == 0 {
            return Err(FetchError::new(
                ErrorKind::Reset,
                "the server closed the connection before the response head",
            ));
        }
        filled += n;
        let (used, response) = call
            .try_response(&buf[..filled], false)
            .map_err(proto(ErrorKind::Protocol))?;
        buf.copy_within(used..filled, 0);
        filled -= used;
        if let Some(r) = response {
            break r;
        }
    };
    let status = response.status().as_u16();

    // The body: what followed the head in the buffer, then reads.
    let mut body = Vec::new();
    let reusable = match call.proceed() {
        Some(RecvResponseResult::RecvBody(mut call)) => {
            let mode = call.body_mode();
            if let BodyMode::LengthDelimited(n) = mode {
                body.reserve_exact(n.min(MAX_RESERVE) as usize);
            }
            let to_close = matches!(mode, BodyMode::CloseDelimited);
            loop {
                if filled > 0 {
                    let start = body.len();
                    body.resize(start + filled, 0);
                    let (used, out) = call
                        .read(&buf[..filled], &mut body[start..])
                        .map_err(proto(ErrorKind::Protocol))?;
                    body.truncate(start + out);
                    buf.copy_within(used..filled, 0);
                    filled -= used;
                }
                if call.can_proceed() && !to_close {
                    break;
                }
                let n = stream.read(&mut buf[filled..]).await.map_err(io(false))?;
                if n == 0 {
                    if to_close {
                        break;
                    }
                    return Err(FetchError::new(
                        ErrorKind::Truncated,
                        "the server closed the connection before the end of the body",
                    ));
                }
                filled += n;
            }
            match call.proceed() {
                Some(RecvBodyResult::Cleanup(c)) => !c.must_close_connection(),
                _ => false,
            }
        }
        Some(RecvResponseResult::Cleanup(c)) => !c.must_close_connection(),
        _ => false,
    };
    // Kept only when the exchange ended cleanly with nothing left over.
    if reusable && filled == 0 {
        idle.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((authority, stream));
    }

    if req.decode_json(status) {
        // ureq-proto has no JSON API: collect, then serde_json, as hyper's users do.
        let doc: Document =
            serde_json::from_slice(&body).map_err(|e| FetchError::new(ErrorKind::Decode, e))?;
        return Ok(Response::json(status, doc));
    }
    Ok(Response::bytes(status, Bytes::from(body)))
}
