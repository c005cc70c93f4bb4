//! One connection's life: which scheme and which HTTP version it speaks,
//! then hyper's server for that version until the connection ends, the
//! server stops, or (HTTP/2) it has been idle too long.
//!
//! The server has one port for both schemes. It peeks at the first byte
//! without reading it: `0x16` opens a TLS handshake record, so the
//! connection is TLS (tokio-rustls, on this connection's task — never in the
//! accept loop); anything else is cleartext. Then:
//!
//! - **TLS**: ALPN decides. A client that negotiated `h2` gets HTTP/2;
//!   `http/1.1` or no ALPN gets HTTP/1.1.
//! - **cleartext**: a connection that opens with the HTTP/2 preface
//!   (`PRI * HTTP/2.0…`, RFC 9113 §3.4) gets HTTP/2 by prior knowledge
//!   (h2c); anything else HTTP/1.1. A first byte other than `P` is HTTP/1.1
//!   at once, with nothing read ([`sniff`]).
//!
//! hyper-util's `server::conn::auto::Builder` also tells h2c from HTTP/1.1
//! by the preface, but its HTTP/1.1 side has no `max_header_size` (the
//! 64 KiB head cap this server keeps) and it does not say which version it
//! chose, which the per-protocol counters need; so the server makes the
//! same decision itself and uses hyper's two builders directly.
//!
//! The first byte, the TLS handshake and (HTTP/1.1, hyper's timer) each
//! request head must each arrive within `header_read_timeout`; a
//! connection that stays silent that long is closed. A handshake that fails
//! or times out is counted in `tls.failed`.
//!
//! With a round trip to emulate ([`Config::rtt`](crate::Config::rtt)),
//! all of this runs over the server's end of a delay line instead of the
//! socket ([`delay`]); without one, nothing is in the way.
//!
//! The rooms: [`state`] (the connection's [`Conn`] and its open requests),
//! [`delay`] (the delay line), [`sniff`] (h2c or HTTP/1.1), [`io`] (the
//! socket as hyper sees it, with the HTTP/1.1 fault hooks).

mod delay;
pub(crate) mod io;
mod sniff;
pub(crate) mod state;

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use rustls::HandshakeKind;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use self::io::{ConnIo, Socket, Wire};
use self::sniff::{PREFACE, Replay, sniff};
use self::state::Conn;
use crate::handler::handle;
use crate::stats::Proto;

/// The first byte of a TLS handshake record (content type 22).
const TLS_HANDSHAKE: u8 = 0x16;

/// Serves one connection until the client closes it, a fault ends it, or
/// the server stops; over a delay line when the server emulates a round
/// trip.
pub(crate) async fn serve(
    stream: TcpStream,
    conn: Arc<Conn>,
    mut stop: watch::Receiver<()>,
    alive: mpsc::Sender<Infallible>,
) {
    let rtt = conn.shared.rtt;
    if rtt.is_zero() {
        serve_wire(stream, conn, &mut stop).await;
    } else {
        let wire = delay::start(stream, rtt, alive.clone());
        serve_wire(wire, conn, &mut stop).await;
    }
    drop(alive);
}

