//! Command-line arguments of `train-cli train` and what they map to.

use std::path::PathBuf;

use crate::run_spec::{ModelChoice, RunSpec};
use clap::{Args, ValueEnum};
use gnnrec_graph::Strategy;
use gnnrec_graph_filter::GraphFilterConfig;
use gnnrec_models::{EmbeddingStart, LightGcnConfig, ModelConfig, NgcfConfig, SageConfig};
use gnnrec_train::{SelectMetric, TrainConfig};

/// Where propagation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PropagationChoice {
    /// Time the candidates on the graph and keep the fastest.
    Auto,
    /// CSR sparse products: a device kernel on wgpu/CUDA, the host on the CPU backend.
    Sparse,
    /// CSR sparse products on the host, whatever the backend.
    Host,
    /// Dense adjacency matmuls on the device.
    Dense,
}

/// Compute backend for training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrainBackend {
    /// burn-ndarray on the CPU.
    Cpu,
    /// burn-wgpu (Vulkan/Metal/DX12).
    #[cfg(feature = "wgpu")]
    Wgpu,
    /// burn-cuda (NVIDIA).
    #[cfg(feature = "cuda")]
    Cuda,
}

/// Arguments of `train-cli train` (saved as a [`RunSpec`] in `OUT/run.json` for `export`).
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// Folder with LightGCN-format train.txt, valid.txt, test.txt (`user item item …`).
    #[arg(long, required_unless_present_any = ["preset", "dataset"], conflicts_with_all = ["preset", "dataset"])]
    pub split_dir: Option<PathBuf>,
    /// Built-in layout of the files in --data-dir (movielens, movielens-100k, movielens-1m,
    /// amazon-books).
    #[arg(long, requires = "data_dir", conflicts_with = "dataset")]
    pub preset: Option<String>,
    /// Folder with the preset's files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// TOML description of a catalogue data set (see docs/dataset-config.md).
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Keep ratings at or above this value (catalogue data sets; default: the config's, 3.0).
    #[arg(long)]
    pub min_rating: Option<f32>,
    /// Iterative k-core for users and items (catalogue data sets; default: the config's, 5).
    #[arg(long)]
    pub k_core: Option<usize>,
    /// Hold this fraction of the rated items out of training and report how well they
    /// are ranked from their text alone (metrics.json "cold_start").
    #[arg(long, default_value_t = 0.0)]
    pub cold_start_items: f64,
    /// MiniLM folder used for item text features (catalogue data sets, sage).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub encoder_dir: PathBuf,
    /// Cache of item text embeddings (keyed by model and text hash).
    #[arg(long, default_value = "cache/text-embeddings")]
    pub cache_dir: PathBuf,
    /// PCA width of the item text features.
    #[arg(long, default_value_t = 128)]
    pub feature_dim: usize,
    /// Model family.
    #[arg(long, value_enum)]
    pub model: ModelChoice,
    /// Run directory: checkpoints, metrics.json, curve.svg.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to write the metrics JSON (default OUT/metrics.json).
    #[arg(long)]
    pub metrics_out: Option<PathBuf>,
    /// Continue the interrupted run in OUT.
    #[arg(long)]
    pub resume: bool,
    /// Embedding width (default 64; 128 for sage).
    #[arg(long)]
    pub dim: Option<usize>,
    /// Propagation layers.
    #[arg(long, default_value_t = 3)]
    pub layers: usize,
    /// LightGCN++ target-degree exponent.
    #[arg(long, default_value_t = 0.6, allow_negative_numbers = true)]
    pub alpha: f32,
    /// LightGCN++ source-degree exponent.
    #[arg(long, default_value_t = -0.1, allow_negative_numbers = true)]
    pub beta: f32,
    /// LightGCN++ weight of layer 0 in the final mix.
    #[arg(long, default_value_t = 0.2)]
    pub gamma: f32,
    /// Dropout (sage, ngcf).
    #[arg(long, default_value_t = 0.1)]
    pub dropout: f64,
    /// Where LightGCN/LightGCN++ embeddings start: `random` (N(0, 0.1²)) or `spectral`
    /// (the leading singular vectors of D_U^-½ R D_I^-½, one truncated SVD, seconds).
    #[arg(long, value_enum, default_value_t = StartChoice::Random)]
    pub start: StartChoice,
    /// Maximum epochs.
    #[arg(long, default_value_t = 1000)]
    pub epochs: usize,
    /// BPR triples per step.
    #[arg(long, default_value_t = 2048)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// L2 on the batch's layer-0 embeddings.
    #[arg(long, default_value_t = 1e-4)]
    l2: f64,
    /// Adam weight decay on all parameters.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Adam's ε (PyTorch's default; burn's own is 1e-5).
    #[arg(long, default_value_t = 1e-8)]
    pub adam_epsilon: f64,
    /// Validate every N epochs.
    #[arg(long, default_value_t = 1)]
    pub eval_every: usize,
    /// Early stopping: evaluations without improvement.
    #[arg(long, default_value_t = 20)]
    pub patience: usize,
    /// ReduceLROnPlateau: evaluations without improvement before halving the rate.
    #[arg(long, default_value_t = 8)]
    pub plateau_patience: usize,
    /// Also evaluate the test items at every validation, into metrics.json's history
    /// (time-to-quality curves; never used for selection).
    #[arg(long)]
    pub monitor_test: bool,
    /// Validation metric for model selection.
    #[arg(long, value_enum, default_value = "ndcg20")]
    pub select: SelectChoice,
    /// Seed (initialisation, sampling, dropout).
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// Compute backend.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: TrainBackend,
    /// Propagation strategy.
    #[arg(long, value_enum, default_value = "auto")]
    pub propagation: PropagationChoice,
    /// Graph filter: largest SVD rank, also the width of the exported item vectors
    /// (default: what a fixed SVD budget allows, (users + items)·rank² ≤ 2.5·10¹⁰, from
    /// 256 to 1,024, at most min(users, items)).
    #[arg(long)]
    pub filter_rank: Option<usize>,
    /// Graph filter: validation users scoring each candidate setting.
    #[arg(long, default_value_t = 1500)]
    pub filter_validation_users: usize,
}

