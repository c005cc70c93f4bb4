//! One connection: its state ([`Conn`]), the requests open on it
//! ([`OpenRequest`]), and the socket hyper reads and writes through
//! ([`ConnIo`]), which is how an injected fault ends an HTTP/1.1 connection.
//!
//! Two HTTP/1.1 faults end a connection in a way hyper has no knob for:
//!
//! - **reset**: the handler marks the connection ([`Conn::reset`]) and fails
//!   the request; hyper then drops the connection without writing anything,
//!   and [`ConnIo`]'s drop sets `SO_LINGER` to 0 on the TCP socket first (under
//!   TLS too), so the kernel answers with an RST instead of a FIN.
//! - **truncate**: the body hands out its last byte and marks the connection
//!   ([`Conn::truncated`]); the next time hyper flushes with its write buffer
//!   empty — so every byte handed out is in the stream's hands — [`ConnIo`]
//!   flushes the stream below (TLS records still buffered in rustls go out)
//!   and then fails the flush, and hyper closes the connection (a FIN after
//!   the bytes). (A body error frame would make hyper close at once,
//!   discarding what it still buffers.)
//!
//! HTTP/2 faults end a stream, not the connection: see [`crate::response`].
//!
//! [`ConnIo`] also replays the few bytes the server read to tell HTTP/2 by
//! prior knowledge from HTTP/1.1 ([`Replay`]). On the hot path the wrapper
//! costs one relaxed load per flush and one branch per read.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::serve::Shared;
use crate::stats::Proto;

/// One connection's state, shared by its requests, its socket and (for a
/// truncated answer) its body. Counts as open in [`Shared`] until dropped.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    /// Requests on this connection sleeping in `/delay` (or stalling) now.
    sleeping: AtomicUsize,
    /// Requests open on this connection now ([`OpenRequest`]s alive).
    open_requests: AtomicU64,
    /// Requests ever opened on this connection (to tell an idle one).
    opened_requests: AtomicU64,
    /// Close with an RST, not a FIN, when the socket drops (HTTP/1.1 reset).
    reset: AtomicBool,
    /// A truncated body has handed out all it will: end the connection once
    /// that is flushed (HTTP/1.1 truncate).
    truncated: AtomicBool,
}

impl Conn {
    /// A new open connection of `shared` (counted in `shared.open` until dropped).
    pub(crate) fn new(shared: Arc<Shared>) -> Conn {
        shared.open.fetch_add(1, Relaxed);
        Conn {
            shared,
            sleeping: AtomicUsize::new(0),
            open_requests: AtomicU64::new(0),
            opened_requests: AtomicU64::new(0),
            reset: AtomicBool::new(false),
            truncated: AtomicBool::new(false),
        }
    }

    /// The connection is to end with an RST when its socket drops.
    pub(crate) fn reset(&self) {
        self.reset.store(true, Relaxed);
    }

    /// The connection is to end once what is buffered has been written.
    pub(crate) fn truncated(&self) {
        self.truncated.store(true, Relaxed);
    }

    /// Whether [`Conn::truncated`] was called.
    pub(crate) fn is_truncated(&self) -> bool {
        self.truncated.load(Relaxed)
    }

    /// Marks a request as sleeping until the guard drops (also when the
    /// handler is cancelled mid-sleep).
    pub(crate) fn sleeping(&self) -> Sleeping<'_> {
        self.sleeping.fetch_add(1, Relaxed);
        Sleeping(self)
    }

    /// Whether a request on this connection is sleeping now: a stop then
    /// drops the connection instead of waiting up to a minute for it.
    pub(crate) fn is_sleeping(&self) -> bool {
        self.sleeping.load(Relaxed) > 0
    }

    /// How many requests were ever opened, if none is open now; `None` while
    /// one is. Two equal `Some`s a while apart mean the connection was idle
    /// all that while.
    pub(crate) fn idle_mark(&self) -> Option<u64> {
        (self.open_requests.load(Relaxed) == 0).then(|| self.opened_requests.load(Relaxed))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Relaxed);
    }
}

/// A request sleeping; see [`Conn::sleeping`].
pub(crate) struct Sleeping<'a>(&'a Conn);

