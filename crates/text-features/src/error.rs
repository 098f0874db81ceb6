//! Text-feature errors.

use std::path::PathBuf;

/// What can go wrong while building text features.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// A cache or model file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The encoder failed.
    #[error(transparent)]
    Encoder(#[from] gnnrec_text_encoder::EncoderError),
    /// PCA was asked for more components than the data supports.
    #[error("PCA: cannot fit {components} components on {rows} rows of width {width}")]
    PcaShape {
        /// Components asked for.
        components: usize,
        /// Rows given.
        rows: usize,
        /// Row width.
        width: usize,
    },
}
