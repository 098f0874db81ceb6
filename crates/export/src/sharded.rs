//! Writing a sharded (v2) bundle from the files of a v1 bundle: `train-cli export
//! --shard-bytes` (which builds the v1 files in memory first) and `train-cli shard-bundle`
//! (which migrates a v1 bundle on disk). Format: `docs/bundle-format.md`, "Version 2".

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use gnnrec_ranking::sharded::{
    DirectoryBucket, PopularItem, ProbeConfig, SHARDED_VERSION, ShardContent, ShardEntry, ShardedManifest,
    bucket_of, core_files, core_tensors,
};
use gnnrec_ranking::tensor_names as t;
use gnnrec_ranking::{
    Bundle, BundleError, Int8Matrix, ItemMeta, Manifest, TensorBytes, Tensors, TextIndex, f32_bytes,
    file_names, store_file,
};
use safetensors::Dtype;
use serde_json::json;

use crate::cluster_labels::label_clusters;
use crate::clusters::Clusters;
use crate::error::ExportError;
use crate::shard_plan::{centroid, plan_shards};
use crate::stages::{unit, write_files, write_stored};

/// Ids per directory bucket (a history lookup fetches one bucket per id, a few KB each).
const IDS_PER_BUCKET: usize = 1024;
/// Items measured to estimate a shard's stored bytes per item.
const SIZE_SAMPLE: usize = 2000;
/// Tensors of the v1 file that become shards rather than core tensors.
const PER_ITEM_TENSORS: [&str; 6] =
    [t::ITEM_VALUES, t::ITEM_SCALES, t::POPULARITY, t::CENTROIDS, t::ASSIGNMENT, t::ORDER];

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
}

impl Default for ShardConfig {
    fn default() -> Self {
        Self {
            shard_bytes: None,
            probe: ProbeConfig { gnn: 8, text: 8, memory_bytes: 64 << 20 },
            popular: 100,
            seed: 2024,
        }
    }
}

/// The default shard size for a catalogue whose shards would take `total` stored bytes in
/// all: a sixteenth of it, between 32 and 128 KiB (small catalogues still split into
/// several shards; large ones keep the bytes a query fetches bounded).
pub fn default_shard_bytes(total: usize) -> usize {
    (total / 16).clamp(32 << 10, 128 << 10)
}

/// The per-item arrays of a v1 bundle.
struct Catalogue {
    items: Vec<ItemMeta>,
    gnn: Int8Matrix,
    popularity: Vec<u32>,
    /// int8 text points `[n, k]`.
    text: Option<Vec<i8>>,
}

