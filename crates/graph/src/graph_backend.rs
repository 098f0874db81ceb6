//! The backend operations graph propagation needs beyond burn's: a sparse × dense product
//! and LightGCN's layer mix, whole-graph or at a batch's rows, each with its backward pass.
//! The defaults compose tensor operations around [`GraphBackend::spmm`]; backends whose
//! tensors live in host memory override them with fused host passes.
//!
//! burn has no sparse tensors, and per-edge `select` + `scatter` is slow (platform facts:
//! ~390 ms per million edges on burn-cuda); the product is a CSR product instead, on the
//! host (burn-ndarray) or as a device kernel (the CubeCL backends), and under autodiff its
//! gradient is the product with the transposed matrix, registered as a custom backward step.

use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

use crate::SparseOperator;
use crate::batch_mix::{BatchTape, batch_backward};
use crate::layer_mix::{HostTape, LayerMix, composed_forward, host_backward};

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

    /// The fused host pass over the batch's neighbourhood
    /// ([`batch_forward`](crate::batch_mix::batch_forward)) and its tape, for backends whose
    /// tensors live in host memory; `None` (the default) lets autodiff differentiate
    /// [`Self::mix_layers_at`]'s operations.
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
pub(crate) fn through_host<B: Backend>(
    x: FloatTensor<B>,
    f: impl FnOnce(&[f32], usize, usize) -> (Vec<f32>, usize),
) -> FloatTensor<B> {
    let x = Tensor::<B, 2>::from_primitive(TensorPrimitive::Float(x));
    let (device, [rows, dim]) = (x.device(), x.dims());
    let data = x.into_data().convert::<f32>();
    let (out, out_rows) = f(data.as_slice::<f32>().expect("f32 after convert"), rows, dim);
    Tensor::<B, 2>::from_data(TensorData::new(out, [out_rows, dim]), &device).into_primitive().tensor()
}
