//! `run.json`: the saved configuration of a training run (what `export` and
//! `evaluate-bundle` need to load the same data again, and the settings it was trained
//! with), built from the `train` arguments.
//!
//! Runs written before this type saved the `train` arguments themselves; their field
//! names are the ones used here, and the fields this type lacks (`out`, `lr`, …) are
//! ignored, so those files still read.

use std::path::PathBuf;

use clap::ValueEnum;
use gnnrec_graph_filter::GraphFilterConfig;
use gnnrec_models::ModelConfig;
use gnnrec_train::TrainConfig;
use serde::{Deserialize, Serialize};

/// The model families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum ModelChoice {
    /// Heterogeneous GraphSAGE with an MLP predictor.
    Sage,
    /// LightGCN.
    Lightgcn,
    /// LightGCN++ (see --alpha, --beta, --gamma).
    Lightgcnpp,
    /// NGCF.
    Ngcf,
    /// Closed-form graph filter (no gradient descent; see --filter-rank).
    GraphFilter,
    /// The graph filter blended with LightGCN++ (trained with --alpha, --beta, --gamma and
    /// the training options, kept as a run of its own in OUT/lightgcnpp); the blend weight
    /// is chosen on validation and a user's vector stays a function of their history.
    GraphFilterBlend,
}

impl ModelChoice {
    /// The name used on the command line and in bundles (`graph-filter`, `lightgcnpp`, …).
    pub fn name(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }
}

/// The saved configuration of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// LightGCN split folder (`--split-dir`).
    #[serde(default)]
    pub split_dir: Option<PathBuf>,
    /// Built-in data-set layout (`--preset`).
    #[serde(default)]
    pub preset: Option<String>,
    /// Folder with the preset's files (`--data-dir`).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// TOML data-set description (`--dataset`).
    #[serde(default)]
    pub dataset: Option<PathBuf>,
    /// Rating filter override (catalogue data sets).
    #[serde(default)]
    pub min_rating: Option<f32>,
    /// k-core override (catalogue data sets).
    #[serde(default)]
    pub k_core: Option<usize>,
    /// Fraction of the rated items held out of training as cold-start items.
    #[serde(default)]
    pub cold_start_items: f64,
    /// MiniLM folder used for item text.
    pub encoder_dir: PathBuf,
    /// Cache of item text embeddings.
    pub cache_dir: PathBuf,
    /// PCA width of the item text features.
    pub feature_dim: usize,
    /// Model family.
    pub model: ModelChoice,
    /// Seed (split, held-out items, initialisation, sampling).
    pub seed: u64,
    /// The learned model's hyper-parameters (the blend's LightGCN++; `None` for the graph
    /// filter and for runs written before run specs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_config: Option<ModelConfig>,
    /// The training loop's settings (learned models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_config: Option<TrainConfig>,
    /// The graph filter's fitting settings (graph filter and its blend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_filter: Option<GraphFilterConfig>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `run.json` as `train` wrote it before run specs: the serialized arguments.
    pub(crate) const OLD_RUN_JSON: &str = r#"{
  "split_dir": null,
  "preset": "movielens",
  "data_dir": "data/movielens-small",
  "dataset": null,
  "min_rating": null,
  "k_core": null,
  "cold_start_items": 0.0,
  "encoder_dir": "models/all-MiniLM-L6-v2",
  "cache_dir": "cache/text-embeddings",
  "feature_dim": 128,
  "model": "Sage",
  "out": "/tmp/run",
  "metrics_out": null,
  "resume": false,
  "dim": null,
  "layers": 3,
  "alpha": 0.6,
  "beta": -0.1,
  "gamma": 0.2,
  "dropout": 0.1,
  "epochs": 2,
  "batch_size": 2048,
  "lr": 0.001,
  "l2": 0.0001,
  "weight_decay": 0.0,
  "adam_epsilon": 1e-8,
  "hard_negative_weight": 0.0,
  "hard_candidates": 128,
  "eval_every": 2,
  "patience": 20,
  "plateau_patience": 8,
  "monitor_test": false,
  "select": "Ndcg20",
  "seed": 2024,
  "backend": "Cpu",
  "propagation": "Auto",
  "filter_rank": null,
  "filter_validation_users": 1500
}"#;

    #[test]
    fn a_run_json_written_by_the_old_train_arguments_still_reads() {
        let spec: RunSpec = serde_json::from_str(OLD_RUN_JSON).unwrap();
        assert_eq!(spec.preset.as_deref(), Some("movielens"));
        assert_eq!(spec.data_dir, Some(PathBuf::from("data/movielens-small")));
        assert_eq!(spec.model, ModelChoice::Sage);
        assert_eq!((spec.seed, spec.feature_dim, spec.cold_start_items), (2024, 128, 0.0));
        assert_eq!(spec.encoder_dir, PathBuf::from("models/all-MiniLM-L6-v2"));
        assert!(spec.model_config.is_none() && spec.train_config.is_none() && spec.graph_filter.is_none());
    }

    #[test]
    fn a_spec_round_trips() {
        let mut spec: RunSpec = serde_json::from_str(OLD_RUN_JSON).unwrap();
        spec.graph_filter = Some(GraphFilterConfig::default());
        spec.model = ModelChoice::GraphFilter;
        let text = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<RunSpec>(&text).unwrap(), spec);
        assert_eq!(spec.model.name(), "graph-filter");
    }
}
