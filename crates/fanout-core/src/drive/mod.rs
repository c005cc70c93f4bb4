//! The fan-out drivers every row calls: they build the requests, time each
//! one, enforce the concurrency bound, race the timeout, run the heartbeat,
//! and verify every body or decoded document. A row supplies only *how to
//! fetch one [`Request`]* with its client (and, for async rows, an
//! [`Executor`]), so the loops that decide fairness are written once, here.
//!
//! Blocking:
//! - [`sequential`]: one request after another; the heartbeat ticks only
//!   between requests.
//! - [`thread_per_request`]: one OS thread per request, at most the bound alive.
//! - [`ThreadPool`]: a fixed pool of workers pulling from a shared queue.
//!
//! Async, one entry point, [`run`], with the loop a user writes as an
//! [`AsyncIdiom`] (see each variant for how it honours the bound):
//! `spawn` + semaphore, `JoinSet`, `join_all`, `FuturesUnordered`,
//! `buffer_unordered`. The same code serves runtimes whose tasks must be
//! `Send` (tokio, smol, async-std) and thread-per-core ones whose tasks need
//! not be (compio): [`Spawn`] is implemented per future type, so the row's
//! impl decides whether a request's future has to be `Send`.
//!
//! In every driver a request *starts* when its turn comes — after its
//! permit, on its first poll — and its timeout clock, its start offset and
//! its latency all start there, whatever the runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_util::stream::{self, FuturesUnordered, StreamExt};

use crate::body::{self, BodyError};
use crate::heartbeat::Heartbeat;
use crate::plan::{Format, Plan};
use crate::row::Idiom;
use crate::sample::{Body, ErrorKind, FetchError, Fetched, Outcome, Sample};
use crate::target::Target;

/// One request, as the driver hands it to a row's fetch: everything the
/// client needs, so the row copies no plan fields. Cloning is cheap (the
/// URL is shared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Index of the request in the plan.
    pub id: u64,
    /// The whole URL, built by core ([`Plan::url`]).
    pub url: Arc<str>,
    /// Off: send `Connection: close` (HTTP/1.1).
    pub keep_alive: bool,
    /// Read the body as bytes, or decode it as the JSON document.
    pub format: Format,
    /// The plan's per-request timeout. The async drivers enforce it
    /// themselves; blocking rows hand it to their client.
    pub timeout: Duration,
}

impl Request {
    /// Whether the body is to be decoded as the JSON document (a 200
    /// answer to a JSON plan; any other answer is read as bytes).
    pub fn decode_json(&self, status: u16) -> bool {
        self.format == Format::Json && status == 200
    }
}

/// The N requests of `plan` on `target`, built before the timed part.
pub fn requests(plan: &Plan, target: &Target) -> Vec<Request> {
    (0..plan.requests)
        .map(|id| Request {
            id,
            url: Arc::from(plan.url(target, id)),
            keep_alive: plan.keep_alive,
            format: plan.format,
            timeout: plan.timeout,
        })
        .collect()
}

/// Turns what a fetch produced into a [`Sample`], verifying the body: a
/// status other than 200 is a `status` error, a byte body is checked byte
/// for byte ([`body::verify`]), a decoded document field by field
/// ([`crate::Document::verify`]).
pub fn to_sample(
    plan: &Plan,
    id: u64,
    start: Duration,
    latency: Duration,
    fetched: Fetched,
) -> Sample {
    let mut s = Sample {
        id,
        start,
        latency,
        status: None,
        error: None,
        bytes: 0,
        verified: false,
    };
    match fetched {
        Err(e) => {
            if e.kind == ErrorKind::Other {
                note_unclassified(&e);
            }
            s.error = Some(e.kind);
        }
        Ok(resp) => {
            s.status = Some(resp.status);
            if let Body::Bytes(b) = &resp.body {
                s.bytes = b.len() as u64;
            }
            s.error = if resp.status != 200 {
                Some(ErrorKind::Status)
            } else {
                verify(plan, id, &resp.body).err()
            };
            s.verified = s.error.is_none();
        }
    }
    s
}

