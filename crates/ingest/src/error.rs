//! Typed ingest errors.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while reading a data set.
#[derive(Debug, Error)]
pub enum IngestError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A field of a line is malformed.
    #[error("{}:{line}: field {field}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based field number on the line.
        field: usize,
        /// What is wrong.
        message: String,
    },
    /// The data set holds no interaction at all.
    #[error("{0}: no interactions")]
    Empty(String),
}
