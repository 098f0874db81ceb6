//! LightGCN (He et al., SIGIR 2020) and LightGCN++ (Lee et al., RecSys 2024).
//!
//! Both propagate ID embeddings over a normalised adjacency without weights or
//! non-linearities. LightGCN: `Â = D^-½ A D^-½`, final = mean of layers 0..K.
//! LightGCN++: `Â = D^-α A D^-β`, each layer's input scaled to unit norm, final =
//! `γ·E⁰ + (1-γ)·mean(E¹..Eᴷ)`.

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor};
use gnnrec_graph::{GraphBackend, LayerMix};
use serde::{Deserialize, Serialize};

use crate::inputs::Operators;
use crate::{BatchRows, Embeddings, GraphInputs, Recommender, batch_nodes, node_square_norm, split_rows};

/// Hyper-parameters of [`LightGcn`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LightGcnConfig {
    /// Embedding width.
    pub dim: usize,
    /// Propagation layers K.
    pub layers: usize,
    /// Target-degree exponent α (0.5 for LightGCN).
    pub alpha: f32,
    /// Source-degree exponent β (0.5 for LightGCN).
    pub beta: f32,
    /// Weight of layer 0 in the final mix; `None` = plain mean over 0..K (LightGCN).
    pub gamma: Option<f32>,
    /// Scale each layer's input to unit norm (LightGCN++).
    pub normalize_inputs: bool,
    /// How the layer-0 embeddings start (saved with the run; older runs read as random).
    #[serde(default)]
    pub start: EmbeddingStart,
}

/// Where training starts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmbeddingStart {
    /// `N(0, 0.1²)`, as in LightGCN-PyTorch.
    #[default]
    Random,
    /// The leading singular vectors of the normalised interaction matrix (see
    /// [`LightGcnConfig::init_from`]).
    Spectral,
}

impl LightGcnConfig {
    /// LightGCN with the paper's settings (3 layers).
    pub fn lightgcn(dim: usize) -> Self {
        Self {
            dim,
            layers: 3,
            alpha: 0.5,
            beta: 0.5,
            gamma: None,
            normalize_inputs: false,
            start: EmbeddingStart::Random,
        }
    }

    /// LightGCN++ with the given α, β, γ.
    pub fn lightgcn_pp(dim: usize, alpha: f32, beta: f32, gamma: f32) -> Self {
        Self {
            dim,
            layers: 3,
            alpha,
            beta,
            gamma: Some(gamma),
            normalize_inputs: true,
            start: EmbeddingStart::Random,
        }
    }

    /// The operator this model propagates with.
    pub fn operators(&self) -> Operators {
        Operators::Adjacency { alpha: self.alpha, beta: self.beta }
    }

    /// Initial model: embeddings ~ N(0, 0.1²) as in LightGCN-PyTorch.
    pub fn init<B: Backend>(&self, n_users: usize, n_items: usize, device: &B::Device) -> LightGcn<B> {
        let embedding =
            Initializer::Normal { mean: 0.0, std: 0.1 }.init([n_users + n_items, self.dim], device);
        LightGcn { embedding, n_users, config: *self }
    }

    /// [`Self::init`] drawn on the host by burn-ndarray's generator seeded with `seed`, so
    /// that every backend (ndarray, wgpu, CUDA) starts from the same embeddings.
    pub fn init_seeded<B: Backend>(
        &self,
        n_users: usize,
        n_items: usize,
        seed: u64,
        device: &B::Device,
    ) -> LightGcn<B> {
        let host = burn::backend::ndarray::NdArrayDevice::Cpu;
        burn::backend::NdArray::<f32>::seed(&host, seed);
        let start = Tensor::<burn::backend::NdArray, 2>::random(
            [n_users + n_items, self.dim],
            Distribution::Normal(0.0, 0.1),
            &host,
        );
        self.init_from(n_users, Tensor::from_data(start.into_data(), device))
    }

    /// Model starting from the given layer-0 embeddings `[n_users + n_items, dim]`, users
    /// first (e.g. a spectral start computed from the training matrix).
    ///
    /// # Panics
    /// If `embedding` is not `dim` wide.
    pub fn init_from<B: Backend>(&self, n_users: usize, embedding: Tensor<B, 2>) -> LightGcn<B> {
        assert_eq!(embedding.dims()[1], self.dim, "start embeddings must be {} wide", self.dim);
        LightGcn { embedding: Param::from_tensor(embedding), n_users, config: *self }
    }
}

/// LightGCN / LightGCN++ model: one ID embedding per user and item.
#[derive(Module, Debug)]
pub struct LightGcn<B: Backend> {
    /// Layer-0 embeddings, users then items.
    pub embedding: Param<Tensor<B, 2>>,
    #[module(skip)]
    n_users: usize,
    #[module(skip)]
    config: LightGcnConfig,
}