/// Checks a 200 answer's body against the plan's format and rule.
fn verify(plan: &Plan, id: u64, body: &Body) -> Result<(), ErrorKind> {
    match (plan.format, body) {
        (Format::Bytes, Body::Bytes(b)) => match body::verify(id, plan.bytes, b) {
            Ok(()) => Ok(()),
            Err(BodyError::Length { got, expected }) if got < expected => Err(ErrorKind::Truncated),
            Err(_) => Err(ErrorKind::BodyMismatch),
        },
        (Format::Json, Body::Json(doc)) => doc
            .verify(id, plan.bytes)
            .map_err(|_| ErrorKind::BodyMismatch),
        // A JSON plan whose body the row did not decode: not a verified document.
        (Format::Json, Body::Bytes(_)) => Err(ErrorKind::Decode),
        (Format::Bytes, Body::Json(_)) => Err(ErrorKind::BodyMismatch),
    }
}

/// Prints the first unclassified error of this process to stderr, so an
/// `other` in the report can be traced to a message.
fn note_unclassified(e: &FetchError) {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        eprintln!(
            "note: a request failed with an error the row does not classify (counted as `other`; said once): {e}"
        );
    }
}

/// A sample for a request that never ran because the row could not start
/// it (e.g. the OS refused a thread): counted, never dropped.
fn not_started(id: u64, start: Duration) -> Sample {
    Sample {
        id,
        start,
        latency: Duration::ZERO,
        status: None,
        error: Some(ErrorKind::Other),
        bytes: 0,
        verified: false,
    }
}

fn timed<F: Fn(&Request) -> Fetched>(plan: &Plan, t0: Instant, req: &Request, fetch: &F) -> Sample {
    let started = Instant::now();
    let fetched = fetch(req);
    to_sample(plan, req.id, started - t0, started.elapsed(), fetched)
}

fn finish(mut samples: Vec<Sample>, t0: Instant, hb: &Heartbeat) -> Outcome {
    let wall = t0.elapsed();
    let heartbeat = hb.finish();
    samples.sort_unstable_by_key(|s| s.id);
    Outcome {
        samples,
        wall,
        heartbeat,
    }
}

/// One request after another on the calling thread. The heartbeat ticks only
/// between requests — the blocking loop of the original demo.
pub fn sequential<F: Fn(&Request) -> Fetched>(plan: &Plan, target: &Target, fetch: F) -> Outcome {
    let reqs = requests(plan, target);
    let hb = Heartbeat::new(plan.heartbeat);
    let t0 = Instant::now();
    let mut samples = Vec::with_capacity(reqs.len());
    for req in &reqs {
        samples.push(timed(plan, t0, req, &fetch));
        hb.tick();
    }
    finish(samples, t0, &hb)
}

/// A counting semaphore for OS threads.
struct Slots {
    free: Mutex<u64>,
    cv: Condvar,
}

impl Slots {
    fn acquire(&self) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
    }
    fn release(&self) {
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.cv.notify_one();
    }
}

