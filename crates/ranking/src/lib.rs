//! The gnnrec bundle reader and ranker, compiled natively (`train-cli query`, offline
//! evaluation) and to wasm (the browser runtime), so what is measured offline is what
//! ships.
//!
//! A [`Bundle`] is loaded from the files a static server hosts (see `docs/bundle-format.md`):
//! every file's size and SHA-256 are checked against `manifest.json`, every tensor's shape
//! against the declared dimensions, and every failure is a [`BundleError`] naming the file.
//! The [`Ranker`] then answers:
//! - [`Ranker::search`]: a query embedding → HNSW neighbours in the text space plus the
//!   members of the clusters nearest to the visitor's vector → reranked by a blend of
//!   semantic similarity and the GNN score → top-k with an explanation each;
//! - [`Ranker::recommend`]: the visitor's history → a folded-in user vector → the best
//!   unseen items by GNN score.

mod bundle;
mod clusters;
mod error;
mod fold_in;
mod head_tensors;
mod history;
mod history_sum;
mod items;
mod manifest;
mod quantized;
mod ranker;
mod scorer;
pub mod sharded;
mod tensors;
mod text_index;
mod text_space;

pub use bundle::{Bundle, EncoderBytes, read_file, sha256_hex, store_file, verify_file};
pub use clusters::{ClusterError, ClusterIndex};
pub use error::{BundleError, ContentError, ManifestError, PartsError, RankError};
pub use fold_in::{FoldInBlock, FoldInConfig};
pub use head_tensors::{HeadReadError, has_head, head_from_layers, head_tensors, read_head};
pub use history::{HistoryEvent, ResolvedHistory};
pub use history_sum::{history_sum, history_sum_blocks, item_degrees};
pub use items::ItemMeta;
pub use manifest::{
    FORMAT_NAME, FORMAT_VERSION, FileEntry, Manifest, ModelInfo, RankingConfig, TextInfo, file_names,
};
pub use quantized::Int8Matrix;
pub use ranker::{MAX_QUERY_CHARS, Ranked, RankedItem, Ranker, RankerParts, TextSide, Why};
pub use scorer::{HeadError, MlpHead, Scorer};
pub use tensors::{TensorBytes, TensorError, Tensors, f32_bytes, tensor_names, u32_bytes};
pub use text_index::{IndexError, TextIndex, TextPoint};
pub use text_space::{AffineMap, TextProjection};
