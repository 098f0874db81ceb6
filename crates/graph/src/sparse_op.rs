//! Sparse × dense products as a burn backend operation with its own backward pass.
//!
//! burn has no sparse tensors, and per-edge `select` + `scatter` is slow (platform
//! facts: ~390 ms per million edges on burn-cuda). [`GraphBackend::spmm`] instead runs a
//! CSR product on the host; under [`Autodiff`] its gradient is the product with the
//! transposed matrix, registered as a custom backward step.

use std::any::Any;
use std::sync::{Arc, Mutex};

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

use crate::Csr;
use crate::batch_mix::{BatchTape, batch_backward};
use crate::layer_mix::{HostTape, LayerMix, composed_forward, host_backward};

/// A fixed sparse matrix together with its transpose (used by the backward pass).
#[derive(Debug, Clone)]
pub struct SparseOperator {
    forward: Direction,
    transposed: Direction,
    on_host: bool,
}

/// One direction of an operator: the host matrix and, once a device backend has used
/// it, that backend's copy.
#[derive(Debug, Clone)]
struct Direction {
    matrix: Arc<Csr>,
    device: Arc<DeviceSlot>,
}

impl Direction {
    fn new(matrix: Csr) -> Self {
        Self { matrix: Arc::new(matrix), device: Arc::default() }
    }
}

/// A backend's device copy of a matrix, typed by that backend.
#[derive(Default)]
struct DeviceSlot(Mutex<Option<Box<dyn Any + Send + Sync>>>);

impl std::fmt::Debug for DeviceSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let filled = self.0.lock().map(|slot| slot.is_some()).unwrap_or(false);
        f.debug_tuple("DeviceSlot").field(&if filled { "uploaded" } else { "empty" }).finish()
    }
}

impl SparseOperator {
    /// Wraps a matrix, precomputing its transpose.
    pub fn new(matrix: Csr) -> Self {
        let transposed = Direction::new(matrix.transpose());
        Self { forward: Direction::new(matrix), transposed, on_host: false }
    }

    /// The same operator, multiplied on the host even by backends with a device kernel
    /// (each product then copies the operand to the host and back).
    pub fn on_host(mut self) -> Self {
        self.on_host = true;
        self
    }

    /// Another matrix, multiplied where this operator multiplies (on the host when this
    /// one is [`Self::on_host`]).
    pub fn like(&self, matrix: Csr) -> Self {
        Self { on_host: self.on_host, ..Self::new(matrix) }
    }

    /// Whether [`Self::on_host`] was asked for.
    pub fn is_on_host(&self) -> bool {
        self.on_host
    }

    /// The matrix this operator multiplies by.
    pub fn matrix(&self) -> &Csr {
        &self.forward.matrix
    }

    /// The transposed operator (shares storage, device copies included).
    pub fn transposed(&self) -> Self {
        Self { forward: self.transposed.clone(), transposed: self.forward.clone(), on_host: self.on_host }
    }

    /// The device copy of [`Self::matrix`] a backend keeps here: the cached one when
    /// it is a `T` that `fits` (e.g. is on the right device), otherwise a fresh `make()`,
    /// which replaces it.
    pub fn device_copy<T: Any + Clone + Send + Sync>(
        &self,
        fits: impl Fn(&T) -> bool,
        make: impl FnOnce() -> T,
    ) -> T {
        let mut slot = self.forward.device.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = slot.as_ref().and_then(|any| any.downcast_ref::<T>()).filter(|t| fits(t)) {
            return cached.clone();
        }
        let fresh = make();
        *slot = Some(Box::new(fresh.clone()));
        fresh
    }
}

/// A backend that can multiply a [`SparseOperator`] with a dense float matrix.
pub trait GraphBackend: Backend {
    /// `op × x` for a 2-d `x` of shape `[op.n_cols, d]`; returns `[op.n_rows, d]`.
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// Whether [`Self::spmm`] runs on the device (rather than on the host, where the
    /// backend's tensors live or are copied to).
    fn has_device_sparse() -> bool {
        false
    }

