//! The blocking drivers: [`sequential`], [`thread_per_request`] (with its
//! counting semaphore for OS threads) and [`ThreadPool`] (workers kept
//! across fan-outs by a session). Each times a request from the moment its
//! thread starts it, with [`timed`].

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use super::request::{Expect, Request, finish, not_started, requests, timed};
use crate::heartbeat::Heartbeat;
use crate::plan::Plan;
use crate::sample::{Fetched, Outcome, Sample};
use crate::target::Target;

/// One request after another on the calling thread. The heartbeat ticks only
/// between requests — the blocking loop of the original demo.
pub fn sequential<F: Fn(&Request) -> Fetched>(plan: &Plan, target: &Target, fetch: F) -> Outcome {
    let reqs = requests(plan, target);
    let expect = Expect::new(plan, target);
    let hb = Heartbeat::new(plan.heartbeat);
    let t0 = Instant::now();
    let mut samples = Vec::with_capacity(reqs.len());
    for req in &reqs {
        samples.push(timed(&expect, t0, req, &fetch));
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
    let expect = Expect::new(plan, target);
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
            let (thread_tx, slots, fetch, expect) = (tx.clone(), &slots, &fetch, &expect);
            let spawned = std::thread::Builder::new().spawn_scoped(s, move || {
                let sample = timed(expect, t0, req, fetch);
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
        let shared = Arc::new((Expect::new(plan, target), fetch));
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
                let (expect, fetch) = &*shared;
                let _ = tx.send(timed(expect, t0, &req, fetch));
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
