//! The bare loop of the harness-overhead benchmark: the same reqwest client
//! as `tokio-reqwest`, driven the way a user writes it — a task per request
//! (`tokio::spawn`, a `Semaphore` permit for a bounded plan), the join
//! handles kept in a `Vec` and awaited in order — with no timing per
//! request, no samples, no heartbeat and no timeout. Every body is still
//! read and verified (bytes) or decoded and verified (JSON), so the work is
//! the same and the difference is what the driver adds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fanout_core::{Document, Format, Plan, StartError, Target, body};

use crate::client::{Built, Client};

/// What the bare loop measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bare {
    /// From the first spawn to the last handle awaited.
    pub wall: Duration,
    /// Requests answered 200 with a verified body or document.
    pub ok: u64,
    /// N.
    pub requests: u64,
}

/// Runs `plan` against `target` in the bare loop on a fresh multi-thread
/// runtime (built, with the client, before the clock starts).
pub fn fan_out(plan: &Plan, target: &Target) -> Result<Bare, StartError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = {
        let _guard = rt.enter();
        match Client::Reqwest.build(target, plan.protocol)? {
            Built::Reqwest(c) => c,
            _ => return Err(StartError("the bare loop uses reqwest".into())),
        }
    };
    let urls = plan.urls(target);
    let (bytes, json) = (plan.bytes, plan.format == Format::Json);
    let bound = plan
        .concurrency
        .filter(|&c| c < plan.requests)
        .map(|c| Arc::new(tokio::sync::Semaphore::new(c as usize)));
    Ok(rt.block_on(async move {
        let t0 = Instant::now();
        let mut handles = Vec::with_capacity(urls.len());
        for (i, url) in urls.into_iter().enumerate() {
            let permit = match &bound {
                Some(s) => Arc::clone(s).acquire_owned().await.ok(),
                None => None,
            };
            let client = client.clone();
            handles.push(tokio::spawn(async move {
                let _permit = permit;
                let resp = client.get(url).send().await.ok()?;
                if resp.status() != 200 {
                    return Some(false);
                }
                Some(if json {
                    let doc: Document = resp.json().await.ok()?;
                    doc.verify(i as u64, bytes).is_ok()
                } else {
                    let b = resp.bytes().await.ok()?;
                    body::verify(i as u64, bytes, &b).is_ok()
                })
            }));
        }
        let mut ok = 0;
        for h in handles {
            if let Ok(Some(true)) = h.await {
                ok += 1;
            }
        }
        Bare {
            wall: t0.elapsed(),
            ok,
            requests: plan.requests,
        }
    }))
}
