//! Heterogeneous GraphSAGE with an MLP link predictor (the original gnnrec design).
//!
//! Users start from learnable embeddings (Xavier); items from their text features (PCA
//! of MiniLM embeddings) or, without text, from learnable embeddings. Each layer updates
//! both node types from themselves and the mean of their neighbours of the other type
//! (`(user, rates, item)` and `(item, rev_rates, user)`), followed by LayerNorm, ReLU and
//! dropout; layers after the first add their input (residual). A pair is scored by an
//! MLP on the concatenated embeddings: `2d → 128 → 64 → 1`. Items without interactions
//! still get embeddings from their features (their neighbour mean is zero).

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use gnnrec_graph::batch_mix::MAX_EDGE_SHARE;
use gnnrec_graph::{GraphBackend, Propagator, index_tensor};
use serde::{Deserialize, Serialize};

use crate::inputs::Operators;
use crate::typed_neighbourhood::TypedNeighbourhood;
use crate::{BatchRows, Embeddings, GraphInputs, Recommender, batch_nodes, xavier_table};

/// Hyper-parameters of [`Sage`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SageConfig {
    /// Width of the node embeddings and of every layer.
    pub dim: usize,
    /// SAGE layers.
    pub layers: usize,
    /// Dropout after each layer.
    pub dropout: f64,
    /// Width of the item input features; `None` = learnable item embeddings.
    pub item_feature_dim: Option<usize>,
}

impl SageConfig {
    /// GraphSAGE aggregates neighbour means.
    pub fn operators(&self) -> Operators {
        Operators::NeighbourMeans
    }

    /// Initial model.
    pub fn init<B: Backend>(&self, n_users: usize, n_items: usize, device: &B::Device) -> Sage<B> {
        let xavier = Initializer::XavierUniform { gain: 1.0 };
        let linear = |i, o| LinearConfig::new(i, o).with_initializer(xavier.clone()).init(device);
        let d = self.dim;
        let per_layer = |first_in: usize| -> Vec<Linear<B>> {
            (0..self.layers).map(|l| linear(if l == 0 { first_in } else { d }, d)).collect()
        };
        let item_in = self.item_feature_dim.unwrap_or(d);
        let norms = || (0..self.layers).map(|_| LayerNormConfig::new(d).init(device)).collect();
        Sage {
            user_embedding: xavier_table(n_users, d, device),
            item_embedding: self.item_feature_dim.is_none().then(|| xavier_table(n_items, d, device)),
            user_self: per_layer(d),
            user_neighbours: per_layer(item_in),
            item_self: per_layer(item_in),
            item_neighbours: per_layer(d),
            user_norms: norms(),
            item_norms: norms(),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: vec![linear(2 * d, 128), linear(128, 64), linear(64, 1)],
        }
    }
}

/// Heterogeneous GraphSAGE model.
#[derive(Module, Debug)]
pub struct Sage<B: Backend> {
    /// Learnable user embeddings.
    pub user_embedding: Param<Tensor<B, 2>>,
    /// Learnable item embeddings when the catalogue has no text features.
    pub item_embedding: Option<Param<Tensor<B, 2>>>,
    user_self: Vec<Linear<B>>,
    user_neighbours: Vec<Linear<B>>,
    item_self: Vec<Linear<B>>,
    item_neighbours: Vec<Linear<B>>,
    user_norms: Vec<LayerNorm<B>>,
    item_norms: Vec<LayerNorm<B>>,
    dropout: Dropout,
    /// Predictor MLP: `2d → 128 → 64 → 1`.
    head: Vec<Linear<B>>,
}

impl<B: Backend> Sage<B> {
    /// The predictor's hidden layers applied to the first layer's pre-activation.
    fn head_tail<const D: usize>(&self, first: Tensor<B, D>) -> Tensor<B, D> {
        let hidden = relu(self.head[1].forward(relu(first)));
        self.head[2].forward(hidden)
    }
}

impl<B: GraphBackend> Sage<B> {
    /// The item inputs: learnable embeddings or the given features.
    fn item_inputs(&self, graph: &GraphInputs<B>) -> Tensor<B, 2> {
        match (&self.item_embedding, &graph.item_features) {
            (Some(embedding), _) => embedding.val(),
            (None, Some(features)) => features.clone(),
            (None, None) => panic!("this GraphSAGE model was built for item features, none were given"),
        }
    }

