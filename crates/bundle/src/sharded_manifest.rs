//! `manifest.json` of a v2 (sharded) bundle.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{BundleError, ManifestError};
use crate::manifest::{ModelInfo, RankingConfig, TextInfo, parse_versioned};
use crate::names::file_names;
use crate::stored::{BundleDir, FileEntry, store};

/// The sharded bundle format version.
pub const SHARDED_VERSION: u32 = 2;

/// Paths of the core files of a v2 bundle (the encoder files keep their v1 paths).
pub mod core_files {
    /// Every tensor that is not per item, plus the shard centroids.
    pub const TENSORS: &str = "core/tensors.safetensors.gz";
    /// The most popular items (recommendations without history), JSON.
    pub const POPULAR: &str = "core/popular.json.gz";
}

/// The manifest of a sharded bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardedManifest {
    /// Always [`FORMAT_NAME`](crate::FORMAT_NAME).
    pub format: String,
    /// [`SHARDED_VERSION`].
    pub version: u32,
    /// Tool that wrote the bundle.
    pub created_by: String,
    /// The GNN whose embeddings the bundle carries.
    pub model: ModelInfo,
    /// The text side; `None` for catalogues without item text.
    pub text: Option<TextInfo>,
    /// Ranking settings (as v1; `cluster_probe` and `cluster_members` are unused).
    pub ranking: RankingConfig,
    /// How many shards a request probes and how much a reader keeps in memory.
    pub probe: ProbeConfig,
    /// Measurements taken at export (for people; readers ignore it).
    #[serde(default)]
    pub report: serde_json::Value,
    /// Files loaded before the first result, by path.
    pub core: BTreeMap<String, FileEntry>,
    /// Shards grouped in the GNN space (recommend), in centroid order.
    pub gnn_shards: Vec<ShardEntry>,
    /// Shards grouped in the text space (search), in centroid order; empty without text.
    pub text_shards: Vec<ShardEntry>,
    /// Id directory buckets: entry `b` holds the ids with `bucket_of(id) == b`.
    pub directory: Vec<ShardEntry>,
}

/// Probing settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// GNN shards scored for a recommendation (nearest to the visitor's vector).
    pub gnn: usize,
    /// Text shards searched for a query (nearest to the query).
    pub text: usize,
    /// Decoded shards a reader keeps in memory, in bytes (least recently used go first).
    pub memory_bytes: usize,
    /// Most stored bytes of the shards one request probes (nearest first; the nearest is
    /// always probed): bounds the bytes a request in a new region fetches. Absent: no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

impl ShardedManifest {
    /// Parses and checks a v2 `manifest.json`.
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleError> {
        let manifest: Self = parse_versioned(bytes, SHARDED_VERSION)?;
        let error = |error| BundleError::Manifest { file: file_names::MANIFEST.into(), error };
        manifest.check_lists().map_err(error)?;
        Ok(manifest)
    }

    /// Every item in one GNN shard, one text shard (bundles with text) and one directory
    /// bucket: each list's entries add up to the catalogue, and there is a bucket to look ids
    /// up in.
    fn check_lists(&self) -> Result<(), ManifestError> {
        if self.directory.is_empty() {
            return Err(ManifestError::NoDirectory);
        }
        let mut lists = vec![("gnn_shards", &self.gnn_shards), ("directory", &self.directory)];
        if self.text.is_some() {
            lists.push(("text_shards", &self.text_shards));
        }
        for (list, entries) in lists {
            let total = entries.iter().fold(0usize, |sum, entry| sum.saturating_add(entry.items));
            if total != self.model.n_items {
                return Err(ManifestError::ItemTotal { list, total, n_items: self.model.n_items });
            }
        }
        Ok(())
    }

