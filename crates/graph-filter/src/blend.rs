//! The filter blended with a learned model: one dot-product model whose user vectors are
//! still functions of the history alone, so the browser's fold-in stays exact.
//!
//! The blend scores `s_f / σ_f + w · s_l / σ_l`, where `s_f` is the filter's score and
//! `s_l` the learned model's item vectors scored against the user's history sum
//! `Σ_{i∈history} d_i^e · item_i` (its own trained user vectors are not used: a visitor has
//! none). `σ` are the scores' standard deviations, so `w` is in comparable units; the
//! exponent `e` and the weight `w` are chosen on validation users, with `w = 0` (the
//! filter alone) among the candidates. The result is written as concatenated vectors
//! `[items_f / √σ_f, √(w/σ_l) · items_l]` with one history exponent per block.

use std::time::Instant;

use gnnrec_eval::evaluate;
use gnnrec_graph::Csr;
use gnnrec_ranking::top_k_excluding;
use ndarray::{Array2, ArrayView2, Axis, concatenate, s};
use rayon::prelude::*;
use serde::Serialize;

use crate::data::{TrainingMatrix, ValidationPanel, history_sums};
use crate::dense::matmul;
use crate::error::GraphFilterError;

/// Validation users scored per block.
const USERS_PER_BLOCK: usize = 128;
/// The cut-off the blend is chosen on (NDCG@20).
const SELECT_K: usize = 20;

/// What the blend search tries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlendConfig {
    /// History exponents `e` tried for the learned model's user vectors.
    pub exponents: Vec<f32>,
    /// Weights `w` tried for the learned scores (0, the filter alone, is always tried).
    pub weights: Vec<f32>,
    /// Validation users scoring each candidate (evenly spaced).
    pub validation_users: usize,
}

impl Default for BlendConfig {
    fn default() -> Self {
        Self {
            exponents: vec![0.0, -0.25, -0.5, -0.75, -1.0],
            weights: vec![0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0],
            validation_users: 1500,
        }
    }
}

/// One scored candidate of the search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BlendCandidate {
    /// History exponent of the learned part.
    pub exponent: f32,
    /// Weight of the learned part.
    pub weight: f32,
    /// Validation NDCG@20.
    pub valid_ndcg: f64,
}

/// The blended model.
pub struct Blend {
    /// Item vectors `[n_items, filter rank + learned width]`.
    pub items: Array2<f32>,
    /// Training-user vectors: the history sums of `items`, block by block.
    pub users: Array2<f32>,
    /// `(width, history exponent)` of the filter block and the learned block.
    pub blocks: [(usize, f32); 2],
    /// How it was chosen.
    pub report: BlendReport,
}

/// The search and the chosen blend.
#[derive(Debug, Clone, Serialize)]
pub struct BlendReport {
    /// The winner (weight 0: the learned model did not help on validation).
    pub chosen: BlendCandidate,
    /// The filter alone on the same validation users.
    pub filter_valid_ndcg: f64,
    /// Standard deviation of the filter's scores.
    pub filter_scale: f32,
    /// Standard deviation of the learned scores at the chosen exponent.
    pub learned_scale: f32,
    /// Validation users.
    pub validation_users: usize,
    /// Seconds of the search.
    pub seconds: f64,
    /// Every candidate.
    pub candidates: Vec<BlendCandidate>,
}

