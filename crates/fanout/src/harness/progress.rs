//! Progress of a long sweep, wherever its output goes: a bar on a terminal
//! (indicatif), and off a terminal — a log, CI — one plain line per
//! finished cell with its median and the time left, so a sweep is never
//! silent for minutes.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// The sweep's progress, counted in runs (one child process each).
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    total: u64,
    done: u64,
    started: Instant,
}

impl Progress {
    /// Progress over `total` runs; `enabled: false` prints nothing but notes.
    pub fn new(total: u64, enabled: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (enabled && tty).then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} runs, ETA {eta} · {msg}",
                )
                .expect("static progress template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            plain: enabled && !tty,
            total,
            done: 0,
            started: Instant::now(),
        }
    }

    /// What is running now (the bar's message).
    pub fn running(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_string());
        }
    }

    /// `n` runs finished (or will not happen).
    pub fn advance(&mut self, n: u64) {
        self.done = (self.done + n).min(self.total);
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        }
    }

    /// A cell finished: one line off a terminal.
    pub fn cell(&self, what: &str, result: &str) {
        if self.plain {
            eprintln!(
                "sweep: [{}/{} runs, {} elapsed, ETA {}] {what}: {result}",
                self.done,
                self.total,
                minutes(self.started.elapsed()),
                self.eta().map_or("?".to_string(), minutes)
            );
        }
    }

    /// A round of a group finished: one line off a terminal, so a long
    /// group (every row's run of `c10k`, say) is not silent for minutes.
    pub fn round(&self, group: &str, round: u32, rounds: u32, warm_up: bool) {
        if self.plain {
            eprintln!(
                "sweep: [{}/{} runs, {} elapsed, ETA {}] {group}: {} done",
                self.done,
                self.total,
                minutes(self.started.elapsed()),
                self.eta().map_or("?".to_string(), minutes),
                if warm_up {
                    "warm-up round".to_string()
                } else {
                    format!("round {round} of {rounds}")
                }
            );
        }
    }

    /// A note for the reader (always printed, above the bar).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{msg}")),
            None => eprintln!("{msg}"),
        }
    }

    /// The time left at the pace so far.
    fn eta(&self) -> Option<Duration> {
        (self.done > 0).then(|| {
            self.started
                .elapsed()
                .mul_f64((self.total - self.done) as f64 / self.done as f64)
        })
    }

    /// Ends the bar with a message.
    pub fn finish(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(msg.to_string());
        }
    }
}

/// `42 s` or `3 min 5 s`.
fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}
