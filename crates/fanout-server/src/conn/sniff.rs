//! Telling HTTP/2 by prior knowledge (h2c) from HTTP/1.1 on a cleartext
//! connection: a first byte other than `P` is HTTP/1.1 at once, with
//! nothing read. After a `P` (the preface, or `POST`, `PUT`, …) [`sniff`]
//! reads at most the preface's 24 bytes, stopping at the first byte that
//! differs, and keeps what it read as a [`Replay`] to hand back to hyper
//! before the rest.

use std::io;

use hyper::rt::ReadBufCursor;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The HTTP/2 connection preface (RFC 9113 §3.4), with which a client that
/// speaks HTTP/2 by prior knowledge opens a cleartext connection.
pub(crate) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Its length.
const PREFACE_LEN: usize = PREFACE.len();

/// Bytes already read from a connection, handed to hyper before anything
/// else is read (the first bytes of a cleartext connection, read to tell
/// HTTP/2 by prior knowledge from HTTP/1.1). At most [`PREFACE_LEN`].
#[derive(Debug, Default)]
pub(crate) struct Replay {
    buf: [u8; PREFACE_LEN],
    /// Bytes of `buf` handed to hyper so far.
    pos: usize,
    /// Bytes of `buf` that were read.
    len: usize,
}

impl Replay {
    /// The bytes read are the whole HTTP/2 preface.
    pub(crate) fn is_preface(&self) -> bool {
        self.len == PREFACE_LEN && self.buf == *PREFACE
    }

    /// Some bytes are still to be handed to hyper.
    pub(crate) fn pending(&self) -> bool {
        self.pos < self.len
    }

    /// Hands as many of the bytes still due as fit to `buf`.
    pub(crate) fn hand_out(&mut self, buf: &mut ReadBufCursor<'_>) {
        let n = (self.len - self.pos).min(buf.remaining());
        buf.put_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
    }
}

/// Reads the first bytes of a cleartext connection until they are the
/// HTTP/2 preface, differ from it, or end (EOF).
pub(super) async fn sniff<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Replay> {
    let mut replay = Replay::default();
    while replay.len < PREFACE_LEN {
        let from = replay.len;
        let n = stream.read(&mut replay.buf[from..]).await?;
        replay.len += n;
        if n == 0 || replay.buf[from..replay.len] != PREFACE[from..replay.len] {
            break;
        }
    }
    Ok(replay)
}
