//! How a user vector scores items: a dot product (LightGCN, LightGCN++, NGCF) or the
//! GraphSAGE MLP head on the concatenated pair.

use gnnrec_bundle::{MlpHead, dot};
use ndarray::ArrayView2;
use ndarray::linalg::general_mat_mul;

/// Items the MLP head scores per tile: a tile's first-layer activations (`tile × h1`
/// floats) and second-layer outputs stay in cache while every user of a block reuses them.
const ITEM_TILE: usize = 256;

/// A scorer with its per-item precomputation.
#[derive(Debug, Clone)]
pub enum Scorer {
    /// `⟨u, i⟩`.
    Dot,
    /// The MLP head with `item_part[i] = W1_item·i + b1` for every item.
    Mlp {
        /// The head.
        head: MlpHead,
        /// Row-major `[n_items, h1]`.
        item_part: Vec<f32>,
    },
}

/// `x·W + b` for a row-major `[in, out]` matrix.
fn affine(x: &[f32], w: &[f32], b: &[f32]) -> Vec<f32> {
    let mut out = b.to_vec();
    for (xi, row) in x.iter().zip(w.chunks_exact(b.len())) {
        if *xi != 0.0 {
            out.iter_mut().zip(row).for_each(|(o, wi)| *o += xi * wi);
        }
    }
    out
}

/// The user half of layer 1, `user · W1_user` (the bias is in every item's part).
fn user_part(head: &MlpHead, user: &[f32]) -> Vec<f32> {
    affine(user, &head.w1_user, &vec![0.0; head.h1()])
}

/// Scores of every user part (rows of `user_parts`, `[n_users, h1]`) against every
/// item part (`[n_items, h1]`) into the row-major `[n_users, n_items]` `out`. Items go
/// a tile at a time so a tile's parts come from cache for every user; the second
/// layer is one matrix product per user and tile. Buffers are sized for the tile, so
/// short candidate lists allocate little.
fn score_parts(head: &MlpHead, user_parts: &[f32], item_parts: &[f32], out: &mut [f32]) {
    let (h1, h2) = (head.h1(), head.h2());
    let n_items = item_parts.len() / h1;
    let tile_rows = ITEM_TILE.min(n_items);
    let mut hidden = vec![0.0; tile_rows * h1];
    let mut second = ndarray::Array2::<f32>::zeros((tile_rows, h2));
    let w2 = ArrayView2::from_shape((h1, h2), &head.w2).expect("check() fixed w2 as [h1, h2]");
    for (t, tile) in item_parts.chunks(ITEM_TILE * h1).enumerate() {
        let rows = tile.len() / h1;
        for (u, user_part) in user_parts.chunks_exact(h1).enumerate() {
            for (h, item) in hidden.chunks_exact_mut(h1).zip(tile.chunks_exact(h1)) {
                h.iter_mut().zip(user_part.iter().zip(item)).for_each(|(h, (a, b))| *h = (a + b).max(0.0));
            }
            let hidden = ArrayView2::from_shape((rows, h1), &hidden[..rows * h1]).expect("a tile of rows");
            let mut second = second.slice_mut(ndarray::s![..rows, ..]);
            general_mat_mul(1.0, &hidden, &w2, 0.0, &mut second);
            let start = u * n_items + t * ITEM_TILE;
            for (o, s) in out[start..start + rows].iter_mut().zip(second.rows()) {
                let relu_dot = s.iter().zip(&head.b2).zip(&head.w3).map(|((s, b), w)| (s + b).max(0.0) * w);
                *o = relu_dot.sum::<f32>() + head.b3;
            }
        }
    }
}

impl Scorer {
    /// Precomputes what scoring needs for the row-major `items` (`[n, d]`).
    pub fn new(head: Option<MlpHead>, items: &[f32]) -> Self {
        match head {
            None => Scorer::Dot,
            Some(head) => {
                let item_part =
                    items.chunks_exact(head.dim).flat_map(|i| affine(i, &head.w1_item, &head.b1)).collect();
                Scorer::Mlp { head, item_part }
            }
        }
    }

