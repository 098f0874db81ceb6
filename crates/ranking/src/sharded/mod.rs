//! Format v2: a sharded bundle whose core loads first and whose shards arrive on demand
//! (`docs/bundle-format.md`, "Version 2").

mod cache;
mod core;
mod directory;
mod manifest;
mod ranker;
mod recommend;
mod search;
mod shard;
mod visitor;

pub use self::core::{Core, CoreText, PopularItem};
pub use directory::{DirectoryBucket, Location, bucket_of};
pub use manifest::{ProbeConfig, SHARDED_VERSION, ShardEntry, ShardedManifest, core_files, core_tensors};
pub use ranker::{ShardedRanker, Step};
pub use search::TEXT_CANDIDATES;
pub use shard::{Shard, ShardContent, shard_tensors};
