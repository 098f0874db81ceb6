//! Writing a sharded (v2) bundle: from a v1 bundle's files (`train-cli export --shard-bytes`,
//! which builds the v1 files in memory first, and `train-cli shard-bundle`), or from a v1
//! bundle's model and a catalogue on disk of any size (`shard-bundle --catalogue`), with
//! memory bounded by the largest part (see [`crate::partition`]). Format:
//! `docs/bundle-format.md`, "Version 2".

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use gnnrec_ranking::sharded::{
    DirectoryBucket, PopularItem, ProbeConfig, SHARDED_VERSION, ShardContent, ShardEntry, ShardedManifest,
    bucket_of, core_files, core_tensors,
};
use gnnrec_ranking::tensor_names as t;
use gnnrec_ranking::{Bundle, Int8Matrix, Manifest, TensorBytes, Tensors, f32_bytes, file_names, store_file};
use safetensors::Dtype;
use serde_json::json;

use crate::catalogue::{Catalogue, ItemSource};
use crate::catalogue_files::CatalogueFiles;
use crate::cluster_labels::label_clusters;
use crate::clusters::Clusters;
use crate::error::ExportError;
use crate::partition::{Space, Survey, WorkDir, cut};
use crate::shard_plan::{centroid, plan_shards};
use crate::stages::{unit, write_files, write_stored};

/// Ids per directory bucket (a history lookup fetches one bucket per id, a few KB each).
const IDS_PER_BUCKET: usize = 1024;
/// Tensors of the v1 file that become shards rather than core tensors.
const PER_ITEM_TENSORS: [&str; 6] =
    [t::ITEM_VALUES, t::ITEM_SCALES, t::POPULARITY, t::CENTROIDS, t::ASSIGNMENT, t::ORDER];
/// Default byte budget of one request's probed shards (`probe.max_bytes`).
pub const PROBE_BYTES: u64 = 1_000_000;
/// The gzip copy of the manifest (for hosts that serve precompressed files).
pub const MANIFEST_GZ: &str = "manifest.json.gz";
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

/// The model half of a v1 bundle: what the v2 core keeps of it.
struct ModelCore<'a> {
    manifest: &'a Manifest,
    files: &'a HashMap<String, Vec<u8>>,
    /// The v1 tensors that are not per item.
    tensors: Vec<TensorBytes>,
}

impl<'a> ModelCore<'a> {
    /// Checks the whole v1 bundle (sizes, digests, shapes) and keeps its model tensors.
    fn read(manifest: &'a Manifest, files: &'a HashMap<String, Vec<u8>>) -> Result<Self, ExportError> {
        Bundle::from_files(manifest.clone(), files)?;
        let bytes = Bundle::open(manifest, files, file_names::TENSORS)?;
        let tensors = Tensors::parse(&bytes)
            .map_err(|error| ExportError::Tensors { file: file_names::TENSORS, error })?
            .entries()
            .into_iter()
            .filter(|(name, ..)| !PER_ITEM_TENSORS.contains(&name.as_str()))
            .collect();
        Ok(Self { manifest, files, tensors })
    }
}