    /// The MLP head, if pairs are scored by one.
    pub fn head(&self) -> Option<&MlpHead> {
        match self {
            Scorer::Dot => None,
            Scorer::Mlp { head, .. } => Some(head),
        }
    }

    /// Bytes of the precomputed per-item part (MLP heads).
    pub fn memory_bytes(&self) -> usize {
        match self {
            Scorer::Dot => 0,
            Scorer::Mlp { item_part, .. } => item_part.len() * 4,
        }
    }

    /// Scores of `user` against every item of `items` (`[n, d]`).
    pub fn score_all(&self, user: &[f32], items: &[f32]) -> Vec<f32> {
        self.score_users(user, items, user.len())
    }

    /// Scores of every user of `users` (`[n_users, d]`) against every item of `items`
    /// (`[n_items, d]`), row-major `[n_users, n_items]`. The MLP head scores a block of
    /// users much faster than one user at a time (each tile of items is reused).
    pub fn score_users(&self, users: &[f32], items: &[f32], d: usize) -> Vec<f32> {
        let n_items = items.len() / d.max(1);
        match self {
            Scorer::Dot if users.len() == d => items.chunks_exact(d).map(|i| dot(users, i)).collect(),
            Scorer::Dot => {
                // A block of users: one matrix product (matrixmultiply's SIMD kernels).
                let n_users = users.len() / d.max(1);
                let u = ArrayView2::from_shape((n_users, d), users).expect("users are rows of d");
                let i =
                    ArrayView2::from_shape((n_items, d), &items[..n_items * d]).expect("items are rows of d");
                let mut out = ndarray::Array2::<f32>::zeros((n_users, n_items));
                general_mat_mul(1.0, &u, &i.t(), 0.0, &mut out);
                out.into_raw_vec_and_offset().0
            }
            Scorer::Mlp { head, item_part } => {
                let user_parts: Vec<f32> = users.chunks_exact(d).flat_map(|u| user_part(head, u)).collect();
                let mut out = vec![0.0; user_parts.len() / head.h1() * n_items];
                score_parts(head, &user_parts, item_part, &mut out);
                out
            }
        }
    }

