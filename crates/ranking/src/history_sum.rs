//! The degree-weighted history sum every fold-in starts from, and the item degrees it
//! weights by. Export (fitting the fold-in map) and the ranker (folding in a visitor)
//! share these, so what export measures is what the browser computes.

/// Training interactions per item: `degrees[i]` counts the lists of `train` holding `i`.
/// Items `>= n_items` must not occur.
pub fn item_degrees(n_items: usize, train: &[Vec<u32>]) -> Vec<u32> {
    let mut degrees = vec![0u32; n_items];
    train.iter().flatten().for_each(|&i| degrees[i as usize] += 1);
    degrees
}

/// `Σ_h w_h · max(d_h, 1)^exponent · item_h` over `history`'s `(item, w_h)` pairs, where
/// `items` is row-major `[n_items, dim]` and `d_h = degrees[item]`.
pub fn history_sum(
    items: &[f32],
    dim: usize,
    degrees: &[u32],
    history: impl IntoIterator<Item = (u32, f32)>,
    exponent: f32,
) -> Vec<f32> {
    history_sum_blocks(items, dim, degrees, history, &[(dim, exponent)])
}

/// [`history_sum`] with a degree exponent per block of columns: `blocks` lists
/// `(width, exponent)` in column order, widths adding up to `dim` (a model made of
/// several parts, each with its own history weighting; see `FoldInConfig::blocks`).
pub fn history_sum_blocks(
    items: &[f32],
    dim: usize,
    degrees: &[u32],
    history: impl IntoIterator<Item = (u32, f32)>,
    blocks: &[(usize, f32)],
) -> Vec<f32> {
    let mut sum = vec![0.0f32; dim];
    for (item, weight) in history {
        let degree = degrees[item as usize].max(1) as f32;
        let row = &items[item as usize * dim..(item as usize + 1) * dim];
        let mut start = 0;
        for &(width, exponent) in blocks {
            let scale = weight * degree.powf(exponent);
            let columns = start..start + width;
            sum[columns.clone()].iter_mut().zip(&row[columns]).for_each(|(s, x)| *s += scale * x);
            start += width;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_count_lists_and_the_sum_weights_by_them() {
        let degrees = item_degrees(3, &[vec![0, 1], vec![1], vec![]]);
        assert_eq!(degrees, vec![1, 2, 0]);
        let items = [1.0, 0.0, 0.0, 1.0, 2.0, 2.0];
        // Item 1 has degree 2: 2^-1 = 0.5; item 2 has degree 0, counted as 1.
        let sum = history_sum(&items, 2, &degrees, [(1, 1.0), (2, 0.5)], -1.0);
        assert_eq!(sum, vec![1.0, 1.5]);
        assert_eq!(history_sum(&items, 2, &degrees, [], 0.0), vec![0.0, 0.0]);
    }

    #[test]
    fn each_block_of_columns_weights_by_its_own_exponent() {
        let degrees = [4, 1];
        let items = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        let history = [(0, 1.0), (1, 0.5)];
        let blocks = history_sum_blocks(&items, 3, &degrees, history, &[(1, -0.5), (2, 1.0)]);
        // Column 0: 1·4^-½·1 + 0.5·10; columns 1–2: 1·4·(2, 3) + 0.5·(20, 30).
        assert_eq!(blocks, vec![5.5, 18.0, 27.0]);
        let one_block = history_sum_blocks(&items, 3, &degrees, history, &[(3, -1.0)]);
        assert_eq!(one_block, history_sum(&items, 3, &degrees, history, -1.0));
    }
}
