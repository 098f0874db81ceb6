//! The user–item interaction graph and fast, differentiable message passing.
//!
//! Users and items form one bipartite graph. Models propagate embeddings over it with
//! normalised adjacency operators ([`BipartiteGraph::normalized_adjacency`],
//! [`BipartiteGraph::mean_users_from_items`], …). A [`Propagator`] applies such an
//! operator either as a host CSR sparse product (a custom autodiff op, see
//! [`GraphBackend`]) or as a dense matrix product on the device, whichever measures
//! faster for the graph at hand.

mod bipartite;
mod csr;
pub mod layer_mix;
mod propagation;
mod sparse_op;

pub use bipartite::BipartiteGraph;
pub use csr::Csr;
pub use layer_mix::LayerMix;
pub use propagation::{Propagator, Strategy};
pub use sparse_op::{GraphBackend, SparseOperator};
