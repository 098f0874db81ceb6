//! Format v2: a sharded bundle whose core loads first and whose shards arrive on demand
//! (`docs/bundle-format.md`, "Version 2").

mod cache;
mod core;
mod privacy;
mod privacy_mode;
mod ranker;
mod recommend;
mod search;
mod shard;
mod visitor;

pub use privacy_mode::{DECOYS, Privacy, STRICT_DEFAULT_MAX_BYTES, UnknownPrivacy};
pub use ranker::{ShardedRanker, Step};
pub use search::TEXT_CANDIDATES;
