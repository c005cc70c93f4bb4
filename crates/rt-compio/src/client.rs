//! cyper, built once per session, and the fetch of one URL with it; errors
//! classified into [`ErrorKind`].

use std::sync::Arc;

use fanout_core::{ErrorKind, Fetched, Response};

/// cyper's client with its defaults (hyper-util's pool inside, shared by clones).
pub(crate) fn build() -> cyper::Result<cyper::Client> {
    cyper::Client::new()
}

/// One GET with the session's client; the future owns everything it needs.
pub(crate) async fn get(client: cyper::Client, url: Arc<str>, keep_alive: bool) -> Fetched {
    let mut request = client.get(&*url).map_err(|e| classify(&e))?;
    if !keep_alive {
        request = request
            .header("connection", "close")
            .map_err(|e| classify(&e))?;
    }
    let response = request.send().await.map_err(|e| classify(&e).in_head())?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| classify(&e).in_body())?;
    Ok(Response { status, body })
}

/// An I/O error in the chain decides first; then what cyper and hyper say.
fn classify(e: &cyper::Error) -> ErrorKind {
    if let Some(kind) = ErrorKind::from_chain(e) {
        return kind;
    }
    match e {
        cyper::Error::Timeout => ErrorKind::Timeout,
        cyper::Error::HyperClient(e) if e.is_connect() => ErrorKind::Connect,
        _ => ErrorKind::from_hyper_chain(e),
    }
}
