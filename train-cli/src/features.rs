//! Item text → MiniLM embeddings (cached) → PCA features for the GNN.

use std::path::Path;

use anyhow::Context;
use gnnrec_ingest::Item;
use gnnrec_text_encoder::{CpuEncoder, EMBEDDING_DIM, WeightFormat, file_names};
use gnnrec_text_features::{EmbeddingCache, Pca, encode_with_cache};

/// Texts per encoder forward pass.
const BATCH: usize = 32;
/// The cache's name for embeddings from the CPU path (int8 weights × int16 activations).
const CACHE_VARIANT: &str = "cpu-int8";

/// PCA features, row-major `[n_items, width]`, and what PCA kept.
pub struct ItemFeatures {
    /// Feature values.
    pub values: Vec<f32>,
    /// Feature width.
    pub width: usize,
    /// Share of the embedding variance the features keep.
    pub explained_variance: f64,
}

/// Encodes every item's text with the f32 MiniLM in `encoder_dir` (reusing `cache_dir`)
/// and projects the embeddings on their top `width` principal components.
pub fn item_features(
    items: &[Item],
    encoder_dir: &Path,
    cache_dir: &Path,
    width: usize,
) -> anyhow::Result<ItemFeatures> {
    let embeddings = item_text_embeddings(items, encoder_dir, cache_dir)?;
    let pca = Pca::fit(&embeddings, width)?;
    eprintln!("PCA {EMBEDDING_DIM} → {width}: {:.1}% of the variance kept", 100.0 * pca.explained_variance());
    let values = embeddings.iter().flat_map(|e| pca.transform(e)).collect();
    Ok(ItemFeatures { values, width, explained_variance: pca.explained_variance() })
}

/// The MiniLM embedding (f32 weights in `encoder_dir`, quantised at load for the CPU path,
/// as in the browser) of every item's text, read from or added to the cache in `cache_dir`.
pub fn item_text_embeddings(
    items: &[Item],
    encoder_dir: &Path,
    cache_dir: &Path,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let encoder = CpuEncoder::load_dir(encoder_dir, WeightFormat::F32).with_context(|| {
        format!("loading the text encoder from {} (run scripts/fetch-minilm.sh)", encoder_dir.display())
    })?;
    let model_files: Vec<_> = [file_names::CONFIG, file_names::TOKENIZER, file_names::F32_WEIGHTS]
        .iter()
        .map(|f| encoder_dir.join(f))
        .collect();
    let mut cache = EmbeddingCache::open(cache_dir, &model_files, CACHE_VARIANT, EMBEDDING_DIM)?;
    let texts: Vec<String> = items.iter().map(Item::text).collect();
    let cached = texts.iter().filter(|t| cache.get(t).is_some()).count();
    eprintln!("item texts: {} ({} cached in {})", texts.len(), cached, cache.path().display());
    Ok(encode_with_cache(|texts, batch| encoder.encode_many(texts, batch), &mut cache, &texts, BATCH)?)
}
