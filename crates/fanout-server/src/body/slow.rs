//! [`SlowBody`]: a whole, correct [`Payload`] trickled in [`SLOW_PIECES`]
//! pieces, [`SLOW_PAUSE`] apart (an injected `slow`: about 40 ms more).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::payload::Payload;

/// A slow body comes in this many pieces…
pub(crate) const SLOW_PIECES: u64 = 8;
/// …each after a pause this long (so about 40 ms in all).
pub(crate) const SLOW_PAUSE: Duration = Duration::from_millis(5);

/// A [`Payload`] in [`SLOW_PIECES`] pieces as even as can be (fewer
/// for a body under that many bytes), each after a [`SLOW_PAUSE`]. A piece
/// may take more than one frame (the prefix, 64 KiB slices); hyper writes
/// them together when the next pause starts.
#[derive(Debug)]
pub(crate) struct SlowBody {
    payload: Payload,
    /// The piece being sent, 1..=SLOW_PIECES; 0 before the first.
    piece: u64,
    /// Bytes left of that piece; 0 = pause, then the next piece.
    left: u64,
    pause: Pin<Box<Sleep>>,
}

impl SlowBody {
    /// All of `payload`, trickled. Starts its first pause now, so it must be
    /// made on the runtime.
    pub(crate) fn new(payload: Payload) -> SlowBody {
        SlowBody {
            payload,
            piece: 0,
            left: 0,
            pause: Box::pin(tokio::time::sleep(SLOW_PAUSE)),
        }
    }
}

impl Body for SlowBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.payload.is_end_stream() {
            return Poll::Ready(None);
        }
        if this.left == 0 {
            if this.pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Piece k ends at ⌊len·k/8⌋; skip the empty ones of a short body.
            // Ends by k = SLOW_PIECES, whose end is `len` > `sent`.
            while this.left == 0 {
                this.piece += 1;
                let end = this.payload.len() * this.piece / SLOW_PIECES;
                this.left = end.saturating_sub(this.payload.sent());
            }
        }
        let chunk = this.payload.next_chunk(this.left);
        if let Some(c) = &chunk {
            this.left -= c.len() as u64;
            if this.left == 0 {
                this.pause.as_mut().reset(Instant::now() + SLOW_PAUSE);
            }
        }
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        self.payload.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.payload.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use fanout_core::Format;

    use super::*;
    use crate::body::ResponseBody;
    use crate::body::tests::drain;

    fn payload(id: u64, bytes: u64, format: Format, corrupt: bool) -> Payload {
        Payload::new(id, bytes, format, corrupt).unwrap()
    }

    #[test]
    fn a_slow_body_is_whole_in_pieces_with_pauses() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for (bytes, format) in [
            (0u64, Format::Bytes),
            (1, Format::Bytes),
            (7, Format::Bytes),
            (8, Format::Bytes),
            (9, Format::Bytes),
            (100, Format::Bytes),
            (200_000, Format::Bytes),
            (2048, Format::Json),
        ] {
            let want = drain(ResponseBody::Whole(payload(9, bytes, format, false)));
            let (got, pieces, took) = rt.block_on(async {
                let started = Instant::now();
                let mut body =
                    ResponseBody::Slow(Box::new(SlowBody::new(payload(9, bytes, format, false))));
                let (mut got, mut pieces, mut in_piece) = (Vec::new(), 0, false);
                while let Some(frame) = std::future::poll_fn(|cx| {
                    let poll = Pin::new(&mut body).poll_frame(cx);
                    if poll.is_pending() {
                        in_piece = false;
                    }
                    poll
                })
                .await
                {
                    if !in_piece {
                        pieces += 1;
                        in_piece = true;
                    }
                    got.extend_from_slice(&frame.unwrap().into_data().unwrap());
                }
                (got, pieces, started.elapsed())
            });
            assert!(got == want, "{bytes} bytes");
            assert_eq!(
                pieces,
                (want.len() as u64).min(SLOW_PIECES),
                "{bytes} bytes"
            );
            assert!(
                took >= SLOW_PAUSE * pieces as u32,
                "{bytes} bytes in {took:?}"
            );
        }
    }
}
