//! BPR loss with uniform negatives.

use burn::tensor::Tensor;
use burn::tensor::activation::softplus;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::{GraphBackend, index_tensor};
use gnnrec_models::{GraphInputs, Recommender};

use crate::{BprBatch, TrainConfig};

/// `mean softplus(s⁻ − s⁺)` over the batch's uniform negatives, plus `l2 × ½‖ego rows‖² /
/// batch`. The batch's rows come from [`Recommender::embed_rows`] where the model has it
/// (only the batch's neighbourhood is propagated; LightGCN and LightGCN++ hand back the L2
/// term's layer-0 rows from the same pass), else from [`Recommender::embed`].
pub fn batch_loss<B, M>(
    model: &M,
    graph: &GraphInputs<B>,
    batch: &BprBatch,
    config: &TrainConfig,
    device: &B::Device,
) -> Tensor<B, 1>
where
    B: AutodiffBackend + GraphBackend,
    M: Recommender<B>,
{
    let n = batch.users.len();
    let users = index_tensor::<B>(&batch.users, device);
    let positives = index_tensor::<B>(&batch.positives, device);
    let negatives = index_tensor::<B>(&batch.negatives, device);
    let (rows, ego) = match model.embed_rows(graph, &batch.users, &[&batch.positives, &batch.negatives]) {
        Some(batch) => (batch.rows, batch.ego_square_norm),
        None => {
            (model.embed(graph).select_rows(users.clone(), vec![positives.clone(), negatives.clone()]), None)
        }
    };
    let [user_rows, positive_rows, negative_rows]: [Tensor<B, 2>; 3] =
        rows.try_into().expect("three row lists");
    let positive = model.score_pairs(user_rows.clone(), positive_rows);
    let negative = model.score_pairs(user_rows, negative_rows);
    let mut total = softplus(negative - positive, 1.0).mean();
    if config.l2 > 0.0 {
        let items = Tensor::cat(vec![positives, negatives], 0);
        if let Some(ego) = ego.or_else(|| model.ego_square_norm(users, items)) {
            total = total + ego * (config.l2 / (2.0 * n as f64));
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, NdArray};
    use burn::tensor::activation::softplus;
    use gnnrec_graph::{BipartiteGraph, Strategy, index_tensor};
    use gnnrec_models::{GraphInputs, LightGcnConfig, Recommender};

    use super::batch_loss;
    use crate::{BprBatch, TrainConfig};

    type Ad = Autodiff<NdArray>;

    #[test]
    fn the_neighbourhood_loss_and_gradient_equal_the_whole_graph_ones() {
        let device = Default::default();
        // 40 users and 40 items on a ring: three hops from the batch reach part of it only.
        let n = 40u32;
        let train: Vec<Vec<u32>> = (0..n).map(|k| vec![k, (k + 1) % n]).collect();
        let edges: Vec<(u32, u32)> = train
            .iter()
            .enumerate()
            .flat_map(|(u, items)| items.iter().map(move |&i| (u as u32, i)))
            .collect();
        let graph = BipartiteGraph::new(n as usize, n as usize, &edges);
        let config = LightGcnConfig::lightgcn_pp(8, 0.5, -0.1, 0.2);
        let model = config.init_seeded::<Ad>(n as usize, n as usize, 7, &device);
        let inputs =
            GraphInputs::<Ad>::build(&graph, config.operators(), None, Strategy::Sparse, 8, &device).unwrap();
        let batch =
            BprBatch { users: vec![0, 3, 3, 5], positives: vec![0, 4, 3, 5], negatives: vec![10, 2, 7, 9] };
        let train_config = TrainConfig { l2: 0.1, ..TrainConfig::default() };

        let loss = batch_loss(&model, &inputs, &batch, &train_config, &device);
        let grads = loss.clone().backward();
        let gradient = model.embedding.grad(&grads).expect("the embedding is trained");

        // The same loss from every node's embedding and a select, as before neighbourhoods.
        let index = |ids: &[u32]| index_tensor::<Ad>(ids, &device);
        let whole = model.embed(&inputs);
        let users = whole.users.select(0, index(&batch.users));
        let (positives, negatives) = (
            whole.items.clone().select(0, index(&batch.positives)),
            whole.items.select(0, index(&batch.negatives)),
        );
        let score = |items| model.score_pairs(users.clone(), items);
        let items = index(&[batch.positives.clone(), batch.negatives.clone()].concat());
        let ego = model.ego_square_norm(index(&batch.users), items).expect("ID embeddings");
        let expected = softplus(score(negatives) - score(positives), 1.0).mean() + ego * (0.1 / 8.0);
        let expected_gradient = model.embedding.grad(&expected.clone().backward()).expect("trained");

        loss.into_data().assert_approx_eq::<f32>(&expected.into_data(), Default::default());
        gradient.into_data().assert_approx_eq::<f32>(&expected_gradient.into_data(), Default::default());
    }
}
