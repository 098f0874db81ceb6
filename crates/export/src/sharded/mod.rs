//! Writing a sharded (v2) bundle: from a v1 bundle's files (`train-cli export`, which
//! writes the v1 files first, and `train-cli shard-bundle`), or from a v1 bundle's model and
//! a catalogue on disk of any size (`shard-bundle --catalogue`), with memory bounded by the
//! largest part (see [`partition`]). Format: `docs/bundle-format.md`, "Version 2".

mod catalogue;
mod catalogue_files;
mod core;
mod directory;
mod partition;
mod plan;
mod shards;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use gnnrec_bundle::{
    BundleDir, EncoderBytes, Manifest, PopularItem, ProbeConfig, SHARDED_VERSION, ShardEntry,
    ShardedManifest, V1Content, stored,
};
use serde_json::json;

pub use self::catalogue::{Catalogue, ItemRow, ItemSource};
pub use self::catalogue_files::{
    CATALOGUE_FORMAT, CATALOGUE_VERSION, CatalogueFiles, CatalogueHeader, CatalogueWriter, catalogue_names,
};
use self::core::{ModelCore, write_core};
use self::directory::{Lookup, write_directory};
use self::partition::{Space, Survey, WorkDir, cut};
use self::shards::{plan_part, shard_centroid, shard_content, write_shards};
use crate::error::ExportError;

/// Default byte budget of one request's probed shards (`probe.max_bytes`).
pub const PROBE_BYTES: u64 = 1_000_000;
/// The sharder's work folder inside the output (removed when done).
const WORK_DIR: &str = ".sharding";

/// Sharding settings.
#[derive(Debug, Clone)]
pub struct ShardConfig {
    /// Target stored size of one shard; `None`: [`default_shard_bytes`].
    pub shard_bytes: Option<usize>,
    /// Probing settings written to the manifest.
    pub probe: ProbeConfig,
    /// Most popular items kept in the core.
    pub popular: usize,
    /// Seed of the k-means that groups items.
    pub seed: u64,
    /// Catalogues of more items are cut into parts of about this many items, each sharded
    /// on its own (bounds the memory a large catalogue needs).
    pub part_items: usize,
}

impl Default for ShardConfig {
    fn default() -> Self {
        Self {
            shard_bytes: None,
            probe: ProbeConfig { gnn: 12, text: 8, memory_bytes: 64 << 20, max_bytes: Some(PROBE_BYTES) },
            popular: 100,
            seed: 2024,
            part_items: 1 << 17,
        }
    }
}

/// The default shard size for a catalogue whose shards would take `total` stored bytes in
/// all: a sixteenth of it, between 32 and 96 KiB (small catalogues still split into
/// several shards; large ones keep the bytes a query fetches bounded).
pub fn default_shard_bytes(total: usize) -> usize {
    (total / 16).clamp(32 << 10, 96 << 10)
}

/// Decodes a whole v1 bundle (every file checked: sizes, digests, shapes).
fn decode_v1(manifest: &Manifest, files: &HashMap<String, Vec<u8>>) -> Result<V1Content, ExportError> {
    let content = V1Content::decode(manifest, files)?;
    if manifest.text.is_some() {
        EncoderBytes::from_listed(&manifest.files, files)?;
    }
    Ok(content)
}

/// Writes the v2 bundle of the v1 bundle `(manifest, stored files)` to `out`, the manifest
/// last; an earlier export's files are left for [`Versions::publish`](gnnrec_bundle::Versions).
pub fn write_sharded(
    manifest: &Manifest,
    files: &HashMap<String, Vec<u8>>,
    config: &ShardConfig,
    out: &Path,
) -> Result<serde_json::Value, ExportError> {
    let content = decode_v1(manifest, files)?;
    let catalogue = Catalogue::from_v1(manifest, &content);
    let core = ModelCore { manifest, files, model: content.model };
    shard_catalogue(&core, &catalogue, config, out)
}

/// Writes the v2 bundle of the model in the v1 bundle `(manifest, stored files)` serving the
/// items of `catalogue` (whose vectors must be in the bundle's GNN and text spaces) to `out`.
pub fn write_sharded_catalogue(
    manifest: &Manifest,
    files: &HashMap<String, Vec<u8>>,
    catalogue: &CatalogueFiles,
    config: &ShardConfig,
    out: &Path,
) -> Result<serde_json::Value, ExportError> {
    let text_dim = manifest.text.as_ref().map(|info| info.dim);
    if catalogue.dim() != manifest.model.dim || catalogue.text_dim() != text_dim {
        return Err(ExportError::Input(format!(
            "the catalogue's vectors have widths {} (GNN) / {:?} (text), the bundle's model {} / {:?}",
            catalogue.dim(),
            catalogue.text_dim(),
            manifest.model.dim,
            text_dim
        )));
    }
    let core = ModelCore { manifest, files, model: decode_v1(manifest, files)?.model };
    let mut report = shard_catalogue(&core, catalogue, config, out)?;
    report["catalogue"] = json!(catalogue.header().source);
    Ok(report)
}

