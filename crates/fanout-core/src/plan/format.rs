//! [`Format`]: what a response body is — verified bytes or a JSON
//! document — and so how a row reads it.

use serde::{Deserialize, Serialize};

/// What a response body is, and how a row reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Bytes of the deterministic rule ([`crate::body`]), read whole and
    /// verified byte for byte.
    #[default]
    Bytes,
    /// A JSON API document ([`crate::document`]), decoded with the client's
    /// own JSON API into [`crate::Document`] and verified field by field.
    Json,
}

impl Format {
    /// The name used in JSON, URLs and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Bytes => "bytes",
            Format::Json => "json",
        }
    }
}
