//! What a bundle is made from, and the export settings.

use std::path::Path;

use gnnrec_bundle::{AffineMap, FoldInConfig, ItemMeta, MlpHead, RankingConfig, TextProjection};

/// The item text side of an export.
pub struct TextInput<'a> {
    /// MiniLM embedding of every item's text, in item order.
    pub embeddings: &'a [Vec<f32>],
    /// Directory with `config.json`, `tokenizer.json` and `model.int8.safetensors`.
    pub encoder_dir: &'a Path,
    /// The projection into the bundle's text space when the caller already has it (a model
    /// built on the projected texts); `None`: the export fits it (PCA of `embeddings`).
    pub projection: Option<&'a TextProjection>,
}

/// What a bundle is made from.
pub struct ExportInput<'a> {
    /// Model family name (`sage`, `lightgcnpp`, …).
    pub model_kind: String,
    /// Display metadata, in item order.
    pub items: Vec<ItemMeta>,
    /// Final item embeddings, row-major `[n_items, dim]`.
    pub item_embeddings: &'a [f32],
    /// Final user embeddings, row-major `[n_users, dim]`; may be empty when the fold-in
    /// and the query tower are given (a model without trained users).
    pub user_embeddings: &'a [f32],
    /// Embedding width.
    pub dim: usize,
    /// The MLP head for models that score pairs with one.
    pub head: Option<MlpHead>,
    /// Training items per user.
    pub train: &'a [Vec<u32>],
    /// Item text, if the catalogue has any.
    pub text: Option<TextInput<'a>>,
    /// For models whose user vectors *are* degree-weighted history sums
    /// `Σ_h d_h^e · item_h` (the graph filter and its blend): `e`, per block of columns
    /// for the blend. The fold-in is then exact and is not fitted. `None`: fit it (see
    /// [`crate::history_map`]).
    pub exact_fold_in: Option<FoldInConfig>,
    /// The query tower (text space → user space) when the model defines it, e.g. the
    /// identity for a model whose vectors are the projected texts; `None`: fit it on the
    /// training users (see [`crate::tower`]).
    pub tower: Option<AffineMap>,
}

/// Export settings.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Width of the projected text space (PCA of MiniLM).
    pub text_dim: usize,
    /// Number of clusters; `None` = √(n_items / 2), at least 2.
    pub clusters: Option<usize>,
    /// HNSW `ef_construction`.
    pub ef_construction: usize,
    /// HNSW `ef_search` (= text candidates per query).
    pub ef_search: usize,
    /// Seed of k-means and of the HNSW levels.
    pub seed: u64,
    /// Ranking settings written to the manifest (`None`: the defaults for the model).
    pub ranking: Option<RankingConfig>,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self { text_dim: 64, clusters: None, ef_construction: 200, ef_search: 100, seed: 2024, ranking: None }
    }
}