impl Drop for Sleeping<'_> {
    fn drop(&mut self) {
        self.0.sleeping.fetch_sub(1, Relaxed);
    }
}

/// One request open on a connection, from the moment its handler starts
/// until its response body is dropped (all sent, or abandoned). Feeds
/// `max_streams` and, for HTTP/2, `reset_streams`: a request dropped before
/// [`OpenRequest::ended`] — a handler cancelled or failed (an injected
/// reset), or a body dropped before its last byte was handed to hyper — is
/// a stream that was reset.
#[derive(Debug)]
pub(crate) struct OpenRequest {
    pub(crate) conn: Arc<Conn>,
    pub(crate) proto: Proto,
    ended: bool,
}

impl OpenRequest {
    /// Opens a request of `proto` on `conn`.
    pub(crate) fn new(conn: Arc<Conn>, proto: Proto) -> OpenRequest {
        let open = conn.open_requests.fetch_add(1, Relaxed) + 1;
        conn.opened_requests.fetch_add(1, Relaxed);
        conn.shared.counters.streams_open(proto, open);
        OpenRequest {
            conn,
            proto,
            ended: false,
        }
    }

    /// The response ended whole: its last byte was handed to hyper.
    pub(crate) fn ended(&mut self) {
        self.ended = true;
    }
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.conn.open_requests.fetch_sub(1, Relaxed);
        if !self.ended && self.proto == Proto::Http2 {
            self.conn.shared.counters.reset_stream(self.proto);
        }
    }
}

/// A stream the server serves HTTP on: plain TCP or TLS over TCP, with the
/// TCP socket reachable for `SO_LINGER`.
pub(crate) trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// The TCP socket below.
    fn tcp(&self) -> &TcpStream;
}

impl Socket for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Socket for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

/// The HTTP/2 connection preface (RFC 9113 §3.4), with which a client that
/// speaks HTTP/2 by prior knowledge opens a cleartext connection.
pub(crate) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Its length.
pub(crate) const PREFACE_LEN: usize = PREFACE.len();

/// Bytes already read from a connection, handed to hyper before anything
/// else is read (the first bytes of a cleartext connection, read to tell
/// HTTP/2 by prior knowledge from HTTP/1.1). At most [`PREFACE_LEN`].
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pub(crate) buf: [u8; PREFACE_LEN],
    /// Bytes of `buf` handed to hyper so far.
    pos: usize,
    /// Bytes of `buf` that were read.
    pub(crate) len: usize,
}

/// The accepted socket as hyper sees it: [`TokioIo`] plus the two HTTP/1.1
/// fault hooks and the [`Replay`].
pub(crate) struct ConnIo<S: Socket> {
    io: TokioIo<S>,
    conn: Arc<Conn>,
    replay: Replay,
}

impl<S: Socket> ConnIo<S> {
    /// `stream` of `conn`, with `replay` read before the stream.
    pub(crate) fn new(stream: S, conn: Arc<Conn>, replay: Replay) -> ConnIo<S> {
        ConnIo {
            io: TokioIo::new(stream),
            conn,
            replay,
        }
    }
}

/// Makes the socket's close an RST (`SO_LINGER` 0), dropping whatever is unsent.
pub(crate) fn linger_zero(stream: &TcpStream) {
    // Best effort: should it fail, the close is a FIN, still without a response.
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

impl<S: Socket> Drop for ConnIo<S> {
    fn drop(&mut self) {
        if self.conn.reset.load(Relaxed) {
            linger_zero(self.io.inner().tcp());
        }
    }
}

impl<S: Socket> Read for ConnIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let replay = &mut self.replay;
        if replay.pos < replay.len {
            let n = (replay.len - replay.pos).min(buf.remaining());
            buf.put_slice(&replay.buf[replay.pos..replay.pos + n]);
            replay.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<S: Socket> Write for ConnIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes the socket only once its own write buffer is empty; a
    /// truncated answer is then wholly handed to the stream: flush that
    /// (TLS records buffered in rustls), then fail, which ends the connection.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.io).poll_flush(cx);
        if self.conn.is_truncated() && matches!(flushed, Poll::Ready(Ok(()))) {
            return Poll::Ready(Err(io::Error::other("injected fault: truncated body")));
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
