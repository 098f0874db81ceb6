//! Full-ranking evaluation (the LightGCN protocol).

use std::collections::BTreeMap;

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use gnnrec_bundle::{HeadError, MlpHead};
use gnnrec_eval::{Evaluation, evaluate};
use gnnrec_graph::GraphBackend;
use gnnrec_models::{Embeddings, Recommender};
use gnnrec_ranking::{Scorer, rank_blocks, rank_users as rank_rows};

/// Score budget per block of users for dot products on the model's backend: `block ×
/// n_items` floats.
const SCORES_PER_BLOCK: usize = 1 << 24;

/// The model's pair-scoring MLP head in the ranking crate's form (what a bundle ships),
/// `None` for dot-product models; `dim` is the embedding width.
pub fn mlp_head<B: GraphBackend, M: Recommender<B>>(
    model: &M,
    dim: usize,
) -> Result<Option<MlpHead>, HeadError> {
    let Some(layers) = model.head_layers() else { return Ok(None) };
    let found = layers.len();
    let layers: [(Vec<f32>, Vec<f32>); 3] = layers
        .into_iter()
        .map(|(weight, bias)| (values(weight), values(bias)))
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| HeadError { name: "layers", found, expected: 3 })?;
    MlpHead::from_layers(dim, layers).map(Some)
}

fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    tensor.into_data().convert::<f32>().to_vec::<f32>().expect("f32 values after convert")
}

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
    if let Some(head) = mlp_head(model, dim).expect("a model's own head layers agree in shape") {
        return rank_through_head(head, embeddings, users, exclude, k);
    }
    // Dot products on the model's backend (a GPU one scores there), one block at a time.
    let block = (SCORES_PER_BLOCK / n_items.max(1)).clamp(1, 4096);
    let device = embeddings.users.device();
    let score_block = |part: &[u32]| -> Vec<f32> {
        let index = gnnrec_graph::index_tensor(part, &device);
        let rows = embeddings.users.clone().select(0, index);
        values(model.score_matrix(rows, embeddings.items.clone()))
    };
    rank_blocks(users, block, n_items, score_block, |u| exclude[u as usize].as_slice(), k)
}

/// [`rank_users`] for a model that scores pairs with an MLP head: the ranking crate's
/// scorer (the browser's) on blocks of users.
fn rank_through_head<B: Backend>(
    head: MlpHead,
    embeddings: &Embeddings<B>,
    users: &[u32],
    exclude: &[Vec<u32>],
    k: usize,
) -> Vec<Vec<u32>> {
    let d = embeddings.items.dims()[1];
    let (user_rows, items) = (values(embeddings.users.clone()), values(embeddings.items.clone()));
    let rows: Vec<f32> =
        users.iter().flat_map(|&u| &user_rows[u as usize * d..(u as usize + 1) * d]).copied().collect();
    let lists: Vec<&[u32]> = users.iter().map(|&u| exclude[u as usize].as_slice()).collect();
    rank_rows(&Scorer::new(Some(head), &items), &rows, &items, d, &lists, k)
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

#[cfg(test)]
mod tests {
    use burn::backend::NdArray;
    use burn::tensor::{Distribution, Tensor};
    use gnnrec_models::{Embeddings, Recommender, SageConfig};
    use gnnrec_ranking::top_k_excluding;

    use super::rank_users;

    #[test]
    fn an_mlp_head_ranks_through_the_ranking_crate_as_through_the_model() {
        let device = Default::default();
        // More users than one block and more items than one of the scorer's tiles.
        let (n_users, n_items, dim) = (64 + 9, 300, 8);
        let model = SageConfig { dim, layers: 1, dropout: 0.0, item_feature_dim: None }
            .init::<NdArray>(n_users, n_items, &device);
        let table = |n| Tensor::<NdArray, 2>::random([n, dim], Distribution::Normal(0.0, 1.0), &device);
        let embeddings = Embeddings::new(table(n_users), table(n_items));
        let exclude: Vec<Vec<u32>> = (0..n_users as u32).map(|u| vec![u % 7, 100 + u]).collect();
        let users: Vec<u32> = (0..n_users as u32).rev().collect();

        let ranked = rank_users(&model, &embeddings, &users, &exclude, 10);

        let scores = model.score_matrix(embeddings.users.clone(), embeddings.items.clone());
        let scores = scores.into_data().to_vec::<f32>().unwrap();
        let expected: Vec<Vec<u32>> = users
            .iter()
            .map(|&u| {
                let row = &scores[u as usize * n_items..(u as usize + 1) * n_items];
                top_k_excluding(row, &exclude[u as usize], 10)
            })
            .collect();
        assert_eq!(ranked, expected);
    }
}
