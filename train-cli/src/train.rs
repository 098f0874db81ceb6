//! `train-cli train`: train a graph recommender on a split and report test metrics.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use clap::{Args, ValueEnum};
use gnnrec_graph::{BipartiteGraph, GraphBackend, Strategy};
use gnnrec_models::{GraphInputs, LightGcnConfig, ModelConfig, NgcfConfig, Recommender, SageConfig};
use gnnrec_train::{
    ColdItems, Interactions, RunOptions, SelectMetric, TrainConfig, evaluate_cold_items, evaluate_split,
    hold_out_items, metric_map, peak_rss_bytes, train, write_training_curve,
};
use serde_json::json;

use crate::dataset::Source;
use crate::features::{ItemFeatures, item_features};

/// The model families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelChoice {
    /// Heterogeneous GraphSAGE with an MLP predictor.
    Sage,
    /// LightGCN.
    Lightgcn,
    /// LightGCN++ (see --alpha, --beta, --gamma).
    Lightgcnpp,
    /// NGCF.
    Ngcf,
}

/// Where propagation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PropagationChoice {
    /// Time both on the graph and keep the faster.
    Auto,
    /// Host CSR sparse products.
    Sparse,
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

/// Arguments of `train-cli train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Folder with LightGCN-format train.txt, valid.txt, test.txt (`user item item …`).
    #[arg(long, required_unless_present_any = ["preset", "dataset"], conflicts_with_all = ["preset", "dataset"])]
    split_dir: Option<PathBuf>,
    /// Built-in layout of the files in --data-dir (movielens, amazon-books).
    #[arg(long, requires = "data_dir", conflicts_with = "dataset")]
    preset: Option<String>,
    /// Folder with the preset's files.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML description of a catalogue data set (see docs/dataset-config.md).
    #[arg(long)]
    dataset: Option<PathBuf>,
    /// Keep ratings at or above this value (catalogue data sets; default: the config's, 3.0).
    #[arg(long)]
    min_rating: Option<f32>,
    /// Iterative k-core for users and items (catalogue data sets; default: the config's, 5).
    #[arg(long)]
    k_core: Option<usize>,
    /// Hold this fraction of the rated items out of training and report how well they
    /// are ranked from their text alone (metrics.json "cold_start").
    #[arg(long, default_value_t = 0.0)]
    cold_start_items: f64,
    /// MiniLM folder used for item text features (catalogue data sets, sage).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    encoder_dir: PathBuf,
    /// Cache of item text embeddings (keyed by model and text hash).
    #[arg(long, default_value = "cache/text-embeddings")]
    cache_dir: PathBuf,
    /// PCA width of the item text features.
    #[arg(long, default_value_t = 128)]
    feature_dim: usize,
    /// Model family.
    #[arg(long, value_enum)]
    model: ModelChoice,
    /// Run directory: checkpoints, metrics.json, curve.svg.
    #[arg(long)]
    out: PathBuf,
    /// Where to write the metrics JSON (default OUT/metrics.json).
    #[arg(long)]
    metrics_out: Option<PathBuf>,
    /// Continue the interrupted run in OUT.
    #[arg(long)]
    resume: bool,
    /// Embedding width (default 64; 128 for sage).
    #[arg(long)]
    dim: Option<usize>,
    /// Propagation layers.
    #[arg(long, default_value_t = 3)]
    layers: usize,
    /// LightGCN++ target-degree exponent.
    #[arg(long, default_value_t = 0.6, allow_negative_numbers = true)]
    alpha: f32,
    /// LightGCN++ source-degree exponent.
    #[arg(long, default_value_t = -0.1, allow_negative_numbers = true)]
    beta: f32,
    /// LightGCN++ weight of layer 0 in the final mix.
    #[arg(long, default_value_t = 0.2)]
    gamma: f32,
    /// Dropout (sage, ngcf).
    #[arg(long, default_value_t = 0.1)]
    dropout: f64,
    /// Maximum epochs.
    #[arg(long, default_value_t = 1000)]
    epochs: usize,
    /// BPR triples per step.
    #[arg(long, default_value_t = 2048)]
    batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// L2 on the batch's layer-0 embeddings.
    #[arg(long, default_value_t = 1e-4)]
    l2: f64,
    /// Adam weight decay on all parameters.
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f64,
    /// Weight of the in-batch hard-negative term (0 = uniform negatives only).
    #[arg(long, default_value_t = 0.0)]
    hard_negative_weight: f64,
    /// Batch positives used as hard-negative candidates.
    #[arg(long, default_value_t = 128)]
    hard_candidates: usize,
    /// Validate every N epochs.
    #[arg(long, default_value_t = 1)]
    eval_every: usize,
    /// Early stopping: evaluations without improvement.
    #[arg(long, default_value_t = 20)]
    patience: usize,
    /// ReduceLROnPlateau: evaluations without improvement before halving the rate.
    #[arg(long, default_value_t = 8)]
    plateau_patience: usize,
    /// Validation metric for model selection.
    #[arg(long, value_enum, default_value = "ndcg20")]
    select: SelectChoice,
    /// Seed (initialisation, sampling, dropout).
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Compute backend.
    #[arg(long, value_enum, default_value = "cpu")]
    backend: TrainBackend,
    /// Propagation strategy.
    #[arg(long, value_enum, default_value = "auto")]
    propagation: PropagationChoice,
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
    fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            l2: self.l2,
            weight_decay: self.weight_decay,
            hard_negative_weight: self.hard_negative_weight,
            hard_candidates: self.hard_candidates,
            eval_every: self.eval_every,
            patience: self.patience,
            plateau_patience: self.plateau_patience,
            select: match self.select {
                SelectChoice::Ndcg20 => SelectMetric::Ndcg20,
                SelectChoice::Recall20 => SelectMetric::Recall20,
            },
            seed: self.seed,
            ..TrainConfig::default()
        }
    }

    fn model_config(&self) -> ModelConfig {
        let dim = self.dim.unwrap_or(if self.model == ModelChoice::Sage { 128 } else { 64 });
        match self.model {
            ModelChoice::Lightgcn => {
                ModelConfig::LightGcn(LightGcnConfig { layers: self.layers, ..LightGcnConfig::lightgcn(dim) })
            }
            ModelChoice::Lightgcnpp => ModelConfig::LightGcn(LightGcnConfig {
                layers: self.layers,
                ..LightGcnConfig::lightgcn_pp(dim, self.alpha, self.beta, self.gamma)
            }),
            ModelChoice::Ngcf => {
                ModelConfig::Ngcf(NgcfConfig { dim, layers: self.layers, dropout: self.dropout })
            }
            ModelChoice::Sage => ModelConfig::Sage(SageConfig {
                dim,
                layers: self.layers,
                dropout: self.dropout,
                item_feature_dim: None,
            }),
        }
    }

    fn strategy(&self) -> Strategy {
        match self.propagation {
            PropagationChoice::Auto => Strategy::Auto,
            PropagationChoice::Sparse => Strategy::Sparse,
            PropagationChoice::Dense => Strategy::Dense,
        }
    }
}

