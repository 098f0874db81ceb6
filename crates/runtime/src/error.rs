//! Why a call of the browser runtime failed.

use gnnrec_bundle::BundleError;
use gnnrec_ranking::RankError;
use thiserror::Error;

/// Why a call failed; JavaScript sees its message as an `Error`.
#[derive(Debug, Error)]
pub enum CallError {
    /// The bundle, or a file of it, cannot be used (the error names the file).
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The request cannot be answered.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// A privacy mode that is none of strict, balanced, off, auto.
    #[error(transparent)]
    Privacy(#[from] gnnrec_ranking::UnknownPrivacy),
    /// `load` got another number of file names than of file contents.
    #[error("{names} file names but {contents} file contents")]
    FileCount {
        /// Names given.
        names: usize,
        /// Contents given.
        contents: usize,
    },
    /// A file's content is not bytes (a `Uint8Array` or an `ArrayBuffer`).
    #[error("the content given for {file} is not bytes (a Uint8Array or an ArrayBuffer)")]
    NotBytes {
        /// The file's name.
        file: String,
    },
}