/// `--start` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartChoice {
    /// N(0, 0.1²).
    Random,
    /// Truncated SVD of the normalised interaction matrix.
    Spectral,
}

/// `--select` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelectChoice {
    /// NDCG@20.
    Ndcg20,
    /// Recall@20.
    Recall20,
}

impl TrainArgs {
    /// Training-loop settings.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            l2: self.l2,
            weight_decay: self.weight_decay,
            adam_epsilon: self.adam_epsilon,
            eval_every: self.eval_every,
            patience: self.patience,
            plateau_patience: self.plateau_patience,
            select: match self.select {
                SelectChoice::Ndcg20 => SelectMetric::Ndcg20,
                SelectChoice::Recall20 => SelectMetric::Recall20,
            },
            seed: self.seed,
            monitor_test: self.monitor_test,
            ..TrainConfig::default()
        }
    }

    /// The graph filter's fitting settings.
    pub fn graph_filter_config(&self) -> GraphFilterConfig {
        GraphFilterConfig {
            rank: self.filter_rank,
            validation_users: self.filter_validation_users,
            seed: self.seed,
            ..GraphFilterConfig::default()
        }
    }

    /// The learned model family with its hyper-parameters; `None` for the graph filter,
    /// which has no burn module.
    pub fn model_config(&self) -> Option<ModelConfig> {
        let start = match self.start {
            StartChoice::Random => EmbeddingStart::Random,
            StartChoice::Spectral => EmbeddingStart::Spectral,
        };
        let dim = self.dim.unwrap_or(if self.model == ModelChoice::Sage { 128 } else { 64 });
        Some(match self.model {
            ModelChoice::Lightgcn => ModelConfig::LightGcn(LightGcnConfig {
                layers: self.layers,
                start,
                ..LightGcnConfig::lightgcn(dim)
            }),
            ModelChoice::Lightgcnpp | ModelChoice::GraphFilterBlend => {
                ModelConfig::LightGcn(LightGcnConfig {
                    layers: self.layers,
                    start,
                    ..LightGcnConfig::lightgcn_pp(dim, self.alpha, self.beta, self.gamma)
                })
            }
            ModelChoice::Ngcf => {
                ModelConfig::Ngcf(NgcfConfig { dim, layers: self.layers, dropout: self.dropout })
            }
            ModelChoice::Sage => ModelConfig::Sage(SageConfig {
                dim,
                layers: self.layers,
                dropout: self.dropout,
                item_feature_dim: None,
            }),
            ModelChoice::GraphFilter => return None,
        })
    }

    /// The arguments of the blend's LightGCN++ part: the same data and settings, written to
    /// `OUT/lightgcnpp` as a run of its own.
    pub fn blend_part(&self) -> Self {
        Self {
            model: ModelChoice::Lightgcnpp,
            out: self.out.join("lightgcnpp"),
            metrics_out: None,
            ..self.clone()
        }
    }

    /// Propagation strategy.
    pub fn strategy(&self) -> Strategy {
        match self.propagation {
            PropagationChoice::Auto => Strategy::Auto,
            PropagationChoice::Sparse => Strategy::Sparse,
            PropagationChoice::Host => Strategy::Host,
            PropagationChoice::Dense => Strategy::Dense,
        }
    }
}

impl TrainArgs {
    /// The configuration saved as `run.json`: the data source and filters, the model
    /// family and the settings it is trained with.
    pub fn spec(&self) -> RunSpec {
        let learned = self.model != ModelChoice::GraphFilter;
        let filter = matches!(self.model, ModelChoice::GraphFilter | ModelChoice::GraphFilterBlend);
        RunSpec {
            split_dir: self.split_dir.clone(),
            preset: self.preset.clone(),
            data_dir: self.data_dir.clone(),
            dataset: self.dataset.clone(),
            min_rating: self.min_rating,
            k_core: self.k_core,
            cold_start_items: self.cold_start_items,
            encoder_dir: self.encoder_dir.clone(),
            cache_dir: self.cache_dir.clone(),
            feature_dim: self.feature_dim,
            model: self.model,
            seed: self.seed,
            model_config: self.model_config(),
            train_config: learned.then(|| self.train_config()),
            graph_filter: filter.then(|| self.graph_filter_config()),
        }
    }
}
