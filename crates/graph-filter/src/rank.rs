//! Full ranking with dot products and the LightGCN-protocol metrics, through the ranking
//! crate's block ranker (what bundle evaluation and training evaluation use too).

use gnnrec_eval::{Evaluation, evaluate};
use gnnrec_ranking::{Scorer, rank_users};
use ndarray::ArrayView2;

/// The top `k` items of each user row of `users` against every row of `items`,
/// skipping `exclude[r]` for row `r`.
fn top_k(
    users: ArrayView2<'_, f32>,
    items: ArrayView2<'_, f32>,
    exclude: &[&[u32]],
    k: usize,
) -> Vec<Vec<u32>> {
    let d = items.ncols();
    let (users, items) = (users.as_standard_layout(), items.as_standard_layout());
    let (users, items) =
        (users.as_slice().expect("standard layout"), items.as_slice().expect("standard layout"));
    rank_users(&Scorer::Dot, users, items, d, exclude, k)
}

/// Metrics at `ks` of the rows of `users` (one per entry of `truth`), with `train`
/// items excluded from each ranking.
pub fn evaluate_rows(
    users: ArrayView2<'_, f32>,
    items: ArrayView2<'_, f32>,
    train: &[&[u32]],
    truth: &[&[u32]],
    ks: &[usize],
) -> Evaluation {
    let k = ks.iter().copied().max().unwrap_or(20);
    let ranked = top_k(users, items, train, k);
    evaluate(ranked.into_iter().zip(truth.iter().copied()), ks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ranks_by_dot_product_without_excluded_items() {
        let users = array![[1.0f32, 0.0], [0.0, 1.0]];
        let items = array![[0.9f32, 0.1], [0.1, 0.9], [0.5, 0.5]];
        let ranked = top_k(users.view(), items.view(), &[&[], &[1]], 2);
        assert_eq!(ranked, vec![vec![0, 2], vec![2, 0]]);
        let e = evaluate_rows(users.view(), items.view(), &[&[], &[1]], &[&[0], &[0]], &[1]);
        assert_eq!(e.users, 2);
        assert!((e.cutoffs[0].recall - 0.5).abs() < 1e-12);
    }
}
