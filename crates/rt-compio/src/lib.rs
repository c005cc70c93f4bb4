//! The row on compio: [`Compio`], id `compio-cyper`.
//!
//! [compio](https://crates.io/crates/compio) is a completion-based,
//! thread-per-core runtime: on Linux its driver is io_uring (reads, writes,
//! connects and timers are submitted to the kernel's ring and complete there,
//! instead of waiting for readiness as epoll does). Its tasks are `!Send` and
//! stay on the thread that runs the runtime, so this row's [`Spawn`] impl
//! takes any future, `Send` or not, and the fan-out runs on one compio
//! `Runtime`: one thread for the whole client.
//!
//! The HTTP client is [cyper](https://crates.io/crates/cyper), compio's own:
//! hyper's HTTP/1 and HTTP/2 clients (hyper-util's legacy `Client` and its
//! pool) over compio's sockets, TLS by rustls through compio-tls. Requests
//! are tasks on the runtime; the heartbeat is a task on the same runtime,
//! ticking on compio's timer, and every request races its timeout on it.

#![forbid(unsafe_code)]

mod client;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use compio::runtime::{JoinError, JoinHandle, ResumeUnwind};
use fanout_core::drive::{self, Executor, Spawn};
use fanout_core::row::ANY_PROTOCOL;
use fanout_core::{
    AsyncIdiom, Clients, Description, Model, Outcome, Plan, Row, Session, StartError, Target,
};
use futures_util::FutureExt;
use futures_util::future::Map;

/// The compio row: compio's runtime (io_uring driver, one thread) with cyper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compio;

impl Compio {
    /// The rows of this crate, for the registry.
    pub fn rows() -> Vec<Box<dyn Row>> {
        vec![Box::new(Compio)]
    }
}

impl Row for Compio {
    fn id(&self) -> &'static str {
        "compio-cyper"
    }

    fn describe(&self) -> Description {
        Description::new(
            "compio (io_uring, one thread)",
            "cyper",
            Model::AsyncIoUring,
        )
        .with_tls(client::TLS)
        .with_roots(fanout_core::tls::NATIVE_ROOTS)
        .with_protocols(ANY_PROTOCOL)
    }

    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        let runtime = compio::runtime::Runtime::new()?;
        Ok(Box::new(CompioSession {
            clients: Clients::default(),
            target: target.clone(),
            exec: CompioExec(Rc::new(runtime)),
        }))
    }
}

/// [`Executor`] for one compio runtime. Its `sleep` is an `async fn` (a type
/// without a name), so the sleep future is boxed.
#[derive(Clone)]
struct CompioExec(Rc<compio::runtime::Runtime>);

impl Executor for CompioExec {
    type Sleep = Pin<Box<dyn Future<Output = ()>>>;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn sleep(&self, d: Duration) -> Self::Sleep {
        Box::pin(compio::time::sleep(d))
    }
}

type Joined<T> = Map<JoinHandle<T>, fn(Result<T, JoinError>) -> T>;

/// Any future, `Send` or not: compio's tasks stay on their thread.
impl<F: Future + 'static> Spawn<F> for CompioExec {
    type Handle = Joined<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        // A panic in the task is resumed here; compio cancels a task only
        // when its runtime is dropped, which cannot happen while we await it.
        self.0.spawn(future).map(|r| {
            r.resume_unwind()
                .expect("compio cancelled a task while its runtime was running")
        })
    }
}

/// Fields drop in order: the clients (and their pooled sockets) before the runtime.
struct CompioSession {
    clients: Clients<cyper::Client>,
    target: Target,
    exec: CompioExec,
}

impl Session for CompioSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        let target = &self.target;
        let client = {
            // cyper's pool lives on the runtime: build inside it.
            let rt = &self.exec.0;
            let clients = &mut self.clients;
            rt.enter(|| {
                clients
                    .get(plan.protocol, |p| client::build(target, p))
                    .cloned()
            })?
        };
        Ok(drive::run(
            &self.exec,
            AsyncIdiom::Spawn,
            plan,
            &self.target,
            move |req| client::get(client.clone(), req),
        ))
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
