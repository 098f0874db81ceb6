//! Which items go into which shard: k-means groups of about a target size.
//!
//! Shards are IVF lists: a reader probes the few whose centroids are nearest to a query,
//! so items that are near each other must share a shard. The plan is a k-means tree: a
//! group of more than twice the target is split by k-means into at most [`BRANCHING`]
//! groups (as many as it needs when that is fewer), fitted on an evenly spaced sample of at
//! most [`SAMPLE`] rows and then applied to every row, until every group is at most twice
//! the target (points that cannot be told apart are cut into consecutive runs). The cost is
//! about `n · BRANCHING · dim` per level, so a million items plan in minutes.

use linfa::prelude::*;
use linfa_clustering::KMeans;
use linfa_ndarray::Array2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

/// Most groups one k-means split makes.
const BRANCHING: usize = 16;
/// Most rows a split's k-means is fitted on.
const SAMPLE: usize = 20_000;

/// Groups the rows of `vectors` (`[n, dim]`) into shards of about `target` items; each
/// group lists its rows ascending, groups in k-means order. Groups under a quarter of the
/// target (outliers k-means isolates) are merged into the group with the nearest centroid.
pub fn plan_shards(vectors: &[f32], dim: usize, target: usize, seed: u64) -> Vec<Vec<u32>> {
    let n = vectors.len() / dim.max(1);
    let rows: Vec<u32> = (0..n as u32).collect();
    let mut groups = Vec::new();
    split(vectors, dim, &rows, target.max(1), seed, &mut groups);
    merge_small(vectors, dim, groups, target.div_ceil(4), 2 * target.max(1))
}

/// Moves the rows of every group smaller than `least` into the nearest (by centroid) larger
/// group that has fewer than `most` rows, or the nearest one when none has room (nothing
/// moves when no group is large enough).
fn merge_small(
    vectors: &[f32],
    dim: usize,
    groups: Vec<Vec<u32>>,
    least: usize,
    most: usize,
) -> Vec<Vec<u32>> {
    let (mut large, small): (Vec<Vec<u32>>, Vec<Vec<u32>>) =
        groups.into_iter().partition(|g| g.len() >= least);
    if large.is_empty() {
        return small;
    }
    let centroids: Vec<f32> = large.iter().flat_map(|g| centroid(vectors, dim, g)).collect();
    for row in small.into_iter().flatten() {
        let vector = &vectors[row as usize * dim..(row as usize + 1) * dim];
        let order = by_distance(vector, &centroids, dim);
        let home = order.iter().copied().find(|&g| large[g].len() < most).unwrap_or(order[0]);
        large[home].push(row);
    }
    large.iter_mut().for_each(|g| g.sort_unstable());
    large
}

/// Appends the groups of `rows` (rows of `vectors`) to `out`.
fn split(vectors: &[f32], dim: usize, rows: &[u32], target: usize, seed: u64, out: &mut Vec<Vec<u32>>) {
    if rows.len() <= 2 * target {
        out.push(rows.to_vec());
        return;
    }
    let k = rows.len().div_ceil(target).min(BRANCHING);
    let step = rows.len().div_ceil(SAMPLE);
    let sample: Vec<f32> = rows
        .iter()
        .step_by(step)
        .flat_map(|&r| &vectors[r as usize * dim..(r as usize + 1) * dim])
        .copied()
        .collect();
    let centroids = fit_centroids(&sample, dim, k, seed);
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); centroids.len() / dim];
    for &row in rows {
        let vector = &vectors[row as usize * dim..(row as usize + 1) * dim];
        groups[nearest(vector, &centroids, dim)].push(row);
    }
    groups.retain(|g| !g.is_empty());
    if groups.len() == 1 {
        // Indistinguishable points: consecutive runs of the target size.
        out.extend(rows.chunks(target).map(<[u32]>::to_vec));
        return;
    }
    for group in groups {
        split(vectors, dim, &group, target, seed.wrapping_add(1), out);
    }
}

