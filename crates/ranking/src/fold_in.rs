//! Folding a visitor's history into a user vector, on the device.
//!
//! The trained models have a vector per training user; a visitor has only a history.
//! Their vector starts from the history sum `s = Σ_h w_h · d_h^e · e_h` (recency weights
//! `w_h`, item degree `d_h`, exponent `e`; see [`history_sum`]). For dot-product models
//! this is what one propagation step gives a user (with `e = −β`, the source exponent of
//! the normalised adjacency). When the bundle has a fold-in map (always for the MLP-head
//! model, whose user and item spaces differ; for dot models when it measured better at
//! export), the vector is `map(s)`, an affine map fitted on the training users. `e` and
//! the map are chosen at export on held-out training users (see `gnnrec-export`). Without
//! history, MLP models use the mean training user.

use gnnrec_bundle::{AffineMap, FoldInConfig};

use crate::history::ResolvedHistory;
use crate::history_sum::history_sum_blocks;
use crate::scorer::Scorer;

/// The folded-in user vector for `history` over the row-major `items` (`[n, d]`);
/// `history_map` and `mean_user` give the MLP model's vector, `degrees` are the items'
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
    // Bundles are checked when loaded (`column_blocks` is `Ok` for their dimension).
    let blocks = config.column_blocks(d).unwrap_or_else(|_| vec![(d, config.degree_exponent)]);
    let sum = || history_sum_blocks(items, d, degrees, history.items.iter().copied(), &blocks);
    match (scorer, history_map) {
        (_, Some(map)) if !history.is_empty() => map.apply(&sum()),
        (Scorer::Dot, _) => sum(),
        (Scorer::Mlp { .. }, _) => mean_user.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_in_ranks_the_history_and_its_neighbours_first() {
        // Two groups of items in 2-d: around (1, 0) and around (0, 1).
        let items = [1.0, 0.1, 0.9, -0.1, 1.1, 0.0, 0.1, 1.0, -0.1, 0.9, 0.0, 1.1];
        let history = ResolvedHistory::uniform(&[3, 4]);
        let user = fold_in(&Scorer::Dot, &items, &[0.0, 0.0], None, &[1; 6], &history, &FoldInConfig::dot());
        let scores = Scorer::Dot.score_all(&user, &items);
        let best = crate::top_k::top_k_excluding(&scores, &[3, 4], 1);
        assert_eq!(best, vec![5], "the unseen item of the liked group wins: {scores:?}");
        assert!(scores[..3].iter().all(|s| *s < scores[5]));
    }
}
