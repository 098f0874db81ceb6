//! The core of a v2 bundle: everything a reader loads before the first result
//! (`core/tensors.safetensors.gz`, `core/popular.json.gz` and the encoder's files).

use std::collections::HashMap;

use crate::encoder::ENCODER_FILES;
use crate::error::{BundleError, ContentError};
use crate::int8::Int8Matrix;
use crate::items::PopularItem;
use crate::model::ModelTensors;
use crate::sharded_manifest::{ShardedManifest, core_files};
use crate::stored::{BundleDir, open_listed};
use crate::tensors::{TensorData, Tensors};

/// Tensor names of `core/tensors.safetensors` besides the model tensors.
mod core_tensors {
    /// Centroid of each GNN shard `[gnn_shards, d]` (mean of its items' vectors).
    pub const GNN_CENTROIDS: &str = "shards.gnn.centroids";
    /// int8 GNN vectors of the items of `core/popular.json`, in its order `[popular, d]`.
    pub const POPULAR_VALUES: &str = "popular.values";
    /// Their per-item scales `[popular]`.
    pub const POPULAR_SCALES: &str = "popular.scales";
    /// Centroid of each text shard `[text_shards, k]` (unit mean of its items' text vectors).
    pub const TEXT_CENTROIDS: &str = "shards.text.centroids";
}
use core_tensors as c;

/// The content of a v2 bundle's core files, except the encoder's
/// ([`EncoderBytes`](crate::EncoderBytes)).
#[derive(Debug, Clone, PartialEq)]
pub struct CoreContent {
    /// The model tensors that are not per item.
    pub model: ModelTensors,
    /// Centroid of each GNN shard, row-major `[gnn_shards, d]`.
    pub gnn_centroids: Vec<f32>,
    /// Unit centroid of each text shard, row-major `[text_shards, k]` (bundles with text).
    pub text_centroids: Option<Vec<f32>>,
    /// The most popular items, most popular first.
    pub popular: Vec<PopularItem>,
    /// Their int8 GNN vectors, in the same order.
    pub popular_vectors: Int8Matrix,
}

impl CoreContent {
    /// The core files a manifest requires, in loading order.
    pub fn required_files(manifest: &ShardedManifest) -> Vec<&'static str> {
        let mut files = vec![core_files::TENSORS, core_files::POPULAR];
        if manifest.text.is_some() {
            files.extend(ENCODER_FILES);
        }
        files
    }

    /// Decodes the core from its stored files (by path), each checked against the manifest.
    pub fn decode(manifest: &ShardedManifest, files: &HashMap<String, Vec<u8>>) -> Result<Self, BundleError> {
        let open = |name: &str| open_listed(&manifest.core, files, name);
        let content = |e: crate::tensors::TensorError| BundleError::content(core_files::TENSORS, e);
        let d = manifest.model.dim;
        manifest.ranking.fold_in.check(d)?;
        let bytes = open(core_files::TENSORS)?;
        let tensors = Tensors::parse(&bytes).map_err(content)?;
        let model = ModelTensors::read(&tensors, &manifest.model, manifest.text.as_ref())
            .map_err(|e| BundleError::content(core_files::TENSORS, e))?;
        let gnn_centroids =
            tensors.f32(c::GNN_CENTROIDS, &[manifest.gnn_shards.len(), d]).map_err(content)?;
        let text_centroids = match &manifest.text {
            None => None,
            Some(info) => Some(
                tensors.f32(c::TEXT_CENTROIDS, &[manifest.text_shards.len(), info.dim]).map_err(content)?,
            ),
        };
        let popular: Vec<PopularItem> = serde_json::from_slice(&open(core_files::POPULAR)?)
            .map_err(|e| BundleError::content(core_files::POPULAR, ContentError::Json(e)))?;
        if let Some(item) = popular.iter().find(|item| item.index as usize >= manifest.model.n_items) {
            let error = ContentError::Inconsistent(format!(
                "popular item {:?} has index {}, the catalogue {} items",
                item.meta.id, item.index, manifest.model.n_items
            ));
            return Err(BundleError::content(core_files::POPULAR, error));
        }
        let p = popular.len();
        let popular_vectors = Int8Matrix {
            rows: p,
            dim: d,
            values: tensors.i8(c::POPULAR_VALUES, &[p, d]).map_err(content)?,
            scales: tensors.f32(c::POPULAR_SCALES, &[p]).map_err(content)?,
        };
        Ok(Self { model, gnn_centroids, text_centroids, popular, popular_vectors })
    }

    /// Writes the core tensors and the popular items (gzip-compressed); the manifest's
    /// `core` lists them ([`BundleDir::take_entries`]). The encoder's files are written by
    /// the caller.
    pub fn write(&self, out: &mut BundleDir) -> Result<(), BundleError> {
        let (gnn_shards, d) =
            (self.gnn_centroids.len() / self.model.mean_user.len().max(1), self.model.mean_user.len());
        let p = self.popular.len();
        let mut tensors = self.model.tensors();
        tensors.push(TensorData::f32(c::GNN_CENTROIDS, vec![gnn_shards, d], &self.gnn_centroids));
        if let (Some(centroids), Some(text)) = (&self.text_centroids, &self.model.text) {
            let k = text.projection.dim();
            tensors.push(TensorData::f32(c::TEXT_CENTROIDS, vec![centroids.len() / k.max(1), k], centroids));
        }
        tensors.push(TensorData::i8(c::POPULAR_VALUES, vec![p, d], &self.popular_vectors.values));
        tensors.push(TensorData::f32(c::POPULAR_SCALES, vec![p], &self.popular_vectors.scales));
        let bytes = Tensors::write(&tensors).map_err(|e| BundleError::content(core_files::TENSORS, e))?;
        out.put(core_files::TENSORS, &bytes, true).map_err(BundleError::write)?;
        let popular = serde_json::to_vec(&self.popular).expect("popular items serialize");
        out.put(core_files::POPULAR, &popular, true).map_err(BundleError::write)?;
        Ok(())
    }
}
