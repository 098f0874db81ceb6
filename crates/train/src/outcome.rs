//! What a training run produces: a record of every epoch, and the outcome.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Wall-clock seconds of the training steps (evaluation excluded).
    pub seconds: f64,
    /// Validation metrics, on evaluation epochs.
    pub valid: Option<BTreeMap<String, f64>>,
    /// Test metrics on evaluation epochs when
    /// [`TrainConfig::monitor_test`](crate::TrainConfig::monitor_test) is set (recorded for
    /// time-to-quality curves; never used for selection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<BTreeMap<String, f64>>,
    /// Wall-clock seconds from [`RunOptions::started`](crate::RunOptions::started) to the
    /// end of this epoch, evaluation included.
    #[serde(default)]
    pub elapsed: f64,
}

/// The result of [`train`](crate::train()): the best model and how the run went.
#[derive(Debug, Clone)]
pub struct TrainOutcome<M> {
    /// The model at the best validation epoch.
    pub best_model: M,
    /// The best validation epoch.
    pub best_epoch: usize,
    /// Epochs trained in total (including before a resume).
    pub epochs: usize,
    /// Mean seconds per training epoch.
    pub seconds_per_epoch: f64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
}
