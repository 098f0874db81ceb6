//! The shards of a v2 bundle: groups of items planned in one space, written as shard files
//! named by their content.

use gnnrec_bundle::{BundleDir, ClusterTensors as Clusters, FileEntry, Int8Matrix, ShardContent, ShardEntry};

use super::catalogue::Catalogue;
use super::partition::Space;
use super::plan::{centroid, plan_shards};
use crate::cluster_labels::label_clusters;
use crate::error::ExportError;
use crate::vectors::unit;

/// Stores `bytes` gzip-compressed as `{prefix}{hash}{suffix}`; returns its path and entry.
pub(super) fn put_hashed(
    out: &mut BundleDir,
    prefix: &str,
    suffix: &str,
    bytes: &[u8],
) -> Result<(String, FileEntry), ExportError> {
    out.put_addressed(prefix, suffix, bytes, true).map_err(|e| ExportError::io(out.root(), e))
}

/// Groups the items of one part into shards of about `target` items.
pub(super) fn plan_part(catalogue: &Catalogue, space: Space, target: usize, seed: u64) -> Vec<Vec<u32>> {
    // GNN shards are grouped by direction: the vectors' lengths (popularity, for the graph
    // filter) would otherwise split off the long ones into tiny groups.
    let directions: Vec<f32> =
        (0..catalogue.items.len()).flat_map(|r| space.direction(&catalogue.row(r))).collect();
    let dim = if space == Space::Gnn { catalogue.gnn.dim } else { catalogue.text_dim.unwrap_or(0) };
    plan_shards(&directions, dim, target, seed)
}

/// A shard's centroid: the mean GNN vector (GNN space) or the unit mean text direction.
pub(super) fn shard_centroid(catalogue: &Catalogue, space: Space, rows: &[u32]) -> Vec<f32> {
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

/// The shard of the listed rows (ascending) of `catalogue`.
pub(super) fn shard_content(catalogue: &Catalogue, rows: &[u32], space: Space) -> ShardContent {
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
pub(super) fn write_shards(
    out: &mut BundleDir,
    catalogue: &Catalogue,
    groups: &[Vec<u32>],
    space: Space,
) -> Result<Vec<ShardEntry>, ExportError> {
    let labels = shard_labels(catalogue, groups);
    let prefix = if space == Space::Gnn { "g" } else { "t" };
    groups
        .iter()
        .enumerate()
        .map(|(s, rows)| {
            let bytes = shard_content(catalogue, rows, space).to_bytes();
            let (path, file) = put_hashed(out, &format!("shards/{prefix}-"), ".st.gz", &bytes)?;
            Ok(ShardEntry {
                path,
                items: rows.len(),
                label: labels.get(s).cloned().unwrap_or_default(),
                file,
            })
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
