//! The graph a model propagates over, prepared once per data set and backend.

use burn::tensor::Tensor;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::{BipartiteGraph, Choice, GraphBackend, PropagationError, Propagator, Strategy};

/// Operators and features for one graph. Models take what they need; the rest is `None`.
#[derive(Debug, Clone)]
pub struct GraphInputs<B: GraphBackend> {
    /// Number of users.
    pub n_users: usize,
    /// Number of items.
    pub n_items: usize,
    /// Square `(U+I)` normalised adjacency (LightGCN, LightGCN++, NGCF).
    pub adjacency: Option<Propagator<B>>,
    /// `users × items` neighbour mean (GraphSAGE).
    pub users_from_items: Option<Propagator<B>>,
    /// `items × users` neighbour mean (GraphSAGE).
    pub items_from_users: Option<Propagator<B>>,
    /// Item input features `[n_items, f]` (e.g. PCA of the text embeddings).
    pub item_features: Option<Tensor<B, 2>>,
    /// How each operator propagates and why, in the order built.
    pub choices: Vec<Choice>,
}

/// Which operators to build for [`GraphInputs::build`].
#[derive(Debug, Clone, Copy)]
pub enum Operators {
    /// `D^-alpha A D^-beta` on the square graph.
    Adjacency {
        /// Exponent of the target node's degree.
        alpha: f32,
        /// Exponent of the source node's degree.
        beta: f32,
    },
    /// Neighbour means in both directions.
    NeighbourMeans,
}

impl<B: GraphBackend> GraphInputs<B> {
    /// Builds the operators a model needs with the given propagation strategy.
    ///
    /// # Errors
    /// If the device cannot hold an operator with that strategy.
    pub fn build(
        graph: &BipartiteGraph,
        operators: Operators,
        item_features: Option<Tensor<B, 2>>,
        strategy: Strategy,
        dim: usize,
        device: &B::Device,
    ) -> Result<Self, PropagationError> {
        const DENSE_LIMIT: usize = 2 << 30;
        let mut choices = Vec::new();
        let mut prop = |m| {
            let (propagator, choice) = Propagator::choose(m, strategy, dim, DENSE_LIMIT, device)?;
            choices.push(choice);
            Ok::<_, PropagationError>(propagator)
        };
        let (adjacency, users_from_items, items_from_users) = match operators {
            Operators::Adjacency { alpha, beta } => {
                (Some(prop(graph.normalized_adjacency(alpha, beta))?), None, None)
            }
            Operators::NeighbourMeans => {
                (None, Some(prop(graph.mean_users_from_items())?), Some(prop(graph.mean_items_from_users())?))
            }
        };
        Ok(Self {
            n_users: graph.n_users(),
            n_items: graph.n_items(),
            adjacency,
            users_from_items,
            items_from_users,
            item_features,
            choices,
        })
    }

    /// Strategies actually in use, one per operator.
    pub fn strategies(&self) -> Vec<Strategy> {
        self.choices.iter().map(|choice| choice.chosen).collect()
    }
}

impl<B: AutodiffBackend + GraphBackend> GraphInputs<B>
where
    B::InnerBackend: GraphBackend,
{
    /// The same inputs on the inner (non-differentiable) backend, for evaluation.
    pub fn inner(&self) -> GraphInputs<B::InnerBackend> {
        let conv = |p: &Option<Propagator<B>>| {
            p.as_ref().map(|p| match p {
                Propagator::Sparse(op) => Propagator::Sparse(op.clone()),
                Propagator::Dense(m) => Propagator::Dense(m.clone().inner()),
            })
        };
        GraphInputs {
            n_users: self.n_users,
            n_items: self.n_items,
            adjacency: conv(&self.adjacency),
            users_from_items: conv(&self.users_from_items),
            items_from_users: conv(&self.items_from_users),
            item_features: self.item_features.clone().map(|f| f.inner()),
            choices: self.choices.clone(),
        }
    }
}
