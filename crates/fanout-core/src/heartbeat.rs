//! [`Heartbeat`]: the `count()` ticker of the original asyncio demo.
//!
//! In the Python argument, a `count()` coroutine prints once a second while a
//! slow `/delay/5` request waits: under `asyncio` it keeps ticking, under a
//! blocking loop it stalls. Here every fan-out runs a ticker with the plan's
//! period *the way its model naturally can* — a task on the async runtime, a
//! thread for the thread rows, and for the sequential row only between
//! requests — and records how late each tick was.
//!
//! Ticks are due at `start + k·period`. When the ticker runs at time `t`, it
//! records one tick for the earliest due time it has not yet recorded, with
//! lateness `t − due`, and counts the other due times before `t` as *missed*
//! (tokio's `MissedTickBehavior::Skip`). So a ticker that is blocked for a
//! whole request shows up as one very late tick plus missed ones.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A ticker's record, shared between the fan-out and whatever drives the ticks.
#[derive(Debug)]
pub struct Heartbeat {
    period: Duration,
    start: Instant,
    stopped: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Index of the next due time not yet recorded or missed.
    next: u64,
    lateness: Vec<Duration>,
    missed: u64,
}

impl Heartbeat {
    /// A ticker with the given period, its first tick due one period from now.
    pub fn new(period: Duration) -> Heartbeat {
        Heartbeat {
            period: period.max(Duration::from_millis(1)),
            start: Instant::now(),
            stopped: AtomicBool::new(false),
            state: Mutex::new(State {
                next: 1,
                ..State::default()
            }),
        }
    }

    /// The next due time, or `None` once stopped: the driver of the ticker
    /// sleeps until then and calls [`Heartbeat::tick`].
    pub fn next_due(&self) -> Option<Instant> {
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        let next = self.state.lock().unwrap_or_else(|e| e.into_inner()).next;
        Some(self.start + self.period * next as u32)
    }

    /// The ticker ran now: records the earliest unrecorded due tick, if one is
    /// due, and skips the rest. A no-op once stopped, or if nothing is due yet.
    pub fn tick(&self) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(self.start);
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let due = self.period * st.next as u32;
        if elapsed < due {
            return;
        }
        st.lateness.push(elapsed - due);
        // All due times up to `elapsed` are now handled: one recorded, the rest missed.
        let reached = (elapsed.as_nanos() / self.period.as_nanos()) as u64;
        st.missed += reached - st.next;
        st.next = reached + 1;
    }

    /// Stops the ticker: later calls to [`Heartbeat::tick`] record nothing.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
    }

    /// Stops the ticker and returns its record.
    pub fn finish(&self) -> HeartbeatReport {
        self.stop();
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        HeartbeatReport {
            period: self.period,
            lateness: st.lateness.clone(),
            missed: st.missed,
        }
    }

    /// Drives the ticker on a dedicated OS thread (the thread rows' model)
    /// until [`Heartbeat::stop`]; join the handle after stopping.
    pub fn spawn_thread(self: &std::sync::Arc<Self>) -> std::thread::JoinHandle<()> {
        let hb = std::sync::Arc::clone(self);
        std::thread::Builder::new()
            .name("fanout-heartbeat".into())
            .spawn(move || {
                while let Some(due) = hb.next_due() {
                    // Sleep in short slices so stop() is noticed promptly.
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep((due - now).min(Duration::from_millis(50)));
                        continue;
                    }
                    hb.tick();
                }
            })
            .expect("spawning the heartbeat thread")
    }

    /// Drives the ticker as an async task (the async rows' model), sleeping
    /// with the runtime's own timer: `sleep(d)` must return a future that
    /// completes after `d`. Returns after [`Heartbeat::stop`].
    pub async fn run<S, F>(self: std::sync::Arc<Self>, sleep: S)
    where
        S: Fn(Duration) -> F,
        F: std::future::Future<Output = ()>,
    {
        while let Some(due) = self.next_due() {
            let now = Instant::now();
            if due > now {
                sleep((due - now).min(Duration::from_millis(250))).await;
                continue;
            }
            self.tick();
        }
    }
}

/// What the ticker saw during one fan-out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HeartbeatReport {
    /// The ticker's period.
    #[serde(with = "crate::plan::millis")]
    pub period: Duration,
    /// Lateness of each recorded tick, in order.
    pub lateness: Vec<Duration>,
    /// Due ticks skipped because the ticker was blocked past them.
    pub missed: u64,
}

impl HeartbeatReport {
    /// Ticks recorded.
    pub fn ticks(&self) -> u64 {
        self.lateness.len() as u64
    }

    /// The largest lateness, zero without ticks.
    pub fn max_lateness(&self) -> Duration {
        self.lateness.iter().copied().max().unwrap_or_default()
    }

    /// The `q` quantile (0..=1) of lateness, nearest-rank; zero without ticks.
    pub fn lateness_quantile(&self, q: f64) -> Duration {
        if self.lateness.is_empty() {
            return Duration::ZERO;
        }
        let mut v = self.lateness.clone();
        v.sort_unstable();
        let rank = ((q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_blocked_ticker_records_one_late_tick_and_counts_the_missed() {
        let hb = Heartbeat::new(Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(32));
        hb.tick();
        hb.tick(); // nothing new is due yet
        let r = hb.finish();
        assert_eq!(r.ticks(), 1);
        assert!(r.lateness[0] >= Duration::from_millis(25), "{r:?}");
        assert!(r.missed >= 5, "{r:?}");
    }

    #[test]
    fn a_thread_ticker_ticks_until_stopped() {
        let hb = Arc::new(Heartbeat::new(Duration::from_millis(2)));
        let h = hb.spawn_thread();
        std::thread::sleep(Duration::from_millis(40));
        let r = hb.finish();
        h.join().unwrap();
        assert!(r.ticks() >= 3, "{r:?}");
        let after = r.ticks();
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(hb.finish().ticks(), after, "ticks recorded after stop");
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let r = HeartbeatReport {
            period: Duration::from_millis(1),
            lateness: (1..=100).map(Duration::from_micros).collect(),
            missed: 0,
        };
        assert_eq!(r.lateness_quantile(0.99), Duration::from_micros(99));
        assert_eq!(r.max_lateness(), Duration::from_micros(100));
        assert_eq!(
            HeartbeatReport::default().lateness_quantile(0.5),
            Duration::ZERO
        );
    }
}
