//! What the async driver needs of a runtime: [`Executor`] (`block_on` and
//! a timer) and [`Spawn`] (a task per future type, so `Send` and `!Send`
//! runtimes alike). A row implements both in a few lines.

use std::future::Future;
use std::time::Duration;

/// What [`run`](super::run) needs from an async runtime besides spawning: criterion's
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
/// `F`. [`run`](super::run) asks for it on its two task types only.
pub trait Spawn<F: Future>: Executor {
    /// The task's join handle: resolves to the future's output (a panic in
    /// the task is resumed in the caller).
    type Handle: Future<Output = F::Output>;
    /// Spawns `future` as a task on the runtime.
    fn spawn(&self, future: F) -> Self::Handle;
}
