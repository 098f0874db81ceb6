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
mod typed_neighbourhood;

pub use config::ModelConfig;
pub use inputs::{GraphInputs, Operators};
pub use lightgcn::{EmbeddingStart, LightGcn, LightGcnConfig};
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
    /// The users-then-items matrix both were sliced from, when a model computed one.
    nodes: Option<Tensor<B, 2>>,
}

/// A batch's final embeddings, from [`Recommender::embed_rows`].
#[derive(Debug, Clone)]
pub struct BatchRows<B: Backend> {
    /// The rows of the users, then of each list of items (one tensor per list).
    pub rows: Vec<Tensor<B, 2>>,
    /// [`Recommender::ego_square_norm`] of the same users and items, when the pass that
    /// embedded them read their layer-0 rows anyway (so the L2 term adds no gather of its
    /// own, and no second gradient over the whole embedding table).
    pub ego_square_norm: Option<Tensor<B, 1>>,
}

/// A graph recommender.
pub trait Recommender<B: GraphBackend>: Module<B> {
    /// Propagates over the graph and returns the final embeddings.
    fn embed(&self, graph: &GraphInputs<B>) -> Embeddings<B>;

    /// The final embeddings of `users` and of each list in `items` only, when the model
    /// computes them without embedding every node; `None` when it does not (callers then
    /// [`Self::embed`] and select).
    fn embed_rows(&self, _graph: &GraphInputs<B>, _users: &[u32], _items: &[&[u32]]) -> Option<BatchRows<B>> {
        None
    }

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
    /// User and item tables computed separately.
    pub fn new(users: Tensor<B, 2>, items: Tensor<B, 2>) -> Self {
        Self { users, items, nodes: None }
    }

    /// Splits a `[n_users + n_items, d]` node matrix (users first) into its two parts.
    pub(crate) fn from_nodes(nodes: Tensor<B, 2>, n_users: usize) -> Self {
        let n = nodes.dims()[0];
        Self {
            users: nodes.clone().slice(0..n_users),
            items: nodes.clone().slice(n_users..n),
            nodes: Some(nodes),
        }
    }

    /// Rows `users` of the user table followed by rows `items[k]` of the item table, one
    /// tensor per list. From a node matrix this is a single `select`, whose backward pass
    /// fills one node-sized gradient instead of one per table and per list.
    pub fn select_rows(&self, users: Tensor<B, 1, Int>, items: Vec<Tensor<B, 1, Int>>) -> Vec<Tensor<B, 2>> {
        let Some(nodes) = &self.nodes else {
            let mut rows = vec![self.users.clone().select(0, users)];
            rows.extend(items.into_iter().map(|list| self.items.clone().select(0, list)));
            return rows;
        };
        let n_users = self.users.dims()[0] as i64;
        let lengths: Vec<usize> =
            std::iter::once(users.dims()[0]).chain(items.iter().map(|l| l.dims()[0])).collect();
        let mut indices = vec![users];
        indices.extend(items.into_iter().map(|list| list + n_users));
        let all = nodes.clone().select(0, Tensor::cat(indices, 0));
        let mut start = 0;
        lengths
            .into_iter()
            .map(|length| {
                start += length;
                all.clone().slice(start - length..start)
            })
            .collect()
    }
}

/// The node ids (users first, items after `n_users`) of `users` and each list of
/// `items`, concatenated, and the length of every list.
pub(crate) fn batch_nodes(n_users: usize, users: &[u32], items: &[&[u32]]) -> (Vec<u32>, Vec<usize>) {
    let offset = n_users as u32;
    let nodes =
        users.iter().copied().chain(items.iter().flat_map(|list| list.iter().map(|&i| i + offset))).collect();
    let lengths = std::iter::once(users.len()).chain(items.iter().map(|list| list.len())).collect();
    (nodes, lengths)
}

/// `rows` cut into consecutive parts of the given lengths.
pub(crate) fn split_rows<B: Backend>(rows: Tensor<B, 2>, lengths: &[usize]) -> Vec<Tensor<B, 2>> {
    let mut start = 0;
    lengths
        .iter()
        .map(|&length| {
            start += length;
            rows.clone().slice(start - length..start)
        })
        .collect()
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

/// An `n × d` embedding table with PyTorch's `xavier_uniform_` fans (in = d, out = n).
pub(crate) fn xavier_table<B: Backend>(
    n: usize,
    d: usize,
    device: &B::Device,
) -> burn::module::Param<Tensor<B, 2>> {
    burn::nn::Initializer::XavierUniform { gain: 1.0 }.init_with([n, d], Some(d), Some(n), device)
}

#[cfg(test)]
pub(crate) mod test_support {
    use burn::backend::NdArray;
    use gnnrec_graph::BipartiteGraph;

    use gnnrec_graph::index_tensor;

    use crate::{GraphInputs, Recommender};

    /// `n` users and `n` items on a ring (user `k` rated items `k` and `k + 1`): three hops
    /// around a few nodes reach only a part of it.
    pub(crate) fn ring(n: u32) -> BipartiteGraph {
        let edges: Vec<(u32, u32)> = (0..n).flat_map(|k| [(k, k), (k, (k + 1) % n)]).collect();
        BipartiteGraph::new(n as usize, n as usize, &edges)
    }

    /// Asserts that a batch holding every node of an `n`-user ring is embedded whole
    /// ([`Recommender::embed_rows`] declines).
    pub(crate) fn assert_a_whole_ring_is_declined<M: Recommender<NdArray>>(
        model: &M,
        inputs: &GraphInputs<NdArray>,
        n: u32,
    ) {
        let everyone: Vec<u32> = (0..n).collect();
        assert!(model.embed_rows(inputs, &everyone, &[&everyone]).is_none());
    }

    /// Asserts that [`Recommender::embed_rows`] gives the rows of [`Recommender::embed`]
    /// for a batch of `users`, `positives` and `negatives`.
    pub(crate) fn assert_rows_match_the_whole_graph<M: Recommender<NdArray>>(
        model: &M,
        inputs: &GraphInputs<NdArray>,
        (users, positives, negatives): (&[u32], &[u32], &[u32]),
    ) {
        let device = Default::default();
        let batch =
            model.embed_rows(inputs, users, &[positives, negatives]).expect("rows from the neighbourhood");
        let whole = model.embed(inputs);
        let index = |ids: &[u32]| index_tensor::<NdArray>(ids, &device);
        let expected = [
            whole.users.clone().select(0, index(users)),
            whole.items.clone().select(0, index(positives)),
            whole.items.select(0, index(negatives)),
        ];
        for (row, expected) in batch.rows.into_iter().zip(expected) {
            row.into_data().assert_approx_eq::<f32>(&expected.into_data(), Default::default());
        }
        if let Some(ego) = batch.ego_square_norm {
            let items = index_tensor::<NdArray>(&[positives, negatives].concat(), &device);
            let expected = model.ego_square_norm(index(users), items).expect("the model has ID embeddings");
            ego.into_data().assert_approx_eq::<f32>(&expected.into_data(), Default::default());
        }
    }
}
