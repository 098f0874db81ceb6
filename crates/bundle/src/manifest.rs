//! `manifest.json`: what a bundle holds and how to check it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{BundleError, ManifestError};
use crate::names::{FORMAT_NAME, FORMAT_VERSION, file_names};
use crate::stored::{BundleDir, FileEntry};

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

/// Fold-in settings (stored in the manifest): how a visitor's history becomes a user
/// vector (`gnnrec-ranking`'s fold-in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldInConfig {
    /// Exponent of the item degree in the history sum (chosen at export).
    pub degree_exponent: f32,
    /// Blocks of columns with their own exponents, in column order (models made of
    /// parts, e.g. the graph-filter blend); empty = every column uses `degree_exponent`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<FoldInBlock>,
}

/// `history sum with degree exponent -1`, or one `columns 0..512: exponent -0.3` per block.
impl std::fmt::Display for FoldInConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.blocks.is_empty() {
            return write!(f, "history sum with degree exponent {}", self.degree_exponent);
        }
        f.write_str("history sum per block of columns:")?;
        let mut start = 0;
        for (k, block) in self.blocks.iter().enumerate() {
            let separator = if k == 0 { " " } else { ", " };
            write!(f, "{separator}{start}..{} exponent {}", start + block.width, block.degree_exponent)?;
            start += block.width;
        }
        Ok(())
    }
}

/// A block of columns of the item vectors and the degree exponent of its history sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldInBlock {
    /// Columns in the block.
    pub width: usize,
    /// Exponent of the item degree for these columns.
    pub degree_exponent: f32,
}

impl FoldInConfig {
    /// One exponent for every column.
    pub fn uniform(degree_exponent: f32) -> Self {
        Self { degree_exponent, blocks: Vec::new() }
    }

    /// For dot-product models, before export picks the exponent.
    pub fn dot() -> Self {
        Self::uniform(-1.0)
    }

    /// For MLP-head models, before export picks the exponent.
    pub fn mlp() -> Self {
        Self::uniform(0.0)
    }

    /// `(width, exponent)` per block over `dim` columns, or the error if the blocks'
    /// widths do not add up to `dim`.
    pub fn column_blocks(&self, dim: usize) -> Result<Vec<(usize, f32)>, ManifestError> {
        if self.blocks.is_empty() {
            return Ok(vec![(dim, self.degree_exponent)]);
        }
        let total = self.blocks.iter().map(|b| b.width).sum::<usize>();
        if total != dim {
            return Err(ManifestError::FoldInBlocks { total, dim });
        }
        Ok(self.blocks.iter().map(|b| (b.width, b.degree_exponent)).collect())
    }

    /// Refuses blocks that do not cover the model's `dim` columns (a manifest error).
    pub(crate) fn check(&self, dim: usize) -> Result<(), BundleError> {
        self.column_blocks(dim)
            .map(|_| ())
            .map_err(|error| BundleError::Manifest { file: file_names::MANIFEST.into(), error })
    }
}

impl Manifest {
    /// Writes `manifest.json` (after every other file); returns its size. A gzip copy left
    /// by a v2 export in the same folder is removed (it would be stale).
    pub fn write(&self, out: &mut BundleDir) -> Result<u64, BundleError> {
        let bytes = serde_json::to_vec_pretty(self).expect("a manifest serializes");
        out.write(file_names::MANIFEST, &bytes).map_err(BundleError::write)?;
        out.remove(file_names::MANIFEST_GZ).map_err(BundleError::write)?;
        Ok(bytes.len() as u64)
    }
}

/// Parses and checks a v1 `manifest.json`.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, BundleError> {
    parse_versioned(bytes, FORMAT_VERSION)
}

/// Parses a `manifest.json` of format version `supported`: the `format` name is checked
/// first, then the version (refused by number), then the fields.
pub(crate) fn parse_versioned<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    supported: u32,
) -> Result<T, BundleError> {
    let file = file_names::MANIFEST;
    let json = |e| BundleError::Manifest { file: file.into(), error: ManifestError::Json(e) };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json)?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(BundleError::Manifest { file: file.into(), error: ManifestError::Format });
    }
    // A version beyond u32 is no version this reader knows (not one cut down to 32 bits).
    let found =
        value.get("version").and_then(|v| v.as_u64()).map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
    if found != supported {
        return Err(BundleError::Version { file: file.into(), found, supported });
    }
    serde_json::from_value(value).map_err(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_must_cover_the_columns() {
        let block = |width, degree_exponent| FoldInBlock { width, degree_exponent };
        let config = FoldInConfig { degree_exponent: -0.3, blocks: vec![block(2, -0.3), block(1, -1.0)] };
        assert_eq!(config.column_blocks(3).unwrap(), vec![(2, -0.3), (1, -1.0)]);
        let error = config.column_blocks(4).unwrap_err().to_string();
        assert!(error.contains("3 columns") && error.contains("4"), "{error}");
        assert_eq!(FoldInConfig::uniform(-0.5).column_blocks(4).unwrap(), vec![(4, -0.5)]);
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<FoldInConfig>(&text).unwrap(), config);
        assert!(!serde_json::to_string(&FoldInConfig::dot()).unwrap().contains("blocks"));
    }

    #[test]
    fn the_config_reads_as_its_exponents() {
        assert_eq!(FoldInConfig::uniform(-0.5).to_string(), "history sum with degree exponent -0.5");
        let blocks = FoldInConfig {
            degree_exponent: -0.3,
            blocks: vec![
                FoldInBlock { width: 512, degree_exponent: -0.3 },
                FoldInBlock { width: 64, degree_exponent: -1.0 },
            ],
        };
        assert_eq!(
            blocks.to_string(),
            "history sum per block of columns: 0..512 exponent -0.3, 512..576 exponent -1"
        );
    }

    #[test]
    fn the_format_name_is_checked_before_the_version_and_the_fields() {
        let error = parse_manifest(br#"{"format": "other", "version": 1}"#).unwrap_err();
        assert!(matches!(error, BundleError::Manifest { error: ManifestError::Format, .. }), "{error}");
        let error = parse_manifest(br#"{"format": "gnnrec-bundle", "version": 7}"#).unwrap_err();
        assert!(matches!(error, BundleError::Version { found: 7, supported: 1, .. }), "{error}");
        // 2^32 + 1 is not version 1.
        let error = parse_manifest(br#"{"format": "gnnrec-bundle", "version": 4294967297}"#).unwrap_err();
        assert!(matches!(error, BundleError::Version { found: u32::MAX, .. }), "{error}");
        let error = parse_manifest(br#"{"format": "gnnrec-bundle", "version": 1}"#).unwrap_err();
        assert!(matches!(error, BundleError::Manifest { error: ManifestError::Json(_), .. }), "{error}");
    }
}
