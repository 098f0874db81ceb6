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
    /// A catalogue file is malformed (`line` 0: the file as a whole; else a 1-based line or row).
    #[error("{path}{}: {message}", if *line > 0 { format!(" line {line}") } else { String::new() })]
    Catalogue {
        /// The file.
        path: PathBuf,
        /// The line (or row) at fault, 1-based; 0 when the whole file is.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The inputs disagree with each other.
    #[error("invalid export input: {0}")]
    Input(String),
    /// A JSON file could not be serialized (the message includes the cause).
    #[error("{file}: cannot serialize: {error}")]
    Serialize {
        /// The file.
        file: &'static str,
        /// The cause.
        error: serde_json::Error,
    },
    /// A bundle file could not be read, checked or written (the message names the file).
    #[error(transparent)]
    Bundle(#[from] gnnrec_bundle::BundleError),
    /// The text features could not be computed.
    #[error(transparent)]
    Features(#[from] gnnrec_text_features::FeatureError),
}

impl ExportError {
    /// A malformed catalogue file.
    pub fn catalogue(path: impl Into<PathBuf>, line: usize, message: String) -> Self {
        ExportError::Catalogue { path: path.into(), line, message }
    }

    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExportError::Io { path: path.into(), source }
    }
}
