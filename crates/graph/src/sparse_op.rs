//! Sparse × dense products as a burn backend operation with its own backward pass.
//!
//! burn has no sparse tensors, and per-edge `select` + `scatter` is slow (platform
//! facts: ~390 ms per million edges on burn-cuda). [`GraphBackend::spmm`] instead runs a
//! CSR product on the host; under [`Autodiff`] its gradient is the product with the
//! transposed matrix, registered as a custom backward step.

use std::sync::Arc;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

use crate::Csr;

/// A fixed sparse matrix together with its transpose (used by the backward pass).
#[derive(Debug, Clone)]
pub struct SparseOperator {
    forward: Arc<Csr>,
    transposed: Arc<Csr>,
}

impl SparseOperator {
    /// Wraps a matrix, precomputing its transpose.
    pub fn new(matrix: Csr) -> Self {
        let transposed = Arc::new(matrix.transpose());
        Self { forward: Arc::new(matrix), transposed }
    }

    /// The matrix this operator multiplies by.
    pub fn matrix(&self) -> &Csr {
        &self.forward
    }

    /// The transposed operator (shares storage).
    pub fn transposed(&self) -> Self {
        Self { forward: self.transposed.clone(), transposed: self.forward.clone() }
    }
}

/// A backend that can multiply a [`SparseOperator`] with a dense float matrix.
pub trait GraphBackend: Backend {
    /// `op × x` for a 2-d `x` of shape `[op.n_cols, d]`; returns `[op.n_rows, d]`.
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The host implementation shared by the plain backends: read `x` back, multiply in
/// parallel on the CPU, upload the result.
pub fn host_spmm<B: Backend>(op: &SparseOperator, x: FloatTensor<B>) -> FloatTensor<B> {
    let x = Tensor::<B, 2>::from_primitive(TensorPrimitive::Float(x));
    let device = x.device();
    let [rows, dim] = x.dims();
    assert_eq!(
        rows,
        op.matrix().n_cols(),
        "spmm: operand has {rows} rows, operator {} columns",
        op.matrix().n_cols()
    );
    let data = x.into_data().convert::<f32>();
    let values = data.as_slice::<f32>().expect("f32 after convert");
    let out = op.matrix().matmul_dense(values, dim);
    Tensor::<B, 2>::from_data(TensorData::new(out, [op.matrix().n_rows(), dim]), &device)
        .into_primitive()
        .tensor()
}

impl GraphBackend for burn::backend::NdArray {
    /// Reads a contiguous f32 operand in place: `into_data` would copy a tensor that
    /// autodiff still shares element by element, which cost more than the product.
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        use burn::backend::ndarray::NdArrayTensor;
        if let NdArrayTensor::F32(storage) = &x {
            let view = storage.view();
            if let (&[rows, dim], Some(values)) = (view.shape(), view.as_slice()) {
                assert_eq!(
                    rows,
                    op.matrix().n_cols(),
                    "spmm: operand has {rows} rows, operator {} columns",
                    op.matrix().n_cols()
                );
                let out = op.matrix().matmul_dense(values, dim);
                let array =
                    ndarray::ArcArray::from_shape_vec(ndarray::IxDyn(&[op.matrix().n_rows(), dim]), out)
                        .expect("the product has n_rows × dim values");
                return NdArrayTensor::from(array);
            }
        }
        host_spmm::<Self>(op, x)
    }
}

#[cfg(feature = "wgpu")]
impl GraphBackend for burn::backend::Wgpu {
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        host_spmm::<Self>(op, x)
    }
}

#[cfg(feature = "cuda")]
impl GraphBackend for burn::backend::Cuda {
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        host_spmm::<Self>(op, x)
    }
}

#[derive(Debug)]
struct SpmmBackward;

impl<B: GraphBackend> Backward<B, 1> for SpmmBackward {
    type State = SparseOperator;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let transposed = ops.state.transposed();
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::spmm(&transposed, grad));
    }
}

impl<B: GraphBackend, C: CheckpointStrategy> GraphBackend for Autodiff<B, C> {
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        match SpmmBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(op.clone(), B::spmm(op, x.primitive)),
            OpsKind::UnTracked(prep) => prep.finish(B::spmm(op, x.primitive)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;

    type Ad = Autodiff<NdArray>;

    #[test]
    fn gradient_is_the_transposed_product() {
        let device = Default::default();
        // 2 × 3 operator.
        let op = SparseOperator::new(Csr::from_triplets(2, 3, &[(0, 0, 1.0), (0, 2, 2.0), (1, 1, -1.0)]));
        let x = Tensor::<Ad, 2>::from_floats([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], &device).require_grad();
        let y = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(Ad::spmm(
            &op,
            x.clone().into_primitive().tensor(),
        )));
        y.clone().into_data().assert_eq(&TensorData::from([[11.0f32, 14.0], [-3.0, -4.0]]), false);
        // Loss = sum(y ⊙ w); dL/dx = Aᵀ w.
        let w = Tensor::<Ad, 2>::from_floats([[1.0, 0.5], [2.0, -1.0]], &device);
        let grads = (y * w).sum().backward();
        let gx = x.grad(&grads).expect("x is tracked");
        gx.into_data().assert_eq(&TensorData::from([[1.0f32, 0.5], [-2.0, 1.0], [2.0, 1.0]]), false);
    }
}
