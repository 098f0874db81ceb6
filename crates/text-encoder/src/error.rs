//! Typed errors: every failure names the file (and tensor) it comes from.

use thiserror::Error;

/// Everything that can go wrong while loading or running the encoder.
#[derive(Debug, Error)]
pub enum EncoderError {
    /// A file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `config.json` is not valid JSON or lacks a field, or describes a model this crate cannot run.
    #[error("{file}: {message}")]
    Config {
        /// The config file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The weights file is not a readable safetensors file.
    #[error("{file}: not a valid safetensors file: {message}")]
    Safetensors {
        /// The weights file name.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A CPU kernel was asked for by a name this machine does not run.
    #[error("no CPU kernel `{name}` on this machine (available: {})", available.join(", "))]
    Kernel {
        /// The name asked for.
        name: String,
        /// The kernels this machine runs.
        available: Vec<&'static str>,
    },
    /// A tensor the model needs is not in the weights file.
    #[error("{file}: tensor `{tensor}` is missing")]
    MissingTensor {
        /// The weights file name.
        file: String,
        /// The tensor name.
        tensor: String,
    },
    /// A tensor has another shape than the config implies.
    #[error("{file}: tensor `{tensor}` has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        /// The weights file name.
        file: String,
        /// The tensor name.
        tensor: String,
        /// The shape the config implies.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is stored with an element type the loader does not accept.
    #[error("{file}: tensor `{tensor}` has dtype {found}, expected {expected}")]
    DType {
        /// The weights file name.
        file: String,
        /// The tensor name.
        tensor: String,
        /// The dtype the loader wants.
        expected: String,
        /// The dtype in the file.
        found: String,
    },
    /// A tensor holds NaN or infinite values.
    #[error("{file}: tensor `{tensor}` contains non-finite values")]
    NonFinite {
        /// The weights file name.
        file: String,
        /// The tensor name.
        tensor: String,
    },
    /// `tokenizer.json` cannot be parsed or configured.
    #[error("{file}: {message}")]
    Tokenizer {
        /// The tokenizer file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer does not belong to the model (vocabulary or special tokens differ).
    #[error("{tokenizer_file} does not match {weights_file}: {message}")]
    TokenizerMismatch {
        /// The tokenizer file name.
        tokenizer_file: String,
        /// The weights file name.
        weights_file: String,
        /// What differs.
        message: String,
    },
    /// Reading results back from the device failed.
    #[error("reading the embeddings back from the device failed: {0}")]
    Readback(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, EncoderError>;
