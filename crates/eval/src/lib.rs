//! Top-K recommendation metrics under the LightGCN evaluation protocol.
//!
//! For every user with test items: rank all items by score, drop the user's
//! training items, take the top K, and compare with the test items (binary
//! relevance). Recall@K = hits / |test|; Precision@K = hits / K; HitRate@K = 1 if
//! any hit; MRR@K = 1 / rank of the first hit (0 if none); NDCG@K = DCG / IDCG
//! with `1 / log2(rank + 1)` gains and the ideal DCG over `min(K, |test|)` items.
//! Each metric is averaged over the users that have test items.

mod metrics;

pub use metrics::{CutoffMetrics, Evaluation, evaluate};