    /// The largest buffer `device` can allocate at once, where the backend has such a
    /// limit (GPU backends); `None` for host memory.
    fn max_allocation_bytes(_device: &Self::Device) -> Option<u64> {
        None
    }

    /// LightGCN's layer mix (see [`LayerMix`]) of node embeddings `x` over the square
    /// operator `op`. By default composed of tensor operations around [`Self::spmm`].
    fn mix_layers(op: &SparseOperator, x: FloatTensor<Self>, mix: LayerMix) -> FloatTensor<Self> {
        let x = Tensor::<Self, 2>::from_primitive(TensorPrimitive::Float(x));
        composed_forward(x, mix, |t| {
            Tensor::from_primitive(TensorPrimitive::Float(Self::spmm(op, t.into_primitive().tensor())))
        })
        .into_primitive()
        .tensor()
    }

    /// The fused host forward pass and its tape, for backends whose tensors live in host
    /// memory; `None` (the default) lets autodiff differentiate [`Self::mix_layers`]'s
    /// operations one by one.
    fn mix_layers_taped(
        _op: &SparseOperator,
        _x: FloatTensor<Self>,
        _mix: LayerMix,
    ) -> Option<(FloatTensor<Self>, HostTape)> {
        None
    }

    /// The gradient with respect to `x` of a [`Self::mix_layers_taped`] pass, given the
    /// gradient of its output.
    fn mix_layers_backward(
        op: &SparseOperator,
        tape: &HostTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        through_host::<Self>(grad, |values, rows, dim| {
            (host_backward(op.transposed().matrix(), tape, values, dim, mix), rows)
        })
    }

    /// [`Self::mix_layers`] at the nodes `rows` only, followed by `x` at the same rows
    /// (`[2·rows.len(), dim]`: the final, then the layer-0 embeddings; repeats allowed),
    /// computed over the rows' neighbourhood; `None` (the default, and where the
    /// neighbourhood is most of the graph) leaves the caller to mix the whole graph and
    /// select.
    fn mix_layers_at(
        _op: &SparseOperator,
        _x: FloatTensor<Self>,
        _mix: LayerMix,
        _rows: &[u32],
    ) -> Option<FloatTensor<Self>> {
        None
    }

    /// The fused host pass over the batch's neighbourhood ([`batch_forward`]) and its
    /// tape, for backends whose tensors live in host memory; `None` (the default) lets
    /// autodiff differentiate [`Self::mix_layers_at`]'s operations.
    fn mix_layers_at_taped(
        _op: &SparseOperator,
        _x: FloatTensor<Self>,
        _mix: LayerMix,
        _rows: &[u32],
    ) -> Option<(FloatTensor<Self>, BatchTape)> {
        None
    }

    /// The gradient with respect to all nodes of a [`Self::mix_layers_at_taped`] pass,
    /// given the gradient of its rows.
    fn mix_layers_at_backward(
        op: &SparseOperator,
        tape: &BatchTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        through_host::<Self>(grad, |values, _, dim| {
            (batch_backward(op.transposed().matrix(), tape, values, dim, mix), tape.neighbourhood().n_nodes())
        })
    }
}

/// Reads the 2-d `x` to the host, computes `f(values, rows, dim) = (out, out_rows)` and
/// uploads `out` as an `out_rows × dim` tensor on `x`'s device.
fn through_host<B: Backend>(
    x: FloatTensor<B>,
    f: impl FnOnce(&[f32], usize, usize) -> (Vec<f32>, usize),
) -> FloatTensor<B> {
    let x = Tensor::<B, 2>::from_primitive(TensorPrimitive::Float(x));
    let (device, [rows, dim]) = (x.device(), x.dims());
    let data = x.into_data().convert::<f32>();
    let (out, out_rows) = f(data.as_slice::<f32>().expect("f32 after convert"), rows, dim);
    Tensor::<B, 2>::from_data(TensorData::new(out, [out_rows, dim]), &device).into_primitive().tensor()
}

