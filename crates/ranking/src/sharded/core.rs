//! The decoded core of a v2 bundle, with the scorers a request needs before any shard.

use std::collections::HashMap;

use gnnrec_bundle::{
    AffineMap, BundleError, CoreContent, EncoderBytes, MlpHead, PopularItem, ShardedManifest, TextMaps,
};

use crate::scorer::Scorer;

/// The text half of the core.
pub struct CoreText {
    /// MiniLM → text space, and text space → GNN user space.
    pub maps: TextMaps,
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
    /// Encoder files (bundles with text, when they were given).
    pub encoder: Option<EncoderBytes>,
}

impl Core {
    /// Decodes the core from its stored files (by path), each checked against the manifest.
    pub fn from_files(
        manifest: &ShardedManifest,
        files: &HashMap<String, Vec<u8>>,
    ) -> Result<Self, BundleError> {
        let content = CoreContent::decode(manifest, files)?;
        let encoder = match manifest.text {
            Some(_) => EncoderBytes::from_listed_if_given(&manifest.core, files)?,
            None => None,
        };
        let model = content.model;
        let text = match (model.text, content.text_centroids) {
            (Some(maps), Some(centroids)) => Some(CoreText { maps, centroids }),
            _ => None,
        };
        let head = model.head;
        let popular_embeddings = content.popular_vectors.dequantize();
        Ok(Self {
            scorer: Scorer::new(head.clone(), &[]),
            popular_scorer: Scorer::new(head.clone(), &popular_embeddings),
            popular_embeddings,
            centroid_scorer: Scorer::new(head.clone(), &content.gnn_centroids),
            head,
            mean_user: model.mean_user,
            history_map: model.fold_in_map,
            gnn_centroids: content.gnn_centroids,
            popular: content.popular,
            text,
            encoder,
        })
    }
}
