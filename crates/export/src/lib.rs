//! Writing the static bundle a browser loads (format: `docs/bundle-format.md`).
//!
//! From a trained model's final embeddings, the catalogue and its text embeddings, the
//! exporter computes what ranking needs — int8 item embeddings, a k-means cluster index
//! over them, an HNSW index over the projected item text vectors, a query tower and a
//! fold-in map fitted on the training interactions — and writes it with the bundle format's
//! writer (`gnnrec-bundle`): a v1 bundle ([`write_bundle`]), then, by default, its sharded
//! v2 form ([`write_sharded`]). Catalogues of any size can be sharded from files on disk
//! ([`CatalogueFiles`], [`write_sharded_catalogue`]).

mod cluster_labels;
mod clusters;
mod error;
mod history_map;
mod input;
mod ridge;
mod sharded;
mod stages;
mod tower;
mod validation;
mod vectors;
mod writer;

pub use error::ExportError;
pub use history_map::{FoldInFit, fit_history_map};
pub use input::{ExportConfig, ExportInput, TextInput};
pub use sharded::{
    CATALOGUE_FORMAT, CATALOGUE_VERSION, Catalogue, CatalogueFiles, CatalogueHeader, CatalogueWriter,
    ItemRow, ItemSource, ShardConfig, catalogue_names, default_shard_bytes, write_sharded,
    write_sharded_catalogue,
};
pub use tower::{TowerFit, fit_query_tower};
pub use writer::{ExportReport, write_bundle};
