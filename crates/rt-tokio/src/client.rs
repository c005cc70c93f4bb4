//! The two HTTP clients of the tokio rows, each built once per session (and
//! protocol) and shared by every request: both pool connections internally.

use std::sync::Arc;

use bytes::Bytes;
use fanout_core::{
    BodyAs, Document, ErrorKind, FetchError, Fetched, Protocol, Request, Response, StartError,
    Target,
};
use http_body_util::{BodyExt, Empty};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{Client as HyperClient, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;

/// Which HTTP client a tokio row uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `reqwest::Client` as its docs build it: rustls, HTTP/2 by ALPN, its JSON API.
    Reqwest,
    /// `hyper_util::client::legacy::Client` over hyper-rustls's `HttpsConnector`.
    Hyper,
    /// The same client with a small fixed read buffer per connection
    /// ([`TUNED_READ_BUF`]): less memory per open connection (`c10k`).
    HyperTuned,
    /// ureq-proto's sans-IO HTTP/1.1 over tokio's `TcpStream`
    /// ([`crate::lean`]): the least memory per request in flight.
    Lean,
}

/// Read buffer of [`Client::HyperTuned`] (hyper's default grows from 8 KiB).
/// A `c10k` response (head and a 256-byte body) fits; larger bodies take more
/// reads. Measured on `c10k`: 8 KiB 224 MB peak RSS, 2 KiB 197 MB, 1 KiB
/// 189 MB, 512 B 186 MB (see `docs/tuning.md`).
pub const TUNED_READ_BUF: usize = 1024;

/// What [`Client::HyperTuned`] changes, for `fanout list` and the report.
pub const TUNED: &str =
    "hyper-util legacy Client with http1_read_buf_exact_size(1024) (default: adaptive, from 8 KiB)";

/// What [`Client::Lean`] changes, for `fanout list` and the report.
pub const LEAN: &str = "ureq-proto's sans-IO HTTP/1.1 over tokio TcpStreams instead of hyper: \
     one 1 KiB buffer per request for the head out and the response in, the connection \
     driven in the request's task, idle connections kept on a stack; plain HTTP only \
     (hyper: an 8 KiB write buffer, a dispatch channel and, in hyper-util's Client, a \
     task and a boxed future per connection)";

/// The TLS stack of both clients.
pub const TLS: &str = "rustls 0.23 (aws-lc-rs)";

impl Client {
    /// The client's crate name, for `fanout list`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Reqwest => "reqwest",
            Client::Hyper => "hyper-util (legacy Client)",
            Client::HyperTuned => "hyper-util (legacy Client, tuned)",
            Client::Lean => "ureq-proto (sans-IO HTTP/1.1) over tokio",
        }
    }

    /// The roots the client trusts against a target without a CA: reqwest's
    /// default, rustls-platform-verifier (on Linux the OS store), and the OS
    /// store read by rustls-native-certs for hyper (hyper-rustls's
    /// `with_native_roots`); none for the cleartext-only ureq-proto client.
    pub fn roots(self) -> Option<&'static str> {
        match self {
            Client::Reqwest => {
                Some("the OS store (rustls-platform-verifier 0.7, reqwest's default)")
            }
            Client::Hyper | Client::HyperTuned => Some(fanout_core::tls::NATIVE_ROOTS),
            Client::Lean => None,
        }
    }

    /// Builds the client for `target` and `protocol` (inside the runtime:
    /// hyper-util's pool spawns tasks).
    pub(crate) fn build(self, target: &Target, protocol: Protocol) -> Result<Built, StartError> {
        let ca = match &target.ca {
            Some(_) => Some(target.ca_pem().map_err(StartError)?),
            None => None,
        };
        match self {
            Client::Reqwest => {
                let mut b = reqwest::Client::builder();
                // Without a CA, reqwest's own roots (`Client::roots`).
                if let Some(pem) = &ca {
                    // The target's CA is the only root (`tls_certs_only`).
                    let cert = reqwest::Certificate::from_pem(pem)
                        .map_err(|e| StartError(format!("the target's CA is not PEM: {e}")))?;
                    b = b.tls_certs_only([cert]);
                }
                b = match protocol {
                    Protocol::Auto => b,
                    Protocol::Http1 => b.http1_only(),
                    Protocol::Http2 => b.http2_prior_knowledge(),
                };
                let c = b
                    .build()
                    .map_err(|e| StartError(format!("cannot build the reqwest client: {e}")))?;
                Ok(Built::Reqwest(c))
            }
            Client::Lean => Ok(Built::Lean(crate::lean::Lean::default())),
            Client::Hyper | Client::HyperTuned => {
                let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
                let tls = fanout_core::tls::rustls_config(target, provider, &[])?;
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls)
                    .https_or_http();
                // ALPN offers what the client may speak.
                let https = match protocol {
                    Protocol::Auto => https.enable_all_versions().build(),
                    Protocol::Http1 => https.enable_http1().build(),
                    Protocol::Http2 => https.enable_http2().build(),
                };
                let mut b = HyperClient::builder(TokioExecutor::new());
                if self == Client::HyperTuned {
                    b.http1_read_buf_exact_size(TUNED_READ_BUF);
                }
                b.http2_only(protocol == Protocol::Http2);
                Ok(Built::Hyper(b.build(https)))
            }
        }
    }
}

