//! Full-ranking evaluation (the LightGCN protocol).

use std::collections::BTreeMap;

use burn::tensor::backend::Backend;
use gnnrec_eval::{Evaluation, evaluate, top_k_excluding};
use gnnrec_graph::GraphBackend;
use gnnrec_models::{Embeddings, Recommender};
use rayon::prelude::*;

/// Score budget per chunk of users: `chunk × n_items × 128` floats stay below this for
/// models that score with an MLP, `chunk × n_items` for dot products.
const SCORES_PER_CHUNK: usize = 1 << 25;

/// The top `k` items for each of `users`, ranking every item and skipping the user's
/// `exclude` items (training items under the LightGCN protocol).
pub fn rank_users<B, M>(
    model: &M,
    embeddings: &Embeddings<B>,
    users: &[u32],
    exclude: &[Vec<u32>],
    k: usize,
) -> Vec<Vec<u32>>
where
    B: Backend + GraphBackend,
    M: Recommender<B>,
{
    let [n_items, dim] = embeddings.items.dims();
    let per_user = if model.head_layers().is_some() { n_items * dim.max(128) } else { n_items };
    let chunk = (SCORES_PER_CHUNK / per_user.max(1)).clamp(1, 4096);
    let device = embeddings.users.device();
    let mut ranked = Vec::with_capacity(users.len());
    for part in users.chunks(chunk) {
        let index = gnnrec_graph::index_tensor(part, &device);
        let rows = embeddings.users.clone().select(0, index);
        let scores = model.score_matrix(rows, embeddings.items.clone()).into_data().convert::<f32>();
        let scores = scores.as_slice::<f32>().expect("f32 scores");
        let part_ranked: Vec<Vec<u32>> = part
            .par_iter()
            .enumerate()
            .map(|(row, &u)| {
                top_k_excluding(&scores[row * n_items..(row + 1) * n_items], &exclude[u as usize], k)
            })
            .collect();
        ranked.extend(part_ranked);
    }
    ranked
}

/// Evaluates `truth` (per-user held-out items) against full rankings that exclude the
/// users' `train` items, at the cut-offs `ks`.
pub fn evaluate_split<B, M>(
    model: &M,
    embeddings: &Embeddings<B>,
    train: &[Vec<u32>],
    truth: &[Vec<u32>],
    ks: &[usize],
) -> Evaluation
where
    B: Backend + GraphBackend,
    M: Recommender<B>,
{
    let users: Vec<u32> = (0..truth.len() as u32).filter(|&u| !truth[u as usize].is_empty()).collect();
    let k = ks.iter().copied().max().unwrap_or(20);
    let ranked = rank_users(model, embeddings, &users, train, k);
    evaluate(ranked.into_iter().zip(users.iter().map(|&u| truth[u as usize].as_slice())), ks)
}

/// `{"recall@20": …, "ndcg@20": …, …}` for every cut-off of an evaluation.
pub fn metric_map(evaluation: &Evaluation) -> BTreeMap<String, f64> {
    let mut map = BTreeMap::new();
    for c in &evaluation.cutoffs {
        map.insert(format!("recall@{}", c.k), c.recall);
        map.insert(format!("precision@{}", c.k), c.precision);
        map.insert(format!("ndcg@{}", c.k), c.ndcg);
        map.insert(format!("hit_rate@{}", c.k), c.hit_rate);
        map.insert(format!("mrr@{}", c.k), c.mrr);
    }
    map
}
