//! The row on compio: [`Compio`], id `compio-cyper`.
//!
//! [compio](https://crates.io/crates/compio) is a completion-based,
//! thread-per-core runtime: on Linux its driver is io_uring (reads, writes,
//! connects and timers are submitted to the kernel's ring and complete there,
//! instead of waiting for readiness as epoll does). Its tasks are `!Send` and
//! stay on the thread that runs the runtime, so this row drives the fan-out
//! with [`fanout_core::drive::run_local`] on one compio `Runtime`: one thread
//! for the whole client.
//!
//! The HTTP client is [cyper](https://crates.io/crates/cyper), compio's own:
//! hyper's HTTP/1 client (hyper-util's legacy `Client` and its pool) over
//! compio's sockets. Requests are tasks on the runtime; the heartbeat is a
//! task on the same runtime, ticking on compio's timer.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use compio::runtime::ResumeUnwind;
use fanout_core::drive::{self, LocalBoxFuture, LocalExecutor};
use fanout_core::{Description, Model, Outcome, Plan, Runtime, Session, StartError, Upstream};

/// The compio row: compio's runtime (io_uring driver, one thread) with cyper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compio;

impl Compio {
    /// The rows of this crate, for the registry.
    pub fn rows() -> Vec<Box<dyn Runtime>> {
        vec![Box::new(Compio)]
    }
}

impl Runtime for Compio {
    fn id(&self) -> &'static str {
        "compio-cyper"
    }

    fn describe(&self) -> Description {
        Description {
            runtime: "compio (io_uring, one thread)".into(),
            client: "cyper",
            model: Model::AsyncIoUring,
            upstream: Upstream::Maintained,
            max_concurrency: None,
            tuned: None,
            deviations: &[],
        }
    }

    fn start(&self) -> Result<Box<dyn Session>, StartError> {
        let runtime = compio::runtime::Runtime::new()?;
        let client = client::build()
            .map_err(|e| StartError(format!("cannot build the cyper client: {e}")))?;
        Ok(Box::new(CompioSession {
            client,
            exec: CompioExecutor(Rc::new(runtime)),
        }))
    }
}

/// [`LocalExecutor`] for one compio runtime (tasks stay on its thread).
#[derive(Clone)]
struct CompioExecutor(Rc<compio::runtime::Runtime>);

impl LocalExecutor for CompioExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    fn spawn<F>(&self, future: F) -> LocalBoxFuture<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = compio::runtime::spawn(future);
        Box::pin(async move {
            // A panic in the task is re-raised here; compio cancels a task only
            // when its runtime is dropped, which cannot happen while we await it.
            task.await
                .resume_unwind()
                .expect("compio cancelled a task while its runtime was running")
        })
    }

    fn sleep(&self, d: Duration) -> LocalBoxFuture<()> {
        Box::pin(compio::time::sleep(d))
    }
}

/// Fields drop in order: the client (and its pooled sockets) before the runtime.
struct CompioSession {
    client: cyper::Client,
    exec: CompioExecutor,
}

impl Session for CompioSession {
    fn fan_out(&mut self, plan: &Plan) -> Outcome {
        let (client, keep_alive) = (self.client.clone(), plan.keep_alive);
        drive::run_local(&self.exec, plan, move |url| {
            client::get(client.clone(), url, keep_alive)
        })
    }
}

#[cfg(test)]
mod tests {
    use compio::driver::DriverType;

    #[test]
    fn the_driver_is_io_uring() {
        let runtime = compio::runtime::Runtime::new().expect("io_uring is available");
        assert_eq!(runtime.driver_type(), DriverType::IoUring);
    }
}
