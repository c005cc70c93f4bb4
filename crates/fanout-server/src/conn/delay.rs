//! The delay line: a connection as if it crossed a network with a round
//! trip of `rtt` ([`Config::rtt`](crate::Config::rtt)), for every client
//! alike, with no root and no kernel module.
//!
//! Under everything the server does with a connection — the peek at its
//! first byte, TLS, the h2c sniff, hyper — sits [`Delayed`], the server's
//! end of a line whose other end, the [pump](Pump), owns the TCP socket on
//! a task of its own:
//!
//! - **inbound**: the pump reads the socket as soon as bytes arrive and
//!   queues them, stamped; the server may read a chunk `rtt / 2` after it
//!   arrived — and no earlier than `1.5 × rtt` after the connection was
//!   accepted: loopback completes the TCP handshake at once, so the client
//!   sends its first bytes one round trip before it could over a network,
//!   and they are held for that round trip. A cold HTTP request then costs
//!   2 round trips and the delay, a cold HTTPS (TLS 1.3) request 3, as over
//!   TCP; the server also sees each request when a server across a network
//!   would (so HTTP/2's server SETTINGS, sent before any request, costs no
//!   extra round trip);
//! - **outbound**: what the server writes is queued, stamped, and the pump
//!   writes it to the socket `rtt / 2` later. A close (a FIN, or the RST of
//!   an injected reset) follows the last byte, `rtt / 2` after the server
//!   closed.
//!
//! Each direction is a FIFO of chunks whose due times only grow, so one
//! timer per direction serves it: the server's end sleeps until its front
//! chunk is due, the pump until its own is. Nothing throttles bandwidth: a
//! chunk waits its due time, not for the chunks before it to be paced; each
//! direction holds at most [`IN_FLIGHT`] bytes (then the writer waits, as
//! on a TCP window of that size: 320 MiB/s each way at 25 ms), so a 1 MiB
//! body takes its loopback time plus the round trip. Not emulated: packet
//! loss, a bandwidth limit, the congestion window's slow start, DNS.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// Most bytes one direction holds in flight: a writer with this much
/// queued waits until some is delivered (a TCP window of 4 MiB).
pub(crate) const IN_FLIGHT: usize = 4 * 1024 * 1024;
/// How much the pump asks the socket for at once.
const READ_CHUNK: usize = 64 * 1024;
/// Most chunks the pump hands the socket in one vectored write (Linux
/// takes up to 1 024).
const MAX_SLICES: usize = 64;

/// Puts a delay line of round trip `rtt` between `socket` and the server:
/// spawns the [`Pump`] that owns the socket (holding `alive`, so a stop
/// waits for what it still has to deliver) and returns the server's end.
pub(crate) fn start(socket: TcpStream, rtt: Duration, alive: mpsc::Sender<Infallible>) -> Delayed {
    let half = rtt / 2;
    let accepted = Instant::now();
    let line = Arc::new(Line {
        inbound: Mutex::new(Queue::default()),
        outbound: Mutex::new(Queue::default()),
        reset: AtomicBool::new(false),
    });
    let pump = Pump {
        socket,
        line: line.clone(),
        // No client byte reaches the server before the handshake would have
        // completed: one round trip after the accept, then half of one.
        held_until: accepted + rtt,
        half,
        timer: Box::pin(tokio::time::sleep_until(accepted)),
        read_buf: BytesMut::new(),
        read_done: false,
        _alive: alive,
    };
    tokio::spawn(pump);
    Delayed {
        line,
        half,
        timer: Box::pin(tokio::time::sleep_until(accepted)),
        shut_down: false,
    }
}

/// Both directions of one connection, shared by its two ends.
#[derive(Debug)]
struct Line {
    /// Client → server: filled by the pump, read by [`Delayed`].
    inbound: Mutex<Queue>,
    /// Server → client: filled by [`Delayed`], written out by the pump.
    outbound: Mutex<Queue>,
    /// Close the socket with an RST, not a FIN (an injected reset).
    reset: AtomicBool,
}

/// Locks a queue; a poisoned lock (a panic elsewhere) still holds valid bytes.
fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One direction: chunks in order, each with the instant it may be delivered.
#[derive(Debug, Default)]
struct Queue {
    chunks: VecDeque<(Instant, Bytes)>,
    /// Bytes in `chunks`.
    queued: usize,
    /// How the direction ends, once it does, and when that is due: after
    /// the last chunk, an EOF (`None`) or an error of this kind.
    end: Option<(Instant, Option<io::ErrorKind>)>,
    /// The receiving side is gone: writes fail (the client went away, or
    /// the server dropped its end).
    receiver_gone: bool,
    /// The receiver, waiting for a chunk (or the end).
    receiver: Option<Waker>,
    /// The sender, waiting for room ([`IN_FLIGHT`]).
    sender: Option<Waker>,
}