/// One OS thread per request, at most `plan.max_in_flight()` alive at once;
/// the heartbeat on a thread of its own.
pub fn thread_per_request<F>(plan: &Plan, target: &Target, fetch: F) -> Outcome
where
    F: Fn(&Request) -> Fetched + Sync,
{
    let reqs = requests(plan, target);
    let hb = Arc::new(Heartbeat::new(plan.heartbeat));
    let ticker = hb.spawn_thread();
    let slots = Slots {
        free: Mutex::new(plan.max_in_flight()),
        cv: Condvar::new(),
    };
    let t0 = Instant::now();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for req in &reqs {
            slots.acquire();
            let (thread_tx, slots, fetch) = (tx.clone(), &slots, &fetch);
            let spawned = std::thread::Builder::new().spawn_scoped(s, move || {
                let sample = timed(plan, t0, req, fetch);
                slots.release();
                let _ = thread_tx.send(sample);
            });
            if let Err(e) = spawned {
                eprintln!("warning: cannot spawn a thread for request {}: {e}", req.id);
                slots.release();
                let _ = tx.send(not_started(req.id, t0.elapsed()));
            }
        }
    });
    drop(tx);
    let samples: Vec<Sample> = rx.into_iter().collect();
    let out = finish(samples, t0, &hb);
    let _ = ticker.join();
    out
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed pool of worker threads pulling jobs from one shared queue, kept
/// across fan-outs by a session (like Python's `ThreadPoolExecutor`).
pub struct ThreadPool {
    size: usize,
    queue: Option<mpsc::Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// Starts `size` workers.
    pub fn new(size: usize) -> std::io::Result<ThreadPool> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut workers = Vec::with_capacity(size);
        for n in 0..size.max(1) {
            let rx = Arc::clone(&rx);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("fanout-pool-{n}"))
                    .spawn(move || {
                        loop {
                            let job = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return, // pool dropped
                            }
                        }
                    })?,
            );
        }
        Ok(ThreadPool {
            size: size.max(1),
            queue: Some(tx),
            workers,
        })
    }

    /// Number of workers.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs the plan on the pool: the calling thread keeps at most
    /// `plan.max_in_flight()` jobs queued or running, so the pool size and the
    /// plan's bound both cap concurrency. The heartbeat runs on its own thread.
    pub fn fan_out<F>(&self, plan: &Plan, target: &Target, fetch: F) -> Outcome
    where
        F: Fn(&Request) -> Fetched + Send + Sync + 'static,
    {
        let reqs = requests(plan, target);
        let shared = Arc::new((plan.clone(), fetch));
        let hb = Arc::new(Heartbeat::new(plan.heartbeat));
        let ticker = hb.spawn_thread();
        let (tx, rx) = mpsc::channel::<Sample>();
        let bound = plan.max_in_flight() as usize;
        let t0 = Instant::now();
        let mut samples = Vec::with_capacity(reqs.len());
        let mut outstanding = 0;
        for req in reqs {
            if outstanding == bound {
                samples.extend(rx.recv().ok());
                outstanding -= 1;
            }
            let (tx, shared, id) = (tx.clone(), Arc::clone(&shared), req.id);
            let job: Job = Box::new(move || {
                let (plan, fetch) = &*shared;
                let _ = tx.send(timed(plan, t0, &req, fetch));
            });
            match self.queue.as_ref().map(|q| q.send(job)) {
                Some(Ok(())) => outstanding += 1,
                _ => samples.push(not_started(id, t0.elapsed())),
            }
        }
        drop(tx);
        samples.extend(rx.iter().take(outstanding));
        let out = finish(samples, t0, &hb);
        let _ = ticker.join();
        out
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        drop(self.queue.take());
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// What [`run`] needs from an async runtime besides spawning: criterion's
/// `AsyncExecutor` (`block_on`) plus the runtime's own timer.
pub trait Executor: Clone + 'static {
    /// The runtime's sleep future.
    type Sleep: Future<Output = ()> + 'static;
    /// Runs a future to completion on the runtime, blocking the caller.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
    /// A future that completes `d` after it is created, on the runtime's timer.
    fn sleep(&self, d: Duration) -> Self::Sleep;
}

/// Spawning one kind of future as a task. A runtime whose tasks must be
/// `Send` implements it for `F: Send`; a thread-per-core runtime for any
/// `F`. [`run`] asks for it on its two task types only.
pub trait Spawn<F: Future>: Executor {
    /// The task's join handle: resolves to the future's output (a panic in
    /// the task is resumed in the caller).
    type Handle: Future<Output = F::Output>;
    /// Spawns `future` as a task on the runtime.
    fn spawn(&self, future: F) -> Self::Handle;
}

/// The loops a user writes to run many requests at once on an async
/// runtime. Each honours the plan's bound the way its users do; with an
/// unbounded plan each runs everything at once (no semaphore, no cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AsyncIdiom {
    /// A task per request (`spawn`); the bound is a semaphore whose permit
    /// is taken before spawning and moved into the task. Finished tasks'
    /// handles are collected while waiting for a permit (a
    /// `FuturesUnordered` of handles), so a finished task is freed at once.
    Spawn,
    /// `JoinSet`: spawn into a set of handles; when it holds the bound,
    /// `join_next` one before spawning the next (refilling, no semaphore).
    JoinSet,
    /// `futures::future::join_all` over one future per request, polled in
    /// the calling task; the bound is a semaphore each future awaits first.
    JoinAll,
    /// A `FuturesUnordered` of request futures in the calling task, refilled
    /// to the bound as they finish.
    FuturesUnordered,
    /// `stream::iter(requests).map(fetch).buffer_unordered(bound)` in the
    /// calling task (`bound` = N when unbounded).
    BufferUnordered,
}

impl AsyncIdiom {
    /// Every idiom, in report order.
    pub const ALL: [AsyncIdiom; 5] = [
        AsyncIdiom::Spawn,
        AsyncIdiom::JoinSet,
        AsyncIdiom::JoinAll,
        AsyncIdiom::FuturesUnordered,
        AsyncIdiom::BufferUnordered,
    ];
}

