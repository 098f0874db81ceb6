//! The fold-in map: weighted mean history item embedding → user vector.
//!
//! A visitor's vector is built from the embeddings of the items in their history. Each
//! training user is one example `Σ_h d_h^e · e_h / |H| → user(u)` (`d_h` = item degree);
//! a ridge regression gives an affine map. For GraphSAGE the map is needed (user and item
//! spaces differ, pairs are scored by the MLP head); for dot-product models the raw
//! weighted sum is also a candidate. The exponent `e`, the penalty and (dot models)
//! map-or-raw are chosen on held-out training users (every tenth): the share of the
//! top-20 items (training items excluded) of the folded-in vector that are also in the
//! top 20 of the trained vector. No validation or test items are used.

use gnnrec_bundle::{AffineMap, FoldInConfig};
use gnnrec_ranking::{Scorer, history_sum, item_degrees, top_k_excluding};
use nalgebra::DMatrix;
use serde_json::json;

use crate::ridge::RidgeStats;
use crate::validation::{TOP_K, is_held_out};

/// Ridge penalties tried, per training user.
const LAMBDAS: [f64; 3] = [1e-4, 1e-3, 1e-2];
/// Degree exponents tried.
const EXPONENTS: [f32; 4] = [0.0, -0.5, -1.0, -1.5];
/// Held-out users scored per candidate.
const VALIDATION_USERS: usize = 200;

/// The chosen fold-in: the map (`None` = use the weighted sum as is) and the exponent.
pub struct FoldInFit {
    /// The affine map, if it beat the raw sum (always present for MLP models).
    pub map: Option<AffineMap>,
    /// Degree exponent(s) of the history weights.
    pub config: FoldInConfig,
    /// How it was chosen.
    pub report: serde_json::Value,
}

impl FoldInFit {
    /// The fold-in of a model whose user vectors are `Σ_h d_h^exponent · item_h` by
    /// definition: no map, nothing to choose.
    pub fn exact(config: FoldInConfig) -> Self {
        Self {
            report: json!({"exact": true, "degree_exponent": config.degree_exponent, "blocks": config.blocks,
                "protocol": "the model defines a user's vector as the degree-weighted sum of their history's item vectors"}),
            map: None,
            config,
        }
    }
}

/// Chooses and fits the fold-in for `scorer` from the trained `users` and `items`.
pub fn fit_history_map(
    users: &[f32],
    items: &[f32],
    d: usize,
    train: &[Vec<u32>],
    scorer: &Scorer,
) -> FoldInFit {
    let degrees = item_degrees(items.len() / d, train);
    let user_sum = |u: usize, exponent: f32| -> Vec<f32> {
        let w = 1.0 / train[u].len().max(1) as f32;
        history_sum(items, d, &degrees, train[u].iter().map(|&i| (i, w)), exponent)
    };
    let fitting: Vec<usize> = (0..train.len()).filter(|&u| !is_held_out(u) && !train[u].is_empty()).collect();
    let validation: Vec<usize> =
        (0..train.len()).filter(|&u| is_held_out(u) && !train[u].is_empty()).take(VALIDATION_USERS).collect();
    let top = |user: &[f32], u: usize| top_k_excluding(&scorer.score_all(user, items), &train[u], TOP_K);
    let reference: Vec<Vec<u32>> = validation.iter().map(|&u| top(&users[u * d..(u + 1) * d], u)).collect();
    let overlap = |fold: &dyn Fn(usize) -> Vec<f32>| -> f64 {
        let total: f64 = validation
            .iter()
            .zip(&reference)
            .map(|(&u, reference)| {
                top(&fold(u), u).iter().filter(|i| reference.contains(i)).count() as f64 / TOP_K as f64
            })
            .sum();
        total / validation.len().max(1) as f64
    };
    let y = DMatrix::from_row_iterator(
        fitting.len(),
        d,
        fitting.iter().flat_map(|&u| users[u * d..(u + 1) * d].iter().map(|&v| f64::from(v))),
    );
    let mut best: Option<(f64, FoldInFit)> = None;
    let mut candidates = Vec::new();
    let mut consider = |score: f64, map: Option<AffineMap>, exponent: f32, lambda: Option<f64>| {
        candidates.push(json!({"degree_exponent": exponent, "lambda": lambda, "top20_overlap": score}));
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                FoldInFit { map, config: FoldInConfig::uniform(exponent), report: serde_json::Value::Null },
            ));
        }
    };
    for exponent in EXPONENTS {
        if matches!(scorer, Scorer::Dot) {
            consider(overlap(&|u| user_sum(u, exponent)), None, exponent, None);
        }
        let x = DMatrix::from_row_iterator(
            fitting.len(),
            d,
            fitting.iter().flat_map(|&u| user_sum(u, exponent).into_iter().map(f64::from)),
        );
        let stats = RidgeStats::new(&x, &y, &vec![1.0; fitting.len()]);
        for lambda in LAMBDAS {
            let Some(map) = stats.solve(lambda) else { continue };
            let score = overlap(&|u| map.apply(&user_sum(u, exponent)));
            consider(score, Some(map), exponent, Some(lambda));
        }
    }
    let (score, mut fit) = best.expect("at least one candidate");
    fit.report = json!({
        "protocol": "every 10th training user held out of the fit; top-20 overlap (training items excluded) between the folded-in and the trained user vector",
        "validation_users": validation.len(),
        "chosen": {"map": fit.map.is_some(), "degree_exponent": fit.config.degree_exponent, "top20_overlap": score},
        "candidates": candidates,
    });
    fit
}
