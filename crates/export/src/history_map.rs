//! The MLP models' fold-in map: mean history item embedding → user vector.
//!
//! For GraphSAGE the user and item embeddings live in different spaces (pairs are scored
//! by the MLP head), so a visitor's vector cannot be a mix of item vectors. Each training
//! user is one example `mean(items of u) → user(u)`; a ridge regression gives the map. The
//! penalty is chosen on held-out users (every tenth): the share of the top-20 items
//! (training items excluded) of the mapped vector that are also in the top 20 of the
//! trained vector.

use gnnrec_eval::top_k_excluding;
use gnnrec_ranking::{AffineMap, Scorer};
use nalgebra::DMatrix;
use serde_json::json;

use crate::ridge::RidgeStats;

/// Ridge penalties tried, per training user.
const LAMBDAS: [f64; 4] = [1e-4, 1e-3, 1e-2, 1e-1];

/// Fits the map; returns it with its validation report.
pub fn fit_history_map(
    users: &[f32],
    items: &[f32],
    d: usize,
    train: &[Vec<u32>],
    scorer: &Scorer,
) -> (AffineMap, serde_json::Value) {
    let mean_item = |u: usize| {
        let mut mean = vec![0.0f64; d];
        for &i in &train[u] {
            mean.iter_mut().zip(&items[i as usize * d..(i as usize + 1) * d]).for_each(|(m, x)| *m += f64::from(*x));
        }
        let n = train[u].len().max(1) as f64;
        mean.into_iter().map(move |m| m / n)
    };
    let held_out = |u: usize| u % 10 == 9;
    let fitting: Vec<usize> = (0..train.len()).filter(|&u| !held_out(u) && !train[u].is_empty()).collect();
    let x = DMatrix::from_row_iterator(fitting.len(), d, fitting.iter().flat_map(|&u| mean_item(u)));
    let y = DMatrix::from_row_iterator(fitting.len(), d, fitting.iter().flat_map(|&u| users[u * d..(u + 1) * d].iter().map(|&v| f64::from(v))));
    let stats = RidgeStats::new(&x, &y, &vec![1.0; fitting.len()]);
    let validation: Vec<usize> = (0..train.len()).filter(|&u| held_out(u) && !train[u].is_empty()).take(100).collect();
    let top = |user: &[f32], u: usize| top_k_excluding(&scorer.score_all(user, items), &train[u], 20);
    let reference: Vec<Vec<u32>> = validation.iter().map(|&u| top(&users[u * d..(u + 1) * d], u)).collect();
    let mut best: Option<(f64, f64, AffineMap)> = None;
    let mut per_lambda = Vec::new();
    for lambda in LAMBDAS {
        let Some(map) = stats.solve(lambda) else { continue };
        let overlap: f64 = validation
            .iter()
            .zip(&reference)
            .map(|(&u, reference)| {
                let mapped = map.apply(&mean_item(u).map(|v| v as f32).collect::<Vec<_>>());
                top(&mapped, u).iter().filter(|i| reference.contains(i)).count() as f64 / 20.0
            })
            .sum::<f64>()
            / validation.len().max(1) as f64;
        per_lambda.push(json!({"lambda": lambda, "top20_overlap": overlap}));
        if best.as_ref().is_none_or(|(o, _, _)| overlap > *o) {
            best = Some((overlap, lambda, map));
        }
    }
    let (_, lambda, map) = best.expect("the penalised normal equations are positive definite");
    let report = json!({
        "protocol": "every 10th user held out; top-20 overlap (training items excluded) between the mapped and the trained user vector",
        "validation_users": validation.len(),
        "chosen_lambda": lambda,
        "per_lambda": per_lambda,
    });
    (map, report)
}
