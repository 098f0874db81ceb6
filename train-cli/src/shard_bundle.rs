//! `train-cli shard-bundle`: rewrite a v1 bundle as a sharded (v2) bundle.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use gnnrec_bundle::{SHARDED_VERSION, V1Content, file_names};
use gnnrec_export::{CatalogueFiles, ShardConfig, write_sharded, write_sharded_catalogue};

use crate::versions::{VersionArgs, publish};

/// Sharding options shared by `export` and `shard-bundle`.
#[derive(Args, Debug, Clone)]
pub struct ShardArgs {
    /// Shards of about this many stored bytes (`docs/bundle-format.md`); without it, a size
    /// from the catalogue (a sixteenth of it, 32–96 KiB).
    #[arg(long)]
    pub shard_bytes: Option<usize>,
    /// GNN shards a recommendation probes (written to the manifest; 12 keeps amazon-beauty's
    /// NDCG@20 within 2 % of the unsharded bundle, README).
    #[arg(long, default_value_t = 12)]
    pub probe_gnn: usize,
    /// Text shards a search probes (written to the manifest).
    #[arg(long, default_value_t = 8)]
    pub probe_text: usize,
}

impl ShardArgs {
    /// The export settings these options stand for.
    pub fn config(&self) -> ShardConfig {
        let mut config = ShardConfig { shard_bytes: self.shard_bytes, ..Default::default() };
        config.probe.gnn = self.probe_gnn.max(1);
        config.probe.text = self.probe_text.max(1);
        config
    }
}

/// Arguments of `train-cli shard-bundle`.
#[derive(Args, Debug)]
pub struct ShardBundleArgs {
    /// A v1 bundle directory.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Directory to write the v2 bundle to (may be the same directory).
    #[arg(long)]
    pub out: PathBuf,
    /// Serve these catalogue files (`docs/bundle-format.md`, "Catalogue files") with the
    /// bundle's model instead of the bundle's own items; read one item at a time, so any
    /// size fits in memory (see `synth-catalogue`).
    #[arg(long)]
    pub catalogue: Option<PathBuf>,
    /// Catalogues of more items are cut into parts of about this many items, each sharded
    /// on its own (bounds memory).
    #[arg(long, default_value_t = 1 << 17)]
    pub part_items: usize,
    #[command(flatten)]
    pub shard: ShardArgs,
    #[command(flatten)]
    pub versions: VersionArgs,
}

/// Runs the command.
pub fn run(args: &ShardBundleArgs) -> anyhow::Result<()> {
    let config = ShardConfig { part_items: args.part_items.max(1), ..args.shard.config() };
    publish(&args.out, &args.versions, || match &args.catalogue {
        None => reshard(&args.bundle, &args.out, &config),
        Some(dir) => {
            let (manifest, files) = V1Content::read_stored(&args.bundle)?;
            let catalogue = CatalogueFiles::open(dir)?;
            let report = write_sharded_catalogue(&manifest, &files, &catalogue, &config, &args.out)
                .with_context(|| format!("sharding {} into {}", dir.display(), args.out.display()))?;
            print_report(&args.out, &report);
            Ok(())
        }
    })
}

/// Writes the v2 form of the v1 bundle in `bundle` to `out` and prints what was written.
pub fn reshard(bundle: &Path, out: &Path, config: &ShardConfig) -> anyhow::Result<()> {
    let (manifest, files) = V1Content::read_stored(bundle)?;
    let report = write_sharded(&manifest, &files, config, out)
        .with_context(|| format!("sharding into {}", out.display()))?;
    print_report(out, &report);
    Ok(())
}

/// Whether the bundle in `dir` is sharded (format v2), from its manifest's `version`.
pub fn is_sharded(dir: &Path) -> anyhow::Result<bool> {
    let path = dir.join(file_names::MANIFEST);
    let manifest = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let version: Option<u64> = serde_json::from_slice::<serde_json::Value>(&manifest)
        .ok()
        .and_then(|m| m.get("version").and_then(serde_json::Value::as_u64));
    Ok(version == Some(u64::from(SHARDED_VERSION)))
}

/// Prints what a sharding wrote.
fn print_report(out: &Path, report: &serde_json::Value) {
    let line = |name: &str| {
        let s = &report[name];
        println!(
            "{name:<12} {:>6} files, {:>8}–{:<8} bytes each, {:>10} bytes in all",
            s["count"], s["bytes_min"], s["bytes_max"], s["bytes_total"]
        );
    };
    println!(
        "sharded bundle (format v2) in {}, target shard size {} bytes",
        out.display(),
        report["shard_bytes"]
    );
    ["gnn_shards", "text_shards", "directory"].into_iter().for_each(line);
    println!("core: {} bytes (before the first result)", report["core_bytes"]);
    println!("{} items in {:.1} s", report["items"], report["seconds"].as_f64().unwrap_or(0.0));
}
