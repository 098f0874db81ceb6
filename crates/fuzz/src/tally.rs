//! How many inputs a target ran and how many of them its reader accepted, printed when the
//! target ends (`cargo test -- --nocapture` shows it): the executions of the fuzz figures, and
//! a check that the edits reach past the first parse.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts of one target's inputs.
pub struct Tally {
    name: &'static str,
    runs: AtomicU64,
    accepted: AtomicU64,
}

impl Tally {
    /// The counts of target `name`, none yet.
    pub fn new(name: &'static str) -> Self {
        Self { name, runs: AtomicU64::new(0), accepted: AtomicU64::new(0) }
    }

    /// Counts one input, which the reader `accepted` or refused (with a typed error).
    pub fn count(&self, accepted: bool) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        self.accepted.fetch_add(u64::from(accepted), Ordering::Relaxed);
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        let (runs, accepted) = (self.runs.load(Ordering::Relaxed), self.accepted.load(Ordering::Relaxed));
        eprintln!("fuzz target {}: {runs} inputs, {accepted} accepted", self.name);
    }
}
