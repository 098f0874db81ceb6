//! NGCF (Wang et al., SIGIR 2019): weighted propagation with a feature-interaction term.
//!
//! Layer: `E' = LeakyReLU_0.2(W₁(LE + E) + W₂(LE ⊙ E))`, dropout, rows scaled to unit
//! norm; `L = D^-½ A D^-½`. Final embedding: concatenation of layers 0..K.

use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::leaky_relu;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use gnnrec_graph::batch_mix::{MAX_EDGE_SHARE, Neighbourhood};
use gnnrec_graph::layer_mix::normalize_rows;
use gnnrec_graph::{GraphBackend, Propagator, index_tensor};
use serde::{Deserialize, Serialize};

use crate::inputs::Operators;
use crate::{
    BatchRows, Embeddings, GraphInputs, Recommender, batch_nodes, node_square_norm, split_rows, xavier_table,
};

/// Hyper-parameters of [`Ngcf`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NgcfConfig {
    /// Width of the ID embeddings and of every layer.
    pub dim: usize,
    /// Propagation layers.
    pub layers: usize,
    /// Message dropout after each layer.
    pub dropout: f64,
}

impl NgcfConfig {
    /// The operator NGCF propagates with.
    pub fn operators(&self) -> Operators {
        Operators::Adjacency { alpha: 0.5, beta: 0.5 }
    }

    /// Initial model: Xavier-uniform embeddings and weights.
    pub fn init<B: Backend>(&self, n_users: usize, n_items: usize, device: &B::Device) -> Ngcf<B> {
        let xavier = Initializer::XavierUniform { gain: 1.0 };
        let linear = || LinearConfig::new(self.dim, self.dim).with_initializer(xavier.clone()).init(device);
        Ngcf {
            embedding: xavier_table(n_users + n_items, self.dim, device),
            sum_weights: (0..self.layers).map(|_| linear()).collect(),
            product_weights: (0..self.layers).map(|_| linear()).collect(),
            dropout: DropoutConfig::new(self.dropout).init(),
            n_users,
        }
    }
}

/// NGCF model.
#[derive(Module, Debug)]
pub struct Ngcf<B: Backend> {
    /// Layer-0 embeddings, users then items.
    pub embedding: Param<Tensor<B, 2>>,
    sum_weights: Vec<Linear<B>>,
    product_weights: Vec<Linear<B>>,
    dropout: Dropout,
    #[module(skip)]
    n_users: usize,
}

impl<B: GraphBackend> Recommender<B> for Ngcf<B> {
    fn embed(&self, graph: &GraphInputs<B>) -> Embeddings<B> {
        let adjacency = graph.adjacency.as_ref().expect("NGCF needs the adjacency operator");
        let mut layer = self.embedding.val();
        let mut all = vec![layer.clone()];
        for (w1, w2) in self.sum_weights.iter().zip(&self.product_weights) {
            let side = adjacency.apply(layer.clone());
            let sum = w1.forward(side.clone() + layer.clone());
            let product = w2.forward(side * layer);
            layer = self.dropout.forward(leaky_relu(sum + product, 0.2));
            all.push(normalize_rows(layer.clone()));
        }
        let total = Tensor::cat(all, 1);
        Embeddings::from_nodes(total, self.n_users)
    }

    /// Runs each layer on the rows it is needed at (the batch's neighbourhood, see
    /// `gnnrec_graph::batch_mix::Neighbourhood`); `None` (embed every node) for a dense
    /// operator or a neighbourhood above [`MAX_EDGE_SHARE`] of the graph.
    fn embed_rows(&self, graph: &GraphInputs<B>, users: &[u32], items: &[&[u32]]) -> Option<BatchRows<B>> {
        let Some(Propagator::Sparse(op)) = graph.adjacency.as_ref() else { return None };
        let (nodes, lengths) = batch_nodes(self.n_users, users, items);
        let hood = Neighbourhood::new(op.matrix(), &nodes, self.sum_weights.len());
        if hood.edge_share(op.matrix()) > MAX_EDGE_SHARE {
            return None;
        }
        let device = self.embedding.device();
        let mut layer = self.embedding.val().select(0, index_tensor(&hood.order()[..hood.reach(0)], &device));
        let targets = hood.reach(self.sum_weights.len());
        let mut all = vec![layer.clone().slice(0..targets)];
        for (k, (w1, w2)) in self.sum_weights.iter().zip(&self.product_weights).enumerate() {
            let part = Propagator::<B>::Sparse(op.like(hood.layer_operator(op.matrix(), k + 1)));
            let side = part.apply(layer.clone());
            let own = layer.slice(0..hood.reach(k + 1));
            let sum = w1.forward(side.clone() + own.clone());
            let product = w2.forward(side * own);
            layer = self.dropout.forward(leaky_relu(sum + product, 0.2));
            all.push(normalize_rows(layer.clone().slice(0..targets)));
        }
        let rows = Tensor::cat(all, 1).select(0, index_tensor(hood.requested_slots(), &device));
        Some(BatchRows { rows: split_rows(rows, &lengths), ego_square_norm: None })
    }

    fn ego_square_norm(&self, users: Tensor<B, 1, Int>, items: Tensor<B, 1, Int>) -> Option<Tensor<B, 1>> {
        Some(node_square_norm(self.embedding.val(), self.n_users, users, items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;
    use gnnrec_graph::{BipartiteGraph, Strategy};

    #[test]
    fn output_concatenates_all_layers_with_unit_norm_rows() {
        let device = Default::default();
        let graph = BipartiteGraph::new(3, 4, &[(0, 0), (0, 1), (1, 1), (2, 3)]);
        let config = NgcfConfig { dim: 8, layers: 2, dropout: 0.1 };
        let model = config.init::<NdArray>(3, 4, &device);
        let inputs =
            GraphInputs::build(&graph, config.operators(), None, Strategy::Dense, 8, &device).unwrap();
        let e = model.embed(&inputs);
        assert_eq!(e.users.dims(), [3, 24]);
        assert_eq!(e.items.dims(), [4, 24]);
        // Layers 1..K are unit rows unless the LeakyReLU output is all zero.
        let layer1 = e.items.slice([0..4, 8..16]);
        let norms = layer1.powf_scalar(2.0).sum_dim(1).into_data().to_vec::<f32>().unwrap();
        assert!(norms.iter().all(|n| (n - 1.0).abs() < 1e-4), "{norms:?}");
    }

    #[test]
    fn rows_from_the_neighbourhood_match_the_whole_graph() {
        let device = Default::default();
        let graph = crate::test_support::ring(12);
        let config = NgcfConfig { dim: 4, layers: 3, dropout: 0.0 };
        let model = config.init::<NdArray>(12, 12, &device);
        let inputs =
            GraphInputs::build(&graph, config.operators(), None, Strategy::Sparse, 4, &device).unwrap();
        crate::test_support::assert_rows_match_the_whole_graph(
            &model,
            &inputs,
            (&[0u32, 3, 0], &[1u32, 4, 1], &[5u32, 2, 0]),
        );
        crate::test_support::assert_a_whole_ring_is_declined(&model, &inputs, 12);
    }
}