/// k-means++ centroids (`[k, dim]`, k clamped to the rows) of the row-major `sample`:
/// one run of at most 30 iterations (a split only needs groups of near items).
pub(crate) fn fit_centroids(sample: &[f32], dim: usize, k: usize, seed: u64) -> Vec<f32> {
    let n = sample.len() / dim;
    let data = Array2::from_shape_vec((n, dim), sample.to_vec()).expect("n × dim values");
    let model = KMeans::params_with_rng(k.clamp(1, n.max(1)), Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(1)
        .max_n_iterations(30)
        .tolerance(1e-4)
        .fit(&DatasetBase::from(data))
        .expect("k-means on finite vectors with 1 ≤ k ≤ n");
    model.centroids().iter().copied().collect()
}

/// Centroid indices by squared Euclidean distance to `vector`, nearest first.
fn by_distance(vector: &[f32], centroids: &[f32], dim: usize) -> Vec<usize> {
    let distance = |c: &[f32]| vector.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f32>();
    let distances: Vec<f32> = centroids.chunks_exact(dim).map(distance).collect();
    let mut order: Vec<usize> = (0..distances.len()).collect();
    order.sort_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(a.cmp(&b)));
    order
}

/// Index of the centroid nearest `vector` (squared Euclidean; ties: lower index).
pub(crate) fn nearest(vector: &[f32], centroids: &[f32], dim: usize) -> usize {
    let distance = |c: &[f32]| vector.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f32>();
    let mut best = (0, f32::INFINITY);
    for (i, c) in centroids.chunks_exact(dim).enumerate() {
        let d = distance(c);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

/// Mean of the listed rows of `vectors` (`[n, dim]`).
pub fn centroid(vectors: &[f32], dim: usize, rows: &[u32]) -> Vec<f32> {
    let mut mean = vec![0.0f32; dim];
    for &r in rows {
        let row = &vectors[r as usize * dim..(r as usize + 1) * dim];
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= rows.len().max(1) as f32);
    mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_near_points_and_bounds_the_size() {
        // Three well separated blobs of 30 points in 2-d, target 10 per shard.
        let mut vectors = Vec::new();
        for blob in 0..3 {
            for i in 0..30 {
                vectors.extend([blob as f32 * 100.0 + (i % 7) as f32 * 0.1, (i / 7) as f32 * 0.1]);
            }
        }
        let groups = plan_shards(&vectors, 2, 10, 7);
        let mut all: Vec<u32> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, (0..90).collect::<Vec<_>>(), "every item exactly once");
        assert!(groups.iter().all(|g| !g.is_empty() && g.len() <= 20), "{groups:?}");
        for g in &groups {
            let blob = g[0] / 30;
            assert!(g.iter().all(|r| r / 30 == blob), "a shard mixes blobs: {g:?}");
            assert!(g.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn outliers_join_the_nearest_group() {
        // 40 points near 0 and 40 near 10 (target 20), plus two far outliers near 10.
        let mut vectors: Vec<f32> = (0..40).map(|i| i as f32 * 0.01).collect();
        vectors.extend((0..40).map(|i| 10.0 + i as f32 * 0.01));
        vectors.extend([1000.0, 1001.0]);
        let groups = plan_shards(&vectors, 1, 20, 3);
        assert!(groups.iter().all(|g| g.len() >= 5), "{groups:?}");
        let with_outliers = groups.iter().find(|g| g.contains(&80)).unwrap();
        assert!(with_outliers.contains(&81) && with_outliers.iter().all(|&r| r >= 40), "{with_outliers:?}");
    }

    #[test]
    fn identical_points_are_cut_into_runs() {
        let groups = plan_shards(&[1.0; 50], 1, 10, 1);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), vec![10; 5]);
        assert_eq!(plan_shards(&[1.0, 2.0, 3.0], 1, 10, 1), vec![vec![0, 1, 2]]);
        assert!(plan_shards(&[], 1, 10, 1).iter().all(Vec::is_empty));
    }

    #[test]
    fn centroids_are_member_means() {
        assert_eq!(centroid(&[0.0, 2.0, 4.0, 6.0, 100.0, 100.0], 2, &[0, 1]), vec![2.0, 4.0]);
    }
}