/// Blends the filter's `filter_items` (user vectors `Σ d^filter_exponent · item`) with a
/// learned model's `learned_items`, choosing the learned part's history exponent and
/// weight by NDCG@20 on users' `valid` items.
pub fn blend(
    filter_items: ArrayView2<'_, f32>,
    filter_exponent: f32,
    learned_items: ArrayView2<'_, f32>,
    train: &[Vec<u32>],
    valid: &[Vec<u32>],
    config: &BlendConfig,
) -> Result<Blend, GraphFilterError> {
    let started = Instant::now();
    let n_items = filter_items.nrows();
    if learned_items.nrows() != n_items {
        return Err(GraphFilterError::BlendShape { filter: n_items, learned: learned_items.nrows() });
    }
    let data = TrainingMatrix::new(train, n_items)?;
    let panel = ValidationPanel::new(train, valid, n_items, config.validation_users)?;
    let sums = |history: &Csr, items: ArrayView2<'_, f32>, e: f32| {
        history_sums(history, items, &data.item_degrees, e)
    };
    let filter_users = sums(&panel.history, filter_items, filter_exponent);
    let learned_users: Vec<Array2<f32>> =
        config.exponents.iter().map(|&e| sums(&panel.history, learned_items, e)).collect();
    let first = |m: &Array2<f32>| m.slice(s![..USERS_PER_BLOCK.min(m.nrows()), ..]).to_owned();
    let filter_scale = score_deviation(first(&filter_users).view(), filter_items)?;
    let learned_scales = learned_users
        .iter()
        .map(|u| score_deviation(first(u).view(), learned_items))
        .collect::<Result<Vec<_>, _>>()?;

    let mut weights = vec![0.0];
    weights.extend(config.weights.iter().copied().filter(|w| *w > 0.0));
    let combos: Vec<(usize, f32)> =
        (0..config.exponents.len()).flat_map(|e| weights.iter().map(move |&w| (e, w))).collect();
    let mut ranked: Vec<Vec<Vec<u32>>> = vec![Vec::with_capacity(panel.truth.len()); combos.len()];
    for start in (0..panel.truth.len()).step_by(USERS_PER_BLOCK) {
        let rows = start..(start + USERS_PER_BLOCK).min(panel.truth.len());
        let filter_scores = matmul(filter_users.slice(s![rows.clone(), ..]), filter_items.t()) / filter_scale;
        let learned_scores: Vec<Array2<f32>> = learned_users
            .iter()
            .zip(&learned_scales)
            .map(|(u, &scale)| matmul(u.slice(s![rows.clone(), ..]), learned_items.t()) / scale)
            .collect();
        let exclude = &panel.train[rows];
        for (c, &(e, w)) in combos.iter().enumerate() {
            let scores = &filter_scores + &(&learned_scores[e] * w);
            ranked[c].extend(top_rows(&scores, exclude));
        }
    }
    let truth: Vec<&[u32]> = panel.truth.iter().map(Vec::as_slice).collect();
    let ndcg = |lists: Vec<Vec<u32>>| {
        let evaluation = evaluate(lists.into_iter().zip(truth.iter().copied()), &[SELECT_K]);
        evaluation.at(SELECT_K).map_or(0.0, |m| m.ndcg)
    };
    let candidates: Vec<BlendCandidate> = combos
        .iter()
        .zip(ranked)
        .map(|(&(e, weight), lists)| BlendCandidate {
            exponent: config.exponents[e],
            weight,
            valid_ndcg: ndcg(lists),
        })
        .collect();
    let chosen = *candidates
        .iter()
        .max_by(|a, b| a.valid_ndcg.total_cmp(&b.valid_ndcg).then(b.weight.total_cmp(&a.weight)))
        .expect("at least one candidate");
    let filter_valid_ndcg = candidates.iter().find(|c| c.weight == 0.0).map_or(0.0, |c| c.valid_ndcg);
    let e = config.exponents.iter().position(|&x| x == chosen.exponent).expect("a tried exponent");
    let learned_scale = learned_scales[e];
    let (items, users, blocks) =
        compose(filter_items, filter_exponent, learned_items, train, chosen, filter_scale, learned_scale)?;
    let report = BlendReport {
        chosen,
        filter_valid_ndcg,
        filter_scale,
        learned_scale,
        validation_users: panel.truth.len(),
        seconds: started.elapsed().as_secs_f64(),
        candidates,
    };
    Ok(Blend { items, users, blocks, report })
}

/// Blended vectors: items, training users (history sums block by block) and each block's
/// `(width, history exponent)`.
pub type Blended = (Array2<f32>, Array2<f32>, [(usize, f32); 2]);

/// The blended vectors of a chosen blend (weight and exponent as in `chosen`, score scales
/// as measured): items `[items_f / √σ_f, √(w/σ_l) · items_l]`, training users' history sums
/// block by block, and the blocks' `(width, history exponent)`. Used by [`blend`] and to
/// apply a blend chosen on one split to vectors refitted on all interactions.
pub fn compose(
    filter_items: ArrayView2<'_, f32>,
    filter_exponent: f32,
    learned_items: ArrayView2<'_, f32>,
    train: &[Vec<u32>],
    chosen: BlendCandidate,
    filter_scale: f32,
    learned_scale: f32,
) -> Result<Blended, GraphFilterError> {
    let data = TrainingMatrix::new(train, filter_items.nrows())?;
    let (a, b) = (filter_scale.sqrt().recip(), (chosen.weight / learned_scale).sqrt());
    let items = concatenate![Axis(1), filter_items.mapv(|v| v * a), learned_items.mapv(|v| v * b)];
    let blocks = [(filter_items.ncols(), filter_exponent), (learned_items.ncols(), chosen.exponent)];
    let sums = |items: ArrayView2<'_, f32>, e: f32| history_sums(&data.history, items, &data.item_degrees, e);
    let users = concatenate![
        Axis(1),
        sums(items.slice(s![.., ..blocks[0].0]), blocks[0].1),
        sums(items.slice(s![.., blocks[0].0..]), blocks[1].1)
    ];
    if users.iter().any(|v| !v.is_finite()) {
        return Err(GraphFilterError::NonFinite {
            what: "blended user vectors",
            settings: format!("{chosen:?}"),
        });
    }
    Ok((items, users, blocks))
}

