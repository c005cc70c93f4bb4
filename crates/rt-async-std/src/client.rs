//! surf, built once per session and shared by every request.
//!
//! surf's h1 client (http-client's `H1Client`) writes `Connection: keep-alive`
//! over whatever the request says, so a `Connection: close` header alone
//! cannot turn reuse off. surf's own switch is its config: the session builds
//! two clients up front, the default pooled one and one with
//! `set_http_keep_alive(false)`, which dials a fresh connection per request
//! and closes it after the response. A plan uses the one its keep-alive
//! setting asks for.

use std::error::Error as StdError;
use std::sync::{Arc, Once};

use bytes::Bytes;
use fanout_core::{ErrorKind, Fetched, Response, StartError};

/// surf's default `max_connections_per_host` (http-client's `Config::new`).
pub(crate) const MAX_CONNECTIONS_PER_HOST: usize = 50;

/// The session's two clients, each shared by every request of a plan.
pub(crate) struct Surf {
    pooled: Arc<surf::Client>,
    fresh: Arc<surf::Client>,
}

impl Surf {
    pub(crate) fn new() -> Result<Surf, StartError> {
        let build = |config: surf::Config| -> Result<Arc<surf::Client>, StartError> {
            let client: surf::Client = config
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

/// One GET: the status and the whole body, or the kind of failure.
pub(crate) async fn get(client: Arc<surf::Client>, url: Arc<str>, keep_alive: bool) -> Fetched {
    let mut req = client.get(&*url);
    if !keep_alive {
        // Sent as the contract asks; the h1 client overwrites it (see above).
        req = req.header("Connection", "close");
    }
    let mut resp = req.await.map_err(|e| classify(&e).in_head())?;
    let status = u16::from(resp.status());
    let body = resp
        .body_bytes()
        .await
        .map_err(|e| classify(&e).in_body())?;
    Ok(Response {
        status,
        body: Bytes::from(body),
    })
}

/// Classifies a surf error: by the `io::Error` in its chain when there is one,
/// else by what the h1 client's message says.
fn classify(e: &surf::Error) -> ErrorKind {
    let inner: &(dyn StdError + 'static) = AsRef::<dyn StdError>::as_ref(e);
    if let Some(kind) = ErrorKind::from_chain(inner) {
        return kind;
    }
    // The pooled client turns a failed dial into a plain message (deadpool's
    // "error occured while creating a new object: <io error>", status 400);
    // async-h1 reports a bad or missing response head as a message too.
    let msg = e.to_string().to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| msg.contains(w));
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
        static ONCE: Once = Once::new();
        ONCE.call_once(|| eprintln!("async-std-surf: unclassified error: {e}"));
        ErrorKind::Other
    }
}