/// The host implementation shared by the device backends: read `x` back, multiply in
/// parallel on the CPU, upload the result.
#[cfg(feature = "cubecl")]
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
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        host::with_rows(&x, |values, rows, dim| {
            assert_eq!(
                rows,
                op.matrix().n_cols(),
                "spmm: operand has {rows} rows, operator {} columns",
                op.matrix().n_cols()
            );
            host::tensor(op.matrix().matmul_dense(values, dim), op.matrix().n_rows(), dim)
        })
    }

    fn mix_layers(op: &SparseOperator, x: FloatTensor<Self>, mix: LayerMix) -> FloatTensor<Self> {
        host::mix_layers(op, &x, mix).0
    }

    fn mix_layers_taped(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
    ) -> Option<(FloatTensor<Self>, HostTape)> {
        Some(host::mix_layers(op, &x, mix))
    }

    fn mix_layers_backward(
        op: &SparseOperator,
        tape: &HostTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        host::with_rows(&grad, |values, rows, dim| {
            host::tensor(host_backward(op.transposed().matrix(), tape, values, dim, mix), rows, dim)
        })
    }

    fn mix_layers_at(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<FloatTensor<Self>> {
        host::mix_layers_at(op, &x, mix, rows).map(|(out, _)| out)
    }

    fn mix_layers_at_taped(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<(FloatTensor<Self>, BatchTape)> {
        host::mix_layers_at(op, &x, mix, rows)
    }

    fn mix_layers_at_backward(
        op: &SparseOperator,
        tape: &BatchTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        host::with_rows(&grad, |values, _, dim| {
            let nodes = tape.neighbourhood().n_nodes();
            host::tensor(batch_backward(op.transposed().matrix(), tape, values, dim, mix), nodes, dim)
        })
    }
}

/// Reading and writing burn-ndarray tensors without copies.
mod host {
    use burn::backend::NdArray;
    use burn::backend::ndarray::NdArrayTensor;
    use burn::tensor::ops::FloatTensor;
    use burn::tensor::{Tensor, TensorPrimitive};

    use crate::SparseOperator;
    use crate::batch_mix::{BatchTape, MAX_EDGE_SHARE, Neighbourhood, batch_forward};
    use crate::layer_mix::{HostTape, LayerMix, host_forward};

    /// Calls `f` with the row-major f32 values of the 2-d tensor `x`, its rows and its
    /// width. A contiguous f32 tensor is read in place: `into_data` would copy a tensor
    /// that autodiff still shares, element by element, which cost more than the product.
    pub(super) fn with_rows<R>(x: &FloatTensor<NdArray>, f: impl FnOnce(&[f32], usize, usize) -> R) -> R {
        if let NdArrayTensor::F32(storage) = x {
            let view = storage.view();
            if let (&[rows, dim], Some(values)) = (view.shape(), view.as_slice()) {
                return f(values, rows, dim);
            }
        }
        let x = Tensor::<NdArray, 2>::from_primitive(TensorPrimitive::Float(x.clone()));
        let [rows, dim] = x.dims();
        let data = x.into_data().convert::<f32>();
        f(data.as_slice::<f32>().expect("f32 after convert"), rows, dim)
    }

    /// The fused forward pass on `x`, and its tape.
    pub(super) fn mix_layers(
        op: &SparseOperator,
        x: &FloatTensor<NdArray>,
        mix: LayerMix,
    ) -> (FloatTensor<NdArray>, HostTape) {
        with_rows(x, |values, rows, dim| {
            let (out, tape) = host_forward(op.matrix(), values, dim, mix);
            (tensor(out, rows, dim), tape)
        })
    }

    /// The fused pass over the neighbourhood of `rows`, and its tape; `None` when that
    /// neighbourhood holds more than [`MAX_EDGE_SHARE`] of the graph's products (the
    /// whole-graph pass is then as cheap and streams the operator in order).
    pub(super) fn mix_layers_at(
        op: &SparseOperator,
        x: &FloatTensor<NdArray>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<(FloatTensor<NdArray>, BatchTape)> {
        let hood = Neighbourhood::new(op.matrix(), rows, mix.layers);
        if hood.edge_share(op.matrix()) > MAX_EDGE_SHARE {
            return None;
        }
        Some(with_rows(x, |values, _, dim| {
            let (out, tape) = batch_forward(op.matrix(), hood, values, dim, mix);
            (tensor(out, 2 * rows.len(), dim), tape)
        }))
    }

    /// A `rows × dim` tensor that takes ownership of `values`.
    pub(super) fn tensor(values: Vec<f32>, rows: usize, dim: usize) -> FloatTensor<NdArray> {
        let array = ndarray::ArcArray::from_shape_vec(ndarray::IxDyn(&[rows, dim]), values)
            .expect("rows × dim values");
        NdArrayTensor::from(array)
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

/// The backward step of a fused [`GraphBackend::mix_layers_at_taped`] pass.
#[derive(Debug)]
struct BatchMixBackward;

impl<B: GraphBackend> Backward<B, 1> for BatchMixBackward {
    type State = (SparseOperator, Arc<BatchTape>, LayerMix);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (op, tape, mix) = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::mix_layers_at_backward(&op, &tape, grad, mix));
    }
}

/// The backward step of a fused [`GraphBackend::mix_layers_taped`] pass.
#[derive(Debug)]
struct MixBackward;

impl<B: GraphBackend> Backward<B, 1> for MixBackward {
    type State = (SparseOperator, Arc<HostTape>, LayerMix);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (op, tape, mix) = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| B::mix_layers_backward(&op, &tape, grad, mix));
    }
}

