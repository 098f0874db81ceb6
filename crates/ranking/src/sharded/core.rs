//! The core of a v2 bundle: everything a reader loads before the first result.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::manifest::{ShardedManifest, core_files, core_tensors};
use crate::bundle::{
    EncoderBytes, check_fold_in, open_listed, read_encoder, read_fold_in_map, read_text_maps,
};
use crate::error::BundleError;
use crate::head_tensors::read_head;
use crate::items::ItemMeta;
use crate::manifest::file_names;
use crate::scorer::{MlpHead, Scorer};
use crate::tensors::{Tensors, tensor_names as t};
use crate::text_space::{AffineMap, TextProjection};

/// One of the most popular items (`core/popular.json` is an array of them, most popular first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopularItem {
    /// Catalogue-wide item index.
    pub index: u32,
    /// Training interactions.
    pub popularity: u32,
    /// Display metadata.
    #[serde(flatten)]
    pub meta: ItemMeta,
}

/// The text half of the core.
pub struct CoreText {
    /// MiniLM → text space.
    pub projection: TextProjection,
    /// Text space → GNN user space.
    pub tower: AffineMap,
    /// Unit centroid of each text shard, row-major `[text_shards, k]`.
    pub centroids: Vec<f32>,
}

/// The decoded core.
pub struct Core {
    /// Scores (head, if any) — for the fold-in's choice of vector.
    pub scorer: Scorer,
    /// The MLP head, cloned into every shard's scorer.
    pub head: Option<MlpHead>,
    /// Mean trained user vector.
    pub mean_user: Vec<f32>,
    /// Fold-in map (see the v1 format).
    pub history_map: Option<AffineMap>,
    /// Scores GNN shard centroids like items.
    pub centroid_scorer: Scorer,
    /// GNN shard centroids, row-major `[gnn_shards, d]`.
    pub gnn_centroids: Vec<f32>,
    /// Most popular items, most popular first.
    pub popular: Vec<PopularItem>,
    /// Their GNN vectors, row-major `[popular, d]`.
    pub popular_embeddings: Vec<f32>,
    /// Scores them for a user vector.
    pub popular_scorer: Scorer,
    /// The text side.
    pub text: Option<CoreText>,
    /// Encoder files (bundles with text).
    pub encoder: Option<EncoderBytes>,
}

impl Core {
    /// The core files a manifest requires, in loading order.
    pub fn required_files(manifest: &ShardedManifest) -> Vec<&'static str> {
        let mut files = vec![core_files::TENSORS, core_files::POPULAR];
        if manifest.text.is_some() {
            files.extend([
                file_names::ENCODER_CONFIG,
                file_names::ENCODER_TOKENIZER,
                file_names::ENCODER_WEIGHTS,
            ]);
        }
        files
    }

    /// Decodes the core from its stored files (by path), each checked against the manifest.
    pub fn from_files(
        manifest: &ShardedManifest,
        files: &HashMap<String, Vec<u8>>,
    ) -> Result<Self, BundleError> {
        let open = |name: &str| open_listed(&manifest.core, files, name);
        let content = |e: crate::tensors::TensorError| BundleError::content(core_files::TENSORS, e);
        let d = manifest.model.dim;
        check_fold_in(&manifest.ranking.fold_in, d)?;
        let bytes = open(core_files::TENSORS)?;
        let tensors = Tensors::parse(&bytes).map_err(content)?;
        let head = if manifest.model.mlp_head {
            Some(read_head(&tensors, d).map_err(|e| BundleError::content(core_files::TENSORS, e))?)
        } else {
            None
        };
        let history_map = read_fold_in_map(&tensors, d, manifest.model.fold_in_map).map_err(content)?;
        let gnn_centroids =
            tensors.f32(core_tensors::GNN_CENTROIDS, &[manifest.gnn_shards.len(), d]).map_err(content)?;
        let (text, encoder) = match &manifest.text {
            None => (None, None),
            Some(info) => {
                let (projection, tower) = read_text_maps(&tensors, info, d).map_err(content)?;
                let centroids = tensors
                    .f32(core_tensors::TEXT_CENTROIDS, &[manifest.text_shards.len(), info.dim])
                    .map_err(content)?;
                (Some(CoreText { projection, tower, centroids }), Some(read_encoder(&open)?))
            }
        };
        let popular: Vec<PopularItem> = serde_json::from_slice(&open(core_files::POPULAR)?)
            .map_err(|e| BundleError::content(core_files::POPULAR, crate::error::ContentError::Json(e)))?;
        let p = popular.len();
        let popular_embeddings = crate::quantized::Int8Matrix {
            rows: p,
            dim: d,
            values: tensors.i8(core_tensors::POPULAR_VALUES, &[p, d]).map_err(content)?,
            scales: tensors.f32(core_tensors::POPULAR_SCALES, &[p]).map_err(content)?,
        }
        .dequantize();
        Ok(Self {
            scorer: Scorer::new(head.clone(), &[]),
            popular_scorer: Scorer::new(head.clone(), &popular_embeddings),
            popular_embeddings,
            centroid_scorer: Scorer::new(head.clone(), &gnn_centroids),
            head,
            mean_user: tensors.f32(t::MEAN_USER, &[d]).map_err(content)?,
            history_map,
            gnn_centroids,
            popular,
            text,
            encoder,
        })
    }
}