/// Writes the v2 bundle of the v1 bundle `(manifest, stored files)` to `out`; stale shard
/// and directory files of an earlier export in `out` are removed after the manifest is written.
pub fn write_sharded(
    manifest: &Manifest,
    files: &HashMap<String, Vec<u8>>,
    config: &ShardConfig,
    out: &Path,
) -> Result<serde_json::Value, ExportError> {
    let started = Instant::now();
    // The whole v1 bundle is checked (sizes, digests, shapes) before anything is written.
    Bundle::from_files(manifest.clone(), files)?;
    let open = |name: &str| Bundle::open(manifest, files, name).map_err(ExportError::from);
    let tensor_bytes = open(file_names::TENSORS)?;
    let tensors = Tensors::parse(&tensor_bytes)
        .map_err(|error| ExportError::Tensors { file: file_names::TENSORS, error })?;
    let catalogue = catalogue(manifest, &open, &tensors)?;
    let (n, d) = (catalogue.items.len(), manifest.model.dim);

    // Stored bytes per item of a GNN and of a text shard, measured on a sample.
    let sample: Vec<u32> = (0..n.min(SIZE_SAMPLE) as u32).collect();
    let per_item: [f64; 2] = [false, true].map(|text| {
        store_file(&shard_content(&catalogue, &sample, text).to_bytes(), true).0.len() as f64
            / sample.len() as f64
    });
    let gnn_total = (per_item[0] * n as f64) as usize;
    let shard_bytes = config.shard_bytes.unwrap_or_else(|| default_shard_bytes(gnn_total));
    let target = |text: bool| ((shard_bytes as f64 / per_item[usize::from(text)]).floor() as usize).max(1);

    let gnn_vectors = catalogue.gnn.dequantize();
    // Grouped by direction: the vectors' lengths (popularity, for the graph filter) would
    // otherwise split off the long ones into tiny groups.
    let directions: Vec<f32> = gnn_vectors.chunks_exact(d).flat_map(|v| unit(v.to_vec())).collect();
    let gnn_groups = plan_shards(&directions, d, target(false), config.seed);
    let labels = shard_labels(&catalogue, &gnn_groups);
    let mut written = Written::default();
    let gnn_shards = write_shards(out, "g", &catalogue, &gnn_groups, false, &labels, &mut written)?;
    let mut core: Vec<TensorBytes> = tensors
        .entries()
        .into_iter()
        .filter(|(name, ..)| !PER_ITEM_TENSORS.contains(&name.as_str()))
        .collect();
    let gnn_centroids: Vec<f32> = gnn_groups.iter().flat_map(|g| centroid(&gnn_vectors, d, g)).collect();
    core.push((
        core_tensors::GNN_CENTROIDS.into(),
        vec![gnn_groups.len(), d],
        Dtype::F32,
        f32_bytes(&gnn_centroids),
    ));

    let text_shards = match (&catalogue.text, &manifest.text) {
        (Some(points), Some(info)) => {
            let units: Vec<f32> = points
                .chunks_exact(info.dim)
                .flat_map(|p| unit(p.iter().map(|&v| f32::from(v)).collect()))
                .collect();
            let groups = plan_shards(&units, info.dim, target(true), config.seed);
            let centroids: Vec<f32> =
                groups.iter().flat_map(|g| unit(centroid(&units, info.dim, g))).collect();
            core.push((
                core_tensors::TEXT_CENTROIDS.into(),
                vec![groups.len(), info.dim],
                Dtype::F32,
                f32_bytes(&centroids),
            ));
            write_shards(
                out,
                "t",
                &catalogue,
                &groups,
                true,
                &shard_labels(&catalogue, &groups),
                &mut written,
            )?
        }
        _ => Vec::new(),
    };
    let directory = write_directory(out, &catalogue.items, &gnn_groups, &mut written)?;

    // The most popular items' vectors: candidates of every recommendation (a popular item
    // can be a good answer from any part of the catalogue).
    let popular = popular_items(&catalogue, config.popular);
    let popular_rows: Vec<u32> = popular.iter().map(|p| p.index).collect();
    let head = shard_content(&catalogue, &popular_rows, false).gnn;
    let values = head.values.iter().map(|&v| v as u8).collect();
    core.push((core_tensors::POPULAR_VALUES.into(), vec![popular_rows.len(), d], Dtype::I8, values));
    core.push((
        core_tensors::POPULAR_SCALES.into(),
        vec![popular_rows.len()],
        Dtype::F32,
        f32_bytes(&head.scales),
    ));
    let core_tensors =
        Tensors::write(core).map_err(|error| ExportError::Tensors { file: core_files::TENSORS, error })?;
    let popular = serde_json::to_vec(&popular)
        .map_err(|error| ExportError::Serialize { file: core_files::POPULAR, error })?;
    let core_files =
        vec![(core_files::TENSORS.into(), core_tensors, true), (core_files::POPULAR.into(), popular, true)];
    let mut core_entries = write_files(out, core_files)?;
    if manifest.text.is_some() {
        // The encoder files are copied as stored, with their v1 entries.
        for name in [file_names::ENCODER_CONFIG, file_names::ENCODER_TOKENIZER, file_names::ENCODER_WEIGHTS] {
            write_stored(out, name, &files[name])?;
            core_entries.insert(name.to_string(), manifest.files[name].clone());
        }
    }
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
        "gnn_shards": sizes(&gnn_shards), "text_shards": sizes(&text_shards), "directory": sizes(&directory),
        "core_bytes": core_entries.values().map(|e| e.bytes).sum::<u64>(),
        "seconds": started.elapsed().as_secs_f64(),
        "v1": manifest.report,
    });
    let sharded = ShardedManifest {
        format: manifest.format.clone(),
        version: SHARDED_VERSION,
        created_by: format!("gnnrec-export {}", env!("CARGO_PKG_VERSION")),
        model: manifest.model.clone(),
        text: manifest.text.clone(),
        ranking: manifest.ranking.clone(),
        probe: config.probe,
        report: report.clone(),
        core: core_entries,
        gnn_shards,
        text_shards,
        directory,
    };
    let bytes = serde_json::to_vec_pretty(&sharded)
        .map_err(|error| ExportError::Serialize { file: file_names::MANIFEST, error })?;
    let path = out.join(file_names::MANIFEST);
    std::fs::write(&path, bytes).map_err(|e| ExportError::io(&path, e))?;
    // Only v1 files and an older export's shards can be left over: they are not listed.
    for name in [file_names::ITEMS, file_names::TENSORS, file_names::TEXT_INDEX] {
        let path = out.join(name);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| ExportError::io(&path, e))?;
        }
    }
    prune(out, &written.paths)?;
    Ok(report)
}