/// Standard deviation of `users × itemsᵀ`; an error if it is zero or not finite (a part
/// that scores every item alike cannot be weighted).
fn score_deviation(users: ArrayView2<'_, f32>, items: ArrayView2<'_, f32>) -> Result<f32, GraphFilterError> {
    let scores = matmul(users, items.t());
    let n = scores.len().max(1) as f64;
    let mean = scores.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let variance = scores.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    let deviation = variance.sqrt() as f32;
    if deviation.is_finite() && deviation > 0.0 {
        Ok(deviation)
    } else {
        Err(GraphFilterError::NonFinite {
            what: "blend's score scale", settings: format!("σ = {deviation}")
        })
    }
}

/// The top [`SELECT_K`] items of each row of `scores`, skipping `exclude[r]`.
fn top_rows(scores: &Array2<f32>, exclude: &[Vec<u32>]) -> Vec<Vec<u32>> {
    scores
        .axis_iter(Axis(0))
        .into_par_iter()
        .zip(exclude.par_iter())
        .map(|(row, skip)| top_k_excluding(row.as_slice().expect("row-major scores"), skip, SELECT_K))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two item groups; users 0–3 like group A (items 0–2), users 4–7 group B (3–5).
    fn data() -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
        let train = vec![
            vec![0, 1],
            vec![1, 2],
            vec![0, 2],
            vec![0, 1],
            vec![3, 4],
            vec![4, 5],
            vec![3, 5],
            vec![3, 4],
        ];
        let valid = vec![vec![2], vec![0], vec![1], vec![2], vec![5], vec![3], vec![4], vec![5]];
        (train, valid)
    }

    #[test]
    fn a_useless_learned_part_gets_weight_zero_and_user_vectors_are_history_sums() {
        let (train, valid) = data();
        // The filter separates the groups; the learned part ranks the wrong group first.
        let filter = array![[1.0f32, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
        let learned = array![[0.0f32], [0.1], [0.2], [3.0], [3.1], [3.2]];
        let config =
            BlendConfig { exponents: vec![0.0, -1.0], weights: vec![1.0, 4.0], validation_users: 100 };
        let blend = blend(filter.view(), -0.5, learned.view(), &train, &valid, &config).unwrap();
        assert_eq!(blend.report.chosen.weight, 0.0);
        assert_eq!(blend.report.candidates.len(), 6);
        assert_eq!(blend.report.validation_users, 8);
        assert_eq!(blend.blocks, [(2, -0.5), (1, blend.report.chosen.exponent)]);
        assert_eq!(blend.items.dim(), (6, 3));
        assert!(blend.items.column(2).iter().all(|&v| v == 0.0));
        // User 0 (items 0 and 1, both of degree 3): Σ 3^-0.5 · item.
        let expected = (&blend.items.slice(s![0, ..2]) + &blend.items.slice(s![1, ..2])) * 3f32.powf(-0.5);
        let user = blend.users.slice(s![0, ..2]);
        assert!(user.iter().zip(&expected).all(|(u, e)| (u - e).abs() < 1e-6), "{user} vs {expected}");
    }

    #[test]
    fn a_learned_part_that_fixes_the_filter_is_weighted_in() {
        let (train, valid) = data();
        // The filter cannot tell the groups apart; the learned part can.
        let filter = Array2::from_elem((6, 2), 1.0f32)
            + array![[0.0f32, 0.01], [0.0, 0.02], [0.0, 0.03], [0.0, 0.04], [0.0, 0.05], [0.0, 0.06]];
        let learned = array![[1.0f32, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
        let blend =
            blend(filter.view(), 0.0, learned.view(), &train, &valid, &BlendConfig::default()).unwrap();
        assert!(blend.report.chosen.weight > 0.0);
        assert!(blend.report.chosen.valid_ndcg > blend.report.filter_valid_ndcg);
        assert_eq!(blend.items.dim(), (6, 4));
    }

    #[test]
    fn mismatched_parts_and_flat_scores_are_errors() {
        let (train, valid) = data();
        let filter = array![[1.0f32, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
        let short = Array2::from_elem((5, 1), 1.0f32);
        let config = BlendConfig::default();
        let error = blend(filter.view(), 0.0, short.view(), &train, &valid, &config).err().unwrap();
        assert!(error.to_string().contains("6 items") && error.to_string().contains("5"), "{error}");
        let flat = Array2::from_elem((6, 1), 1.0f32);
        let error = blend(filter.view(), 0.0, flat.view(), &train, &valid, &config).err().unwrap();
        assert!(error.to_string().contains("score scale"), "{error}");
    }
}
