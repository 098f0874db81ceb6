//! `train-cli export`: turn a finished training run into a static bundle.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use gnnrec_bundle::ItemMeta;
use gnnrec_export::{ExportConfig, ExportInput, TextInput, write_bundle};
use gnnrec_ingest::Item;

use crate::dataset::prepare;
use crate::features::item_text_embeddings;
use crate::run_files;
use crate::shard_bundle::{ShardArgs, reshard};
use crate::versions::{VersionArgs, publish};

/// Longest subtitle kept for display.
const SUBTITLE_CHARS: usize = 120;
/// HNSW `ef_construction` of the v1 files a sharded export passes through (their graph is
/// dropped).
const SHARDED_EF_CONSTRUCTION: usize = 8;

/// Arguments of `train-cli export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Run directory written by `train-cli train`.
    #[arg(long)]
    pub run: PathBuf,
    /// Bundle directory to write.
    #[arg(long)]
    pub out: PathBuf,
    /// MiniLM folder with model.int8.safetensors (run `quantize-encoder` first); default:
    /// the run's --encoder-dir.
    #[arg(long)]
    pub encoder_dir: Option<PathBuf>,
    /// Width of the projected text space the HNSW index lives in (64 keeps the MovieLens
    /// demo bundle under 25 MB with the encoder; see README "Bundle").
    #[arg(long, default_value_t = 64)]
    pub text_dim: usize,
    /// Number of k-means clusters (default √(items / 2)).
    #[arg(long)]
    pub clusters: Option<usize>,
    /// HNSW ef_search: text candidates per query (lower is faster on large catalogues).
    #[arg(long, default_value_t = 100)]
    pub ef_search: usize,
    /// Seed of k-means and of the HNSW levels.
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// Bundle format: `v2` (sharded: a core plus shards fetched as requests need them) or
    /// `v1` (the whole catalogue in a few files, downloaded at once); `docs/bundle-format.md`.
    #[arg(long, value_enum, default_value = "v2")]
    pub format: BundleFormat,
    #[command(flatten)]
    pub shard: ShardArgs,
    #[command(flatten)]
    pub versions: VersionArgs,
}

/// Which bundle format `export` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleFormat {
    /// The whole catalogue in a few files.
    V1,
    /// Sharded.
    V2,
}

/// Runs the command.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    if args.format == BundleFormat::V1 && args.shard.shard_bytes.is_some() {
        bail!("--shard-bytes needs --format v2 (format v1 has no shards)");
    }
    let trained = run_files::read(&args.run)?;
    let prepared = prepare(&trained.spec)?;
    let encoder_dir = args.encoder_dir.clone().unwrap_or_else(|| trained.spec.encoder_dir.clone());
    let n_items = trained.items.len() / trained.dim;
    let (metas, text) = match &prepared.items {
        Some(items) => {
            let embeddings = item_text_embeddings(items, &encoder_dir, &trained.spec.cache_dir)?;
            (items.iter().map(item_meta).collect(), Some(embeddings))
        }
        None => ((0..n_items).map(|i| id_only(i.to_string())).collect(), None),
    };
    let input = ExportInput {
        model_kind: trained.spec.model.name(),
        items: metas,
        item_embeddings: &trained.items,
        user_embeddings: &trained.users,
        dim: trained.dim,
        head: trained.head.clone(),
        train: &prepared.data.train,
        text: text.as_ref().map(|embeddings| TextInput {
            embeddings,
            encoder_dir: &encoder_dir,
            projection: None,
        }),
        exact_fold_in: trained.fold_in.clone(),
        tower: None,
    };
    let sharded = args.format == BundleFormat::V2;
    let mut config = ExportConfig {
        text_dim: args.text_dim,
        clusters: args.clusters,
        ef_search: args.ef_search,
        seed: args.seed,
        ..Default::default()
    };
    if sharded {
        // The v2 bundle keeps neither the v1 clusters nor the HNSW graph (shards replace
        // both): build them minimal on the way (k-means over every item was > 20 min on
        // amazon-beauty's 477-d vectors).
        config.clusters = Some(args.clusters.unwrap_or(2));
        config.ef_construction = SHARDED_EF_CONSTRUCTION;
    }
    let report = publish(&args.out, &args.versions, || {
        let report = write_bundle(&input, &config, &args.out)
            .with_context(|| format!("writing {}", args.out.display()))?;
        if sharded {
            reshard(&args.out, &args.out, &args.shard.config())?;
        }
        Ok(report)
    })?;
    println!("{}", serde_json::to_string_pretty(&report.details)?);
    if !sharded {
        println!("{:<40} {:>12}", "file", "bytes");
        for (name, bytes) in &report.file_bytes {
            println!("{name:<40} {bytes:>12}");
        }
        println!("{:<40} {:>12}  ({:.2} MB)", "total", report.total_bytes, report.total_bytes as f64 / 1e6);
    }
    Ok(())
}

/// Display metadata of a catalogue item: the first text field (genres, authors, …) is the subtitle.
pub fn item_meta(item: &Item) -> ItemMeta {
    let subtitle =
        item.fields.first().map(|(_, v)| v.chars().take(SUBTITLE_CHARS).collect()).unwrap_or_default();
    ItemMeta { id: item.id.clone(), title: item.title.clone(), subtitle, url: item.url.clone() }
}

/// Items of a split folder have ids only.
fn id_only(id: String) -> ItemMeta {
    ItemMeta { title: format!("item {id}"), id, subtitle: String::new(), url: None }
}
