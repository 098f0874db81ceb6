//! `train-cli train`: train a graph recommender on a split and report test metrics.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use clap::{Args, ValueEnum};
use gnnrec_graph::{BipartiteGraph, GraphBackend, Strategy};
use gnnrec_models::{GraphInputs, LightGcnConfig, ModelConfig, NgcfConfig, Recommender, SageConfig};
use gnnrec_train::{
    Interactions, RunOptions, SelectMetric, TrainConfig, evaluate_split, metric_map, peak_rss_bytes, train,
    write_training_curve,
};
use serde_json::json;

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
    #[arg(long)]
    split_dir: PathBuf,
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

/// Runs the command.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let split = gnnrec_ingest::read_lightgcn_split(&args.split_dir)?;
    let data = Interactions::new(split.n_users, split.n_items, split.train, split.valid, split.test);
    eprintln!(
        "{}: {} users, {} items, {} train / {} valid / {} test interactions",
        args.split_dir.display(),
        data.n_users,
        data.n_items,
        data.n_train(),
        data.valid.iter().map(Vec::len).sum::<usize>(),
        data.test.iter().map(Vec::len).sum::<usize>()
    );
    match args.backend {
        TrainBackend::Cpu => {
            run_on::<burn::backend::Autodiff<burn::backend::NdArray>>(args, &data, &Default::default())
        }
        #[cfg(feature = "wgpu")]
        TrainBackend::Wgpu => run_on::<burn::backend::Autodiff<burn::backend::Wgpu>>(
            args,
            &data,
            &crate::backend::wgpu_device()?,
        ),
        #[cfg(feature = "cuda")]
        TrainBackend::Cuda => {
            run_on::<burn::backend::Autodiff<burn::backend::Cuda>>(args, &data, &Default::default())
        }
    }
}

fn run_on<B>(args: &TrainArgs, data: &Interactions, device: &B::Device) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
{
    B::seed(device, args.seed);
    let graph = BipartiteGraph::new(data.n_users, data.n_items, &data.train_edges());
    let config = args.model_config();
    let (n_users, n_items) = (data.n_users, data.n_items);
    match config {
        ModelConfig::LightGcn(c) => fit(
            args,
            data,
            &graph,
            config,
            c.operators(),
            c.dim,
            c.init::<B>(n_users, n_items, device),
            device,
        ),
        ModelConfig::Ngcf(c) => fit(
            args,
            data,
            &graph,
            config,
            c.operators(),
            c.dim,
            c.init::<B>(n_users, n_items, device),
            device,
        ),
        ModelConfig::Sage(c) => fit(
            args,
            data,
            &graph,
            config,
            c.operators(),
            c.dim,
            c.init::<B>(n_users, n_items, device),
            device,
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn fit<B, M>(
    args: &TrainArgs,
    data: &Interactions,
    graph: &BipartiteGraph,
    config: ModelConfig,
    operators: gnnrec_models::Operators,
    dim: usize,
    model: M,
    device: &B::Device,
) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
    M: Recommender<B> + AutodiffModule<B>,
    M::InnerModule: Recommender<B::InnerBackend>,
{
    let inputs = GraphInputs::<B>::build(graph, operators, None, args.strategy(), dim, device);
    let strategies: Vec<String> =
        inputs.strategies().iter().map(|s| format!("{s:?}").to_lowercase()).collect();
    eprintln!("propagation: {}", strategies.join(", "));
    let train_config = args.train_config();
    // Everything but the epoch budget must match for --resume (more epochs may be asked for).
    let mut training = serde_json::to_value(&train_config)?;
    training.as_object_mut().expect("TrainConfig is a struct").remove("epochs");
    let fingerprint = json!({
        "model": config,
        "data": { "n_users": data.n_users, "n_items": data.n_items, "n_train": data.n_train() },
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
    let curve = args.out.join("curve.svg");
    write_training_curve(&outcome.history, &curve)?;
    let metrics = json!({
        "model": format!("{:?}", args.model).to_lowercase(),
        "split_dir": args.split_dir,
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