impl Queue {
    /// Queues `bytes`, due at `due`; wakes the receiver if it had nothing.
    fn push(&mut self, due: Instant, bytes: Bytes) {
        self.queued += bytes.len();
        self.chunks.push_back((due, bytes));
        if self.chunks.len() == 1 {
            self.wake_receiver();
        }
    }

    /// Ends the direction at `due` (after its last chunk).
    fn finish(&mut self, due: Instant, how: Option<io::ErrorKind>) {
        if self.end.is_none() {
            self.end = Some((due, how));
            self.wake_receiver();
        }
    }

    /// Takes `n` bytes off the front chunk (the receiver delivered them);
    /// wakes the sender if that makes room.
    fn consume(&mut self, n: usize) {
        let Some((_, front)) = self.chunks.front_mut() else {
            return;
        };
        front.advance(n);
        if front.is_empty() {
            self.chunks.pop_front();
        }
        let was_full = self.queued >= IN_FLIGHT;
        self.queued -= n;
        if was_full
            && self.queued < IN_FLIGHT
            && let Some(w) = self.sender.take()
        {
            w.wake();
        }
    }

    fn wake_receiver(&mut self) {
        if let Some(w) = self.receiver.take() {
            w.wake();
        }
    }

    /// When the front of the queue (a chunk, else the end) is due, if any.
    fn next_due(&self) -> Option<Instant> {
        match self.chunks.front() {
            Some((due, _)) => Some(*due),
            None => self.end.map(|(due, _)| due),
        }
    }

    /// Room for more bytes (one chunk may pass the cap; none beyond it).
    fn has_room(&self) -> bool {
        self.queued < IN_FLIGHT
    }
}

/// Waits on `timer` until `due`: ready once it has passed.
fn poll_until(timer: &mut Pin<Box<Sleep>>, due: Instant, cx: &mut Context<'_>) -> Poll<()> {
    if timer.deadline() != due {
        timer.as_mut().reset(due);
    }
    timer.as_mut().poll(cx)
}

/// The server's end of a delay line: what TLS, the sniffer and hyper read
/// and write instead of the socket.
#[derive(Debug)]
pub(crate) struct Delayed {
    line: Arc<Line>,
    half: Duration,
    /// The inbound direction's one timer: sleeps until the front chunk is due.
    timer: Pin<Box<Sleep>>,
    /// The server shut its writing side down (the pump sends a FIN).
    shut_down: bool,
}

impl Delayed {
    /// Waits until the front inbound chunk (or the end) is due; `Ok(true)`
    /// when a chunk is ready, `Ok(false)` at EOF.
    fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        loop {
            let mut inbound = lock(&self.line.inbound);
            let Some(due) = inbound.next_due() else {
                inbound.receiver = Some(cx.waker().clone());
                return Poll::Pending;
            };
            if due > Instant::now() {
                drop(inbound);
                ready!(poll_until(&mut self.timer, due, cx));
                continue;
            }
            return Poll::Ready(match (inbound.chunks.is_empty(), inbound.end) {
                (false, _) => Ok(true),
                (true, Some((_, None))) => Ok(false),
                (true, Some((_, Some(kind)))) => Err(io::Error::from(kind)),
                (true, None) => unreachable!("next_due is a chunk or the end"),
            });
        }
    }

    /// The first byte due, without taking it (`None` at EOF): what
    /// `TcpStream::peek` gives on a plain connection.
    pub(crate) fn poll_peek(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<u8>>> {
        if !ready!(self.poll_due(cx))? {
            return Poll::Ready(Ok(None));
        }
        let inbound = lock(&self.line.inbound);
        Poll::Ready(Ok(inbound.chunks.front().map(|(_, b)| b[0])))
    }

    /// Makes the connection's close an RST (`SO_LINGER` 0) once what the
    /// server wrote before it has gone out.
    pub(crate) fn reset_on_close(&self) {
        self.line.reset.store(true, Relaxed);
    }
}