/// A built client; cloning shares its pool. Cloned into every request's
/// future, as its users clone it into each task (a few `Arc`s either way).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Built {
    Reqwest(reqwest::Client),
    Hyper(Hyper),
    Lean(crate::lean::Lean),
}

/// The hyper rows' client.
pub(crate) type Hyper = HyperClient<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// One GET with reqwest; the future owns everything it needs. Each client
/// has a function of its own, so a request's task is as large as its own
/// client's future, not the largest of the three.
pub(crate) async fn reqwest_get(c: reqwest::Client, req: Request) -> Fetched {
    let mut rb = c.get(&*req.url);
    if !req.keep_alive {
        rb = rb.header(reqwest::header::CONNECTION, "close");
    }
    let resp = rb.send().await.map_err(|e| reqwest_error(e, true))?;
    let status = resp.status().as_u16();
    let err = |e| reqwest_error(e, false);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, resp.bytes().await.map_err(err)?),
        BodyAs::Document => Response::json(status, resp.json::<Document>().await.map_err(err)?),
        BodyAs::Value => Response::value(status, resp.json().await.map_err(err)?),
    })
}

/// One GET with hyper-util's legacy `Client`.
pub(crate) async fn hyper_get(c: Hyper, req: Request) -> Fetched {
    let mut rb = hyper::Request::get(&*req.url);
    if !req.keep_alive {
        rb = rb.header(hyper::header::CONNECTION, "close");
    }
    let request = rb
        .body(Empty::new())
        .map_err(|e| FetchError::new(ErrorKind::Other, e))?;
    let resp = c.request(request).await.map_err(|e| {
        let kind = match ErrorKind::from_chain(&e) {
            Some(ErrorKind::Tls) => ErrorKind::Tls,
            _ if e.is_connect() => ErrorKind::Connect,
            _ => ErrorKind::from_hyper_chain(&e).in_head(),
        };
        FetchError::new(kind, e)
    })?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| FetchError::new(ErrorKind::from_hyper_chain(&e).in_body(), e))?
        .to_bytes();
    // hyper has no JSON API: its users collect, then serde_json.
    let err = |e| FetchError::new(ErrorKind::Decode, e);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, body),
        BodyAs::Document => Response::json(status, serde_json::from_slice(&body).map_err(err)?),
        BodyAs::Value => Response::value(status, serde_json::from_slice(&body).map_err(err)?),
    })
}

/// Classifies a reqwest error; `head`: before the response head arrived.
/// reqwest calls every body error a "decode" error, so the cause decides:
/// a TLS or JSON error in the chain, else I/O, else hyper's error.
fn reqwest_error(e: reqwest::Error, head: bool) -> FetchError {
    let kind = match ErrorKind::from_chain(&e) {
        _ if e.is_timeout() => ErrorKind::Timeout,
        Some(k @ (ErrorKind::Tls | ErrorKind::Decode)) => k,
        _ if e.is_connect() => ErrorKind::Connect,
        Some(k) => k,
        // reqwest wraps hyper's error: classified as for the hyper rows.
        None => ErrorKind::from_hyper_chain(&e),
    };
    let kind = if head { kind.in_head() } else { kind.in_body() };
    FetchError::new(kind, e)
}
