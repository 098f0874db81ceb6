//! The user–item interaction graph and fast, differentiable message passing.
//!
//! Users and items form one bipartite graph. Models propagate embeddings over it with
//! normalised adjacency operators ([`BipartiteGraph::normalized_adjacency`],
//! [`BipartiteGraph::mean_users_from_items`], …). A [`Propagator`] applies such an
//! operator as a CSR sparse product (a custom autodiff op, see [`GraphBackend`]: a
//! CubeCL kernel on the wgpu and CUDA backends, a parallel host product on ndarray), a
//! host product for a device backend, or a dense matrix product on the device,
//! whichever measures faster for the graph at hand.

mod autodiff_backend;
pub mod batch_mix;
mod bipartite;
mod csr;
#[cfg(feature = "cubecl")]
mod device_spmm;
mod graph_backend;
pub mod layer_mix;
mod ndarray_backend;
mod propagation;
pub mod row_segments;
mod sparse_operator;

pub use bipartite::BipartiteGraph;
pub use csr::Csr;
pub use graph_backend::GraphBackend;
pub use layer_mix::LayerMix;
pub use propagation::{Choice, PropagationError, Propagator, Strategy};
pub use sparse_operator::SparseOperator;

/// A 1-d index tensor of node or row ids (for `select`).
pub fn index_tensor<B: burn::tensor::backend::Backend>(
    ids: &[u32],
    device: &B::Device,
) -> burn::tensor::Tensor<B, 1, burn::tensor::Int> {
    let data: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
    burn::tensor::Tensor::from_data(burn::tensor::TensorData::new(data, [ids.len()]), device)
}