/// The per-item arrays of the v1 files.
fn catalogue(
    manifest: &Manifest,
    open: &dyn Fn(&str) -> Result<Vec<u8>, ExportError>,
    tensors: &Tensors<'_>,
) -> Result<Catalogue, ExportError> {
    let (n, d) = (manifest.model.n_items, manifest.model.dim);
    let tensor = |error| ExportError::Tensors { file: file_names::TENSORS, error };
    let items: Vec<ItemMeta> = serde_json::from_slice(&open(file_names::ITEMS)?).map_err(|e| {
        ExportError::from(BundleError::content(file_names::ITEMS, gnnrec_ranking::ContentError::Json(e)))
    })?;
    let gnn = Int8Matrix {
        rows: n,
        dim: d,
        values: tensors.i8(t::ITEM_VALUES, &[n, d]).map_err(tensor)?,
        scales: tensors.f32(t::ITEM_SCALES, &[n]).map_err(tensor)?,
    };
    let text = match &manifest.text {
        Some(info) => {
            let index = TextIndex::from_bytes(&open(file_names::TEXT_INDEX)?, n, info.dim)
                .map_err(|e| ExportError::from(BundleError::content(file_names::TEXT_INDEX, e)))?;
            Some((0..n as u32).flat_map(|i| index.point(i).values().to_vec()).collect())
        }
        None => None,
    };
    Ok(Catalogue { items, gnn, popularity: tensors.u32(t::POPULARITY, &[n]).map_err(tensor)?, text })
}

/// The shard of the listed items (ascending).
fn shard_content(catalogue: &Catalogue, rows: &[u32], text: bool) -> ShardContent {
    let d = catalogue.gnn.dim;
    let pick = |i: &u32| *i as usize;
    ShardContent {
        index: rows.to_vec(),
        items: rows.iter().map(|i| catalogue.items[pick(i)].clone()).collect(),
        popularity: rows.iter().map(|i| catalogue.popularity[pick(i)]).collect(),
        gnn: Int8Matrix {
            rows: rows.len(),
            dim: d,
            values: rows
                .iter()
                .flat_map(|i| &catalogue.gnn.values[pick(i) * d..(pick(i) + 1) * d])
                .copied()
                .collect(),
            scales: rows.iter().map(|i| catalogue.gnn.scales[pick(i)]).collect(),
        },
        text: match (&catalogue.text, text) {
            (Some(points), true) => {
                let k = points.len() / catalogue.items.len();
                Some(rows.iter().flat_map(|i| &points[pick(i) * k..(pick(i) + 1) * k]).copied().collect())
            }
            _ => None,
        },
    }
}

/// Paths written by this export (everything else under `shards/` and `directory/` is stale).
#[derive(Default)]
struct Written {
    paths: BTreeSet<String>,
}

/// Writes one shard per group, named `shards/{prefix}-{hash}.st.gz`.
fn write_shards(
    out: &Path,
    prefix: &str,
    catalogue: &Catalogue,
    groups: &[Vec<u32>],
    text: bool,
    labels: &[String],
    written: &mut Written,
) -> Result<Vec<ShardEntry>, ExportError> {
    groups
        .iter()
        .enumerate()
        .map(|(s, rows)| {
            let (stored, file) = store_file(&shard_content(catalogue, rows, text).to_bytes(), true);
            let path = format!("shards/{prefix}-{}.st.gz", &file.sha256[..16]);
            write_stored(out, &path, &stored)?;
            written.paths.insert(path.clone());
            Ok(ShardEntry {
                path,
                items: rows.len(),
                label: labels.get(s).cloned().unwrap_or_default(),
                file,
            })
        })
        .collect()
}

/// Writes the id directory: bucket `b` lists `[id, index, gnn shard, row]` for its ids.
fn write_directory(
    out: &Path,
    items: &[ItemMeta],
    gnn_groups: &[Vec<u32>],
    written: &mut Written,
) -> Result<Vec<ShardEntry>, ExportError> {
    let buckets = items.len().div_ceil(IDS_PER_BUCKET).max(1);
    let mut entries: Vec<Vec<(String, u32, u32, u32)>> = vec![Vec::new(); buckets];
    for (s, rows) in gnn_groups.iter().enumerate() {
        for (row, &i) in rows.iter().enumerate() {
            let id = &items[i as usize].id;
            entries[bucket_of(id, buckets)].push((id.clone(), i, s as u32, row as u32));
        }
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(b, mut list)| {
            list.sort_by_key(|e| e.1);
            let count = list.len();
            let (stored, file) =
                store_file(&DirectoryBucket { bucket: b as u32, entries: list }.to_bytes(), true);
            let path = format!("directory/{}.json.gz", &file.sha256[..16]);
            write_stored(out, &path, &stored)?;
            written.paths.insert(path.clone());
            Ok(ShardEntry { path, items: count, label: String::new(), file })
        })
        .collect()
}

/// Labels of the GNN shards from their items' subtitles (as the v1 cluster labels).
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

/// The `count` most popular items, most popular first (ties: lower index first).
fn popular_items(catalogue: &Catalogue, count: usize) -> Vec<PopularItem> {
    let mut order: Vec<u32> = (0..catalogue.items.len() as u32).collect();
    order.sort_by(|&a, &b| {
        catalogue.popularity[b as usize].cmp(&catalogue.popularity[a as usize]).then(a.cmp(&b))
    });
    order
        .into_iter()
        .take(count)
        .map(|i| PopularItem {
            index: i,
            popularity: catalogue.popularity[i as usize],
            meta: catalogue.items[i as usize].clone(),
        })
        .collect()
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
