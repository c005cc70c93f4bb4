//! cyper, built once per session and protocol, and the fetch of one request
//! with it; errors classified into [`ErrorKind`].

use std::sync::Arc;

use fanout_core::sample::chain;
use fanout_core::tls::rustls_config;
use fanout_core::{
    BodyAs, Document, ErrorKind, FetchError, Fetched, Protocol, Request, Response, StartError,
    Target,
};

/// The TLS stack, for `fanout list`.
pub(crate) const TLS: &str = "compio-tls 0.10 (futures-rustls), rustls 0.23 (ring)";

/// cyper's client for `protocol` (hyper-util's pool inside, shared by clones),
/// with rustls trusting only the target's CA (without one, the OS store).
pub(crate) fn build(target: &Target, protocol: Protocol) -> Result<cyper::Client, StartError> {
    // ALPN offers what the client may speak; cleartext is HTTP/1.1 unless
    // HTTP/2 is asked for (prior knowledge, `http2_only` in hyper-util).
    let alpn: &[&[u8]] = match protocol {
        Protocol::Auto => &[b"h2", b"http/1.1"],
        Protocol::Http1 => &[b"http/1.1"],
        Protocol::Http2 => &[b"h2"],
    };
    let mut b =
        cyper::ClientBuilder::new().use_rustls(Arc::new(rustls_config(target, ring(), alpn)?));
    if protocol == Protocol::Http2 {
        b = b.http2_prior_knowledge();
    }
    b.build()
        .map_err(|e| StartError(format!("cannot build the cyper client: {e}")))
}

/// One GET with the session's client; the future owns everything it needs.
pub(crate) async fn get(client: cyper::Client, req: Request) -> Fetched {
    let mut rb = client.get(&*req.url).map_err(|e| error(e, true))?;
    if !req.keep_alive {
        rb = rb
            .header("connection", "close")
            .map_err(|e| error(e, true))?;
    }
    let resp = rb.send().await.map_err(|e| error(e, true))?;
    let status = resp.status().as_u16();
    // cyper's JSON API: the body collected, then serde_json.
    let err = |e| error(e, false);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, resp.bytes().await.map_err(err)?),
        BodyAs::Document => Response::json(status, resp.json::<Document>().await.map_err(err)?),
        BodyAs::Value => Response::value(status, resp.json().await.map_err(err)?),
    })
}

/// Classifies a cyper error; `head`: before the response head arrived. A
/// rustls error anywhere decides first (`tls`), then a JSON error, then
/// I/O; then what cyper and hyper say.
fn error(e: cyper::Error, head: bool) -> FetchError {
    let kind = match ErrorKind::from_chain(&e) {
        Some(kind) => kind,
        None => match &e {
            cyper::Error::Timeout => ErrorKind::Timeout,
            cyper::Error::Rustls(_) => ErrorKind::Tls,
            cyper::Error::Json(_) => ErrorKind::Decode,
            cyper::Error::HyperClient(c) if c.is_connect() => ErrorKind::Connect,
            // An HTTP/2 stream reset or GOAWAY from the server is HTTP/2's
            // connection reset (core's `from_hyper_chain` does not look for it).
            _ if chain(&e).any(|e| {
                e.downcast_ref::<h2::Error>()
                    .is_some_and(h2::Error::is_remote)
            }) =>
            {
                ErrorKind::Reset
            }
            _ => ErrorKind::from_hyper_chain(&e),
        },
    };
    let kind = if head { kind.in_head() } else { kind.in_body() };
    FetchError::new(kind, e)
}

/// rustls's ring provider, named for every configuration this row builds.
fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