/// Data ready for training: interactions (cold items removed), held-out cold items and
/// item text features.
struct Prepared {
    data: Interactions,
    cold: Option<ColdItems>,
    features: Option<ItemFeatures>,
    description: String,
    filter_report: Option<String>,
}

impl TrainArgs {
    fn source(&self) -> Source {
        match (&self.split_dir, &self.preset, &self.dataset) {
            (Some(dir), _, _) => Source::Split(dir.clone()),
            (_, Some(name), _) => {
                Source::Preset(name.clone(), self.data_dir.clone().expect("clap requires --data-dir"))
            }
            (_, _, Some(path)) => Source::Config(path.clone()),
            _ => unreachable!("clap requires one data source"),
        }
    }

    fn prepare(&self) -> anyhow::Result<Prepared> {
        let loaded = self.source().load(self.min_rating, self.k_core, self.seed)?;
        let (data, cold) = if self.cold_start_items > 0.0 {
            let (data, cold) = hold_out_items(&loaded.interactions, self.cold_start_items, self.seed);
            eprintln!("cold start: {} items held out of training", cold.items.len());
            (data, Some(cold))
        } else {
            (loaded.interactions, None)
        };
        let features = match (&loaded.items, self.model) {
            (Some(items), ModelChoice::Sage) => {
                Some(item_features(items, &self.encoder_dir, &self.cache_dir, self.feature_dim)?)
            }
            _ => None,
        };
        eprintln!(
            "{}: {} users, {} items, {} train / {} valid / {} test interactions",
            loaded.description,
            data.n_users,
            data.n_items,
            data.n_train(),
            data.valid.iter().map(Vec::len).sum::<usize>(),
            data.test.iter().map(Vec::len).sum::<usize>()
        );
        Ok(Prepared {
            data,
            cold,
            features,
            description: loaded.description,
            filter_report: loaded.filter_report,
        })
    }
}

/// Runs the command.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let prepared = args.prepare()?;
    match args.backend {
        TrainBackend::Cpu => {
            run_on::<burn::backend::Autodiff<burn::backend::NdArray>>(args, &prepared, &Default::default())
        }
        #[cfg(feature = "wgpu")]
        TrainBackend::Wgpu => run_on::<burn::backend::Autodiff<burn::backend::Wgpu>>(
            args,
            &prepared,
            &crate::backend::wgpu_device()?,
        ),
        #[cfg(feature = "cuda")]
        TrainBackend::Cuda => {
            run_on::<burn::backend::Autodiff<burn::backend::Cuda>>(args, &prepared, &Default::default())
        }
    }
}

