//! The socket as hyper reads and writes it ([`ConnIo`]): [`TokioIo`] plus
//! the bytes read to sniff the version ([`Replay`]) and the two HTTP/1.1
//! fault hooks, which end a connection in a way hyper has no knob for:
//!
//! - **reset**: the handler marks the connection ([`Conn::reset`]) and fails
//!   the request; hyper then drops the connection without writing anything,
//!   and [`ConnIo`]'s drop sets `SO_LINGER` to 0 on the TCP socket first (under
//!   TLS too; over a delay line, once what was written before has gone out),
//!   so the kernel answers with an RST instead of a FIN.
//! - **truncate**: the body hands out its last byte and marks the connection
//!   ([`Conn::truncated`]); the next time hyper flushes with its write buffer
//!   empty — so every byte handed out is in the stream's hands — [`ConnIo`]
//!   flushes the stream below (TLS records still buffered in rustls go out)
//!   and then fails the flush, and hyper closes the connection (a FIN after
//!   the bytes). (A body error frame would make hyper close at once,
//!   discarding what it still buffers.)
//!
//! HTTP/2 faults end a stream, not the connection: see [`crate::body`].
//! On the hot path the wrapper costs one relaxed load per flush and one
//! branch per read.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::delay::Delayed;
use super::sniff::Replay;
use super::state::Conn;

/// A stream the server serves HTTP on: plain TCP, TLS over TCP, or either
/// over a delay line ([`Delayed`]), whose close can be made an RST.
pub(crate) trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Makes the connection's close an RST (`SO_LINGER` 0) instead of a FIN.
    fn reset_on_close(&self);
}

/// What a connection is before TLS or HTTP: the TCP socket, or the
/// server's end of a delay line over it. The first byte tells the scheme.
pub(crate) trait Wire: Socket {
    /// The first byte to read, without reading it (`None` at EOF).
    fn poll_first_byte(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<u8>>>;
}

impl Socket for TcpStream {
    fn reset_on_close(&self) {
        linger_zero(self);
    }
}

impl Wire for TcpStream {
    fn poll_first_byte(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<u8>>> {
        let mut first = [0u8; 1];
        let mut buf = tokio::io::ReadBuf::new(&mut first);
        let n = std::task::ready!(self.poll_peek(cx, &mut buf))?;
        Poll::Ready(Ok((n == 1).then_some(first[0])))
    }
}

impl Socket for Delayed {
    fn reset_on_close(&self) {
        Delayed::reset_on_close(self);
    }
}

impl Wire for Delayed {
    fn poll_first_byte(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<u8>>> {
        self.poll_peek(cx)
    }
}

impl<W: Wire> Socket for tokio_rustls::server::TlsStream<W> {
    fn reset_on_close(&self) {
        self.get_ref().0.reset_on_close();
    }
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
        if self.conn.is_reset() {
            self.io.inner().reset_on_close();
        }
    }
}

impl<S: Socket> Read for ConnIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        if self.replay.pending() {
            self.replay.hand_out(&mut buf);
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
