//! One connection: its state ([`Conn`]) and the socket hyper reads and writes
//! through ([`ConnIo`]), which is how an injected fault ends a connection.
//!
//! Two faults end a connection in a way hyper has no knob for:
//!
//! - **reset**: the handler marks the connection ([`Conn::reset`]) and fails
//!   the request; hyper then drops the connection without writing anything,
//!   and [`ConnIo`]'s drop sets `SO_LINGER` to 0 first, so the kernel
//!   answers with an RST instead of a FIN.
//! - **truncate**: the body hands out its last byte and marks the connection
//!   ([`Conn::truncated`]); the next time hyper flushes with its write buffer
//!   empty — so every byte handed out is in the kernel's hands — [`ConnIo`]
//!   fails the flush, and hyper closes the connection (a FIN after the bytes).
//!   (A body error frame would make hyper close at once, discarding what it
//!   still buffers.)
//!
//! On the hot path the wrapper costs one relaxed load per flush.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::net::TcpStream;

use crate::serve::Shared;

/// One connection's state, shared by its requests, its socket and (for a
/// truncated answer) its body. Counts as open in [`Shared`] until dropped.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    /// A request on this connection is sleeping in `/delay`.
    pub(crate) sleeping: AtomicBool,
    /// Close with an RST, not a FIN, when the socket drops.
    reset: AtomicBool,
    /// A truncated body has handed out all it will: end the connection once
    /// that is flushed.
    truncated: AtomicBool,
}

impl Conn {
    /// A new open connection of `shared` (counted in `shared.open` until dropped).
    pub(crate) fn new(shared: Arc<Shared>) -> Conn {
        shared.open.fetch_add(1, Relaxed);
        Conn {
            shared,
            sleeping: AtomicBool::new(false),
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
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Relaxed);
    }
}

/// The accepted socket as hyper sees it: [`TokioIo`] plus the two fault hooks.
pub(crate) struct ConnIo {
    io: TokioIo<TcpStream>,
    conn: Arc<Conn>,
}

impl ConnIo {
    pub(crate) fn new(stream: TcpStream, conn: Arc<Conn>) -> ConnIo {
        ConnIo {
            io: TokioIo::new(stream),
            conn,
        }
    }
}

/// Makes the socket's close an RST (`SO_LINGER` 0), dropping whatever is unsent.
pub(crate) fn linger_zero(stream: &TcpStream) {
    // Best effort: should it fail, the close is a FIN, still without a response.
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.conn.reset.load(Relaxed) {
            linger_zero(self.io.inner());
        }
    }
}

impl Read for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for ConnIo {
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
    /// truncated answer is then wholly written, and failing here ends the
    /// connection.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.conn.is_truncated() {
            return Poll::Ready(Err(io::Error::other("injected fault: truncated body")));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
