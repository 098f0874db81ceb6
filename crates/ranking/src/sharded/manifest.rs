//! `manifest.json` of a v2 (sharded) bundle.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::manifest::{FileEntry, ModelInfo, RankingConfig, TextInfo};

/// The sharded bundle format version.
pub const SHARDED_VERSION: u32 = 2;

/// Paths of the core files of a v2 bundle (the encoder files keep their v1 paths).
pub mod core_files {
    /// Every tensor that is not per item, plus the shard centroids.
    pub const TENSORS: &str = "core/tensors.safetensors.gz";
    /// The most popular items (recommendations without history), JSON.
    pub const POPULAR: &str = "core/popular.json.gz";
}

/// Tensor names of `core/tensors.safetensors` besides the v1 model tensors.
pub mod core_tensors {
    /// Centroid of each GNN shard `[gnn_shards, d]` (mean of its items' vectors).
    pub const GNN_CENTROIDS: &str = "shards.gnn.centroids";
    /// int8 GNN vectors of the items of `core/popular.json`, in its order `[popular, d]`.
    pub const POPULAR_VALUES: &str = "popular.values";
    /// Their per-item scales `[popular]`.
    pub const POPULAR_SCALES: &str = "popular.scales";
    /// Centroid of each text shard `[text_shards, k]` (unit mean of its items' text vectors).
    pub const TEXT_CENTROIDS: &str = "shards.text.centroids";
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
