//! Search and recommendations over a gnnrec bundle, compiled natively (`train-cli query`,
//! offline evaluation) and to wasm (the browser runtime), so what is measured offline is
//! what ships.
//!
//! The bundle's files are read and checked by `gnnrec-bundle`; this crate ranks with them:
//! - [`Ranker`] (format v1, the whole catalogue in memory) and [`ShardedRanker`] (format
//!   v2, shards fetched as requests need them) answer `search` (a query embedding → text
//!   candidates plus the visitor's GNN neighbourhood → reranked by a blend of semantic
//!   similarity and the GNN score) and `recommend` (the visitor's history → a folded-in
//!   user vector → the best unseen items), each result with an explanation ([`Ranked`]);
//! - [`Scorer`] scores user vectors against items (dot product or the MLP head), and
//!   [`rank_users`] / [`rank_blocks`] rank many users at once, with [`top_k_excluding`]:
//!   the one "score users in blocks, then top-k" of training evaluation, the graph filter
//!   and bundle evaluation;
//! - [`history_sum`] and [`item_degrees`] are the fold-in's first step, shared with the
//!   export that fits the fold-in map.

mod error;
mod fold_in;
mod history;
mod history_sum;
mod rank_users;
mod ranker;
mod scorer;
mod sharded;
mod top_k;

pub use error::RankError;
pub use history::{HistoryEvent, ResolvedHistory};
pub use history_sum::{history_sum, item_degrees};
pub use rank_users::{rank_blocks, rank_users};
pub use ranker::{LoadedBundle, MAX_QUERY_CHARS, Ranked, RankedItem, Ranker, Why};
pub use scorer::Scorer;
pub use sharded::{
    DECOYS, Privacy, STRICT_DEFAULT_MAX_BYTES, ShardedRanker, Step, TEXT_CANDIDATES, UnknownPrivacy,
};
pub use top_k::top_k_excluding;
