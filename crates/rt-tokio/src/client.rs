//! The two HTTP clients of the tokio rows, each built once per session and
//! shared by every request (both pool keep-alive connections internally).

use bytes::Bytes;
use fanout_core::{ErrorKind, Fetched, Response};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::{Client as HyperClient, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;

/// Which HTTP client a tokio row uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// `reqwest::Client` with default settings (no TLS features: plain http).
    Reqwest,
    /// `hyper_util::client::legacy::Client` over its `HttpConnector`, defaults.
    Hyper,
    /// The same client with a small fixed read buffer per connection
    /// ([`TUNED_READ_BUF`]): less memory per open connection (`c10k`).
    HyperTuned,
}

/// Read buffer of [`Client::HyperTuned`] (hyper's default grows from 8 KiB).
/// A `c10k` response (head and a 256-byte body) fits; larger bodies take more
/// reads. Measured on `c10k`: 8 KiB 224 MB peak RSS, 2 KiB 197 MB, 1 KiB
/// 189 MB, 512 B 186 MB (see `docs/tuning.md`).
pub const TUNED_READ_BUF: usize = 1024;

/// What [`Client::HyperTuned`] changes, for `fanout list` and the report.
pub const TUNED: &str =
    "hyper-util legacy Client with http1_read_buf_exact_size(1024) (default: adaptive, from 8 KiB)";

impl Client {
    /// The client's crate name, for `fanout list`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Reqwest => "reqwest",
            Client::Hyper => "hyper-util (legacy Client)",
            Client::HyperTuned => "hyper-util (legacy Client, tuned)",
        }
    }

    pub(crate) fn build(self) -> Built {
        match self {
            Client::Reqwest => Built::Reqwest(reqwest::Client::new()),
            Client::Hyper => Built::Hyper(HyperClient::builder(TokioExecutor::new()).build_http()),
            Client::HyperTuned => Built::Hyper(
                HyperClient::builder(TokioExecutor::new())
                    .http1_read_buf_exact_size(TUNED_READ_BUF)
                    .build_http(),
            ),
        }
    }
}

/// A built client; cloning shares its pool.
#[derive(Clone)]
pub(crate) enum Built {
    Reqwest(reqwest::Client),
    Hyper(HyperClient<HttpConnector, Empty<Bytes>>),
}

impl Built {
    /// Starts one GET; the future owns everything it needs.
    pub(crate) fn get(
        &self,
        url: &str,
        keep_alive: bool,
    ) -> impl Future<Output = Fetched> + Send + use<> {
        let request = match self {
            Built::Reqwest(c) => {
                let mut req = c.get(url);
                if !keep_alive {
                    req = req.header(reqwest::header::CONNECTION, "close");
                }
                Ok(req)
            }
            Built::Hyper(c) => {
                let mut req = hyper::Request::get(url);
                if !keep_alive {
                    req = req.header(hyper::header::CONNECTION, "close");
                }
                Err((c.clone(), req.body(Empty::new())))
            }
        };
        async move {
            match request {
                Ok(req) => {
                    let resp = req.send().await.map_err(|e| reqwest_kind(e).in_head())?;
                    let status = resp.status().as_u16();
                    let body = resp.bytes().await.map_err(|e| reqwest_kind(e).in_body())?;
                    Ok(Response { status, body })
                }
                Err((client, req)) => {
                    let req = req.map_err(|_| ErrorKind::Other)?;
                    let resp = client.request(req).await.map_err(|e| {
                        if e.is_connect() {
                            ErrorKind::Connect
                        } else {
                            ErrorKind::from_hyper_chain(&e).in_head()
                        }
                    })?;
                    let status = resp.status().as_u16();
                    let body = resp
                        .into_body()
                        .collect()
                        .await
                        .map_err(|e| ErrorKind::from_hyper_chain(&e).in_body())?;
                    Ok(Response {
                        status,
                        body: body.to_bytes(),
                    })
                }
            }
        }
    }
}

fn reqwest_kind(e: reqwest::Error) -> ErrorKind {
    if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() {
        ErrorKind::Connect
    } else {
        // reqwest wraps hyper's error: classified the same way as the hyper rows.
        ErrorKind::from_hyper_chain(&e)
    }
}
