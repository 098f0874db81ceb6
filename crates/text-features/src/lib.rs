//! Item text features: MiniLM sentence embeddings with an on-disk cache, reduced by PCA.
//!
//! [`EmbeddingCache`] stores one 384-d embedding per distinct text, keyed by the SHA-256
//! of the encoder files and of the text, so re-training on the same catalogue encodes
//! nothing. [`Pca`] is fitted on the catalogue's embeddings and maps them to the GNN's
//! input width (128 by default).

mod cache;
mod error;
mod pca;

pub use cache::{EmbeddingCache, encode_with_cache};
pub use error::FeatureError;
pub use pca::Pca;
