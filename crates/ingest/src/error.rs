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
    /// A required column is not in the header.
    #[error("{}: no column {column:?} in the header (columns: {})", path.display(), available.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header's columns.
        available: Vec<String>,
    },
    /// The text is not valid in the declared encoding.
    #[error("{}:{line}: not valid {encoding} (set the file's encoding, e.g. latin-1)", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// The declared encoding.
        encoding: String,
    },
    /// An encoding name that is not known.
    #[error("unknown encoding {0:?} (use a WHATWG label such as utf-8, latin-1, windows-1252)")]
    UnknownEncoding(String),
    /// A preset name that is not built in.
    #[error("unknown preset {name:?} (known: {known})")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The built-in presets.
        known: String,
    },
    /// Filtering removed every interaction.
    #[error("no interactions left after filtering: {0}")]
    EmptyAfterFiltering(String),
    /// The data set holds no interaction at all.
    #[error("{0}: no interactions")]
    Empty(String),
}
