//! Typed errors: every bundle failure names the file it comes from.

use thiserror::Error;

/// A bundle that cannot be used.
#[derive(Debug, Error)]
pub enum BundleError {
    /// `manifest.json` is not a gnnrec manifest.
    #[error("{file}: not a gnnrec bundle manifest: {message}")]
    Manifest {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
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
    #[error("{file}: {message}")]
    Content {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl BundleError {
    /// A [`BundleError::Content`] error.
    pub fn content(file: &str, message: impl Into<String>) -> Self {
        BundleError::Content { file: file.to_string(), message: message.into() }
    }
}

/// A request the ranker cannot answer.
#[derive(Debug, Error, PartialEq)]
pub enum RankError {
    /// The query is empty or only whitespace.
    #[error("the query is empty")]
    EmptyQuery,
    /// The query embedding has the wrong width.
    #[error("the query embedding has {found} values, the bundle's encoder makes {expected}")]
    QueryWidth {
        /// Width the bundle expects.
        expected: usize,
        /// Width given.
        found: usize,
    },
    /// The bundle has no text index (its catalogue had no item text).
    #[error("this bundle has no text index: its catalogue had no item text, so only recommend() works")]
    NoTextIndex,
    /// `k` is zero.
    #[error("k must be at least 1")]
    ZeroK,
}
