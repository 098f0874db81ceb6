//! `train-cli evaluate-bundle`: how much of the trained model's quality survives in the
//! bundle, measured by `gnnrec-bundle-eval` with the ranking code the browser runs. This
//! command reads the run (its vectors, and its data as training saw it) and the bundle,
//! prints the tables and writes `--metrics-out`.
//!
//! v1 bundles: trained f32 vs the bundle's int8 items vs fold-in user vectors (NDCG@20,
//! Recall@20), and with text HNSW recall against exact search. Sharded (v2) bundles:
//! recommendations through the shards at several probe counts against every shard, and
//! with text the text search's recall per text probe. Both: semantic precision on
//! `--queries`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use gnnrec_bundle::EncoderBytes;
use gnnrec_bundle_eval::{
    EncodedQuery, EvalUsers, GenreQueries, ProbeCounts, TrainedVectors, evaluate_bundle, evaluate_sharded,
};
use gnnrec_ranking::{LoadedBundle, ShardedRanker};
use serde::Serialize;

use crate::dataset::prepare;
use crate::evaluate_tables::{print_bundle_report, print_sharded_report};
use crate::run_files;
use crate::shard_bundle::is_sharded;

/// The held-out part of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HeldOut {
    /// Validation items.
    Valid,
    /// Test items.
    Test,
}

/// Arguments of `train-cli evaluate-bundle`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Run directory the bundle was exported from.
    #[arg(long)]
    pub run: PathBuf,
    /// Bundle directory.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Evaluate at most this many test users (evenly spaced; default all).
    #[arg(long)]
    pub users: Option<usize>,
    /// Which held-out items to evaluate against (tune on valid, report test).
    #[arg(long, value_enum, default_value = "test")]
    pub split: HeldOut,
    /// Text queries with expected genres (JSON, see tests/fixtures/semantic-queries.json):
    /// reports precision@10 of search without history.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Sharded bundles: the numbers of GNN shards a recommendation probes, each measured
    /// (default: the manifest's, and every shard, which is the unsharded answer).
    #[arg(long, value_delimiter = ',')]
    pub probe: Vec<usize>,
    /// Sharded bundles with text: the numbers of text shards a search probes, each measured
    /// by recall@10 against exact search over the whole catalogue (default: 1, 2, 4, 8, 16).
    #[arg(long, value_delimiter = ',')]
    pub text_probe: Vec<usize>,
    /// Also write the numbers as JSON here.
    #[arg(long)]
    pub metrics_out: Option<PathBuf>,
}

/// The `--metrics-out` file: the split, then the report's fields.
#[derive(Serialize)]
struct MetricsFile<'a, R: Serialize> {
    split: String,
    #[serde(flatten)]
    report: &'a R,
}

/// Runs the command.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let trained = run_files::read(&args.run)?;
    let prepared = prepare(&trained.spec)?;
    let data = &prepared.data;
    let held_out = match args.split {
        HeldOut::Valid => &data.valid,
        HeldOut::Test => &data.test,
    };
    let users = EvalUsers::new(&data.train, held_out, args.users)?;
    let dir = &args.bundle;
    if is_sharded(dir)? {
        let ranker = ShardedRanker::read_dir(dir)?;
        let manifest = ranker.manifest();
        let queries = read_queries(args.queries.as_deref(), ranker.encoder())?;
        let probes = ProbeCounts { gnn: args.probe.clone(), text: args.text_probe.clone() };
        let report = evaluate_sharded(dir, &users, &probes, queries.as_deref())?;
        println!(
            "sharded bundle {} (model {}, {} items in {} GNN shards, {} {:?} users; history = training items; \
             probes within the manifest's budget of {:?} bytes, except all shards)",
            dir.display(),
            manifest.model.kind,
            manifest.model.n_items,
            report.gnn_shards,
            users.len(),
            args.split,
            manifest.probe.max_bytes
        );
        print_sharded_report(&report);
        return write_metrics(args, &report);
    }
    let mut bundle = LoadedBundle::read_dir(dir)?;
    let queries = read_queries(args.queries.as_deref(), bundle.encoder.as_ref())?;
    let vectors = TrainedVectors {
        users: &trained.users,
        items: &trained.items,
        dim: trained.dim,
        head: trained.head.as_ref(),
    };
    let report = evaluate_bundle(&mut bundle.ranker, &vectors, &users, queries.as_deref())?;
    println!(
        "bundle {} (model {}, {} items, {} {:?} users evaluated)",
        dir.display(),
        bundle.manifest.model.kind,
        bundle.ranker.items().len(),
        users.len(),
        args.split
    );
    print_bundle_report(&report);
    write_metrics(args, &report)
}

/// The `--queries` set, each query encoded by the bundle's encoder (the browser's CPU path).
fn read_queries(
    path: Option<&Path>,
    encoder: Option<&EncoderBytes>,
) -> anyhow::Result<Option<Vec<EncodedQuery>>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: GenreQueries =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let encoder = crate::query::encoder(encoder)?;
    let encoded = file
        .queries
        .into_iter()
        .map(|query| {
            let embedding = encoder.encode(&[query.query.as_str()])?.remove(0);
            Ok(EncodedQuery { query, embedding })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Some(encoded))
}

/// Writes `--metrics-out`, if asked for: keys sorted, as `serde_json` maps keep them.
fn write_metrics(args: &EvaluateArgs, report: &impl Serialize) -> anyhow::Result<()> {
    let Some(path) = &args.metrics_out else { return Ok(()) };
    let split = format!("{:?}", args.split).to_lowercase();
    let json = serde_json::to_value(MetricsFile { split, report })?;
    std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}