    /// Layer `l` from the previous layer's users and items: `own_*` are the previous rows
    /// of the nodes updated, `*_side` their neighbour means.
    fn layer(
        &self,
        l: usize,
        (own_users, item_side): (Tensor<B, 2>, Tensor<B, 2>),
        (own_items, user_side): (Tensor<B, 2>, Tensor<B, 2>),
    ) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let u = self.user_self[l].forward(own_users.clone()) + self.user_neighbours[l].forward(item_side);
        let i = self.item_self[l].forward(own_items.clone()) + self.item_neighbours[l].forward(user_side);
        let u = self.dropout.forward(relu(self.user_norms[l].forward(u)));
        let i = self.dropout.forward(relu(self.item_norms[l].forward(i)));
        if l == 0 { (u, i) } else { (u + own_users, i + own_items) }
    }
}

impl<B: GraphBackend> Recommender<B> for Sage<B> {
    fn embed(&self, graph: &GraphInputs<B>) -> Embeddings<B> {
        let from_items = graph.users_from_items.as_ref().expect("GraphSAGE needs neighbour means");
        let from_users = graph.items_from_users.as_ref().expect("GraphSAGE needs neighbour means");
        let (mut users, mut items) = (self.user_embedding.val(), self.item_inputs(graph));
        for l in 0..self.user_self.len() {
            let (item_side, user_side) = (from_items.apply(items.clone()), from_users.apply(users.clone()));
            (users, items) = self.layer(l, (users, item_side), (items, user_side));
        }
        Embeddings::new(users, items)
    }

    /// Runs each layer on the users and items it is needed at (the batch's neighbourhood,
    /// split by type); `None` (embed every node) for dense operators or a neighbourhood
    /// above [`MAX_EDGE_SHARE`] of the graph's rows.
    fn embed_rows(&self, graph: &GraphInputs<B>, users: &[u32], items: &[&[u32]]) -> Option<BatchRows<B>> {
        let (Some(Propagator::Sparse(from_items)), Some(Propagator::Sparse(from_users))) =
            (graph.users_from_items.as_ref(), graph.items_from_users.as_ref())
        else {
            return None;
        };
        let layers = self.user_self.len();
        let (nodes, _) = batch_nodes(graph.n_users, users, items);
        let hood = TypedNeighbourhood::new(from_items.matrix(), from_users.matrix(), &nodes, layers);
        if hood.share() > MAX_EDGE_SHARE {
            return None;
        }
        let device = self.user_embedding.device();
        let index = |ids: Vec<u32>| index_tensor::<B>(&ids, &device);
        let mut user_rows = self.user_embedding.val().select(0, index(hood.users(0).to_vec()));
        let mut item_rows = self.item_inputs(graph).select(0, index(hood.items(0).to_vec()));
        for l in 0..layers {
            let k = l + 1;
            let to_users =
                Propagator::<B>::Sparse(from_items.like(hood.users_from_items(from_items.matrix(), k)));
            let to_items =
                Propagator::<B>::Sparse(from_users.like(hood.items_from_users(from_users.matrix(), k)));
            let (item_side, user_side) =
                (to_users.apply(item_rows.clone()), to_items.apply(user_rows.clone()));
            let own_users = user_rows.slice(0..hood.users(k).len());
            let own_items = item_rows.slice(0..hood.items(k).len());
            (user_rows, item_rows) = self.layer(l, (own_users, item_side), (own_items, user_side));
        }
        let mut rows = vec![user_rows.select(0, index(hood.user_positions(users)))];
        rows.extend(items.iter().map(|list| item_rows.clone().select(0, index(hood.item_positions(list)))));
        Some(BatchRows { rows, ego_square_norm: None })
    }

