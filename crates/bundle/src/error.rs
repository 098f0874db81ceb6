//! Typed errors: every bundle failure names the file it comes from.
//!
//! Each message already includes its cause, so no error here returns it again from
//! `source()`: a chain printer (anyhow's `{:#}`) shows every message once.

use thiserror::Error;

use crate::clusters::ClusterError;
use crate::head::{HeadError, HeadReadError};
use crate::names::FORMAT_NAME;
use crate::tensors::TensorError;
use crate::text_index::IndexError;

/// A bundle that cannot be used.
#[derive(Debug, Error)]
pub enum BundleError {
    /// `manifest.json` is not a gnnrec manifest.
    #[error("{file}: not a gnnrec bundle manifest: {error}")]
    Manifest {
        /// File name.
        file: String,
        /// What is wrong.
        error: ManifestError,
    },
    /// The bundle was written by an incompatible version.
    #[error("{file}: bundle format version {found}, this reader supports version {supported}")]
    Version {
        /// File name.
        file: String,
        /// Version in the file.
        found: u32,
        /// Version this reader reads.
        supported: u32,
    },
    /// A file the manifest lists was not provided.
    #[error("{file}: missing from the bundle")]
    Missing {
        /// File name.
        file: String,
    },
    /// A file's size differs from the manifest (truncated or replaced).
    #[error("{file}: {found} bytes, the manifest says {expected} (truncated or replaced file)")]
    Size {
        /// File name.
        file: String,
        /// Size in the manifest.
        expected: u64,
        /// Actual size.
        found: u64,
    },
    /// A file's SHA-256 differs from the manifest (corrupted file).
    #[error("{file}: SHA-256 {found} does not match the manifest's {expected} (corrupted file)")]
    Checksum {
        /// File name.
        file: String,
        /// Digest in the manifest.
        expected: String,
        /// Actual digest.
        found: String,
    },
    /// A file's content is malformed or disagrees with the manifest's dimensions.
    #[error("{file}: {error}")]
    Content {
        /// File name.
        file: String,
        /// What is wrong.
        error: ContentError,
    },
    /// `versions.json` is not a version list.
    #[error("{file}: not a gnnrec version list: {error}")]
    Versions {
        /// File name.
        file: String,
        /// What is wrong.
        error: serde_json::Error,
    },
    /// A bundle file could not be written (the message names its path).
    #[error("{0}")]
    Write(std::io::Error),
    /// A file exists but could not be read.
    #[error("{file}: {error}")]
    Read {
        /// File path.
        file: String,
        /// The I/O error.
        error: std::io::Error,
    },
}

impl BundleError {
    /// A [`BundleError::Write`] error.
    pub fn write(error: std::io::Error) -> Self {
        BundleError::Write(error)
    }

    /// A [`BundleError::Content`] error.
    pub fn content(file: &str, error: impl Into<ContentError>) -> Self {
        BundleError::Content { file: file.to_string(), error: error.into() }
    }
}

/// Why `manifest.json` is not a usable manifest (see [`BundleError::Manifest`]).
#[derive(Debug, Error)]
pub enum ManifestError {
    /// Not JSON, or a field is missing or has the wrong type.
    #[error("{0}")]
    Json(serde_json::Error),
    /// The `format` field is absent or names another format.
    #[error("format is not {FORMAT_NAME:?}")]
    Format,
    /// The same path is listed twice.
    #[error("{file} is listed twice")]
    Duplicate {
        /// The path.
        file: String,
    },
    /// `ranking.fold_in.blocks` do not cover the model's columns.
    #[error("ranking.fold_in.blocks cover {total} columns, the model has {dim}")]
    FoldInBlocks {
        /// Columns the blocks add up to.
        total: usize,
        /// The model's dimension.
        dim: usize,
    },
    /// `files` lacks a file the bundle needs.
    #[error("files does not list {file}")]
    Unlisted {
        /// The file.
        file: String,
    },
    /// A list of shards or buckets holds another number of items than the catalogue.
    #[error("{list} hold {total} items in all, the catalogue {n_items}")]
    ItemTotal {
        /// The manifest's list (`gnn_shards`, `text_shards`, `directory`).
        list: &'static str,
        /// Items its entries add up to.
        total: usize,
        /// Items in the catalogue.
        n_items: usize,
    },
    /// The directory has no bucket.
    #[error("directory lists no bucket")]
    NoDirectory,
}

/// What is wrong inside one bundle file (see [`BundleError::Content`], which names it).
#[derive(Debug, Error)]
pub enum ContentError {
    /// A JSON file (items, popular items, a directory bucket) does not parse.
    #[error("{0}")]
    Json(serde_json::Error),
    /// Two items share a catalogue id.
    #[error("item id {id:?} appears twice")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// `items.json` holds another number of items than the manifest.
    #[error("{found} items, the manifest says {expected}")]
    ItemCount {
        /// Items in the file.
        found: usize,
        /// Items in the manifest.
        expected: usize,
    },
    /// A gzip-encoded file does not decompress.
    #[error("bad gzip data: {0}")]
    Gzip(std::io::Error),
    /// The manifest gives the file an encoding this reader does not know.
    #[error("unknown encoding {0:?}")]
    Encoding(String),
    /// A tensor is missing, misshapen or not finite.
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// The MLP head's shapes disagree.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// The cluster tensors do not give every item one cluster.
    #[error(transparent)]
    Clusters(#[from] ClusterError),
    /// The text index is corrupt or does not match the items.
    #[error(transparent)]
    TextIndex(#[from] IndexError),
    /// A shard's item indices are not strictly ascending, or not all items of the catalogue.
    #[error(
        "the shard's item indices are not strictly ascending indices below the catalogue's {n_items} items"
    )]
    ShardIndex {
        /// Items in the catalogue.
        n_items: usize,
    },
    /// A directory bucket is malformed or holds an id of another bucket.
    #[error("directory bucket: {0}")]
    Directory(String),
    /// The decoded parts disagree with each other (a reader's check after the format's).
    #[error("{0}")]
    Inconsistent(String),
}

impl From<HeadReadError> for ContentError {
    fn from(error: HeadReadError) -> Self {
        match error {
            HeadReadError::Tensor(e) => ContentError::Tensor(e),
            HeadReadError::Head(e) => ContentError::Head(e),
        }
    }
}
