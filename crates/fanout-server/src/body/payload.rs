//! [`Payload`]: the bytes of a `/delay` answer — the rule's bytes of
//! request `id`, or its JSON document — handed out in order without copying
//! beyond the small prefix frame.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use fanout_core::body::{CHUNK, fill_chunk, prefix};
use fanout_core::{Document, Format};
use hyper::body::{Body, Frame, SizeHint};

/// The byte a corrupted body starts with.
pub(crate) const CORRUPT_BYTE: u8 = b'!';

/// Where a payload's bytes come from.
#[derive(Debug)]
enum Source {
    /// The deterministic rule of request `id` ([`fanout_core::body`]).
    Rule {
        id: u64,
        /// `"{id}:"`, its first byte replaced for a corrupted body.
        prefix: [u8; 21],
        prefix_len: u8,
    },
    /// A serialized JSON document, sliced without copying.
    Json(Bytes),
}

/// The bytes of a `/delay` answer, handed out in order without copying
/// beyond the small prefix frame.
#[derive(Debug)]
pub(crate) struct Payload {
    source: Source,
    /// Length of the whole body.
    len: u64,
    /// Bytes handed out so far.
    sent: u64,
}

impl Payload {
    /// The body of request `id` for a plan of `bytes` in `format`: the rule's
    /// `bytes` bytes, or the JSON document of `(id, bytes)` (about `bytes`
    /// long). With `corrupt`, its first byte is `!` (a body of 0 bytes has
    /// none to replace). Fails only if serde_json does.
    pub(crate) fn new(
        id: u64,
        bytes: u64,
        format: Format,
        corrupt: bool,
    ) -> Result<Payload, serde_json::Error> {
        let (source, len) = match format {
            Format::Json => {
                let mut json = serde_json::to_vec(&Document::new(id, bytes))?;
                if corrupt && let Some(first) = json.first_mut() {
                    *first = CORRUPT_BYTE;
                }
                let len = json.len() as u64;
                (Source::Json(Bytes::from(json)), len)
            }
            Format::Bytes => {
                let mut buf = [0u8; 21];
                let prefix_len = prefix(id, &mut buf) as u8;
                if corrupt {
                    // The prefix is at least "0:", and it starts the body.
                    buf[0] = CORRUPT_BYTE;
                }
                let source = Source::Rule {
                    id,
                    prefix: buf,
                    prefix_len,
                };
                (source, bytes)
            }
        };
        Ok(Payload {
            source,
            len,
            sent: 0,
        })
    }

    /// Whether it is a JSON document (else bytes of the rule).
    pub(crate) fn is_json(&self) -> bool {
        matches!(self.source, Source::Json(_))
    }

    /// Length of the whole body.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes handed out so far.
    pub(super) fn sent(&self) -> u64 {
        self.sent
    }

    /// The next chunk, at most `max` (≥ 1) bytes; `None` at the end.
    pub(super) fn next_chunk(&mut self, max: u64) -> Option<Bytes> {
        let remaining = (self.len - self.sent).min(max);
        if remaining == 0 {
            return None;
        }
        let chunk = match &self.source {
            Source::Rule {
                id,
                prefix,
                prefix_len,
            } => {
                let plen = u64::from(*prefix_len);
                if self.sent < plen {
                    let end = plen.min(self.sent + remaining) as usize;
                    Bytes::copy_from_slice(&prefix[self.sent as usize..end])
                } else {
                    let max = remaining.min(CHUNK as u64) as usize;
                    Bytes::from_static(fill_chunk(*id, self.sent, max))
                }
            }
            Source::Json(json) => {
                let start = self.sent as usize;
                json.slice(start..start + remaining.min(CHUNK as u64) as usize)
            }
        };
        self.sent += chunk.len() as u64;
        Some(chunk)
    }
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(
            self.get_mut()
                .next_chunk(u64::MAX)
                .map(|c| Ok(Frame::data(c))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.len
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len - self.sent)
    }
}

#[cfg(test)]
mod tests {
    use fanout_core::body::expected;

    use super::*;
    use crate::body::ResponseBody;
    use crate::body::tests::drain;

    fn payload(id: u64, bytes: u64, format: Format, corrupt: bool) -> Payload {
        Payload::new(id, bytes, format, corrupt).unwrap()
    }

    fn json(id: u64, bytes: u64) -> Vec<u8> {
        serde_json::to_vec(&Document::new(id, bytes)).unwrap()
    }

    #[test]
    fn byte_bodies_are_the_rule_at_every_size() {
        for id in [0, 7, 42, 64, 12345, u64::MAX] {
            for bytes in [
                0,
                1,
                2,
                3,
                20,
                21,
                22,
                1000,
                CHUNK as u64,
                CHUNK as u64 + 1,
                200_000,
            ] {
                let got = drain(ResponseBody::Whole(payload(
                    id,
                    bytes,
                    Format::Bytes,
                    false,
                )));
                assert!(got == expected(id, bytes), "id {id} bytes {bytes}");
            }
        }
    }

    #[test]
    fn json_bodies_are_the_document_and_decode() {
        for (id, bytes) in [(0, 0), (1, 2048), (u64::MAX, 100), (9, 300_000)] {
            let got = drain(ResponseBody::Whole(payload(id, bytes, Format::Json, false)));
            assert!(got == json(id, bytes), "id {id} bytes {bytes}");
            let doc: Document = serde_json::from_slice(&got).unwrap();
            assert_eq!(doc.verify(id, bytes), Ok(()));
        }
        assert!(payload(1, 10, Format::Json, false).is_json());
        assert!(!payload(1, 10, Format::Bytes, false).is_json());
    }

    #[test]
    fn a_corrupted_body_differs_in_its_first_byte_only() {
        for (id, bytes) in [(0, 1), (42, 10), (7, 200_000)] {
            let got = drain(ResponseBody::Whole(payload(id, bytes, Format::Bytes, true)));
            let mut want = expected(id, bytes);
            want[0] = b'!';
            assert!(got == want, "id {id} bytes {bytes}");
            assert!(fanout_core::body::verify(id, bytes, &got).is_err());
        }
        assert!(drain(ResponseBody::Whole(payload(3, 0, Format::Bytes, true))).is_empty());
        let got = drain(ResponseBody::Whole(payload(5, 2048, Format::Json, true)));
        let mut want = json(5, 2048);
        want[0] = b'!';
        assert_eq!(got, want);
        assert!(serde_json::from_slice::<Document>(&got).is_err());
    }
}
