//! The JSON API document: what the server sends for request `id` when the
//! plan's format is [`crate::Format::Json`], and what every row decodes with
//! its client's own JSON API and hands to core, which checks every field.
//!
//! The rule, defined here once and ported exactly by the reference programs
//! in other languages (`baselines/`):
//!
//! ```text
//! n        = max(1, bytes / 56)                   records, so the document is about `bytes` long
//! id       = id
//! name     = "item-{id}"
//! active   = id mod 2 == 0
//! score    = (id mod 1000) / 4                    a float, exact in binary
//! tags     = ["tag-{(id + j) mod 7}" for j in 0..3]
//! owner    = {"id": id mod 997, "email": "user{id mod 997}@example.com"}
//! records  = [{"seq": k,
//!              "label": "rec-{id}-{k}",
//!              "value": (id * 31 + k * 17) mod 100000,
//!              "ok": (id + k) mod 3 != 0} for k in 0..n]
//! ```
//!
//! The server serializes it with serde_json, keys in this order. Its length
//! is *about* `bytes` (2 KiB asked gives 2.0–2.3 KiB), not exact: a JSON
//! document's length is not something API clients choose. The id in every
//! record means a document meant for another request never verifies, and
//! every record is checked, so a row cannot skip decoding.

use serde::{Deserialize, Serialize};

/// Serialized size of one record, roughly: the divisor of the record count.
pub const RECORD_BYTES: u64 = 56;

/// The document of one response, as served and as decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The request id.
    pub id: u64,
    /// `item-{id}`.
    pub name: String,
    /// `id` is even.
    pub active: bool,
    /// `(id mod 1000) / 4`.
    pub score: f64,
    /// Three tags.
    pub tags: Vec<String>,
    /// A nested object.
    pub owner: Owner,
    /// The nested array that sizes the document.
    pub records: Vec<Record>,
}

/// The document's nested object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// `id mod 997`.
    pub id: u64,
    /// `user{id mod 997}@example.com`.
    pub email: String,
}

/// One element of [`Document::records`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the array.
    pub seq: u64,
    /// `rec-{id}-{seq}`.
    pub label: String,
    /// `(id * 31 + seq * 17) mod 100000`.
    pub value: u64,
    /// `(id + seq) mod 3 != 0`.
    pub ok: bool,
}

/// How many records the document of a `bytes`-sized plan has.
pub fn records(bytes: u64) -> u64 {
    (bytes / RECORD_BYTES).max(1)
}

fn value(id: u64, seq: u64) -> u64 {
    (id.wrapping_mul(31).wrapping_add(seq.wrapping_mul(17))) % 100_000
}

impl Document {
    /// The document of request `id` for a plan of `bytes` (what the server sends).
    pub fn new(id: u64, bytes: u64) -> Document {
        let owner = id % 997;
        Document {
            id,
            name: format!("item-{id}"),
            active: id.is_multiple_of(2),
            score: (id % 1000) as f64 / 4.0,
            tags: (0..3)
                .map(|j| format!("tag-{}", (id.wrapping_add(j)) % 7))
                .collect(),
            owner: Owner {
                id: owner,
                email: format!("user{owner}@example.com"),
            },
            records: (0..records(bytes))
                .map(|seq| Record {
                    seq,
                    label: format!("rec-{id}-{seq}"),
                    value: value(id, seq),
                    ok: (id.wrapping_add(seq)) % 3 != 0,
                })
                .collect(),
        }
    }

    /// Checks that this decoded document is exactly the one of request `id`
    /// for a plan of `bytes`, field by field, without building it.
    pub fn verify(&self, id: u64, bytes: u64) -> Result<(), DocumentError> {
        let field = |name: &'static str| Err(DocumentError { id, field: name });
        let owner = id % 997;
        let mut buf = String::with_capacity(32);
        let mut is = |s: &str, args: std::fmt::Arguments<'_>| {
            use std::fmt::Write;
            buf.clear();
            let _ = buf.write_fmt(args);
            s == buf
        };
        if self.id != id {
            return field("id");
        }
        if !is(&self.name, format_args!("item-{id}")) {
            return field("name");
        }
        if self.active != id.is_multiple_of(2) {
            return field("active");
        }
        if self.score != (id % 1000) as f64 / 4.0 {
            return field("score");
        }
        if self.tags.len() != 3
            || !self
                .tags
                .iter()
                .zip(0u64..)
                .all(|(t, j)| is(t, format_args!("tag-{}", (id.wrapping_add(j)) % 7)))
        {
            return field("tags");
        }
        if self.owner.id != owner || !is(&self.owner.email, format_args!("user{owner}@example.com"))
        {
            return field("owner");
        }
        if self.records.len() as u64 != records(bytes) {
            return field("records");
        }
        for (r, seq) in self.records.iter().zip(0u64..) {
            let good = r.seq == seq
                && r.value == value(id, seq)
                && r.ok == ((id.wrapping_add(seq)) % 3 != 0)
                && is(&r.label, format_args!("rec-{id}-{seq}"));
            if !good {
                return field("records");
            }
        }
        Ok(())
    }
}

/// A decoded document that is not the one the plan expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document of request {id}: field `{field}` differs from the rule")]
pub struct DocumentError {
    /// The request id it was checked against.
    pub id: u64,
    /// The first field that differs.
    pub field: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_by_example() {
        let d = Document::new(42, 120);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"id":42,"name":"item-42","active":true,"score":10.5,"tags":["tag-0","tag-1","tag-2"],"owner":{"id":42,"email":"user42@example.com"},"records":[{"seq":0,"label":"rec-42-0","value":1302,"ok":false},{"seq":1,"label":"rec-42-1","value":1319,"ok":true}]}"#
        );
    }

    #[test]
    fn documents_are_about_the_size_asked() {
        for bytes in [2048u64, 16 * 1024] {
            for id in [0u64, 7, 99_999] {
                let len = serde_json::to_vec(&Document::new(id, bytes)).unwrap().len() as f64;
                let ratio = len / bytes as f64;
                assert!((0.85..1.25).contains(&ratio), "{id} {bytes}: {len}");
            }
        }
    }

    #[test]
    fn a_decoded_document_verifies_and_another_does_not() {
        for id in [0u64, 1, 996, 997, 123_456_789, u64::MAX] {
            let json = serde_json::to_vec(&Document::new(id, 2048)).unwrap();
            let d: Document = serde_json::from_slice(&json).unwrap();
            assert_eq!(d.verify(id, 2048), Ok(()), "{id}");
        }
        let d = Document::new(5, 2048);
        assert_eq!(d.verify(6, 2048).unwrap_err().field, "id");
        assert_eq!(d.verify(5, 4096).unwrap_err().field, "records");
        let mut bad = d.clone();
        bad.records[3].label.push('x');
        assert_eq!(bad.verify(5, 2048).unwrap_err().field, "records");
        let mut bad = d.clone();
        bad.owner.email = "x".into();
        assert_eq!(bad.verify(5, 2048).unwrap_err().field, "owner");
    }
}
