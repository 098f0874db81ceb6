//! Training settings.

use serde::{Deserialize, Serialize};

/// The validation metric that picks the best epoch and drives early stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelectMetric {
    /// NDCG@20.
    Ndcg20,
    /// Recall@20.
    Recall20,
}

impl SelectMetric {
    /// The metric's key in metric maps.
    pub fn key(self) -> &'static str {
        match self {
            Self::Ndcg20 => "ndcg@20",
            Self::Recall20 => "recall@20",
        }
    }
}

/// Everything the training loop needs besides the model and the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// BPR triples per step.
    pub batch_size: usize,
    /// Adam learning rate at the start.
    pub learning_rate: f64,
    /// L2 on the batch's layer-0 embeddings (LightGCN's `decay`), per triple.
    pub l2: f64,
    /// Adam weight decay on all parameters.
    pub weight_decay: f64,
    /// Adam's ε. PyTorch's 1e-8 (the published LightGCN/LightGCN++ runs) rather than
    /// burn's 1e-5, which damps the small, sparse gradients of rarely sampled rows.
    #[serde(default = "default_adam_epsilon")]
    pub adam_epsilon: f64,
    /// Evaluate on the validation split every this many epochs.
    pub eval_every: usize,
    /// Stop after this many evaluations without improvement.
    pub patience: usize,
    /// Halve the learning rate after this many evaluations without improvement.
    pub plateau_patience: usize,
    /// Multiplier applied by ReduceLROnPlateau.
    pub plateau_factor: f64,
    /// Lower bound for the learning rate.
    pub min_learning_rate: f64,
    /// Validation metric used for model selection.
    pub select: SelectMetric,
    /// Cut-offs reported.
    pub ks: Vec<usize>,
    /// Seed for initialisation, sampling and dropout.
    pub seed: u64,
    /// Also evaluate the test split at every evaluation (time-to-quality curves only).
    #[serde(default)]
    pub monitor_test: bool,
}

/// Adam's ε unless set: 1e-8.
fn default_adam_epsilon() -> f64 {
    1e-8
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 1000,
            batch_size: 2048,
            learning_rate: 1e-3,
            l2: 1e-4,
            weight_decay: 0.0,
            adam_epsilon: default_adam_epsilon(),
            eval_every: 1,
            patience: 20,
            plateau_patience: 8,
            plateau_factor: 0.5,
            min_learning_rate: 1e-5,
            select: SelectMetric::Ndcg20,
            ks: vec![10, 20, 40],
            seed: 2024,
            monitor_test: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_saved_with_the_removed_hard_negative_settings_still_reads() {
        let mut saved = serde_json::to_value(TrainConfig::default()).unwrap();
        saved["hard_negative_weight"] = 0.0.into();
        saved["hard_candidates"] = 128.into();
        let read: TrainConfig = serde_json::from_value(saved).unwrap();
        assert_eq!(read, TrainConfig::default());
    }
}
