//! `train-cli query`: search or recommend from a bundle with the browser's ranking code.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::backend::NdArray;
use clap::Args;
use gnnrec_bundle::{EncoderBytes, read_file};
use gnnrec_ranking::{HistoryEvent, LoadedBundle, Ranked, Ranker, ShardedRanker};
use gnnrec_text_encoder::{CpuEncoder, TextEncoder};

use crate::shard_bundle::is_sharded;

/// Arguments of `train-cli query`.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// Bundle directory written by `train-cli export` (format v1 or v2).
    #[arg(long)]
    pub bundle: PathBuf,
    /// Liked item ids, oldest first; `ID@MILLIS` gives the time (default: all at 0).
    #[arg(long, value_delimiter = ',')]
    pub history: Vec<String>,
    /// Number of results.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Encode the query exactly in f32 on burn-ndarray (the bundle's int8 weights dequantised:
    /// what the browser's WebGPU backend computes) instead of the browser's CPU path.
    #[arg(long)]
    pub exact: bool,
    /// Search text; without it, recommendations from the history.
    pub query: Option<String>,
}

/// Runs the command: prints the [`Ranked`](gnnrec_ranking::Ranked) JSON the browser runtime
/// returns, `{"results": [...], "ignoredHistory": [...]}`.
pub fn run(args: &QueryArgs) -> anyhow::Result<()> {
    let history = parse_history(&args.history)?;
    let ranked = if is_sharded(&args.bundle)? { sharded(args, &history)? } else { whole(args, &history)? };
    println!("{}", serde_json::to_string_pretty(&ranked)?);
    if !ranked.ignored_history.is_empty() {
        eprintln!("ignored history ids not in the catalogue: {}", ranked.ignored_history.join(", "));
    }
    Ok(())
}

/// The answer of a v1 bundle.
fn whole(args: &QueryArgs, history: &[HistoryEvent]) -> anyhow::Result<Ranked> {
    let bundle = LoadedBundle::read_dir(&args.bundle)
        .with_context(|| format!("loading the bundle {}", args.bundle.display()))?;
    Ok(match &args.query {
        None => bundle.ranker.recommend(history, args.k)?,
        Some(query) => {
            let embedding = encode(bundle.encoder.as_ref(), query, args.exact)?;
            bundle.ranker.search(&embedding, history, args.k)?
        }
    })
}

/// The answer of a sharded (v2) bundle, reading the shards it asks for; files that cannot
/// be read are named in `notices`, as in the browser.
fn sharded(args: &QueryArgs, history: &[HistoryEvent]) -> anyhow::Result<Ranked> {
    let dir = &args.bundle;
    let mut ranker =
        ShardedRanker::read_dir(dir).with_context(|| format!("loading the bundle {}", dir.display()))?;
    let embedding = match &args.query {
        Some(query) => Some(encode(ranker.encoder(), query, args.exact)?),
        None => None,
    };
    let (ranked, _) = ranker.complete(
        |r| match &embedding {
            Some(embedding) => r.search(embedding, history, args.k),
            None => r.recommend(history, args.k),
        },
        |path| read_file(dir, path),
    )?;
    Ok(ranked)
}

/// The MiniLM embedding of `query` with a bundle's int8 encoder, on the CPU path or, if
/// `exact`, in f32 on burn-ndarray.
fn encode(files: Option<&EncoderBytes>, query: &str, exact: bool) -> anyhow::Result<Vec<f32>> {
    let query = Ranker::prepare_query(query)?;
    let mut rows = if exact {
        let files = encoder_files(files)?;
        TextEncoder::<NdArray>::from_files(&files.files(), &Default::default())?.encode(&[query])?
    } else {
        encoder(files)?.encode(&[query])?
    };
    Ok(rows.remove(0))
}

/// A bundle's int8 MiniLM (its encoder files) on the CPU path, as the browser runs it.
pub fn encoder(files: Option<&EncoderBytes>) -> anyhow::Result<CpuEncoder> {
    Ok(CpuEncoder::from_files(&encoder_files(files)?.files())?)
}

/// The encoder files, or an error saying the bundle has none.
fn encoder_files(files: Option<&EncoderBytes>) -> anyhow::Result<&EncoderBytes> {
    files.context("this bundle has no text encoder")
}

fn parse_history(entries: &[String]) -> anyhow::Result<Vec<HistoryEvent>> {
    entries
        .iter()
        .filter(|e| !e.trim().is_empty())
        .map(|entry| {
            let (id, time) = entry.rsplit_once('@').unwrap_or((entry, "0"));
            let Ok(timestamp_ms) = time.parse::<f64>() else {
                bail!("--history entry {entry:?}: the time after @ must be milliseconds since 1970");
            };
            Ok(HistoryEvent { id: id.trim().to_string(), timestamp_ms })
        })
        .collect()
}
