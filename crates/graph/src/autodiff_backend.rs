//! [`GraphBackend`] under burn's [`Autodiff`]: each graph operation of the inner backend is
//! one step of the autodiff graph, whose backward pass is the inner backend's (the product
//! with the transposed operator, or a fused mix's backward pass over its tape).

use std::sync::Arc;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive};

use crate::batch_mix::BatchTape;
use crate::layer_mix::{HostTape, LayerMix, composed_forward};
use crate::{GraphBackend, SparseOperator};

impl<B: GraphBackend, C: CheckpointStrategy> GraphBackend for Autodiff<B, C> {
    fn has_device_sparse() -> bool {
        B::has_device_sparse()
    }

    fn max_allocation_bytes(device: &Self::Device) -> Option<u64> {
        B::max_allocation_bytes(device)
    }

    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        let out = B::spmm(op, x.primitive.clone());
        record::<B, C>(&x, out, || Adjoint::Product(op.clone()))
    }

    /// The inner backend's fused pass as one autodiff step when it has one; otherwise the
    /// composed operations, differentiated one by one.
    fn mix_layers(op: &SparseOperator, x: FloatTensor<Self>, mix: LayerMix) -> FloatTensor<Self> {
        let Some((out, tape)) = B::mix_layers_taped(op, x.primitive.clone(), mix) else {
            let x = Tensor::<Self, 2>::from_primitive(TensorPrimitive::Float(x));
            return composed_forward(x, mix, |t| {
                Tensor::from_primitive(TensorPrimitive::Float(Self::spmm(op, t.into_primitive().tensor())))
            })
            .into_primitive()
            .tensor();
        };
        record::<B, C>(&x, out, || Adjoint::Mix(op.clone(), Arc::new(tape), mix))
    }

    /// The inner backend's fused pass over the batch's neighbourhood as one autodiff step
    /// when it has one.
    fn mix_layers_at(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<FloatTensor<Self>> {
        let (out, tape) = B::mix_layers_at_taped(op, x.primitive.clone(), mix, rows)?;
        Some(record::<B, C>(&x, out, || Adjoint::BatchMix(op.clone(), Arc::new(tape), mix)))
    }
}

/// What a graph operation keeps for its backward pass: enough to map the gradient of its
/// output to the gradient of its input.
#[derive(Debug, Clone)]
enum Adjoint {
    /// `op × x`: the input's gradient is `opᵀ × grad`.
    Product(SparseOperator),
    /// A fused whole-graph mix ([`GraphBackend::mix_layers_taped`]) and its tape.
    Mix(SparseOperator, Arc<HostTape>, LayerMix),
    /// A fused mix at a batch's rows ([`GraphBackend::mix_layers_at_taped`]) and its tape.
    BatchMix(SparseOperator, Arc<BatchTape>, LayerMix),
}

impl Adjoint {
    /// The gradient of the operation's input, given that of its output.
    fn input_gradient<B: GraphBackend>(self, grad: FloatTensor<B>) -> FloatTensor<B> {
        match self {
            Self::Product(op) => B::spmm(&op.transposed(), grad),
            Self::Mix(op, tape, mix) => B::mix_layers_backward(&op, &tape, grad, mix),
            Self::BatchMix(op, tape, mix) => B::mix_layers_at_backward(&op, &tape, grad, mix),
        }
    }
}

/// The backward step of every graph operation, through its [`Adjoint`].
#[derive(Debug)]
struct GraphOpBackward;

impl<B: GraphBackend> Backward<B, 1> for GraphOpBackward {
    type State = Adjoint;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let adjoint = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| adjoint.input_gradient::<B>(grad));
    }
}

