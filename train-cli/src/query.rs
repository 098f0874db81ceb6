//! `train-cli query`: search or recommend from a bundle with the browser's ranking code.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::backend::NdArray;
use clap::Args;
use gnnrec_ranking::{Bundle, HistoryEvent, Ranker};
use gnnrec_text_encoder::TextEncoder;

/// Arguments of `train-cli query`.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// Bundle directory written by `train-cli export`.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Liked item ids, oldest first; `ID@MILLIS` gives the time (default: all at 0).
    #[arg(long, value_delimiter = ',')]
    pub history: Vec<String>,
    /// Number of results.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Search text; without it, recommendations from the history.
    pub query: Option<String>,
}

/// Runs the command: prints the [`Ranked`](gnnrec_ranking::Ranked) JSON the browser runtime
/// returns, `{"results": [...], "ignoredHistory": [...]}`.
pub fn run(args: &QueryArgs) -> anyhow::Result<()> {
    let bundle = Bundle::read_dir(&args.bundle)
        .with_context(|| format!("loading the bundle {}", args.bundle.display()))?;
    let history = parse_history(&args.history)?;
    let ranked = match &args.query {
        None => bundle.ranker.recommend(&history, args.k)?,
        Some(query) => {
            let query = Ranker::prepare_query(query)?;
            let encoder = bundle_encoder(&bundle)?;
            let embedding = encoder.encode(&[query])?.remove(0);
            bundle.ranker.search(&embedding, &history, args.k)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&ranked)?);
    if !ranked.ignored_history.is_empty() {
        eprintln!("ignored history ids not in the catalogue: {}", ranked.ignored_history.join(", "));
    }
    Ok(())
}

/// The bundle's int8 MiniLM on the CPU backend.
pub fn bundle_encoder(bundle: &Bundle) -> anyhow::Result<TextEncoder<NdArray>> {
    let files = bundle.encoder.as_ref().context("this bundle has no text encoder")?;
    Ok(TextEncoder::from_files(&files.files(), &Default::default())?)
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