    /// Writes `manifest.json` (after every other file) and a gzip copy beside it: a large
    /// catalogue's manifest (one entry per shard) is about a megabyte of JSON, which a
    /// static host can then send compressed.
    pub fn write(&self, out: &mut BundleDir) -> Result<(), BundleError> {
        let bytes = serde_json::to_vec_pretty(self).expect("a manifest serializes");
        out.write(file_names::MANIFEST, &bytes).map_err(BundleError::write)?;
        out.write(file_names::MANIFEST_GZ, &store(&bytes, true).0).map_err(BundleError::write)
    }
}

impl ProbeConfig {
    /// The leading shards of `nearest` (nearest first) whose stored bytes (from `entries`)
    /// fit in `max_bytes`; at least the first.
    pub fn within_budget(&self, nearest: Vec<usize>, entries: &[ShardEntry]) -> Vec<usize> {
        let Some(budget) = self.max_bytes else { return nearest };
        let mut total = 0u64;
        let mut kept = Vec::with_capacity(nearest.len());
        for s in nearest {
            total = total.saturating_add(entries[s].file.bytes);
            if total > budget && !kept.is_empty() {
                break;
            }
            kept.push(s);
        }
        kept
    }
}

/// One shard or directory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// Path relative to the manifest; the name is a content hash (immutable).
    pub path: String,
    /// Items (or ids) it holds.
    pub items: usize,
    /// What the shard's items have in common, for people ("crime · film-noir").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Size, digest and encoding.
    #[serde(flatten)]
    pub file: FileEntry,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::FileEntry;

    #[test]
    fn every_list_holds_the_catalogue_and_the_directory_a_bucket() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/bundles/v2-lightgcn/manifest.json");
        let fixture: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let parse = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut json = fixture.clone();
            edit(&mut json);
            ShardedManifest::parse(&serde_json::to_vec(&json).unwrap()).map_err(|e| e.to_string())
        };
        assert!(parse(&|_| {}).is_ok());
        let e = parse(&|j| j["directory"] = serde_json::json!([])).unwrap_err();
        assert!(e.ends_with("directory lists no bucket"), "{e}");
        let e = parse(&|j| j["gnn_shards"][0]["items"] = 239.into()).unwrap_err();
        assert!(e.ends_with("gnn_shards hold 239 items in all, the catalogue 240"), "{e}");
        let e = parse(&|j| j["text_shards"] = serde_json::json!([])).unwrap_err();
        assert!(e.ends_with("text_shards hold 0 items in all, the catalogue 240"), "{e}");
        let e = parse(&|j| j["directory"][0]["items"] = u64::MAX.into()).unwrap_err();
        assert!(e.contains("directory hold"), "{e}");
    }

    #[test]
    fn the_budget_keeps_the_nearest_shards_that_fit_and_always_one() {
        let entry = |bytes| ShardEntry {
            path: String::new(),
            items: 1,
            label: String::new(),
            file: FileEntry { bytes, sha256: String::new(), encoding: "gzip".into(), stored_as: None },
        };
        let entries = [entry(400), entry(300), entry(500), entry(100)];
        let probe = |max_bytes| ProbeConfig { gnn: 4, text: 4, memory_bytes: 0, max_bytes };
        assert_eq!(probe(Some(800)).within_budget(vec![1, 0, 2, 3], &entries), vec![1, 0]);
        assert_eq!(probe(Some(100)).within_budget(vec![2, 3], &entries), vec![2]);
        assert_eq!(probe(None).within_budget(vec![2, 3, 0], &entries), vec![2, 3, 0]);
        // A manifest's sizes are any u64: their sum saturates instead of wrapping to "fits".
        let huge = [entry(u64::MAX), entry(2)];
        assert_eq!(probe(Some(1)).within_budget(vec![0, 1], &huge), vec![0]);
        // Older manifests without the field have no bound.
        let parsed: ProbeConfig =
            serde_json::from_str(r#"{"gnn": 8, "text": 8, "memory_bytes": 1}"#).unwrap();
        assert_eq!(parsed.max_bytes, None);
    }
}
