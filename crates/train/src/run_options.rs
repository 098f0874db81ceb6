//! Where a run keeps its checkpoints and whether it continues an earlier one.

use std::path::PathBuf;
use std::time::Instant;

/// Where a run keeps its checkpoints and whether it continues an earlier one.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run directory (checkpoints).
    pub out: PathBuf,
    /// Continue the last checkpoint in `out`.
    pub resume: bool,
    /// What the run is made of (model, data shape, settings); `resume` requires a match.
    pub fingerprint: serde_json::Value,
    /// When the command started (data loading included), for
    /// [`EpochRecord::elapsed`](crate::EpochRecord::elapsed).
    pub started: Instant,
}
