//! One connection's state ([`Conn`]), shared by its requests, its socket
//! and (for a truncated answer) its body; and the requests open on it
//! ([`OpenRequest`]), which feed `max_streams` and `reset_streams`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::shared::Shared;
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

    /// Whether [`Conn::reset`] was called.
    pub(crate) fn is_reset(&self) -> bool {
        self.reset.load(Relaxed)
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
