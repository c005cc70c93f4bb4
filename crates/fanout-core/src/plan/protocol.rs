//! [`Protocol`]: the HTTP version a plan asks the client to speak.

use serde::{Deserialize, Serialize};

/// Which HTTP version the client is asked to speak.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// What the client does by default — what its users get. Over TLS the
    /// client offers what it supports by ALPN; in cleartext every client here
    /// speaks HTTP/1.1.
    #[default]
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only: by ALPN over TLS, by prior knowledge (h2c) in cleartext.
    Http2,
}

impl Protocol {
    /// Every protocol, in report order.
    pub const ALL: [Protocol; 3] = [Protocol::Auto, Protocol::Http1, Protocol::Http2];

    /// The name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Auto => "auto",
            Protocol::Http1 => "http1",
            Protocol::Http2 => "http2",
        }
    }
}
