//! What every connection of one server shares ([`Shared`]): the counters,
//! hyper's two connection builders (set up once, from the [`Config`]), the
//! TLS acceptor, the limits, the emulated round trip, and how many
//! connections are open.

use std::fmt;

use fanout_core::stats::ServerStats;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio_rustls::TlsAcceptor;

use crate::config::Config;
use crate::stats::Counters;

/// Read and write buffer cap per HTTP/1.1 connection: requests are a few
/// hundred bytes; bodies are queued as 64 KiB static slices, not copied.
const MAX_BUF_SIZE: usize = 64 * 1024;
/// Largest request head (request line and headers) hyper accepts; a larger
/// one gets `431` and a close (HTTP/1.1), or `431` on its stream (HTTP/2,
/// where it is `SETTINGS_MAX_HEADER_LIST_SIZE`). Without it, a head that
/// arrives in one read could pass `MAX_BUF_SIZE`, which hyper checks only
/// while a head is partial.
const MAX_HEADER_SIZE: usize = 64 * 1024;

/// What every connection of one server shares.
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) http1: http1::Builder,
    pub(crate) http2: http2::Builder<TokioExecutor>,
    pub(crate) tls: TlsAcceptor,
    /// How long a client gets for its first byte, its TLS handshake and
    /// each request head; also how long an idle connection is kept.
    pub(crate) header_read_timeout: Duration,
    /// Connections open now ([`Conn`](crate::conn::state::Conn)s alive).
    pub(crate) open: AtomicUsize,
    /// Most connections open at once ([`Config::max_connections`]).
    pub(crate) max_connections: usize,
    /// `POST /stats/reset` is answered ([`Config::allow_reset`]).
    pub(crate) allow_reset: bool,
    /// The round trip each connection's delay line emulates
    /// ([`Config::rtt`]); zero: none, the socket as it is.
    pub(crate) rtt: Duration,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("counters", &self.counters)
            .field("open", &self.open)
            .field("max_connections", &self.max_connections)
            .field("rtt", &self.rtt)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// What the connections of a server with `config` share; `tls` accepts
    /// its TLS connections.
    pub(crate) fn new(config: &Config, tls: TlsAcceptor) -> Shared {
        let mut http1 = http1::Builder::new();
        // hyper answers a head over `max_header_size` (a long URI included)
        // or with more than 100 header lines with 431, then closes.
        http1
            .timer(TokioTimer::new())
            .keep_alive(true)
            .header_read_timeout(config.header_read_timeout)
            .max_buf_size(MAX_BUF_SIZE)
            .max_header_size(MAX_HEADER_SIZE);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(config.h2_max_streams)
            .max_header_list_size(MAX_HEADER_SIZE as u32);
        Shared {
            counters: Counters::default(),
            http1,
            http2,
            tls,
            header_read_timeout: config.header_read_timeout,
            open: AtomicUsize::new(0),
            max_connections: config.max_connections,
            allow_reset: config.allow_reset,
            rtt: config.rtt,
        }
    }

    /// The counters now, with the round trip this server emulates.
    pub(crate) fn stats(&self) -> ServerStats {
        ServerStats {
            rtt_ms: self.rtt.as_millis() as u64,
            ..self.counters.snapshot()
        }
    }
}