/// `out`, which the inner backend computed from `input`, as an autodiff tensor: a step
/// with the `adjoint` it makes when `input` is tracked, a constant otherwise.
fn record<B: GraphBackend, C: CheckpointStrategy>(
    input: &FloatTensor<Autodiff<B, C>>,
    out: FloatTensor<B>,
    adjoint: impl FnOnce() -> Adjoint,
) -> FloatTensor<Autodiff<B, C>> {
    match GraphOpBackward.prepare::<C>([input.node.clone()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(adjoint(), out),
        OpsKind::UnTracked(prep) => prep.finish(out),
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::NdArray;
    use burn::tensor::{Distribution, TensorData};

    use super::*;
    use crate::Csr;

    type Ad = Autodiff<NdArray>;

    /// `Ad::spmm` as a tensor function.
    fn product(op: &SparseOperator, t: Tensor<Ad, 2>) -> Tensor<Ad, 2> {
        Tensor::from_primitive(TensorPrimitive::Float(Ad::spmm(op, t.into_primitive().tensor())))
    }

    #[test]
    fn gradient_is_the_transposed_product() {
        let device = Default::default();
        // 2 × 3 operator.
        let op = SparseOperator::new(Csr::from_triplets(2, 3, &[(0, 0, 1.0), (0, 2, 2.0), (1, 1, -1.0)]));
        let x = Tensor::<Ad, 2>::from_floats([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], &device).require_grad();
        let y = product(&op, x.clone());
        y.clone().into_data().assert_eq(&TensorData::from([[11.0f32, 14.0], [-3.0, -4.0]]), false);
        // Loss = sum(y ⊙ w); dL/dx = Aᵀ w.
        let w = Tensor::<Ad, 2>::from_floats([[1.0, 0.5], [2.0, -1.0]], &device);
        let grads = (y * w).sum().backward();
        let gx = x.grad(&grads).expect("x is tracked");
        gx.into_data().assert_eq(&TensorData::from([[1.0f32, 0.5], [-2.0, 1.0], [2.0, 1.0]]), false);
    }

    #[test]
    fn the_fused_mix_matches_tensor_operations_in_value_and_gradient() {
        let device = Default::default();
        // A 7-node operator with an isolated row (node 6) and asymmetric weights.
        let triplets: Vec<(u32, u32, f32)> =
            (0..24u32).map(|k| ((k * 5) % 6, (k * 7 + 1) % 6, 0.05 * k as f32 - 0.4)).collect();
        let op = SparseOperator::new(Csr::from_triplets(7, 7, &triplets));
        let x = Tensor::<Ad, 2>::random([7, 4], Distribution::Normal(0.0, 1.0), &device);
        let w = Tensor::<Ad, 2>::random([7, 4], Distribution::Normal(0.0, 1.0), &device);
        let mix = LayerMix { layers: 3, first: 0.2, rest: 0.8 / 3.0, normalize_inputs: true };
        let run = |fused: bool| {
            let x = x.clone().require_grad();
            let y = if fused {
                Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(Ad::mix_layers(
                    &op,
                    x.clone().into_primitive().tensor(),
                    mix,
                )))
            } else {
                composed_forward(x.clone(), mix, |t| product(&op, t))
            };
            let grads = (y.clone() * w.clone()).sum().backward();
            (y.into_data(), x.grad(&grads).expect("x is tracked").into_data())
        };
        let ((value, gradient), (expected_value, expected_gradient)) = (run(true), run(false));
        value.assert_approx_eq::<f32>(&expected_value, Default::default());
        gradient.assert_approx_eq::<f32>(&expected_gradient, Default::default());
    }

    #[test]
    fn the_batch_mix_matches_the_whole_mix_and_a_select() {
        let device = Default::default();
        let triplets: Vec<(u32, u32, f32)> =
            (0..30u32).map(|k| ((k * 5) % 8, (k * 3 + 2) % 8, 0.04 * k as f32 - 0.5)).collect();
        let op = SparseOperator::new(Csr::from_triplets(9, 9, &triplets));
        let x = Tensor::<Ad, 2>::random([9, 4], Distribution::Normal(0.0, 1.0), &device);
        let rows = [3u32, 1, 3, 8, 0];
        let w = Tensor::<Ad, 2>::random([2 * rows.len(), 4], Distribution::Normal(0.0, 1.0), &device);
        let mix = LayerMix { layers: 3, first: 0.2, rest: 0.8 / 3.0, normalize_inputs: true };
        let run = |batch: bool| {
            let x = x.clone().require_grad();
            let y = if batch {
                let y = Ad::mix_layers_at(&op, x.clone().into_primitive().tensor(), mix, &rows);
                Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(y.expect("a small neighbourhood")))
            } else {
                let index = crate::index_tensor::<Ad>(&rows, &device);
                let mixed = Ad::mix_layers(&op, x.clone().into_primitive().tensor(), mix);
                let mixed = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(mixed));
                Tensor::cat(vec![mixed.select(0, index.clone()), x.clone().select(0, index)], 0)
            };
            let grads = (y.clone() * w.clone()).sum().backward();
            (y.into_data(), x.grad(&grads).expect("x is tracked").into_data())
        };
        let ((value, gradient), (expected_value, expected_gradient)) = (run(true), run(false));
        value.assert_approx_eq::<f32>(&expected_value, Default::default());
        gradient.assert_approx_eq::<f32>(&expected_gradient, Default::default());
    }

    #[test]
    fn an_untracked_input_gives_the_inner_backends_value() {
        let device = Default::default();
        let op = SparseOperator::new(Csr::from_triplets(2, 2, &[(0, 1, 2.0), (1, 0, -1.0)]));
        let x = Tensor::<Ad, 2>::from_floats([[1.0, 2.0], [3.0, 4.0]], &device);
        let y = product(&op, x);
        assert!(!y.is_require_grad());
        y.into_data().assert_eq(&TensorData::from([[6.0f32, 8.0], [-1.0, -2.0]]), false);
    }
}
