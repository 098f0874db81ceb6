//! Why an evaluation could not be made.

use gnnrec_bundle::BundleError;
use gnnrec_ranking::RankError;
use thiserror::Error;

/// An evaluation that could not be made.
#[derive(Debug, Error)]
pub enum EvalError {
    /// The bundle (a file of it) cannot be read.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The ranker refused a request.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// The inputs do not describe the same users, items or widths.
    #[error("{what}: expected {expected}, found {found}")]
    Mismatch {
        /// What disagrees.
        what: &'static str,
        /// The size the other inputs imply.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// The sharded ranker left part of a user's answer out (shards it could not use).
    #[error("user {user}: {notices}")]
    Incomplete {
        /// The user.
        user: usize,
        /// What was left out and why.
        notices: String,
    },
}
