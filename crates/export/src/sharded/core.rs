//! The core files of a v2 bundle: the model's tensors, the shard centroids and the most
//! popular items, plus the encoder's files copied as they are stored.

use std::collections::{BTreeMap, HashMap};

use gnnrec_bundle::{
    BundleDir, CoreContent, FileEntry, Int8Matrix, Manifest, ModelTensors, PopularItem, file_names,
};

use super::SpaceShards;
use crate::error::ExportError;

/// What the v2 core keeps of a v1 bundle: its model tensors and its encoder's stored files.
pub(super) struct ModelCore<'a> {
    /// The v1 manifest.
    pub manifest: &'a Manifest,
    /// The v1 bundle's stored files, by path.
    pub files: &'a HashMap<String, Vec<u8>>,
    /// The model tensors that are not per item.
    pub model: ModelTensors,
}

/// Writes the core files; returns their entries.
pub(super) fn write_core(
    core: &ModelCore<'_>,
    gnn: &SpaceShards,
    text: Option<&SpaceShards>,
    popular: Vec<PopularItem>,
    popular_vectors: Int8Matrix,
    out: &mut BundleDir,
) -> Result<BTreeMap<String, FileEntry>, ExportError> {
    // The most popular items' vectors: candidates of every recommendation (a popular item
    // can be a good answer from any part of the catalogue).
    let content = CoreContent {
        model: core.model.clone(),
        gnn_centroids: gnn.centroids.clone(),
        text_centroids: text.map(|t| t.centroids.clone()),
        popular,
        popular_vectors,
    };
    content.write(out)?;
    if core.manifest.text.is_some() {
        // The encoder files are copied as stored, with their v1 entries.
        for name in [file_names::ENCODER_CONFIG, file_names::ENCODER_TOKENIZER, file_names::ENCODER_WEIGHTS] {
            let entry = core.manifest.files[name].clone();
            out.put_stored(name, &core.files[name], entry).map_err(|e| ExportError::io(out.root(), e))?;
        }
    }
    Ok(out.take_entries())
}
