//! Writing the static bundle a browser loads (format: `docs/bundle-format.md`).
//!
//! From a trained model's final embeddings, the catalogue and its text embeddings, the
//! exporter writes: int8 item embeddings and the small f32 tensors ranking needs
//! (`tensors.safetensors`), a k-means cluster index over the item embeddings, an HNSW
//! index (instant-distance) over the projected item text vectors, a query tower fitted
//! on the training interactions, the int8 MiniLM encoder and its tokenizer, and a
//! manifest with every file's size and SHA-256. Files are gzip-compressed (except the
//! manifest and the small encoder config).

mod catalogue;
mod catalogue_files;
mod cluster_labels;
mod clusters;
mod error;
mod history_map;
mod partition;
mod ridge;
mod shard_plan;
mod sharded;
mod stages;
mod tower;
pub mod validation;
mod writer;

pub use catalogue::{Catalogue, ItemRow, ItemSource};
pub use catalogue_files::{
    CATALOGUE_FORMAT, CATALOGUE_VERSION, CatalogueFiles, CatalogueHeader, CatalogueWriter, catalogue_names,
};
pub use clusters::{Clusters, kmeans};
pub use error::ExportError;
pub use history_map::{FoldInFit, fit_history_map};
pub use sharded::{ShardConfig, default_shard_bytes, write_sharded, write_sharded_catalogue};
pub use tower::{TowerFit, fit_query_tower};
pub use writer::{ExportConfig, ExportInput, ExportReport, TextInput, write_bundle};