impl<B: Backend> LightGcn<B> {
    /// How this model combines its layers.
    fn layer_mix(&self) -> LayerMix {
        let c = &self.config;
        let k = c.layers as f32;
        let (first, rest) = match c.gamma {
            None => (1.0 / (k + 1.0), 1.0 / (k + 1.0)),
            Some(g) => (g, (1.0 - g) / k),
        };
        LayerMix { layers: c.layers, first, rest, normalize_inputs: c.normalize_inputs }
    }
}

impl<B: GraphBackend> Recommender<B> for LightGcn<B> {
    fn embed(&self, graph: &GraphInputs<B>) -> Embeddings<B> {
        let adjacency = graph.adjacency.as_ref().expect("LightGCN needs the adjacency operator");
        Embeddings::from_nodes(adjacency.mix_layers(self.embedding.val(), self.layer_mix()), self.n_users)
    }

    /// Propagates over the rows' neighbourhood only (see `gnnrec_graph::batch_mix`).
    fn embed_rows(&self, graph: &GraphInputs<B>, users: &[u32], items: &[&[u32]]) -> Option<BatchRows<B>> {
        let adjacency = graph.adjacency.as_ref().expect("LightGCN needs the adjacency operator");
        let (nodes, lengths) = batch_nodes(self.n_users, users, items);
        let (rows, ego) = adjacency.mix_layers_at(self.embedding.val(), self.layer_mix(), &nodes);
        Some(BatchRows {
            rows: split_rows(rows, &lengths),
            ego_square_norm: Some(ego.powf_scalar(2.0).sum()),
        })
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
    fn a_seeded_start_depends_only_on_the_seed() {
        let device = Default::default();
        let config = LightGcnConfig::lightgcn(16);
        let draw = |seed| config.init_seeded::<NdArray>(30, 20, seed, &device).embedding.val().into_data();
        let (first, again, other) = (draw(5), draw(5), draw(6));
        assert_eq!(first, again);
        assert_ne!(first, other);
        let values = first.to_vec::<f32>().unwrap();
        let std = (values.iter().map(|v| v * v).sum::<f32>() / values.len() as f32).sqrt();
        assert!((0.08..0.12).contains(&std), "start std {std}");
    }

    #[test]
    fn one_layer_lightgcn_matches_hand_computation() {
        let device = Default::default();
        // u0–i0 only: Â has 1 at (u0,i0) and (i0,u0).
        let graph = BipartiteGraph::new(1, 1, &[(0, 0)]);
        let mut config = LightGcnConfig::lightgcn(2);
        config.layers = 1;
        let mut model = config.init::<NdArray>(1, 1, &device);
        model.embedding = Param::from_tensor(Tensor::from_floats([[1.0, 0.0], [0.0, 2.0]], &device));
        let inputs =
            GraphInputs::build(&graph, config.operators(), None, Strategy::Sparse, 2, &device).unwrap();
        let e = model.embed(&inputs);
        // user = (e_u + e_i)/2, item = (e_i + e_u)/2.
        e.users.into_data().assert_eq(&burn::tensor::TensorData::from([[0.5f32, 1.0]]), false);
        e.items.into_data().assert_eq(&burn::tensor::TensorData::from([[0.5f32, 1.0]]), false);
    }

    #[test]
    fn lightgcn_pp_normalises_inputs_and_mixes_with_gamma() {
        let device = Default::default();
        let graph = BipartiteGraph::new(1, 1, &[(0, 0)]);
        let mut config = LightGcnConfig::lightgcn_pp(2, 0.5, 0.5, 0.25);
        config.layers = 1;
        let mut model = config.init::<NdArray>(1, 1, &device);
        model.embedding = Param::from_tensor(Tensor::from_floats([[3.0, 0.0], [0.0, 2.0]], &device));
        let inputs =
            GraphInputs::build(&graph, config.operators(), None, Strategy::Sparse, 2, &device).unwrap();
        let e = model.embed(&inputs);
        // user = 0.25·(3,0) + 0.75·unit(e_i) = (0.75, 0.75).
        e.users
            .into_data()
            .assert_approx_eq::<f32>(&burn::tensor::TensorData::from([[0.75f32, 0.75]]), Default::default());
        // item = 0.25·(0,2) + 0.75·unit(e_u) = (0.75, 0.5).
        e.items
            .into_data()
            .assert_approx_eq::<f32>(&burn::tensor::TensorData::from([[0.75f32, 0.5]]), Default::default());
    }

    #[test]
    fn rows_from_the_neighbourhood_match_the_whole_graph() {
        let device = Default::default();
        let graph = BipartiteGraph::new(5, 6, &[(0, 0), (0, 1), (1, 1), (2, 3), (3, 4), (4, 5), (1, 2)]);
        let config = LightGcnConfig::lightgcn_pp(4, 0.6, -0.1, 0.2);
        let model = config.init::<NdArray>(5, 6, &device);
        let inputs =
            GraphInputs::build(&graph, config.operators(), None, Strategy::Sparse, 4, &device).unwrap();
        crate::test_support::assert_rows_match_the_whole_graph(
            &model,
            &inputs,
            (&[0u32, 3, 0], &[1u32, 4, 1], &[5u32, 2, 0]),
        );
    }
}