    /// Scores of `user` for the listed items (rows of `items`); for the MLP head the listed
    /// items' precomputed parts are gathered a tile at a time and scored like
    /// [`Self::score_all`].
    pub fn score_some(&self, user: &[f32], items: &[f32], which: &[u32]) -> Vec<f32> {
        let d = user.len();
        match self {
            Scorer::Dot => {
                which.iter().map(|&i| dot(user, &items[i as usize * d..(i as usize + 1) * d])).collect()
            }
            Scorer::Mlp { head, item_part } => {
                let (h1, user_part) = (head.h1(), user_part(head, user));
                let mut out = vec![0.0; which.len()];
                let mut listed = Vec::with_capacity(ITEM_TILE.min(which.len()) * h1);
                for (tile, scores) in which.chunks(ITEM_TILE).zip(out.chunks_mut(ITEM_TILE)) {
                    listed.clear();
                    for &i in tile {
                        listed.extend_from_slice(&item_part[i as usize * h1..(i as usize + 1) * h1]);
                    }
                    score_parts(head, &user_part, &listed, scores);
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pair-by-pair reference: the score from the user half of layer 1 and the item's half.
    fn score_from_parts(head: &MlpHead, user_part: &[f32], item_part: &[f32]) -> f32 {
        let h1: Vec<f32> = user_part.iter().zip(item_part).map(|(a, b)| (a + b).max(0.0)).collect();
        let mut h2 = affine(&h1, &head.w2, &head.b2);
        h2.iter_mut().for_each(|v| *v = v.max(0.0));
        dot(&h2, &head.w3) + head.b3
    }

    fn head() -> MlpHead {
        let wave = |n: usize, s: f32| (0..n).map(|i| ((i as f32 * 0.37 + s).sin()) * 0.5).collect::<Vec<_>>();
        MlpHead {
            dim: 3,
            w1_user: wave(3 * 4, 0.1),
            w1_item: wave(3 * 4, 0.7),
            b1: wave(4, 1.3),
            w2: wave(4 * 2, 2.1),
            b2: wave(2, 0.2),
            w3: vec![0.8, -0.6],
            b3: 0.05,
        }
    }

    #[test]
    fn mlp_score_matches_the_unsplit_head() {
        let head = head();
        assert!(head.check().is_ok());
        let items = [0.2, -0.4, 0.9, -0.3, 0.8, 0.1];
        let user = [0.5, 0.1, -0.7];
        let scorer = Scorer::new(Some(head.clone()), &items);
        // Unsplit reference: relu([u; i]·W1 + b1) → relu(·W2 + b2) → ·w3 + b3.
        let reference = |u: &[f32], i: &[f32]| {
            let mut w1 = head.w1_user.clone();
            w1.extend_from_slice(&head.w1_item);
            let x: Vec<f32> = u.iter().chain(i).copied().collect();
            let a = affine(&x, &w1, &head.b1).into_iter().map(|v| v.max(0.0)).collect::<Vec<_>>();
            let b = affine(&a, &head.w2, &head.b2).into_iter().map(|v| v.max(0.0)).collect::<Vec<_>>();
            dot(&b, &head.w3) + head.b3
        };
        let all = scorer.score_all(&user, &items);
        for item in 0..2 {
            let expected = reference(&user, &items[item * 3..item * 3 + 3]);
            assert!((all[item] - expected).abs() < 1e-5);
            assert!((scorer.score_some(&user, &items, &[item as u32])[0] - expected).abs() < 1e-5);
        }
    }

    #[test]
    fn a_block_of_users_scores_every_tile_of_items_like_single_pairs() {
        let head = head();
        // Three item tiles, the last one partial, and four users.
        let n_items = 2 * ITEM_TILE + 37;
        let items: Vec<f32> = (0..n_items * 3).map(|i| ((i as f32) * 0.61).sin()).collect();
        let users: Vec<f32> = (0..4 * 3).map(|i| ((i as f32) * 1.7 + 0.3).cos()).collect();
        let scorer = Scorer::new(Some(head.clone()), &items);
        let Scorer::Mlp { item_part, .. } = &scorer else { unreachable!("a head was given") };
        let block = scorer.score_users(&users, &items, 3);
        assert_eq!(block.len(), 4 * n_items);
        for (u, user) in users.chunks_exact(3).enumerate() {
            let user_part = user_part(&head, user);
            for i in 0..n_items {
                let pair = score_from_parts(&head, &user_part, &item_part[i * 4..(i + 1) * 4]);
                assert!((block[u * n_items + i] - pair).abs() < 1e-5, "user {u} item {i}");
            }
        }
        // A candidate list over several tiles, out of order, with a repeat.
        let which: Vec<u32> = (0..n_items as u32).rev().step_by(2).chain([5, 5]).collect();
        for (score, &i) in scorer.score_some(&users[..3], &items, &which).iter().zip(&which) {
            assert!((score - block[i as usize]).abs() < 1e-5, "listed item {i}");
        }
        let dots = Scorer::Dot.score_users(&users, &items, 3);
        assert!((dots[n_items + 5] - dot(&users[3..6], &items[15..18])).abs() < 1e-6);
    }

    #[test]
    fn dot_scores() {
        let items = [1.0, 0.0, 0.5, 2.0];
        assert_eq!(Scorer::Dot.score_some(&[2.0, 1.0], &items, &[1, 0]), vec![3.0, 2.0]);
        assert_eq!(Scorer::Dot.score_all(&[2.0, 1.0], &items), vec![2.0, 3.0]);
    }
}