/// Writes the v2 bundle of the v1 bundle `(manifest, stored files)` to `out`; stale shard
/// and directory files of an earlier export in `out` are removed after the manifest is written.
pub fn write_sharded(
    manifest: &Manifest,
    files: &HashMap<String, Vec<u8>>,
    config: &ShardConfig,
    out: &Path,
) -> Result<serde_json::Value, ExportError> {
    let core = ModelCore::read(manifest, files)?;
    let catalogue = Catalogue::from_v1(manifest, files)?;
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
    let core = ModelCore::read(manifest, files)?;
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
        store_file(&shard_content(&survey.head, &head_rows, space).to_bytes(), true).0.len() as f64
            / head_rows.len() as f64
    });
    let shard_bytes =
        config.shard_bytes.unwrap_or_else(|| default_shard_bytes((per_item[0] * n as f64) as usize));

    // Removed when this function returns, whether it succeeds or not.
    let work = WorkDir(out.join(WORK_DIR));
    let parts = cut(source, &survey, &spaces, n.div_ceil(config.part_items.max(1)), config.seed, &work.0)?;
    let mut lookup = Lookup::new(n, source.dim(), &survey.popularity, config.popular);
    let mut written = BTreeSet::new();
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
            space_shards.entries.extend(write_shards(out, &catalogue, &groups, space, &mut written)?);
        }
    }
    let directory = write_directory(out, lookup.directory, &mut written)?;
    let popular: Vec<PopularItem> = lookup.popular.into_iter().flatten().collect();
    let [gnn, text] = shards;
    let core_entries = write_core(core, source, &gnn, &text, &popular, lookup.popular_gnn, out)?;
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
    let bytes = serde_json::to_vec_pretty(&sharded)
        .map_err(|error| ExportError::Serialize { file: file_names::MANIFEST, error })?;
    let path = out.join(file_names::MANIFEST);
    std::fs::write(&path, &bytes).map_err(|e| ExportError::io(&path, e))?;
    // A large catalogue's manifest (one entry per shard) is ~1 MB of JSON: a gzip copy
    // beside it lets a static host send it compressed (README, "Hosting").
    let gz = out.join(MANIFEST_GZ);
    std::fs::write(&gz, store_file(&bytes, true).0).map_err(|e| ExportError::io(&gz, e))?;
    // Only v1 files and an older export's shards can be left over: they are not listed.
    for name in [file_names::ITEMS, file_names::TENSORS, file_names::TEXT_INDEX] {
        let path = out.join(name);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| ExportError::io(&path, e))?;
        }
    }
    prune(out, &written)?;
    Ok(report)
}

/// What the GNN shards tell the core: where each id is, and the popular items' vectors.
struct Lookup {
    /// Directory buckets: `[id, index, gnn shard, row]`.
    directory: Vec<Vec<(String, u32, u32, u32)>>,
    /// Rank of each popular item, by catalogue-wide index.
    popular_rank: HashMap<u32, usize>,
    /// The popular items, by rank (filled as their parts are sharded).
    popular: Vec<Option<PopularItem>>,
    /// Their GNN vectors, by rank.
    popular_gnn: Int8Matrix,
}

impl Lookup {
    fn new(n: usize, dim: usize, popularity: &[u32], count: usize) -> Self {
        let popular_rank = popular_items(popularity, count);
        let m = popular_rank.len();
        Self {
            directory: vec![Vec::new(); n.div_ceil(IDS_PER_BUCKET).max(1)],
            popular_rank,
            popular: vec![None; m],
            popular_gnn: Int8Matrix { rows: m, dim, values: vec![0; m * dim], scales: vec![0.0; m] },
        }
    }

    /// Records the GNN shards `groups` of one part, numbered from `first`.
    fn record(&mut self, catalogue: &Catalogue, groups: &[Vec<u32>], first: u32) {
        let (buckets, d) = (self.directory.len(), catalogue.gnn.dim);
        for (s, rows) in groups.iter().enumerate() {
            for (row, &r) in rows.iter().enumerate() {
                let item = catalogue.row(r as usize);
                let index = catalogue.index[r as usize];
                let entry = (item.meta.id.clone(), index, first + s as u32, row as u32);
                self.directory[bucket_of(&item.meta.id, buckets)].push(entry);
                if let Some(&rank) = self.popular_rank.get(&index) {
                    self.popular_gnn.values[rank * d..(rank + 1) * d].copy_from_slice(item.gnn);
                    self.popular_gnn.scales[rank] = item.scale;
                    self.popular[rank] =
                        Some(PopularItem { index, popularity: item.popularity, meta: item.meta.clone() });
                }
            }
        }
    }
}

/// Groups the items of one part into shards of about `target` items.
fn plan_part(catalogue: &Catalogue, space: Space, target: usize, seed: u64) -> Vec<Vec<u32>> {
    // GNN shards are grouped by direction: the vectors' lengths (popularity, for the graph
    // filter) would otherwise split off the long ones into tiny groups.
    let directions: Vec<f32> =
        (0..catalogue.items.len()).flat_map(|r| space.direction(&catalogue.row(r))).collect();
    let dim = if space == Space::Gnn { catalogue.gnn.dim } else { catalogue.text_dim.unwrap_or(0) };
    plan_shards(&directions, dim, target, seed)
}

