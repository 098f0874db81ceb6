//! The query tower: ridge regression from item text vectors to the users who chose them.
//!
//! Every training interaction `(u, i)` is one example `text(i) → user(u)`, so the tower
//! maps a text to the average vector of the users who pick items like it. The ridge
//! penalty is chosen on held-out users (every tenth user): each one's first training
//! item's text is the query, their other training items are the targets, and items are
//! ranked by the GNN score of the tower's output (Recall@20 and NDCG@20, reported next to
//! ranking by text similarity alone and by popularity).

use gnnrec_bundle::AffineMap;
use gnnrec_eval::evaluate;
use gnnrec_ranking::{Scorer, item_degrees, top_k_excluding};
use nalgebra::DMatrix;

use serde_json::json;

use crate::ridge::RidgeStats;
use crate::validation::{TOP_K, is_held_out};

/// Ridge penalties tried, per training example.
const LAMBDAS: [f64; 4] = [1e-4, 1e-3, 1e-2, 1e-1];
/// Held-out users used to choose the penalty.
const VALIDATION_QUERIES: usize = 100;

/// The fitted tower and how it was chosen.
pub struct TowerFit {
    /// The tower.
    pub tower: AffineMap,
    /// Validation results (per penalty, and the baselines).
    pub report: serde_json::Value,
}

/// Fits the tower. `text` is row-major `[n_items, k]`, `users` `[n_users, d]`, `items`
/// `[n_items, d]`; `train[u]` lists user `u`'s training items.
pub fn fit_query_tower(
    text: &[f32],
    k: usize,
    users: &[f32],
    items: &[f32],
    d: usize,
    train: &[Vec<u32>],
    scorer: &Scorer,
) -> TowerFit {
    let held_out = |u: usize| is_held_out(u) && train[u].len() >= 2;
    let n_items = text.len() / k;
    // Per-item aggregates over the fitting users: count and sum of user vectors.
    let mut counts = vec![0.0f64; n_items];
    let mut sums = DMatrix::<f64>::zeros(n_items, d);
    for (u, list) in train.iter().enumerate().filter(|(u, _)| !held_out(*u)) {
        for &i in list {
            counts[i as usize] += 1.0;
            for c in 0..d {
                sums[(i as usize, c)] += f64::from(users[u * d + c]);
            }
        }
    }
    let x = DMatrix::<f64>::from_row_iterator(n_items, k, text.iter().map(|&v| f64::from(v)));
    let stats = RidgeStats::new(&x, &sums, &counts);

    let queries: Vec<(u32, &[u32])> = (0..train.len())
        .filter(|&u| held_out(u))
        .take(VALIDATION_QUERIES)
        .map(|u| (train[u][0], &train[u][1..]))
        .collect();
    let evaluate_by = |rank: &dyn Fn(u32) -> Vec<f32>| {
        let lists: Vec<(Vec<u32>, &[u32])> =
            queries.iter().map(|&(q, targets)| (top_k_excluding(&rank(q), &[q], TOP_K), targets)).collect();
        let at20 = evaluate(lists, &[TOP_K]).at(TOP_K).cloned().expect("evaluated at TOP_K");
        json!({"recall@20": at20.recall, "ndcg@20": at20.ndcg})
    };
    let mut best: Option<(f64, f64, AffineMap)> = None;
    let mut per_lambda = Vec::new();
    for lambda in LAMBDAS {
        let Some(tower) = stats.solve(lambda) else { continue };
        let metrics = evaluate_by(&|q| {
            scorer.score_all(&tower.apply(&text[q as usize * k..(q as usize + 1) * k]), items)
        });
        let recall = metrics["recall@20"].as_f64().unwrap_or(0.0);
        per_lambda.push(json!({"lambda": lambda, "valid": metrics}));
        if best.as_ref().is_none_or(|(r, _, _)| recall > *r) {
            best = Some((recall, lambda, tower));
        }
    }
    let (_, lambda, tower) = best.expect("the penalised normal equations are positive definite");
    let text_only = evaluate_by(&|q| {
        let query = &text[q as usize * k..(q as usize + 1) * k];
        text.chunks_exact(k).map(|row| row.iter().zip(query).map(|(a, b)| a * b).sum()).collect()
    });
    let popularity: Vec<f32> = item_degrees(n_items, train).into_iter().map(|p| p as f32).collect();
    let popular = evaluate_by(&|_| popularity.clone());
    let report = json!({
        "protocol": "every 10th user held out of the fit; query = text of their first training item; targets = their other training items; full ranking without the query item",
        "validation_queries": queries.len(),
        "chosen_lambda": lambda,
        "per_lambda": per_lambda,
        "baseline_text_similarity": text_only,
        "baseline_popularity": popular,
    });
    TowerFit { tower, report }
}
