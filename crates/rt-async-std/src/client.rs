//! surf, built once per session, and the fetch of one request with it.
//!
//! surf's h1 client (http-client's `H1Client`) writes `Connection: keep-alive`
//! over whatever the request says, so a `Connection: close` header alone
//! cannot turn reuse off. surf's own switch is its config: the session builds
//! two clients up front, the default pooled one and one with
//! `set_http_keep_alive(false)`, which dials a fresh connection per request
//! and closes it after the response. A plan uses the one its keep-alive
//! setting asks for.

use std::sync::Arc;

use fanout_core::{
    BodyAs, Document, ErrorKind, FetchError, Fetched, Request, Response, StartError, Target,
};

/// surf's default `max_connections_per_host` (http-client's `Config::new`).
pub(crate) const MAX_CONNECTIONS_PER_HOST: usize = 50;

/// The TLS stack, for `fanout list`.
pub(crate) const TLS: &str = "async-native-tls 0.3, native-tls 0.2, OpenSSL 3.6 (vendored)";

/// The roots native-tls trusts by default, used against a target without a CA.
pub(crate) const ROOTS: &str =
    "the OS store (found by openssl-probe, loaded by the vendored OpenSSL; native-tls's default)";

/// The session's two clients, each shared by every request of a plan.
pub(crate) struct Surf {
    pooled: Arc<surf::Client>,
    fresh: Arc<surf::Client>,
}

impl Surf {
    pub(crate) fn new(target: &Target) -> Result<Surf, StartError> {
        let tls = Arc::new(tls_connector(target)?);
        let build = |config: surf::Config| -> Result<Arc<surf::Client>, StartError> {
            let client: surf::Client = config
                .set_tls_config(Some(Arc::clone(&tls)))
                .try_into()
                .map_err(|e| StartError(format!("cannot build the surf client: {e}")))?;
            Ok(Arc::new(client))
        };
        Ok(Surf {
            pooled: build(
                surf::Config::new().set_max_connections_per_host(MAX_CONNECTIONS_PER_HOST),
            )?,
            fresh: build(surf::Config::new().set_http_keep_alive(false))?,
        })
    }

    /// The client for a plan's keep-alive setting.
    pub(crate) fn for_plan(&self, keep_alive: bool) -> Arc<surf::Client> {
        Arc::clone(if keep_alive {
            &self.pooled
        } else {
            &self.fresh
        })
    }
}

/// native-tls's connector with the built-in roots (OpenSSL's default paths
/// and the ones openssl-probe finds) switched off and the target's CA as the
/// only root, handed to async-native-tls (whose own builder has no switch
/// for the built-in roots); a target without a CA keeps the built-in ones
/// ([`ROOTS`]).
fn tls_connector(target: &Target) -> Result<async_native_tls::TlsConnector, StartError> {
    let mut builder = native_tls::TlsConnector::builder();
    if target.ca.is_some() {
        let pem = target.ca_pem().map_err(StartError)?;
        let ca = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| StartError(format!("the target's CA is not PEM: {e}")))?;
        builder.disable_built_in_roots(true);
        builder.add_root_certificate(ca);
    }
    Ok(async_native_tls::TlsConnector::from(builder))
}

/// One GET: the status and the whole body or the decoded document.
pub(crate) async fn get(client: Arc<surf::Client>, req: Request) -> Fetched {
    let mut rb = client.get(&*req.url);
    if !req.keep_alive {
        // Sent as the contract asks; the h1 client overwrites it (see above).
        rb = rb.header("Connection", "close");
    }
    let mut resp = rb.await.map_err(|e| surf_error(e, true))?;
    let status = u16::from(resp.status());
    // surf's JSON API: the body read whole, then serde_json.
    let err = |e| surf_error(e, false);
    Ok(match req.body_as(status) {
        BodyAs::Bytes => Response::bytes(status, resp.body_bytes().await.map_err(err)?),
        BodyAs::Document => {
            Response::json(status, resp.body_json::<Document>().await.map_err(err)?)
        }
        BodyAs::Value => Response::value(status, resp.body_json().await.map_err(err)?),
    })
}

/// Classifies a surf error (`head`: before the response head arrived): by
/// the chain (I/O, JSON) when it holds a typed error, else by what the h1
/// client's message says.
fn surf_error(e: surf::Error, head: bool) -> FetchError {
    let kind = classify(&e);
    let kind = if head { kind.in_head() } else { kind.in_body() };
    FetchError::new(kind, Box::<dyn std::error::Error + Send + Sync>::from(e))
}

fn classify(e: &surf::Error) -> ErrorKind {
    let inner: &(dyn std::error::Error + 'static) = AsRef::<dyn std::error::Error>::as_ref(e);
    let msg = e.to_string().to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| msg.contains(w));
    // The pooled client turns a failed dial — TCP or TLS — into a plain
    // message (deadpool's "error occured while creating a new object: …",
    // status 400); the fresh client hands native-tls's error over as such.
    if inner.is::<native_tls::Error>()
        || has(&["ssl routines", "certificate verify", "handshake", "tls"])
    {
        return ErrorKind::Tls;
    }
    if let Some(kind) = ErrorKind::from_chain(inner) {
        return kind;
    }
    // async-h1 reports a bad or missing response head as a message too.
    if has(&["creating a new object", "connection refused"]) {
        ErrorKind::Connect
    } else if has(&[
        "connection closed",
        "empty response",
        "connection reset",
        "broken pipe",
    ]) {
        ErrorKind::Reset
    } else if has(&["timed out", "timeout"]) {
        ErrorKind::Timeout
    } else if has(&[
        "invalid",
        "malformed",
        "unsupported http",
        "no status",
        "no version",
        "head byte length",
        "unexpected content-length",
    ]) {
        ErrorKind::Protocol
    } else {
        ErrorKind::Other
    }
}
