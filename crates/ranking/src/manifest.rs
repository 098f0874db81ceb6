//! `manifest.json`: what a bundle holds and how to check it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::fold_in::FoldInConfig;

/// Value of the manifest's `format` field.
pub const FORMAT_NAME: &str = "gnnrec-bundle";
/// The bundle format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// File names inside a bundle directory.
pub mod file_names {
    /// The manifest (plain JSON, not compressed).
    pub const MANIFEST: &str = "manifest.json";
    /// Item display metadata, JSON array in item-index order.
    pub const ITEMS: &str = "items.json.gz";
    /// All numeric tensors (safetensors).
    pub const TENSORS: &str = "tensors.safetensors.gz";
    /// The HNSW text index.
    pub const TEXT_INDEX: &str = "text-index.bin.gz";
    /// MiniLM config.
    pub const ENCODER_CONFIG: &str = "encoder/config.json";
    /// MiniLM tokenizer.
    pub const ENCODER_TOKENIZER: &str = "encoder/tokenizer.json.gz";
    /// MiniLM int8 weights (`docs/int8-weights.md`).
    pub const ENCODER_WEIGHTS: &str = "encoder/model.int8.safetensors.gz";
}

/// The manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Tool that wrote the bundle.
    pub created_by: String,
    /// The GNN whose embeddings the bundle carries.
    pub model: ModelInfo,
    /// The text side; `None` for catalogues without item text (recommendations only).
    pub text: Option<TextInfo>,
    /// Labels of the clusters (as many as clusters).
    pub cluster_labels: Vec<String>,
    /// Ranking settings.
    pub ranking: RankingConfig,
    /// Measurements taken at export (free-form, for people; readers ignore it).
    #[serde(default)]
    pub report: serde_json::Value,
    /// Every other file of the bundle, by path relative to the manifest.
    pub files: BTreeMap<String, FileEntry>,
}

/// The model behind the embeddings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `sage`, `lightgcn`, `lightgcnpp` or `ngcf`.
    pub kind: String,
    /// Embedding width.
    pub dim: usize,
    /// Catalogue items (rows of every per-item tensor).
    pub n_items: usize,
    /// Users the model was trained on.
    pub n_users_trained: usize,
    /// Whether pairs are scored by the MLP head (else a dot product).
    pub mlp_head: bool,
    /// Whether fold-in maps the weighted history sum through `fold_in.*` (else uses it
    /// as is; see `docs/bundle-format.md`).
    pub fold_in_map: bool,
}

/// The text side of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextInfo {
    /// Width of the encoder's embeddings (384 for MiniLM).
    pub encoder_dim: usize,
    /// Width of the projected text space the index lives in.
    pub dim: usize,
}

/// How results are ranked (documented in `docs/bundle-format.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingConfig {
    /// Weight of the standardised text similarity in search.
    pub text_weight: f32,
    /// Weight of the standardised GNN score in search.
    pub gnn_weight: f32,
    /// Clusters probed for search candidates (nearest to the visitor's vector).
    pub cluster_probe: usize,
    /// Best members taken from each probed cluster.
    pub cluster_members: usize,
    /// Recency half-life of history events, in days.
    pub history_half_life_days: f64,
    /// Smallest weight an old history event keeps.
    pub history_floor: f32,
    /// Fold-in settings.
    pub fold_in: FoldInConfig,
}

impl RankingConfig {
    /// The defaults for a model with (`mlp_head`) or without an MLP head.
    pub fn for_model(mlp_head: bool) -> Self {
        Self {
            text_weight: 0.7,
            gnn_weight: 0.3,
            cluster_probe: 3,
            cluster_members: 20,
            history_half_life_days: 30.0,
            history_floor: 0.05,
            fold_in: if mlp_head { FoldInConfig::mlp() } else { FoldInConfig::dot() },
        }
    }
}

/// Size, checksum and encoding of one stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Stored size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// `identity` or `gzip` (then the content is the gunzipped bytes).
    pub encoding: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Bundle;

    /// The manifest fields a bundle written before the fold-in gradient steps were removed
    /// has (their `fold_in` carries `steps`, `learning_rate`, `l2` and `negatives`).
    const OLD_MANIFEST: &str = r#"{
      "format": "gnnrec-bundle", "version": 1, "created_by": "gnnrec-export 0.1.0",
      "model": { "kind": "sage", "dim": 4, "n_items": 2, "n_users_trained": 3, "mlp_head": true, "fold_in_map": true },
      "text": null,
      "cluster_labels": ["a", "b"],
      "ranking": {
        "text_weight": 0.7, "gnn_weight": 0.3, "cluster_probe": 3, "cluster_members": 20,
        "history_half_life_days": 30.0, "history_floor": 0.05,
        "fold_in": { "steps": 0, "learning_rate": 0.5, "l2": 0.1, "negatives": 256, "degree_exponent": -0.5 }
      },
      "report": {},
      "files": { "items.json.gz": { "bytes": 1, "sha256": "00", "encoding": "gzip" } }
    }"#;

    #[test]
    fn a_manifest_with_the_removed_fold_in_fields_still_loads() {
        let manifest = Bundle::parse_manifest(OLD_MANIFEST.as_bytes()).unwrap();
        assert_eq!(manifest.ranking.fold_in, FoldInConfig::uniform(-0.5));
        let written = serde_json::to_value(&manifest).unwrap();
        assert_eq!(written["ranking"]["fold_in"], serde_json::json!({"degree_exponent": -0.5}));
    }
}
