//! `train-cli train`: train a graph recommender on a split and report test metrics.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use burn::module::AutodiffModule;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use gnnrec_graph::{BipartiteGraph, GraphBackend};
use gnnrec_graph_filter::spectral_embeddings;
use gnnrec_models::{EmbeddingStart, GraphInputs, ModelConfig, Recommender};
use gnnrec_train::{
    AdamBackend, Interactions, RunOptions, evaluate_cold_items, evaluate_split, metric_map, peak_rss_bytes,
    train, write_training_curve,
};
use serde_json::json;

use crate::dataset::{Prepared, prepare};
use crate::run_files;
use crate::run_spec::ModelChoice;

mod args;
mod blend;
mod graph_filter;

pub use args::TrainArgs;
use args::TrainBackend;

/// Runs the command.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let prepared = prepare(&args.spec())?;
    match args.model {
        ModelChoice::GraphFilter => graph_filter::run(args, &prepared, started),
        ModelChoice::GraphFilterBlend => blend::run(args, &prepared, started),
        _ => train_learned(args, &prepared, started),
    }
}

/// Trains a learned model on the chosen backend (writes the run and its metrics).
fn train_learned(args: &TrainArgs, prepared: &Prepared, started: Instant) -> anyhow::Result<()> {
    match args.backend {
        TrainBackend::Cpu => run_on::<burn::backend::Autodiff<burn::backend::NdArray>>(
            args,
            prepared,
            &Default::default(),
            started,
        ),
        #[cfg(feature = "wgpu")]
        TrainBackend::Wgpu => run_on::<burn::backend::Autodiff<burn::backend::Wgpu>>(
            args,
            prepared,
            &crate::backend::wgpu_device()?,
            started,
        ),
        #[cfg(feature = "cuda")]
        TrainBackend::Cuda => run_on::<burn::backend::Autodiff<burn::backend::Cuda>>(
            args,
            prepared,
            &Default::default(),
            started,
        ),
    }
}

fn run_on<B>(
    args: &TrainArgs,
    prepared: &Prepared,
    device: &B::Device,
    started: Instant,
) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend + AdamBackend,
{
    B::seed(device, args.seed);
    let data = &prepared.data;
    let mut config = args.model_config().context("a learned model")?;
    if let (ModelConfig::Sage(c), Some(features)) = (&mut config, &prepared.features) {
        c.item_feature_dim = Some(features.width);
    }
    let (n_users, n_items) = (data.n_users, data.n_items);
    match config {
        ModelConfig::LightGcn(c) => {
            let model = match c.start {
                EmbeddingStart::Random => c.init_seeded::<B>(n_users, n_items, args.seed, device),
                EmbeddingStart::Spectral => {
                    c.init_from(n_users, spectral_start::<B>(data, c.dim, args.seed, device)?)
                }
            };
            fit(args, prepared, config, model, device, started)
        }
        ModelConfig::Ngcf(c) => {
            fit(args, prepared, config, c.init::<B>(n_users, n_items, device), device, started)
        }
        ModelConfig::Sage(c) => {
            fit(args, prepared, config, c.init::<B>(n_users, n_items, device), device, started)
        }
    }
}

/// Layer-0 embeddings from the truncated SVD of `D_U^-½ R D_I^-½` (see
/// [`spectral_embeddings`]), with the time it took on standard error.
fn spectral_start<B: Backend>(
    data: &Interactions,
    dim: usize,
    seed: u64,
    device: &B::Device,
) -> anyhow::Result<Tensor<B, 2>> {
    let started = Instant::now();
    let start = spectral_embeddings(&data.train, data.n_items, (0.5, 0.5), dim, seed)
        .context("spectral start of the embeddings")?;
    eprintln!("spectral start: {dim} directions in {:.1} s", started.elapsed().as_secs_f64());
    let shape = [start.nrows(), start.ncols()];
    Ok(Tensor::from_data(TensorData::new(start.into_raw_vec_and_offset().0, shape), device))
}

fn fit<B, M>(
    args: &TrainArgs,
    prepared: &Prepared,
    config: ModelConfig,
    model: M,
    device: &B::Device,
    started: Instant,
) -> anyhow::Result<()>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend + AdamBackend,
    M: Recommender<B> + AutodiffModule<B>,
    M::InnerModule: Recommender<B::InnerBackend>,
{
    let data = &prepared.data;
    let graph = BipartiteGraph::new(data.n_users, data.n_items, &data.train_edges());
    let features = prepared.features.as_ref().map(|f| {
        Tensor::<B, 2>::from_data(TensorData::new(f.values.clone(), [data.n_items, f.width]), device)
    });
    let inputs =
        GraphInputs::<B>::build(&graph, config.operators(), features, args.strategy(), config.dim(), device)?;
    let strategies: Vec<String> = inputs.strategies().iter().map(ToString::to_string).collect();
    let reasons: Vec<String> = inputs.choices.iter().map(ToString::to_string).collect();
    eprintln!("propagation: {}", reasons.join(", "));
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
    let options = RunOptions { out: args.out.clone(), resume: args.resume, fingerprint, started };
    let outcome = train(model, &inputs, data, &train_config, &options, device)?;

    let inner = outcome.best_model.valid();
    let embeddings = inner.embed(&inputs.inner());
    save_embeddings(args, &inner, &embeddings)?;
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
        "model": args.model.name(),
        "data_source": prepared.description,
        "ingest": prepared.filter_report,
        "text_features": prepared.features.as_ref().map(|f| json!({"width": f.width, "explained_variance": f.explained_variance})),
        "backend": format!("{:?}", args.backend).to_lowercase(),
        "propagation": strategies,
        "propagation_choice": reasons,
        "model_config": config,
        "train_config": train_config,
        "data": data_summary(data),
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

/// Writes `run.json` and `embeddings.safetensors` (see [`crate::run_files`]).
fn save_embeddings<B: GraphBackend, M: Recommender<B>>(
    args: &TrainArgs,
    model: &M,
    embeddings: &gnnrec_models::Embeddings<B>,
) -> anyhow::Result<()> {
    let values = |t: Tensor<B, 2>| t.into_data().to_vec::<f32>().expect("f32 embeddings");
    let dim = embeddings.users.dims()[1];
    let head = gnnrec_train::mlp_head(model, dim).context("the MLP head")?;
    run_files::write(
        &args.out,
        &args.spec(),
        &values(embeddings.users.clone()),
        &values(embeddings.items.clone()),
        dim,
        head.as_ref(),
    )
}

/// Counts of a data set for `metrics.json`.
pub(crate) fn data_summary(data: &Interactions) -> serde_json::Value {
    json!({
        "n_users": data.n_users, "n_items": data.n_items, "n_train": data.n_train(),
        "n_valid": data.valid.iter().map(Vec::len).sum::<usize>(),
        "n_test": data.test.iter().map(Vec::len).sum::<usize>(),
    })
}

pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}