    fn score_pairs(&self, users: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 1> {
        let first = self.head[0].forward(Tensor::cat(vec![users, items], 1));
        self.head_tail(first).squeeze_dim(1)
    }

    /// Uses `W[u; i] = W_u u + W_i i` so the first layer costs `O((U + I)·d)`; the
    /// rest runs on the `[U, I, 128]` pre-activations (callers chunk the users).
    fn score_matrix(&self, users: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        let d = users.dims()[1];
        let weight = self.head[0].weight.val();
        let width = weight.dims()[1];
        let from_users = users.matmul(weight.clone().slice(0..d));
        let mut from_items = items.matmul(weight.slice(d..2 * d));
        if let Some(bias) = &self.head[0].bias {
            from_items = from_items + bias.val().unsqueeze_dim(0);
        }
        let [n_users, n_items] = [from_users.dims()[0], from_items.dims()[0]];
        let first = from_users.reshape([n_users, 1, width]) + from_items.reshape([1, n_items, width]);
        self.head_tail(first).reshape([n_users, n_items])
    }

    fn head_layers(&self) -> Option<Vec<(Tensor<B, 2>, Tensor<B, 1>)>> {
        let layer = |l: &Linear<B>| {
            let weight = l.weight.val();
            let bias = l
                .bias
                .as_ref()
                .map_or_else(|| Tensor::zeros([weight.dims()[1]], &weight.device()), |b| b.val());
            (weight, bias)
        };
        Some(self.head.iter().map(layer).collect())
    }

    fn ego_square_norm(&self, _: Tensor<B, 1, Int>, _: Tensor<B, 1, Int>) -> Option<Tensor<B, 1>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;
    use burn::tensor::Distribution;
    use gnnrec_graph::{BipartiteGraph, Strategy};

    #[test]
    fn score_matrix_equals_pairwise_scores() {
        let device = Default::default();
        let config = SageConfig { dim: 8, layers: 3, dropout: 0.0, item_feature_dim: Some(5) };
        let model = config.init::<NdArray>(3, 4, &device);
        let users = Tensor::<NdArray, 2>::random([3, 8], Distribution::Default, &device);
        let items = Tensor::<NdArray, 2>::random([4, 8], Distribution::Default, &device);
        let matrix = model.score_matrix(users.clone(), items.clone());
        for u in 0..3 {
            let pairs = model.score_pairs(users.clone().slice(u..u + 1).repeat_dim(0, 4), items.clone());
            matrix
                .clone()
                .slice(u..u + 1)
                .reshape([4])
                .into_data()
                .assert_approx_eq::<f32>(&pairs.into_data(), Default::default());
        }
    }

    #[test]
    fn items_without_interactions_get_distinct_embeddings_from_features() {
        let device = Default::default();
        let graph = BipartiteGraph::new(2, 3, &[(0, 0), (1, 1)]);
        let config = SageConfig { dim: 8, layers: 3, dropout: 0.0, item_feature_dim: Some(5) };
        let model = config.init::<NdArray>(2, 3, &device);
        let features = Tensor::<NdArray, 2>::random([3, 5], Distribution::Default, &device);
        let inputs =
            GraphInputs::build(&graph, config.operators(), Some(features), Strategy::Sparse, 8, &device)
                .unwrap();
        let e = model.embed(&inputs);
        let cold = e.items.clone().slice(2..3).into_data().to_vec::<f32>().unwrap();
        let warm = e.items.slice(0..1).into_data().to_vec::<f32>().unwrap();
        assert!(cold.iter().all(|v| v.is_finite()) && cold.iter().any(|v| *v != 0.0));
        assert_ne!(cold, warm);
    }

    #[test]
    fn rows_from_the_neighbourhood_match_the_whole_graph() {
        let device = Default::default();
        let graph = crate::test_support::ring(12);
        let config = SageConfig { dim: 8, layers: 3, dropout: 0.0, item_feature_dim: Some(5) };
        let model = config.init::<NdArray>(12, 12, &device);
        let features = Tensor::<NdArray, 2>::random([12, 5], Distribution::Default, &device);
        let inputs =
            GraphInputs::build(&graph, config.operators(), Some(features), Strategy::Sparse, 8, &device)
                .unwrap();
        crate::test_support::assert_rows_match_the_whole_graph(
            &model,
            &inputs,
            (&[0u32, 2, 0], &[1u32, 2, 0], &[3u32, 11, 1]),
        );
        crate::test_support::assert_a_whole_ring_is_declined(&model, &inputs, 12);
    }
}
