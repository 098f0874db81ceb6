//! How much of a trained model's quality survives in its bundle, measured with the ranking
//! code the browser runs (`gnnrec-ranking`), on plain inputs: the trained vectors and head
//! ([`TrainedVectors`]), per-user training and held-out items ([`EvalUsers`]), and a loaded
//! v1 bundle or a v2 bundle folder. Every measurement returns a typed report that
//! serializes as `train-cli evaluate-bundle --metrics-out` writes it.
//!
//! Protocol (LightGCN's): full ranking with the user's training items excluded, NDCG@20 and
//! Recall@20 against the held-out items; a visitor's history is the user's training items
//! with uniform weights (split files carry no times).
//! - [`evaluate_bundle`] (format v1): trained f32 vs the bundle's int8 items vs fold-in user
//!   vectors ([`BundleQuality`]), HNSW recall against exact text search ([`HnswRecall`]) and
//!   semantic precision on genre queries ([`SemanticPrecision`]).
//! - [`evaluate_sharded`] (format v2): recommendations through the shards at several probe
//!   counts against probing every shard ([`GnnProbe`]), text search recall per text probe
//!   ([`TextRecall`]) and semantic precision through the shards ([`ShardedSemantic`]).
//! - [`privacy_leak`] (format v2): what a host's access log reveals of a visitor's query or
//!   like in each privacy mode ([`PrivacyLeak`]).

mod bundle_quality;
mod bundle_report;
mod error;
mod eval_users;
mod gnn_probes;
mod hnsw_recall;
mod privacy_leak;
mod semantic_precision;
mod sharded_report;
mod sharded_semantic;
#[cfg(test)]
mod test_bundle;
mod text_recall;
mod trained;

pub use bundle_quality::BundleQuality;
pub use bundle_report::{BundleReport, evaluate_bundle};
pub use error::EvalError;
pub use eval_users::{CUTOFF, EvalUsers};
pub use gnn_probes::GnnProbe;
pub use hnsw_recall::HnswRecall;
pub use privacy_leak::{Guesses, LeakSample, ModeLeak, PrivacyLeak, privacy_leak};
pub use semantic_precision::{EncodedQuery, GenreQueries, GenreQuery, QueryPrecision, SemanticPrecision};
pub use sharded_report::{ProbeCounts, ShardedReport, evaluate_sharded};
pub use sharded_semantic::{ProbedSemantic, ShardedSemantic};
pub use text_recall::{TextProbe, TextRecall};
pub use trained::TrainedVectors;