/// Serves one connection on `wire`: the scheme, then the version, then hyper.
async fn serve_wire<W: Wire>(mut wire: W, conn: Arc<Conn>, stop: &mut watch::Receiver<()>) {
    let shared = conn.shared.clone();
    let limit = shared.header_read_timeout;
    let peek = std::future::poll_fn(|cx| wire.poll_first_byte(cx));
    // Silence, EOF, an error or a stop: close without a word.
    let Ok(Ok(Some(first))) = within(limit, stop, peek).await else {
        return;
    };
    if first == TLS_HANDSHAKE {
        let tls = match within(limit, stop, shared.tls.accept(wire)).await {
            Ok(Ok(tls)) => tls,
            // The client rejected the certificate, closed mid-handshake, sent
            // something that is not TLS, or took too long.
            Ok(Err(_)) | Err(Interrupted::TimedOut) => {
                shared.counters.tls_failed();
                return;
            }
            Err(Interrupted::Stopped) => return,
        };
        let session = tls.get_ref().1;
        shared
            .counters
            .tls_handshake(session.handshake_kind() == Some(HandshakeKind::Resumed));
        let proto = match session.alpn_protocol() {
            Some(b"h2") => Proto::Http2,
            _ => Proto::Http1,
        };
        serve_http(tls, Replay::default(), proto, conn, stop).await;
    } else {
        let replay = if first == PREFACE[0] {
            match within(limit, stop, sniff(&mut wire)).await {
                Ok(Ok(replay)) => replay,
                _ => return,
            }
        } else {
            Replay::default()
        };
        let proto = if replay.is_preface() {
            Proto::Http2
        } else {
            Proto::Http1
        };
        serve_http(wire, replay, proto, conn, stop).await;
    }
}

/// Why [`within`] gave up.
enum Interrupted {
    /// The work took longer than its limit.
    TimedOut,
    /// The server is stopping.
    Stopped,
}

/// `work`, unless it takes longer than `limit` or the server stops first.
async fn within<T>(
    limit: Duration,
    stop: &mut watch::Receiver<()>,
    work: impl Future<Output = T>,
) -> Result<T, Interrupted> {
    tokio::select! {
        done = tokio::time::timeout(limit, work) => done.map_err(|_| Interrupted::TimedOut),
        _ = stop.changed() => Err(Interrupted::Stopped),
    }
}

/// Serves HTTP of version `proto` on `stream` (after `replay`).
async fn serve_http<S: Socket>(
    stream: S,
    replay: Replay,
    proto: Proto,
    conn: Arc<Conn>,
    stop: &mut watch::Receiver<()>,
) {
    let shared = conn.shared.clone();
    shared.counters.protocol_connection(proto);
    let io = ConnIo::new(stream, conn.clone(), replay);
    let per_request = conn.clone();
    let service = service_fn(move |req| handle(req, per_request.clone(), proto));
    match proto {
        Proto::Http1 => {
            // hyper's own header read timeout closes an idle connection.
            let http = shared.http1.serve_connection(io, service);
            drive(http, |h| h.graceful_shutdown(), &conn, stop, None).await;
        }
        Proto::Http2 => {
            let http = shared.http2.serve_connection(io, service);
            let idle = Some(shared.header_read_timeout);
            drive(http, |h| h.graceful_shutdown(), &conn, stop, idle).await;
        }
    }
}

/// Drives hyper's connection `http` to its end; on a stop, shuts it down
/// gracefully (or drops it at once if a request is sleeping). With `idle`,
/// checks every `idle` whether no request was open nor opened since the last
/// check, and if so shuts it down gracefully (HTTP/2 has no header read
/// timer to close an idle connection).
async fn drive<F: Future>(
    http: F,
    shutdown: impl Fn(Pin<&mut F>),
    conn: &Conn,
    stop: &mut watch::Receiver<()>,
    mut idle: Option<Duration>,
) {
    let mut http = pin!(http);
    let mut mark = None;
    loop {
        tokio::select! {
            // Closed, timed out, broken or ended by a fault: hyper has
            // already said what it could. Dropping it closes the socket (an
            // RST after an injected HTTP/1.1 reset, see `io.rs`).
            _ = http.as_mut() => return,
            _ = stop.changed() => break,
            () = tokio::time::sleep(idle.unwrap_or_default()), if idle.is_some() => {
                let now = conn.idle_mark();
                if now.is_some() && now == mark {
                    shutdown(http.as_mut());
                    idle = None;
                }
                mark = now;
            }
        }
    }
    if conn.is_sleeping() {
        return;
    }
    shutdown(http.as_mut());
    let _ = http.await;
}
