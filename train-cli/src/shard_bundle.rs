//! `train-cli shard-bundle`: rewrite a v1 bundle as a sharded (v2) bundle.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use gnnrec_export::{ShardConfig, write_sharded};
use gnnrec_ranking::Bundle;

/// Sharding options shared by `export` and `shard-bundle`.
#[derive(Args, Debug, Clone)]
pub struct ShardArgs {
    /// Write a sharded (format v2) bundle with shards of about this many stored bytes
    /// (`docs/bundle-format.md`). Without it `export` writes format v1, and `shard-bundle`
    /// picks a size from the catalogue (a sixteenth of it, 32–128 KiB).
    #[arg(long)]
    pub shard_bytes: Option<usize>,
    /// GNN shards a recommendation probes (written to the manifest).
    #[arg(long, default_value_t = 8)]
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
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Runs the command.
pub fn run(args: &ShardBundleArgs) -> anyhow::Result<()> {
    reshard(&args.bundle, &args.out, &args.shard.config())
}

/// Writes the v2 form of the v1 bundle in `bundle` to `out` and prints what was written.
pub fn reshard(bundle: &Path, out: &Path, config: &ShardConfig) -> anyhow::Result<()> {
    let (manifest, files) = Bundle::read_stored(bundle)?;
    let report = write_sharded(&manifest, &files, config, out)
        .with_context(|| format!("sharding into {}", out.display()))?;
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
    Ok(())
}
