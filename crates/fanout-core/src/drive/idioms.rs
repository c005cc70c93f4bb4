//! The async driver: [`run`], and the loops a user writes on an async
//! runtime ([`AsyncIdiom`]), one function each. Every loop hands its
//! requests out as [`RequestTask`]s, whose clocks start on their first poll,
//! so an idiom changes only how many run at once and who polls them.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures_util::stream::{self, FuturesUnordered, StreamExt};

use super::executor::{Executor, Spawn};
use super::request::{Request, finish, requests};
use super::task::{RequestTask, Shared, Ticker};
use crate::heartbeat::Heartbeat;
use crate::plan::Plan;
use crate::sample::{Fetched, Outcome, Sample};
use crate::target::Target;

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
        .map(|c| Arc::new(Semaphore::new(c as usize)));
    exec.block_on(async {
        let hb = Arc::new(Heartbeat::new(plan.heartbeat));
        let ticker = exec.spawn(Ticker::new(exec.clone(), Arc::clone(&hb)));
        let shared = Arc::new(Shared {
            exec: exec.clone(),
            fetch,
            plan: plan.clone(),
            t0: Instant::now(),
        });
        let t0 = shared.t0;
        let fan_out = FanOut {
            exec,
            shared: &shared,
            semaphore,
            bound,
        };
        let samples = match idiom {
            AsyncIdiom::Spawn => fan_out.spawn(reqs).await,
            AsyncIdiom::JoinSet => fan_out.join_set(reqs).await,
            AsyncIdiom::JoinAll => fan_out.join_all(reqs).await,
            AsyncIdiom::FuturesUnordered => fan_out.futures_unordered(reqs).await,
            AsyncIdiom::BufferUnordered => fan_out.buffer_unordered(reqs).await,
        };
        let out = finish(samples, t0, &hb);
        ticker.await;
        out
    })
}

/// One fan-out's loop: the runtime, what its tasks share, and its bound — as a
/// semaphore for the idioms that take permits (`None`: unbounded), and as a
/// count for those that refill to it.
struct FanOut<'a, E, F> {
    exec: &'a E,
    shared: &'a Arc<Shared<E, F>>,
    semaphore: Option<Arc<Semaphore>>,
    bound: usize,
}

impl<E, F, Fut> FanOut<'_, E, F>
where
    E: Executor + Spawn<RequestTask<E, F, Fut>>,
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Fetched>,
{
    /// Request `req` as a task future, holding `permit` until it ends.
    fn task(&self, req: Request, permit: Option<SemaphoreGuardArc>) -> RequestTask<E, F, Fut> {
        RequestTask::new(self.shared, req, permit)
    }

    /// [`AsyncIdiom::Spawn`]: a task per request, a permit moved into each.
    async fn spawn(&self, reqs: Vec<Request>) -> Vec<Sample> {
        let mut samples = Vec::with_capacity(reqs.len());
        let mut running = FuturesUnordered::new();
        for req in reqs {
            let permit = match &self.semaphore {
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
            running.push(self.exec.spawn(self.task(req, permit)));
        }
        // Straight into `samples`: no second vector of N at the peak.
        while let Some(s) = running.next().await {
            samples.push(s);
        }
        samples
    }

    /// [`AsyncIdiom::JoinSet`]: spawned tasks, the set refilled to the bound.
    async fn join_set(&self, reqs: Vec<Request>) -> Vec<Sample> {
        let mut samples = Vec::with_capacity(reqs.len());
        let mut set = FuturesUnordered::new();
        for req in reqs {
            if set.len() >= self.bound {
                samples.extend(set.next().await);
            }
            set.push(self.exec.spawn(self.task(req, None)));
        }
        while let Some(s) = set.next().await {
            samples.push(s);
        }
        samples
    }

    /// [`AsyncIdiom::JoinAll`]: every request a future of the calling task,
    /// each awaiting its permit first.
    async fn join_all(&self, reqs: Vec<Request>) -> Vec<Sample> {
        let futures = reqs.into_iter().map(|req| {
            let semaphore = self.semaphore.clone();
            async move {
                let permit = match semaphore {
                    Some(sem) => Some(sem.acquire_arc().await),
                    None => None,
                };
                self.task(req, permit).await
            }
        });
        futures_util::future::join_all(futures).await
    }

    /// [`AsyncIdiom::FuturesUnordered`]: request futures in the calling
    /// task, refilled to the bound.
    async fn futures_unordered(&self, reqs: Vec<Request>) -> Vec<Sample> {
        let mut samples = Vec::with_capacity(reqs.len());
        let mut running = FuturesUnordered::new();
        for req in reqs {
            if running.len() >= self.bound {
                samples.extend(running.next().await);
            }
            running.push(self.task(req, None));
        }
        // Straight into `samples`: no second vector of N at the peak.
        while let Some(s) = running.next().await {
            samples.push(s);
        }
        samples
    }

    /// [`AsyncIdiom::BufferUnordered`]: a stream of request futures,
    /// `bound` of them polled at once.
    async fn buffer_unordered(&self, reqs: Vec<Request>) -> Vec<Sample> {
        stream::iter(reqs)
            .map(|req| self.task(req, None))
            .buffer_unordered(self.bound.max(1))
            .collect()
            .await
    }
}
