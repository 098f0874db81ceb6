//! Requests the ranker cannot answer (a bundle that cannot be used is a
//! [`BundleError`](gnnrec_bundle::BundleError), which names the file).

use thiserror::Error;

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
