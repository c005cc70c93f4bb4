//! Ctrl-C during a sweep: the flag it sets ([`Stop`]) and the error a run
//! loop returns once it is set ([`Interrupted`]); the loops check it
//! between runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Ctrl-C was pressed: stop between runs.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// The stop flag Ctrl-C sets.
#[derive(Clone)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Installs the handler (once per process; a second sweep in one
    /// process reuses the first handler's flag).
    pub fn install() -> Stop {
        static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
        let flag = FLAG.get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let f = Arc::clone(&flag);
            // Children share our process group, so Ctrl-C reaches them too;
            // we only note it and stop between runs.
            let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
            flag
        });
        flag.store(false, Ordering::SeqCst);
        Stop(Arc::clone(flag))
    }

    /// `Err(Interrupted)` once Ctrl-C was pressed.
    pub fn check(&self) -> Result<(), Interrupted> {
        if self.0.load(Ordering::SeqCst) {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }
}