/// A shard's centroid: the mean GNN vector (GNN space) or the unit mean text direction.
fn shard_centroid(catalogue: &Catalogue, space: Space, rows: &[u32]) -> Vec<f32> {
    match space {
        Space::Gnn => {
            let d = catalogue.gnn.dim;
            let vectors: Vec<f32> = rows
                .iter()
                .flat_map(|&r| {
                    let row = catalogue.row(r as usize);
                    row.gnn.iter().map(move |&v| f32::from(v) * row.scale)
                })
                .collect();
            centroid(&vectors, d, &(0..rows.len() as u32).collect::<Vec<_>>())
        }
        Space::Text => {
            let k = catalogue.text_dim.unwrap_or(0);
            let units: Vec<f32> =
                rows.iter().flat_map(|&r| space.direction(&catalogue.row(r as usize))).collect();
            unit(centroid(&units, k, &(0..rows.len() as u32).collect::<Vec<_>>()))
        }
    }
}

/// Writes the core files (tensors, popular items, the encoder's files as stored).
fn write_core(
    core: &ModelCore<'_>,
    source: &dyn ItemSource,
    gnn: &SpaceShards,
    text: &SpaceShards,
    popular: &[PopularItem],
    popular_gnn: Int8Matrix,
    out: &Path,
) -> Result<std::collections::BTreeMap<String, gnnrec_ranking::FileEntry>, ExportError> {
    let d = source.dim();
    let mut tensors = core.tensors.clone();
    tensors.push((
        core_tensors::GNN_CENTROIDS.into(),
        vec![gnn.entries.len(), d],
        Dtype::F32,
        f32_bytes(&gnn.centroids),
    ));
    if let Some(k) = source.text_dim() {
        tensors.push((
            core_tensors::TEXT_CENTROIDS.into(),
            vec![text.entries.len(), k],
            Dtype::F32,
            f32_bytes(&text.centroids),
        ));
    }
    // The most popular items' vectors: candidates of every recommendation (a popular item
    // can be a good answer from any part of the catalogue).
    let values = popular_gnn.values.iter().map(|&v| v as u8).collect();
    tensors.push((core_tensors::POPULAR_VALUES.into(), vec![popular.len(), d], Dtype::I8, values));
    tensors.push((
        core_tensors::POPULAR_SCALES.into(),
        vec![popular.len()],
        Dtype::F32,
        f32_bytes(&popular_gnn.scales),
    ));
    let tensors =
        Tensors::write(tensors).map_err(|error| ExportError::Tensors { file: core_files::TENSORS, error })?;
    let popular = serde_json::to_vec(popular)
        .map_err(|error| ExportError::Serialize { file: core_files::POPULAR, error })?;
    let mut entries = write_files(
        out,
        vec![(core_files::TENSORS.into(), tensors, true), (core_files::POPULAR.into(), popular, true)],
    )?;
    if core.manifest.text.is_some() {
        // The encoder files are copied as stored, with their v1 entries.
        for name in [file_names::ENCODER_CONFIG, file_names::ENCODER_TOKENIZER, file_names::ENCODER_WEIGHTS] {
            write_stored(out, name, &core.files[name])?;
            entries.insert(name.to_string(), core.manifest.files[name].clone());
        }
    }
    Ok(entries)
}

/// The shard of the listed rows (ascending) of `catalogue`.
fn shard_content(catalogue: &Catalogue, rows: &[u32], space: Space) -> ShardContent {
    let d = catalogue.gnn.dim;
    let pick = |r: &u32| catalogue.row(*r as usize);
    ShardContent {
        index: rows.iter().map(|&r| catalogue.index[r as usize]).collect(),
        items: rows.iter().map(|r| pick(r).meta.clone()).collect(),
        popularity: rows.iter().map(|r| pick(r).popularity).collect(),
        gnn: Int8Matrix {
            rows: rows.len(),
            dim: d,
            values: rows.iter().flat_map(|r| pick(r).gnn).copied().collect(),
            scales: rows.iter().map(|r| pick(r).scale).collect(),
        },
        text: match (space, &catalogue.text) {
            (Space::Text, Some(_)) => {
                Some(rows.iter().flat_map(|r| pick(r).text.unwrap_or(&[])).copied().collect())
            }
            _ => None,
        },
    }
}

