//! Ranking many users at once: score a block of users against every item, then take each
//! row's top k. Training evaluation, the graph filter's search and bundle evaluation all
//! rank through here.

use rayon::prelude::*;

use crate::scorer::Scorer;
use crate::top_k::top_k_excluding;

/// Scores held in memory per block of users (`block × n_items` floats).
const SCORES_PER_BLOCK: usize = 1 << 23;
/// Users per block through an MLP head (each tile of items is reused by all of them).
const HEAD_BLOCK: usize = 64;

/// The top `k` items of each of `users`, best first, skipping `exclude(u)` for user `u`.
/// `score_block(block)` returns the row-major `[block.len(), n_items]` scores of a block
/// of at most `block_size` users. Blocks are scored one after the other (the scorer may be a
/// GPU, or parallel itself); each block's rows are ranked on every core.
pub fn rank_blocks<'a>(
    users: &[u32],
    block_size: usize,
    n_items: usize,
    mut score_block: impl FnMut(&[u32]) -> Vec<f32>,
    exclude: impl Fn(u32) -> &'a [u32] + Sync,
    k: usize,
) -> Vec<Vec<u32>> {
    let mut ranked = Vec::with_capacity(users.len());
    for block in users.chunks(block_size.max(1)) {
        let scores = score_block(block);
        ranked.extend(top_rows(block, &scores, n_items, &exclude, k));
    }
    ranked
}

/// Each row's top `k` (row `r` belongs to `block[r]`), on every core.
fn top_rows<'a>(
    block: &[u32],
    scores: &[f32],
    n_items: usize,
    exclude: &(impl Fn(u32) -> &'a [u32] + Sync),
    k: usize,
) -> Vec<Vec<u32>> {
    let rows: Vec<(&u32, &[f32])> = block.iter().zip(scores.chunks_exact(n_items.max(1))).collect();
    rows.into_par_iter().map(|(&u, row)| top_k_excluding(row, exclude(u), k)).collect()
}

/// The top `k` items of each row of `users` (row-major `[n_users, d]`) against every row of
/// `items` (`[n_items, d]`) with `scorer`, skipping `exclude[u]` for row `u`. Blocks of
/// users are scored at once (a matrix product for dot products, the tiled kernel for an MLP
/// head), one block per core at a time.
pub fn rank_users(
    scorer: &Scorer,
    users: &[f32],
    items: &[f32],
    d: usize,
    exclude: &[&[u32]],
    k: usize,
) -> Vec<Vec<u32>> {
    let d = d.max(1);
    let n_items = items.len() / d;
    let block_size = match scorer {
        Scorer::Dot => (SCORES_PER_BLOCK / n_items.max(1)).clamp(1, 256),
        Scorer::Mlp { .. } => HEAD_BLOCK,
    };
    users
        .par_chunks(block_size * d)
        .enumerate()
        .flat_map_iter(|(b, rows)| {
            let scores = scorer.score_users(rows, items, d);
            let first = b * block_size;
            let lists = scores.chunks_exact(n_items.max(1)).enumerate();
            lists.map(move |(r, row)| top_k_excluding(row, exclude[first + r], k)).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_rank_like_one_user_at_a_time() {
        let d = 3;
        let items: Vec<f32> = (0..200 * d).map(|i| ((i as f32) * 0.37).sin()).collect();
        let users: Vec<f32> = (0..300 * d).map(|i| ((i as f32) * 1.3 + 0.2).cos()).collect();
        let exclude: Vec<Vec<u32>> = (0..300u32).map(|u| vec![u % 200, (u * 7) % 200]).collect();
        let lists: Vec<&[u32]> = exclude.iter().map(Vec::as_slice).collect();
        let ranked = rank_users(&Scorer::Dot, &users, &items, d, &lists, 5);
        assert_eq!(ranked.len(), 300);
        for (u, user) in users.chunks_exact(d).enumerate() {
            let alone = top_k_excluding(&Scorer::Dot.score_all(user, &items), &exclude[u], 5);
            assert_eq!(ranked[u], alone, "user {u}");
            assert!(!ranked[u].iter().any(|i| exclude[u].contains(i)));
        }
    }
}
