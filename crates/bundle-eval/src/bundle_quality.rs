//! How much of the trained model's ranking quality a v1 bundle keeps: the trained user
//! vectors against the trained f32 items and against the bundle's int8 items, and the
//! user vectors the bundle folds in from a history.

use std::time::Instant;

use gnnrec_bundle::FoldInConfig;
use gnnrec_eval::CutoffMetrics;
use gnnrec_ranking::{Ranker, ResolvedHistory, Scorer, rank_users, top_k_excluding};
use serde::Serialize;

use crate::error::EvalError;
use crate::eval_users::{CUTOFF, EvalUsers};
use crate::trained::TrainedVectors;

/// NDCG@20 and Recall@20 of the held-out items (full ranking, training items excluded) for
/// three user vector × item embedding pairs, and the fold-in's cost.
#[derive(Debug, Clone, Serialize)]
pub struct BundleQuality {
    /// Trained user vectors × trained f32 items (what `train` reports).
    pub trained_f32: CutoffMetrics,
    /// Trained user vectors × the bundle's int8 items (the quantization's loss).
    pub trained_int8: CutoffMetrics,
    /// User vectors folded in from the training items as the history (uniform weights:
    /// split files carry no times) × the int8 items (what a visitor gets).
    pub fold_in_int8: CutoffMetrics,
    /// `trained_int8` NDCG relative to `trained_f32`, minus 1.
    pub int8_ndcg_change: f64,
    /// `fold_in_int8` NDCG relative to `trained_f32`.
    pub fold_in_ndcg_ratio: f64,
    /// Fold-in, scoring and top 20 per user, in milliseconds (one user at a time, as a
    /// browser does).
    pub fold_in_ms_per_user: f64,
    /// The bundle's fold-in settings.
    pub fold_in_config: FoldInConfig,
    /// Seconds spent ranking both trained baselines (printed, not in the metrics file).
    #[serde(skip_serializing)]
    pub scoring_seconds: f64,
}

/// Measures `ranker` (a v1 bundle's) against the `trained` vectors it was exported from.
/// The f32 baseline ranks blocks of users at once ([`rank_users`]); the bundle's rankings
/// go through the ranker's own scoring, one user at a time.
pub(crate) fn bundle_quality(
    trained: &TrainedVectors,
    users: &EvalUsers,
    ranker: &Ranker,
) -> Result<BundleQuality, EvalError> {
    let d = trained.dim;
    trained.check(users.train().len(), ranker.items().len(), d)?;
    let train = users.train();
    let started = Instant::now();
    let rows: Vec<f32> = users.users().iter().flat_map(|&u| trained.user(u)).copied().collect();
    let exclude: Vec<&[u32]> = users.users().iter().map(|&u| train[u].as_slice()).collect();
    let scorer = Scorer::new(trained.head.cloned(), trained.items);
    let trained_f32 = users.metrics(rank_users(&scorer, &rows, trained.items, d, &exclude, CUTOFF));
    let bundle_top = |u: usize, user: &[f32]| top_k_excluding(&ranker.scores(user), &train[u], CUTOFF);
    let int8 = users.users().iter().map(|&u| bundle_top(u, trained.user(u))).collect();
    let trained_int8 = users.metrics(int8);
    let scoring_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let fold_in = users
        .users()
        .iter()
        .map(|&u| bundle_top(u, &ranker.user_vector(&ResolvedHistory::uniform(&train[u]))))
        .collect();
    let fold_in_ms_per_user = 1000.0 * started.elapsed().as_secs_f64() / users.len().max(1) as f64;
    let fold_in_int8 = users.metrics(fold_in);
    Ok(BundleQuality {
        trained_f32,
        trained_int8,
        fold_in_int8,
        int8_ndcg_change: trained_int8.ndcg / trained_f32.ndcg - 1.0,
        fold_in_ndcg_ratio: fold_in_int8.ndcg / trained_f32.ndcg,
        fold_in_ms_per_user,
        fold_in_config: ranker.config().fold_in.clone(),
        scoring_seconds,
    })
}
