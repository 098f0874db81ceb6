//! `train-cli evaluate-bundle`: how much of the trained model's quality survives in the
//! bundle, measured with the ranking code the browser runs.
//!
//! Protocol (per test user of the run's split, LightGCN protocol: full ranking, training
//! items excluded, NDCG@20 / Recall@20 against the test items):
//! 1. trained user vectors × f32 item embeddings (what `train` reports);
//! 2. trained user vectors × the bundle's int8 item embeddings (quantization loss);
//! 3. fold-in user vectors from the training items as on-device history (uniform weights:
//!    split files carry no times) × int8 items (what a visitor gets).
//!
//! Plus, with text: HNSW recall@10 against exact search and the time per query of both,
//! with 1,000 items' own text vectors as queries.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use gnnrec_eval::{CutoffMetrics, evaluate};
use gnnrec_ranking::{LoadedBundle, ResolvedHistory, Scorer, top_k_excluding};
use gnnrec_text_encoder::CpuEncoder;
use serde_json::json;

use crate::dataset::prepare;
use crate::run_files;

/// The ranking cut-off of NDCG and Recall (the columns say @20).
const CUTOFF: usize = 20;

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

/// The users evaluated: those with training and held-out items, at most `limit` of them
/// (evenly spaced).
pub fn evaluated_users(
    data: &gnnrec_train::Interactions,
    held_out: &[Vec<u32>],
    limit: Option<usize>,
) -> Vec<usize> {
    let mut users: Vec<usize> =
        (0..data.n_users).filter(|&u| !held_out[u].is_empty() && !data.train[u].is_empty()).collect();
    if let Some(limit) = limit.filter(|&l| l < users.len()) {
        let step = users.len() as f64 / limit as f64;
        users = (0..limit).map(|i| users[(i as f64 * step) as usize]).collect();
    }
    users
}

/// Runs the command.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    if crate::shard_bundle::is_sharded(&args.bundle)? {
        return crate::evaluate_sharded::run(args);
    }
    let trained = run_files::read(&args.run)?;
    let prepared = prepare(&trained.spec)?;
    let mut bundle = LoadedBundle::read_dir(&args.bundle)?;
    let fold_in_config = bundle.ranker.config().fold_in.clone();
    let ranker = &bundle.ranker;
    let data = &prepared.data;
    let d = trained.dim;
    let held_out = match args.split {
        HeldOut::Valid => &data.valid,
        HeldOut::Test => &data.test,
    };
    let users = evaluated_users(data, held_out, args.users);
    let f32_scorer = Scorer::new(trained.head.clone(), &trained.items);
    let measure = |rank: &dyn Fn(usize) -> Vec<f32>| -> CutoffMetrics {
        let lists: Vec<(Vec<u32>, &[u32])> = users
            .iter()
            .map(|&u| (top_k_excluding(&rank(u), &data.train[u], CUTOFF), held_out[u].as_slice()))
            .collect();
        *evaluate(lists, &[CUTOFF]).at(CUTOFF).expect("evaluated at the cut-off")
    };
    let user_row = |u: usize| &trained.users[u * d..(u + 1) * d];
    let started = Instant::now();
    let trained_f32 = measure(&|u| f32_scorer.score_all(user_row(u), &trained.items));
    let trained_int8 = measure(&|u| ranker.scores(user_row(u)));
    let scoring_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let fold_in = measure(&|u| ranker.scores(&ranker.user_vector(&ResolvedHistory::uniform(&data.train[u]))));
    let fold_in_ms = 1000.0 * started.elapsed().as_secs_f64() / users.len().max(1) as f64;

    println!(
        "bundle {} (model {}, {} items, {} {:?} users evaluated)",
        args.bundle.display(),
        bundle.manifest.model.kind,
        ranker.items().len(),
        users.len(),
        args.split
    );
    println!("{:<44} {:>9} {:>10} {:>9}", "user vector × item embeddings", "NDCG@20", "Recall@20", "vs f32");
    let rows = [
        ("trained × f32", &trained_f32),
        ("trained × int8 (bundle)", &trained_int8),
        ("fold-in from history × int8 (bundle)", &fold_in),
    ];
    for (name, m) in rows {
        println!(
            "{name:<44} {:>9.4} {:>10.4} {:>8.1}%",
            m.ndcg,
            m.recall,
            100.0 * m.ndcg / trained_f32.ndcg.max(1e-12)
        );
    }
    println!(
        "fold-in: {fold_in_config}; {fold_in_ms:.1} ms per user (this machine, native); scoring both baselines {scoring_seconds:.1} s"
    );

    let mut report = json!({
        "split": format!("{:?}", args.split).to_lowercase(),
        "protocol": "users with held-out items in the run's split; full ranking, training items excluded; fold-in history = the user's training items, uniform weights",
        "users": users.len(),
        "trained_f32": trained_f32, "trained_int8": trained_int8, "fold_in_int8": fold_in,
        "int8_ndcg_change": trained_int8.ndcg / trained_f32.ndcg - 1.0,
        "fold_in_ndcg_ratio": fold_in.ndcg / trained_f32.ndcg,
        "fold_in_ms_per_user": fold_in_ms,
        "fold_in_config": fold_in_config,
    });
    if let Some(index) = ranker.text_index() {
        let n = index.len();
        let queries: Vec<u32> = (0..1000.min(n)).map(|i| (i * n / 1000.min(n)) as u32).collect();
        let (mut hits, mut approx_s, mut exact_s) = (0usize, 0.0, 0.0);
        for &q in &queries {
            let point = index.point(q);
            let t = Instant::now();
            let approx: Vec<u32> = index.search(point).into_iter().take(10).map(|h| h.0).collect();
            approx_s += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let exact = index.exact_search(point, 10);
            exact_s += t.elapsed().as_secs_f64();
            hits += exact.iter().filter(|(i, _)| approx.contains(i)).count();
        }
        let recall = hits as f64 / (10 * queries.len()) as f64;
        let (approx_us, exact_us) =
            (1e6 * approx_s / queries.len() as f64, 1e6 * exact_s / queries.len() as f64);
        println!(
            "HNSW over {n} text vectors: recall@10 {recall:.4} vs exact; {approx_us:.0} µs vs {exact_us:.0} µs per query ({:.1}×)",
            exact_us / approx_us
        );
        report["hnsw"] = json!({"items": n, "queries": queries.len(), "recall@10": recall, "hnsw_us": approx_us, "exact_us": exact_us});
    }
    if let Some(path) = &args.queries {
        let encoder = crate::query::encoder(bundle.encoder.as_ref())?;
        let config = bundle.ranker.config().clone();
        let blend = (config.text_weight, config.gnn_weight);
        let ranker = &mut bundle.ranker;
        report["semantic_search"] = semantic_precision(path, &encoder, blend, |embedding, (text, gnn)| {
            let config = ranker.config_mut();
            (config.text_weight, config.gnn_weight) = (text, gnn);
            Ok(ranker.search(embedding, &[], 10)?.results.into_iter().map(|r| r.subtitle).collect())
        })?;
        *bundle.ranker.config_mut() = config;
    }
    if let Some(path) = &args.metrics_out {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
    }
    Ok(())
}