impl AsyncRead for Delayed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !ready!(self.poll_due(cx))? {
            return Poll::Ready(Ok(()));
        }
        // Every chunk due now, as much as fits.
        let now = Instant::now();
        let mut inbound = lock(&self.line.inbound);
        while buf.remaining() > 0 {
            let Some((due, front)) = inbound.chunks.front() else {
                break;
            };
            if *due > now {
                break;
            }
            let n = front.len().min(buf.remaining());
            buf.put_slice(&front[..n]);
            inbound.consume(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Delayed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut outbound = lock(&self.line.outbound);
        if outbound.receiver_gone || self.shut_down {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if !outbound.has_room() {
            outbound.sender = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        let mut chunk = BytesMut::with_capacity(len);
        for b in bufs {
            chunk.extend_from_slice(b);
        }
        outbound.push(Instant::now() + self.half, chunk.freeze());
        Poll::Ready(Ok(len))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Written bytes are on the line, as they would be in a kernel's send
    /// buffer: nothing to wait for.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// A FIN after the last byte written, `rtt / 2` from now.
    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.shut_down {
            self.shut_down = true;
            lock(&self.line.outbound).finish(Instant::now() + self.half, None);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for Delayed {
    /// The server closed the connection: the close follows the last byte
    /// written, `rtt / 2` from now; nothing more is read.
    fn drop(&mut self) {
        lock(&self.line.outbound).finish(Instant::now() + self.half, None);
        let mut inbound = lock(&self.line.inbound);
        inbound.receiver_gone = true;
        if let Some(w) = inbound.sender.take() {
            w.wake();
        }
    }
}

/// The other end: owns the socket, reads it into the inbound queue as
/// soon as bytes arrive, writes the outbound queue to it as chunks fall
/// due, and closes it (FIN, or RST after an injected reset) once the
/// server has closed and everything it wrote has gone out.
struct Pump {
    socket: TcpStream,
    line: Arc<Line>,
    /// No inbound byte is due before this (the emulated TCP handshake).
    held_until: Instant,
    half: Duration,
    /// The outbound direction's one timer.
    timer: Pin<Box<Sleep>>,
    read_buf: BytesMut,
    /// The socket reached EOF or failed, or the server stopped reading.
    read_done: bool,
    /// Keeps the server's stop waiting for this task.
    _alive: mpsc::Sender<Infallible>,
}

impl Pump {
    /// Reads what the socket has into the inbound queue, stamped.
    fn poll_inbound(&mut self, cx: &mut Context<'_>) {
        while !self.read_done {
            {
                let mut inbound = lock(&self.line.inbound);
                if inbound.receiver_gone {
                    self.read_done = true;
                    return;
                }
                if !inbound.has_room() {
                    inbound.sender = Some(cx.waker().clone());
                    return;
                }
            }
            if self.socket.poll_read_ready(cx).is_pending() {
                return;
            }
            self.read_buf.reserve(READ_CHUNK);
            let read = self.socket.try_read_buf(&mut self.read_buf);
            let due = Instant::now().max(self.held_until) + self.half;
            let mut inbound = lock(&self.line.inbound);
            match read {
                Ok(0) => {
                    inbound.finish(due, None);
                    self.read_done = true;
                }
                Ok(_) => inbound.push(due, self.read_buf.split().freeze()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    inbound.finish(due, Some(e.kind()));
                    self.read_done = true;
                }
            }
        }
    }

    /// Writes the chunks that are due to the socket (as many at once as
    /// are due, in one vectored write); ready once the server has closed
    /// and everything has gone out, or the client went away.
    fn poll_outbound(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let mut outbound = lock(&self.line.outbound);
            let Some(due) = outbound.next_due() else {
                outbound.receiver = Some(cx.waker().clone());
                return Poll::Pending;
            };
            let now = Instant::now();
            if due > now {
                drop(outbound);
                ready!(poll_until(&mut self.timer, due, cx));
                continue;
            }
            if outbound.chunks.is_empty() {
                // Everything written: the server's close is due.
                return Poll::Ready(());
            }
            let slices: Vec<io::IoSlice<'_>> = outbound
                .chunks
                .iter()
                .take_while(|(due, _)| *due <= now)
                .take(MAX_SLICES)
                .map(|(_, b)| io::IoSlice::new(b))
                .collect();
            let written = Pin::new(&mut self.socket).poll_write_vectored(cx, &slices);
            drop(slices);
            match written {
                Poll::Ready(Ok(mut n)) => {
                    while n > 0 {
                        let front = outbound.chunks.front().map_or(0, |(_, b)| b.len());
                        let k = front.min(n);
                        outbound.consume(k);
                        n -= k;
                    }
                }
                Poll::Ready(Err(_)) => {
                    // The client is gone: the server's writes fail from now on.
                    outbound.receiver_gone = true;
                    outbound.chunks.clear();
                    outbound.queued = 0;
                    if let Some(w) = outbound.sender.take() {
                        w.wake();
                    }
                    return Poll::Ready(());
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Future for Pump {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.poll_inbound(cx);
        ready!(this.poll_outbound(cx));
        if this.line.reset.load(Relaxed) {
            // `SO_LINGER` 0: the close is an RST (best effort, as in `io.rs`).
            let _ = socket2::SockRef::from(&this.socket).set_linger(Some(Duration::ZERO));
        } else {
            // A FIN; the socket closes when the pump is dropped.
            let _ = Pin::new(&mut this.socket).poll_shutdown(cx);
        }
        // The server may still be reading what arrived before the close.
        let mut inbound = lock(&this.line.inbound);
        let due = Instant::now().max(this.held_until) + this.half;
        inbound.finish(due, None);
        Poll::Ready(())
    }
}
