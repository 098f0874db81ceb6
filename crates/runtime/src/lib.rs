//! What each call of the browser runtime does, in Rust types, so that it runs and is tested
//! natively: `gnnrec-wasm`'s exported classes only convert JavaScript values to and from
//! these functions' arguments and results.
//!
//! - [`named_files`]: the files a page hands to `load`, by name;
//! - [`v1`]: `Recommender`'s manifest and load calls (its requests are [`gnnrec_ranking::Ranker`]'s);
//! - [`v2`]: `ShardedRecommender`'s, and its state and calls ([`v2::Sharded`]), none of which
//!   leaves it borrowed.
//!
//! Every failure is a [`CallError`].

mod error;
mod files;
pub mod v1;
pub mod v2;

pub use error::CallError;
pub use files::named_files;