/// A query with the genres its results should have.
#[derive(serde::Deserialize)]
struct GenreQuery {
    query: String,
    genres: Vec<String>,
}

/// The query set of `--queries` (tests/fixtures/semantic-queries.json).
#[derive(serde::Deserialize)]
struct GenreQueries {
    queries: Vec<GenreQuery>,
}

/// The ranking blend (text weight, GNN weight) of a search.
pub type Blend = (f32, f32);

/// Precision@10 of `search` (no history) per query: a result is relevant when its
/// subtitle (the genre list) names one of the expected genres. `search(embedding, blend)`
/// returns the subtitles of the top 10; it is asked for the bundle's `blend` and for text
/// similarity alone (`gnn_weight` 0).
pub fn semantic_precision(
    path: &std::path::Path,
    encoder: &CpuEncoder,
    blend: Blend,
    mut search: impl FnMut(&[f32], Blend) -> anyhow::Result<Vec<String>>,
) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: GenreQueries =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut rows = Vec::new();
    println!("{:<44} {:>14} {:>14}", "query (expected genres)", "P@10 blended", "P@10 text only");
    let (mut sum_blended, mut sum_text) = (0.0, 0.0);
    for q in &file.queries {
        let embedding = encoder.encode(&[q.query.as_str()])?.remove(0);
        let mut precision = |blend: Blend| -> anyhow::Result<f64> {
            let subtitles = search(&embedding, blend)?;
            let relevant =
                subtitles.iter().filter(|s| q.genres.iter().any(|g| s.contains(g.as_str()))).count();
            Ok(relevant as f64 / 10.0)
        };
        let (blended, text_only) = (precision(blend)?, precision((1.0, 0.0))?);
        (sum_blended, sum_text) = (sum_blended + blended, sum_text + text_only);
        println!("{:<44} {blended:>14.2} {text_only:>14.2}", format!("{} ({})", q.query, q.genres.join("/")));
        rows.push(json!({"query": q.query, "genres": q.genres, "precision@10": blended, "text_only_precision@10": text_only}));
    }
    let n = file.queries.len().max(1) as f64;
    println!("{:<44} {:>14.3} {:>14.3}", "mean", sum_blended / n, sum_text / n);
    Ok(
        json!({"queries": rows, "mean_precision@10": sum_blended / n, "mean_text_only_precision@10": sum_text / n}),
    )
}