/// The shards of one space.
#[derive(Default)]
struct SpaceShards {
    entries: Vec<ShardEntry>,
    /// One centroid per shard, row-major.
    centroids: Vec<f32>,
}

/// Shards `source` with the model of `core` into `out`.
fn shard_catalogue(
    core: &ModelCore<'_>,
    source: &dyn ItemSource,
    config: &ShardConfig,
    out: &Path,
) -> Result<serde_json::Value, ExportError> {
    let started = Instant::now();
    let n = source.len();
    if n == 0 {
        return Err(ExportError::Input("the catalogue has no items".into()));
    }
    let spaces: Vec<Space> =
        if source.text_dim().is_some() { vec![Space::Gnn, Space::Text] } else { vec![Space::Gnn] };
    let survey = Survey::take(source, &spaces)?;

    // Stored bytes per item of a GNN and of a text shard, measured on the first items.
    let head_rows: Vec<u32> = (0..survey.head.items.len() as u32).collect();
    let per_item = [Space::Gnn, Space::Text].map(|space| {
        let bytes = shard_content(&survey.head, &head_rows, space).to_bytes();
        stored::store(&bytes, true).0.len() as f64 / head_rows.len() as f64
    });
    let shard_bytes =
        config.shard_bytes.unwrap_or_else(|| default_shard_bytes((per_item[0] * n as f64) as usize));

    // Removed when this function returns, whether it succeeds or not.
    let work = WorkDir(out.join(WORK_DIR));
    let parts = cut(source, &survey, &spaces, n.div_ceil(config.part_items.max(1)), config.seed, &work.0)?;
    let mut lookup = Lookup::new(n, source.dim(), &survey.popularity, config.popular);
    let mut dir = BundleDir::new(out);
    let mut shards = [SpaceShards::default(), SpaceShards::default()];
    for &space in &spaces {
        let target = ((shard_bytes as f64 / per_item[space as usize]).floor() as usize).max(1);
        for part in &parts[space as usize] {
            let catalogue = part.load()?;
            let groups = plan_part(&catalogue, space, target, config.seed);
            let first = shards[space as usize].entries.len() as u32;
            if space == Space::Gnn {
                lookup.record(&catalogue, &groups, first);
            }
            let space_shards = &mut shards[space as usize];
            space_shards.centroids.extend(groups.iter().flat_map(|g| shard_centroid(&catalogue, space, g)));
            space_shards.entries.extend(write_shards(&mut dir, &catalogue, &groups, space)?);
        }
    }
    let directory = write_directory(&mut dir, lookup.directory)?;
    let popular: Vec<PopularItem> = lookup.popular.into_iter().flatten().collect();
    let [gnn, text] = shards;
    let text_shards = source.text_dim().map(|_| &text);
    let core_entries = write_core(core, &gnn, text_shards, popular, lookup.popular_gnn, &mut dir)?;
    let sizes = |list: &[ShardEntry]| {
        json!({
            "count": list.len(),
            "items_min": list.iter().map(|s| s.items).min(), "items_max": list.iter().map(|s| s.items).max(),
            "bytes_min": list.iter().map(|s| s.file.bytes).min(), "bytes_max": list.iter().map(|s| s.file.bytes).max(),
            "bytes_total": list.iter().map(|s| s.file.bytes).sum::<u64>(),
        })
    };
    let report = json!({
        "shard_bytes": shard_bytes,
        "items": n,
        "parts": parts.iter().map(Vec::len).max(),
        "gnn_shards": sizes(&gnn.entries), "text_shards": sizes(&text.entries), "directory": sizes(&directory),
        "core_bytes": core_entries.values().map(|e| e.bytes).sum::<u64>(),
        "seconds": started.elapsed().as_secs_f64(),
        "v1": core.manifest.report,
    });
    let mut model = core.manifest.model.clone();
    model.n_items = n;
    let sharded = ShardedManifest {
        format: core.manifest.format.clone(),
        version: SHARDED_VERSION,
        created_by: format!("gnnrec-export {}", env!("CARGO_PKG_VERSION")),
        model,
        text: core.manifest.text.clone(),
        ranking: core.manifest.ranking.clone(),
        probe: config.probe,
        report: report.clone(),
        core: core_entries,
        gnn_shards: gnn.entries,
        text_shards: text.entries,
        directory,
    };
    sharded.write(&mut dir)?;
    Ok(report)
}
