//! Folding a visitor's history into a user vector, on the device.
//!
//! The trained models have a vector per training user; a visitor has only a history.
//!
//! Start: the history sum `s = Σ_h w_h · d_h^e · e_h` (recency weights `w_h`, item degree
//! `d_h`, exponent `e`). For dot-product models this is what one propagation step gives
//! a user (with `e = −β`, the source exponent of the normalised adjacency). When the
//! bundle has a fold-in map (always for the MLP-head model, whose user and item spaces
//! differ; for dot models when it measured better at export), the start is `map(s)`, an
//! affine map fitted on the training users. `e` and the map are chosen at export on
//! held-out training users (see `gnnrec-export`). Without history, MLP models start from
//! the mean training user.
//!
//! Refinement: `steps` steps of gradient ascent on the weighted log-likelihood of the
//! history under a softmax over the history plus a fixed, evenly spaced set of other
//! items, with an L2 pull towards the start:
//! `L(u) = Σ_h w_h · log softmax_C(s(u,·))_h − λ/2 · ‖u − u₀‖²`. Deterministic.

use serde::{Deserialize, Serialize};

use crate::history::ResolvedHistory;
use crate::scorer::Scorer;
use crate::text_space::AffineMap;

/// Fold-in settings (stored in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldInConfig {
    /// Gradient steps.
    pub steps: usize,
    /// Step size.
    pub learning_rate: f32,
    /// L2 penalty λ.
    pub l2: f32,
    /// Items besides the history in the softmax (evenly spaced over the catalogue).
    pub negatives: usize,
    /// Exponent of the item degree in the history sum (chosen at export).
    pub degree_exponent: f32,
}

impl FoldInConfig {
    /// For dot-product models, before export picks the exponent: the start alone
    /// (gradient steps measured worse).
    pub fn dot() -> Self {
        Self { steps: 0, learning_rate: 0.1, l2: 1.0, negatives: 1024, degree_exponent: -1.0 }
    }

    /// For MLP-head models, before export picks the exponent: the mapped start alone.
    pub fn mlp() -> Self {
        Self { steps: 0, learning_rate: 0.5, l2: 0.1, negatives: 256, degree_exponent: 0.0 }
    }
}

/// The folded-in user vector for `history` over the row-major `items` (`[n, d]`);
/// `history_map` and `mean_user` give the MLP model's start, `degrees` are the items'
/// training interactions.
pub fn fold_in(
    scorer: &Scorer,
    items: &[f32],
    mean_user: &[f32],
    history_map: Option<&AffineMap>,
    degrees: &[u32],
    history: &ResolvedHistory,
    config: &FoldInConfig,
) -> Vec<f32> {
    let d = mean_user.len();
    let n = items.len() / d.max(1);
    let weighted_sum = |exponent: f32| {
        let mut sum = vec![0.0f32; d];
        for &(item, weight) in &history.items {
            let scale = weight * (degrees[item as usize].max(1) as f32).powf(exponent);
            let row = &items[item as usize * d..(item as usize + 1) * d];
            sum.iter_mut().zip(row).for_each(|(s, x)| *s += scale * x);
        }
        sum
    };
    let start = match (scorer, history_map) {
        (_, Some(map)) if !history.is_empty() => map.apply(&weighted_sum(config.degree_exponent)),
        (Scorer::Dot, _) => weighted_sum(config.degree_exponent),
        (Scorer::Mlp { .. }, _) => mean_user.to_vec(),
    };
    let mut candidates = history.indices();
    let stride = (n / config.negatives.max(1)).max(1);
    candidates.extend((0..n as u32).step_by(stride).filter(|i| !history.items.iter().any(|h| h.0 == *i)));
    let weight_of: Vec<f32> =
        candidates.iter().map(|c| history.items.iter().find(|h| h.0 == *c).map_or(0.0, |h| h.1)).collect();
    let mut user = start.clone();
    for _ in 0..config.steps {
        let (scores, grads) = scorer.scores_and_gradients(&user, items, &candidates);
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
        let total: f32 = exp.iter().sum();
        let width = grads.len() / candidates.len().max(1);
        let mut combined = vec![0.0f32; width];
        for (c, grad) in grads.chunks_exact(width.max(1)).enumerate() {
            let coefficient = weight_of[c] - exp[c] / total;
            combined.iter_mut().zip(grad).for_each(|(g, x)| *g += coefficient * x);
        }
        let gradient = scorer.to_user_space(&combined);
        user.iter_mut()
            .zip(&gradient)
            .zip(&start)
            .for_each(|((u, g), s)| *u += config.learning_rate * (g - config.l2 * (*u - s)));
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_in_ranks_the_history_and_its_neighbours_first() {
        // Two groups of items in 2-d: around (1, 0) and around (0, 1).
        let items = [1.0, 0.1, 0.9, -0.1, 1.1, 0.0, 0.1, 1.0, -0.1, 0.9, 0.0, 1.1];
        let history = ResolvedHistory::uniform(&[3, 4]);
        let config = FoldInConfig { steps: 30, learning_rate: 1.0, l2: 0.01, ..FoldInConfig::dot() };
        let user = fold_in(&Scorer::Dot, &items, &[0.0, 0.0], None, &[1; 6], &history, &config);
        let scores = Scorer::Dot.score_all(&user, &items);
        let best = gnnrec_eval::top_k_excluding(&scores, &[3, 4], 1);
        assert_eq!(best, vec![5], "the unseen item of the liked group wins: {scores:?}");
        assert!(scores[..3].iter().all(|s| *s < scores[5]));
    }
}
