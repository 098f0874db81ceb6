//! Export failures.

use std::path::PathBuf;

use thiserror::Error;

/// Why a bundle could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The inputs disagree with each other.
    #[error("invalid export input: {0}")]
    Input(String),
    /// The text features could not be computed.
    #[error(transparent)]
    Features(#[from] gnnrec_text_features::FeatureError),
}

impl ExportError {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExportError::Io { path: path.into(), source }
    }
}