impl From<AsyncIdiom> for Idiom {
    fn from(i: AsyncIdiom) -> Idiom {
        match i {
            AsyncIdiom::Spawn => Idiom::Spawn,
            AsyncIdiom::JoinSet => Idiom::JoinSet,
            AsyncIdiom::JoinAll => Idiom::JoinAll,
            AsyncIdiom::FuturesUnordered => Idiom::FuturesUnordered,
            AsyncIdiom::BufferUnordered => Idiom::BufferUnordered,
        }
    }
}

/// What every request task of one fan-out shares.
pub struct Shared<E, F> {
    exec: E,
    fetch: F,
    plan: Plan,
    t0: Instant,
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
    fn new(
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
                this.timeout
                    .set(Some(shared.exec.sleep(shared.plan.timeout)));
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
            &shared.plan,
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

/// Runs `plan` against `target` on the async runtime `exec`, with the loop
/// `idiom`: every request a [`RequestTask`] (timed, raced against the
/// plan's timeout on the runtime's timer, verified), the heartbeat a
/// [`Ticker`] task on the same runtime.
///
/// `fetch(request)` starts one GET with the row's client and resolves to the
/// status and the whole body (bytes, or the decoded document for a JSON
/// plan's 200 answer).
pub fn run<E, F, Fut>(
    exec: &E,
    idiom: AsyncIdiom,
    plan: &Plan,
    target: &Target,
    fetch: F,
) -> Outcome
where
    E: Executor + Spawn<RequestTask<E, F, Fut>> + Spawn<Ticker<E>>,
    F: Fn(Request) -> Fut + 'static,
    Fut: Future<Output = Fetched>,
{
    let reqs = requests(plan, target);
    let bound = plan.max_in_flight() as usize;
    // Unbounded: no semaphore, as a user's unbounded loop has none.
    let semaphore = plan
        .concurrency
        .filter(|&c| c < plan.requests)
        .map(|c| Arc::new(async_lock::Semaphore::new(c as usize)));
    exec.block_on(async {
        let hb = Arc::new(Heartbeat::new(plan.heartbeat));
        let ticker = exec.spawn(Ticker {
            exec: exec.clone(),
            hb: Arc::clone(&hb),
            sleep: None,
        });
        let shared = Arc::new(Shared {
            exec: exec.clone(),
            fetch,
            plan: plan.clone(),
            t0: Instant::now(),
        });
        let t0 = shared.t0;
        let task = |req, permit| RequestTask::new(&shared, req, permit);
        let mut samples = Vec::with_capacity(reqs.len());
        match idiom {
            AsyncIdiom::Spawn => {
                let mut running = FuturesUnordered::new();
                for req in reqs {
                    let permit = match &semaphore {
                        None => None,
                        Some(sem) => Some(loop {
                            if let Some(p) = sem.try_acquire_arc() {
                                break p;
                            }
                            // Every permit is held by a running task, which
                            // releases it as it finishes: collect one.
                            match running.next().await {
                                Some(s) => samples.push(s),
                                None => break sem.acquire_arc().await,
                            }
                        }),
                    };
                    running.push(exec.spawn(task(req, permit)));
                }
                samples.extend(running.collect::<Vec<_>>().await);
            }
            AsyncIdiom::JoinSet => {
                let mut set = FuturesUnordered::new();
                for req in reqs {
                    if set.len() >= bound {
                        samples.extend(set.next().await);
                    }
                    set.push(exec.spawn(task(req, None)));
                }
                samples.extend(set.collect::<Vec<_>>().await);
            }
            AsyncIdiom::JoinAll => {
                let futures = reqs.into_iter().map(|req| {
                    let (semaphore, task) = (semaphore.clone(), &task);
                    async move {
                        let permit = match semaphore {
                            Some(sem) => Some(sem.acquire_arc().await),
                            None => None,
                        };
                        task(req, permit).await
                    }
                });
                samples = futures_util::future::join_all(futures).await;
            }
            AsyncIdiom::FuturesUnordered => {
                let mut running = FuturesUnordered::new();
                for req in reqs {
                    if running.len() >= bound {
                        samples.extend(running.next().await);
                    }
                    running.push(task(req, None));
                }
                samples.extend(running.collect::<Vec<_>>().await);
            }
            AsyncIdiom::BufferUnordered => {
                samples = stream::iter(reqs)
                    .map(|req| task(req, None))
                    .buffer_unordered(bound.max(1))
                    .collect()
                    .await;
            }
        }
        let out = finish(samples, t0, &hb);
        ticker.await;
        out
    })
}

#[cfg(test)]
mod tests;