fn run_on<B>(args: &TrainArgs, prepared: &Prepared, device: &B::Device) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
{
    B::seed(device, args.seed);
    let data = &prepared.data;
    let mut config = args.model_config();
    if let (ModelConfig::Sage(c), Some(features)) = (&mut config, &prepared.features) {
        c.item_feature_dim = Some(features.width);
    }
    let (n_users, n_items) = (data.n_users, data.n_items);
    match config {
        ModelConfig::LightGcn(c) => {
            fit(args, prepared, config, c.init::<B>(n_users, n_items, device), device)
        }
        ModelConfig::Ngcf(c) => fit(args, prepared, config, c.init::<B>(n_users, n_items, device), device),
        ModelConfig::Sage(c) => fit(args, prepared, config, c.init::<B>(n_users, n_items, device), device),
    }
}

fn fit<B, M>(
    args: &TrainArgs,
    prepared: &Prepared,
    config: ModelConfig,
    model: M,
    device: &B::Device,
) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
    M: Recommender<B> + AutodiffModule<B>,
    M::InnerModule: Recommender<B::InnerBackend>,
{
    let data = &prepared.data;
    let graph = BipartiteGraph::new(data.n_users, data.n_items, &data.train_edges());
    let features = prepared.features.as_ref().map(|f| {
        Tensor::<B, 2>::from_data(TensorData::new(f.values.clone(), [data.n_items, f.width]), device)
    });
    let inputs =
        GraphInputs::<B>::build(&graph, config.operators(), features, args.strategy(), config.dim(), device);
    let strategies: Vec<String> =
        inputs.strategies().iter().map(|s| format!("{s:?}").to_lowercase()).collect();
    eprintln!("propagation: {}", strategies.join(", "));
    let train_config = args.train_config();
    // Everything but the epoch budget must match for --resume (more epochs may be asked for).
    let mut training = serde_json::to_value(&train_config)?;
    training.as_object_mut().expect("TrainConfig is a struct").remove("epochs");
    let fingerprint = json!({
        "model": config,
        "data": { "source": prepared.description, "n_users": data.n_users, "n_items": data.n_items, "n_train": data.n_train() },
        "training": training,
    });
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let options = RunOptions { out: args.out.clone(), resume: args.resume, fingerprint };
    let outcome = train(model, &inputs, data, &train_config, &options, device)?;

    let inner = outcome.best_model.valid();
    let embeddings = inner.embed(&inputs.inner());
    let valid = metric_map(&evaluate_split(&inner, &embeddings, &data.train, &data.valid, &train_config.ks));
    let test = metric_map(&evaluate_split(&inner, &embeddings, &data.train, &data.test, &train_config.ks));
    eprintln!(
        "best epoch {}: test recall@20 {:.4} ndcg@20 {:.4} ({} epochs, {:.2} s/epoch)",
        outcome.best_epoch, test["recall@20"], test["ndcg@20"], outcome.epochs, outcome.seconds_per_epoch
    );
    let cold_start = prepared.cold.as_ref().map(|cold| {
        let metrics = metric_map(&evaluate_cold_items(&inner, &embeddings, cold, &train_config.ks));
        eprintln!("cold-start items: recall@20 {:.4} ndcg@20 {:.4}", metrics["recall@20"], metrics["ndcg@20"]);
        json!({
            "items": cold.items.len(),
            "users": cold.per_user.iter().filter(|l| !l.is_empty()).count(),
            "protocol": "held-out items ranked among themselves for every user who interacted with them; none was seen in training",
            "random_recall@20": (20.0_f64 / cold.items.len().max(1) as f64).min(1.0),
            "metrics": metrics,
        })
    });
    let curve = args.out.join("curve.svg");
    write_training_curve(&outcome.history, &curve)?;
    let metrics = json!({
        "model": format!("{:?}", args.model).to_lowercase(),
        "data_source": prepared.description,
        "ingest": prepared.filter_report,
        "text_features": prepared.features.as_ref().map(|f| json!({"width": f.width, "explained_variance": f.explained_variance})),
        "backend": format!("{:?}", args.backend).to_lowercase(),
        "propagation": strategies,
        "model_config": config,
        "train_config": train_config,
        "data": {
            "n_users": data.n_users, "n_items": data.n_items, "n_train": data.n_train(),
            "n_valid": data.valid.iter().map(Vec::len).sum::<usize>(),
            "n_test": data.test.iter().map(Vec::len).sum::<usize>(),
        },
        "protocol": "full ranking over all items, training items excluded, averaged over users with held-out items",
        "valid": valid,
        "test": test,
        "cold_start": cold_start,
        "epochs": outcome.epochs,
        "best_epoch": outcome.best_epoch,
        "stopped_early": outcome.stopped_early,
        "seconds_per_epoch": outcome.seconds_per_epoch,
        "peak_rss_bytes": peak_rss_bytes(),
        "history": outcome.history,
    });
    let path = args.metrics_out.clone().unwrap_or_else(|| args.out.join("metrics.json"));
    write_json(&path, &metrics)
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}