impl<B: GraphBackend, C: CheckpointStrategy> GraphBackend for Autodiff<B, C> {
    fn has_device_sparse() -> bool {
        B::has_device_sparse()
    }

    fn max_allocation_bytes(device: &Self::Device) -> Option<u64> {
        B::max_allocation_bytes(device)
    }

    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        match SpmmBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(op.clone(), B::spmm(op, x.primitive)),
            OpsKind::UnTracked(prep) => prep.finish(B::spmm(op, x.primitive)),
        }
    }

    /// The inner backend's fused pass with [`MixBackward`] as one autodiff step when it
    /// has one; otherwise the composed operations, differentiated one by one.
    fn mix_layers(op: &SparseOperator, x: FloatTensor<Self>, mix: LayerMix) -> FloatTensor<Self> {
        let Some((out, tape)) = B::mix_layers_taped(op, x.primitive.clone(), mix) else {
            let x = Tensor::<Self, 2>::from_primitive(TensorPrimitive::Float(x));
            return composed_forward(x, mix, |t| {
                Tensor::from_primitive(TensorPrimitive::Float(Self::spmm(op, t.into_primitive().tensor())))
            })
            .into_primitive()
            .tensor();
        };
        match MixBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((op.clone(), Arc::new(tape), mix), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    /// The inner backend's fused pass over the batch's neighbourhood with
    /// [`BatchMixBackward`] as one autodiff step when it has one.
    fn mix_layers_at(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<FloatTensor<Self>> {
        let (out, tape) = B::mix_layers_at_taped(op, x.primitive.clone(), mix, rows)?;
        Some(match BatchMixBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish((op.clone(), Arc::new(tape), mix), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        })
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

    #[test]
    fn the_batch_mix_matches_the_whole_mix_and_a_select() {
        let device = Default::default();
        let triplets: Vec<(u32, u32, f32)> =
            (0..30u32).map(|k| ((k * 5) % 8, (k * 3 + 2) % 8, 0.04 * k as f32 - 0.5)).collect();
        let op = SparseOperator::new(Csr::from_triplets(9, 9, &triplets));
        let x = Tensor::<Ad, 2>::random([9, 4], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let rows = [3u32, 1, 3, 8, 0];
        let w = Tensor::<Ad, 2>::random(
            [2 * rows.len(), 4],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
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
}
