//! k-means over the item embeddings (linfa-clustering).
//!
//! k-means rather than HDBSCAN: the cluster index is a candidate generator, so every
//! item must belong to a cluster (HDBSCAN leaves "noise" items out, and those would never
//! be reached through clusters) and clusters should have predictable sizes so that
//! probing a few of them costs the same for every visitor.

use gnnrec_bundle::ClusterTensors as Clusters;
use linfa::prelude::*;
use linfa_clustering::KMeans;
use linfa_ndarray::Array2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

/// Seeded k-means++ of the row-major `embeddings` (`[n, dim]`, n ≥ 1) into `k` groups
/// (clamped to `1..=n`): each item's cluster and the centroids (`[k, dim]`).
fn kmeans_assignment(embeddings: &[f32], dim: usize, k: usize, seed: u64) -> (Vec<u32>, Vec<f32>) {
    let n = embeddings.len() / dim;
    let k = k.clamp(1, n.max(1));
    let data = Array2::from_shape_vec((n, dim), embeddings.to_vec()).expect("n × dim values");
    let dataset = DatasetBase::from(data.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(3)
        .max_n_iterations(100)
        .tolerance(1e-4)
        .fit(&dataset)
        .expect("k-means on finite embeddings with 1 ≤ k ≤ n");
    let assignment = model.predict(&data).iter().map(|&c| c as u32).collect();
    (assignment, model.centroids().iter().copied().collect())
}

/// Clusters the row-major `embeddings` (`[n, dim]`) into `k` groups (seeded k-means++).
pub fn kmeans(embeddings: &[f32], dim: usize, k: usize, seed: u64, titles: &[String]) -> Clusters {
    let n = embeddings.len() / dim;
    let (assignment, centroids) = kmeans_assignment(embeddings, dim, k, seed);
    let k = centroids.len() / dim;
    let distance = |item: usize| {
        let c = assignment[item] as usize;
        let row = &embeddings[item * dim..(item + 1) * dim];
        row.iter().zip(&centroids[c * dim..(c + 1) * dim]).map(|(a, b)| (a - b).powi(2)).sum::<f32>()
    };
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| {
        assignment[a as usize]
            .cmp(&assignment[b as usize])
            .then(distance(a as usize).total_cmp(&distance(b as usize)))
    });
    let labels = (0..k as u32)
        .map(|c| {
            let central: Vec<&str> = order
                .iter()
                .filter(|&&i| assignment[i as usize] == c)
                .take(2)
                .map(|&i| titles[i as usize].as_str())
                .collect();
            central.join(" and ")
        })
        .collect();
    Clusters { centroids, assignment, order, labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_groups_and_orders_by_centrality() {
        let embeddings = [0.0, 0.0, 0.1, 0.0, 10.0, 10.0, 10.2, 10.0, 0.05, 0.0, 9.9, 10.0];
        let titles: Vec<String> = (0..6).map(|i| format!("t{i}")).collect();
        let c = kmeans(&embeddings, 2, 2, 1, &titles);
        assert_eq!(c.assignment[0], c.assignment[1]);
        assert_eq!(c.assignment[0], c.assignment[4]);
        assert_eq!(c.assignment[2], c.assignment[3]);
        assert_ne!(c.assignment[0], c.assignment[2]);
        let low = c.assignment[0] as usize;
        assert_eq!(c.labels[low], "t4 and t0", "closest to the centroid (0.05, 0) first, ties by index");
        assert_eq!(c.order.len(), 6);
    }
}