/// Writes one shard per group, named `shards/{g|t}-{hash}.st.gz`; returns their entries.
fn write_shards(
    out: &Path,
    catalogue: &Catalogue,
    groups: &[Vec<u32>],
    space: Space,
    written: &mut BTreeSet<String>,
) -> Result<Vec<ShardEntry>, ExportError> {
    let labels = shard_labels(catalogue, groups);
    let prefix = if space == Space::Gnn { "g" } else { "t" };
    groups
        .iter()
        .enumerate()
        .map(|(s, rows)| {
            let (stored, file) = store_file(&shard_content(catalogue, rows, space).to_bytes(), true);
            let path = format!("shards/{prefix}-{}.st.gz", &file.sha256[..16]);
            write_stored(out, &path, &stored)?;
            written.insert(path.clone());
            Ok(ShardEntry {
                path,
                items: rows.len(),
                label: labels.get(s).cloned().unwrap_or_default(),
                file,
            })
        })
        .collect()
}

/// Writes the id directory: bucket `b` lists `[id, index, gnn shard, row]` for its ids; an id
/// given to two items is refused.
fn write_directory(
    out: &Path,
    buckets: Vec<Vec<(String, u32, u32, u32)>>,
    written: &mut BTreeSet<String>,
) -> Result<Vec<ShardEntry>, ExportError> {
    buckets
        .into_iter()
        .enumerate()
        .map(|(b, mut list)| {
            // Equal ids share a bucket: sorted by id, a repeat is adjacent.
            list.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
            if let Some(pair) = list.windows(2).find(|w| w[0].0 == w[1].0) {
                let (id, first, second) = (&pair[0].0, pair[0].1, pair[1].1);
                return Err(ExportError::Input(format!(
                    "item id {id:?} appears twice (items {first} and {second})"
                )));
            }
            list.sort_by_key(|e| e.1);
            let count = list.len();
            let (stored, file) =
                store_file(&DirectoryBucket { bucket: b as u32, entries: list }.to_bytes(), true);
            let path = format!("directory/{}.json.gz", &file.sha256[..16]);
            write_stored(out, &path, &stored)?;
            written.insert(path.clone());
            Ok(ShardEntry { path, items: count, label: String::new(), file })
        })
        .collect()
}

/// Labels of the shards of one part from their items' subtitles (as the v1 cluster labels).
fn shard_labels(catalogue: &Catalogue, groups: &[Vec<u32>]) -> Vec<String> {
    let mut assignment = vec![0u32; catalogue.items.len()];
    for (s, rows) in groups.iter().enumerate() {
        rows.iter().for_each(|&i| assignment[i as usize] = s as u32);
    }
    let clusters = Clusters {
        centroids: Vec::new(),
        assignment,
        order: groups.concat(),
        labels: vec![String::new(); groups.len()],
    };
    label_clusters(&catalogue.items, &clusters, &catalogue.popularity)
}

/// The `count` most popular items' indices (ties: lower index first), mapped to their rank.
fn popular_items(popularity: &[u32], count: usize) -> HashMap<u32, usize> {
    let mut order: Vec<u32> = (0..popularity.len() as u32).collect();
    let count = count.min(order.len());
    if count > 0 {
        order.select_nth_unstable_by(count - 1, |&a, &b| {
            popularity[b as usize].cmp(&popularity[a as usize]).then(a.cmp(&b))
        });
    }
    order.truncate(count);
    order.sort_by(|&a, &b| popularity[b as usize].cmp(&popularity[a as usize]).then(a.cmp(&b)));
    order.into_iter().enumerate().map(|(rank, i)| (i, rank)).collect()
}

/// Removes files under `out/shards` and `out/directory` that this export did not write.
fn prune(out: &Path, keep: &BTreeSet<String>) -> Result<(), ExportError> {
    for dir in ["shards", "directory"] {
        let Ok(listing) = std::fs::read_dir(out.join(dir)) else { continue };
        for entry in listing.flatten() {
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !keep.contains(&path) {
                std::fs::remove_file(entry.path()).map_err(|e| ExportError::io(entry.path(), e))?;
            }
        }
    }
    Ok(())
}
