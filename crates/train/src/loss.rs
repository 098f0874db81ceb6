//! BPR loss with uniform and in-batch hard negatives.

use burn::tensor::activation::softplus;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use gnnrec_graph::{GraphBackend, index_tensor};
use gnnrec_models::{GraphInputs, Recommender};

use crate::{BprBatch, Interactions, TrainConfig};

/// `mean softplus(s⁻ − s⁺)` over uniform negatives, plus `hard_negative_weight ×` the
/// same over each user's highest-scored in-batch positive of another user that is not
/// one of its training items, plus `l2 × ½‖ego rows‖² / batch`. The batch's rows come
/// from [`Recommender::embed_rows`] where the model has it (LightGCN, LightGCN++: only
/// the batch's neighbourhood is propagated), else from [`Recommender::embed`].
pub fn batch_loss<B, M>(
    model: &M,
    graph: &GraphInputs<B>,
    batch: &BprBatch,
    data: &Interactions,
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
    let rows =
        model.embed_rows(graph, &batch.users, &[&batch.positives, &batch.negatives]).unwrap_or_else(|| {
            model.embed(graph).select_rows(users.clone(), vec![positives.clone(), negatives.clone()])
        });
    let [user_rows, positive_rows, negative_rows]: [Tensor<B, 2>; 3] =
        rows.try_into().expect("three row lists");
    let positive = model.score_pairs(user_rows.clone(), positive_rows.clone());
    let negative = model.score_pairs(user_rows.clone(), negative_rows);
    let mut total = softplus(negative - positive.clone(), 1.0).mean();

    let h = config.hard_candidates.min(n);
    if config.hard_negative_weight > 0.0 && h > 0 {
        let candidates = &batch.positives[..h];
        let mut mask = vec![0f32; n * h];
        let mut usable = vec![0f32; n];
        for (row, &user) in batch.users.iter().enumerate() {
            let train = &data.train[user as usize];
            for (col, item) in candidates.iter().enumerate() {
                if train.binary_search(item).is_ok() {
                    mask[row * h + col] = f32::NEG_INFINITY;
                } else {
                    usable[row] = 1.0;
                }
            }
        }
        let scores = model.score_matrix(user_rows, positive_rows.slice(0..h));
        let mask = Tensor::<B::InnerBackend, 2>::from_data(TensorData::new(mask, [n, h]), device);
        let hardest = (scores.clone().inner() + mask).argmax(1);
        let hard = scores.gather(1, Tensor::from_inner(hardest)).squeeze_dim(1);
        let usable = Tensor::<B, 1>::from_data(TensorData::new(usable, [n]), device);
        let count = usable.clone().sum().clamp_min(1.0);
        let hard_loss = (softplus(hard - positive, 1.0) * usable).sum() / count;
        total = total + hard_loss * config.hard_negative_weight;
    }

    if config.l2 > 0.0 {
        let items = Tensor::cat(vec![positives, negatives], 0);
        if let Some(ego) = model.ego_square_norm(users, items) {
            total = total + ego * (config.l2 / (2.0 * n as f64));
        }
    }
    total
}
