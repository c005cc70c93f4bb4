//! The two futures the async driver runs on a row's runtime: a
//! [`RequestTask`] per request (its clock and its timeout start on its
//! first poll, whatever the runtime) and the heartbeat's [`Ticker`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::executor::Executor;
use super::request::{Expect, Request, to_sample};
use crate::heartbeat::Heartbeat;
use crate::sample::{ErrorKind, Fetched, Sample};

/// What every request task of one fan-out shares.
pub struct Shared<E, F> {
    pub(super) exec: E,
    pub(super) fetch: F,
    /// The plan's per-request timeout.
    pub(super) timeout: Duration,
    /// What every answer must be.
    pub(super) expect: Expect,
    /// When the fan-out started: every start offset is from here.
    pub(super) t0: Instant,
}

pin_project_lite::pin_project! {
    /// One request as a future: on its first poll it records its start,
    /// calls the row's fetch and starts its timeout on the runtime's timer;
    /// it resolves to the verified [`Sample`], releasing its permit.
    pub struct RequestTask<E: Executor, F, Fut> {
        shared: Arc<Shared<E, F>>,
        id: u64,
        req: Option<Request>,
        permit: Option<async_lock::SemaphoreGuardArc>,
        started: Option<Instant>,
        #[pin]
        fetch: Option<Fut>,
        #[pin]
        timeout: Option<E::Sleep>,
    }
}

impl<E: Executor, F, Fut> RequestTask<E, F, Fut> {
    /// Request `req`, holding `permit` (if any) until it ends.
    pub(super) fn new(
        shared: &Arc<Shared<E, F>>,
        req: Request,
        permit: Option<async_lock::SemaphoreGuardArc>,
    ) -> Self {
        RequestTask {
            shared: Arc::clone(shared),
            id: req.id,
            req: Some(req),
            permit,
            started: None,
            fetch: None,
            timeout: None,
        }
    }
}

impl<E, F, Fut> Future for RequestTask<E, F, Fut>
where
    E: Executor,
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Fetched>,
{
    type Output = Sample;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Sample> {
        let mut this = self.project();
        let shared = &**this.shared;
        let started = match *this.started {
            Some(t) => t,
            None => {
                let now = Instant::now();
                *this.started = Some(now);
                if let Some(req) = this.req.take() {
                    this.fetch.set(Some((shared.fetch)(req)));
                }
                this.timeout.set(Some(shared.exec.sleep(shared.timeout)));
                now
            }
        };
        let fetched = match this.fetch.as_pin_mut().map(|f| f.poll(cx)) {
            Some(Poll::Ready(fetched)) => fetched,
            Some(Poll::Pending) => match this.timeout.as_pin_mut().map(|t| t.poll(cx)) {
                Some(Poll::Ready(())) => Err(ErrorKind::Timeout.into()),
                _ => return Poll::Pending,
            },
            None => Err(ErrorKind::Other.into()),
        };
        drop(this.permit.take());
        let sample = to_sample(
            &shared.expect,
            *this.id,
            started - shared.t0,
            started.elapsed(),
            fetched,
        );
        Poll::Ready(sample)
    }
}

pin_project_lite::pin_project! {
    /// The heartbeat as a task: sleeps on the runtime's timer until the
    /// next tick is due, ticks, until the fan-out stops it.
    pub struct Ticker<E: Executor> {
        exec: E,
        hb: Arc<Heartbeat>,
        #[pin]
        sleep: Option<E::Sleep>,
    }
}

impl<E: Executor> Ticker<E> {
    /// The ticker of `hb` on `exec`'s timer.
    pub(super) fn new(exec: E, hb: Arc<Heartbeat>) -> Ticker<E> {
        Ticker {
            exec,
            hb,
            sleep: None,
        }
    }
}

impl<E: Executor> Future for Ticker<E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        loop {
            if let Some(sleep) = this.sleep.as_mut().as_pin_mut() {
                if sleep.poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep.set(None);
            }
            let Some(due) = this.hb.next_due() else {
                return Poll::Ready(());
            };
            let now = Instant::now();
            if due > now {
                // At most 250 ms at a time, so a stop is noticed promptly.
                let d = (due - now).min(Duration::from_millis(250));
                this.sleep.set(Some(this.exec.sleep(d)));
            } else {
                this.hb.tick();
            }
        }
    }
}
