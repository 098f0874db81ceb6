//! Graph recommenders over the user–item graph, generic over the burn backend.
//!
//! Every model implements [`Recommender`]: it turns the graph (as [`GraphInputs`]) into
//! final user and item embeddings and scores user–item pairs. Dot-product models
//! (LightGCN, LightGCN++, NGCF) score with `⟨u, i⟩`; GraphSAGE with its MLP head.

mod config;
mod inputs;
mod lightgcn;
mod ngcf;
mod sage;

pub use config::ModelConfig;
pub use inputs::{GraphInputs, Operators};
pub use lightgcn::{LightGcn, LightGcnConfig};
pub use ngcf::{Ngcf, NgcfConfig};
pub use sage::{Sage, SageConfig};

use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use gnnrec_graph::GraphBackend;

/// Final embeddings of all users (`[n_users, d]`) and all items (`[n_items, d]`).
#[derive(Debug, Clone)]
pub struct Embeddings<B: Backend> {
    /// One row per user.
    pub users: Tensor<B, 2>,
    /// One row per item.
    pub items: Tensor<B, 2>,
}

/// A graph recommender.
pub trait Recommender<B: GraphBackend>: Module<B> {
    /// Propagates over the graph and returns the final embeddings.
    fn embed(&self, graph: &GraphInputs<B>) -> Embeddings<B>;

    /// Scores aligned pairs: row `k` of `users` with row `k` of `items` → `[n]`.
    fn score_pairs(&self, users: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 1> {
        (users * items).sum_dim(1).squeeze_dim(1)
    }

    /// Scores every user of `users` against every item of `items` → `[n_users, n_items]`.
    fn score_matrix(&self, users: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        users.matmul(items.transpose())
    }

    /// The pair-scoring MLP, one `(weight [in, out], bias [out])` per layer with ReLUs in
    /// between, whose first layer reads `[user; item]`; `None` for dot-product models.
    fn head_layers(&self) -> Option<Vec<(Tensor<B, 2>, Tensor<B, 1>)>> {
        None
    }

    /// Sum of squared layer-0 (ID) embeddings of the given users and items, for the
    /// LightGCN-style L2 term; `None` for models without ID embeddings on both sides.
    fn ego_square_norm(&self, users: Tensor<B, 1, Int>, items: Tensor<B, 1, Int>) -> Option<Tensor<B, 1>>;
}

impl<B: Backend> Embeddings<B> {
    /// Splits a `[n_users + n_items, d]` node matrix (users first) into its two parts.
    pub(crate) fn from_nodes(nodes: Tensor<B, 2>, n_users: usize) -> Self {
        let n = nodes.dims()[0];
        Self { users: nodes.clone().slice(0..n_users), items: nodes.slice(n_users..n) }
    }
}

/// Sum of squared rows `users` and `n_users + items` of a users-then-items table.
pub(crate) fn node_square_norm<B: Backend>(
    table: Tensor<B, 2>,
    n_users: usize,
    users: Tensor<B, 1, Int>,
    items: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let rows = table.select(0, Tensor::cat(vec![users, items + n_users as i64], 0));
    rows.powf_scalar(2.0).sum()
}

/// Rows of `x` scaled to unit L2 norm (zero rows stay zero).
pub(crate) fn l2_normalize_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    // Clamp before the square root: its gradient at 0 is infinite and would turn into NaN.
    let norm = x.clone().powf_scalar(2.0).sum_dim(1).clamp_min(1e-24).sqrt();
    x / norm
}

/// An `n × d` embedding table with PyTorch's `xavier_uniform_` fans (in = d, out = n).
pub(crate) fn xavier_table<B: Backend>(
    n: usize,
    d: usize,
    device: &B::Device,
) -> burn::module::Param<Tensor<B, 2>> {
    burn::nn::Initializer::XavierUniform { gain: 1.0 }.init_with([n, d], Some(d), Some(n), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, NdArray};

    #[test]
    fn normalising_a_zero_row_keeps_gradients_finite() {
        let device = Default::default();
        let x = Tensor::<Autodiff<NdArray>, 2>::from_floats([[0.0, 0.0], [3.0, 4.0]], &device).require_grad();
        let y = l2_normalize_rows(x.clone());
        y.clone().into_data().assert_approx_eq::<f32>(
            &burn::tensor::TensorData::from([[0.0f32, 0.0], [0.6, 0.8]]),
            Default::default(),
        );
        let grad = x.grad(&y.sum().backward()).unwrap().into_data().to_vec::<f32>().unwrap();
        assert!(grad.iter().all(|g| g.is_finite()), "{grad:?}");
    }
}
