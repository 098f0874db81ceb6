//! [`GraphBackend`] for burn-ndarray: the product and the fused layer mixes run on the host,
//! reading and writing the backend's tensors in place.

use burn::backend::NdArray;
use burn::backend::ndarray::NdArrayTensor;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{Tensor, TensorPrimitive};

use crate::batch_mix::{BatchTape, MAX_EDGE_SHARE, Neighbourhood, batch_backward, batch_forward};
use crate::layer_mix::{HostTape, LayerMix, host_backward, host_forward};
use crate::{GraphBackend, SparseOperator};

impl GraphBackend for NdArray {
    fn spmm(op: &SparseOperator, x: FloatTensor<Self>) -> FloatTensor<Self> {
        with_rows(&x, |values, rows, dim| {
            assert_eq!(
                rows,
                op.matrix().n_cols(),
                "spmm: operand has {rows} rows, operator {} columns",
                op.matrix().n_cols()
            );
            tensor(op.matrix().matmul_dense(values, dim), op.matrix().n_rows(), dim)
        })
    }

    fn mix_layers(op: &SparseOperator, x: FloatTensor<Self>, mix: LayerMix) -> FloatTensor<Self> {
        mix_whole(op, &x, mix).0
    }

    fn mix_layers_taped(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
    ) -> Option<(FloatTensor<Self>, HostTape)> {
        Some(mix_whole(op, &x, mix))
    }

    fn mix_layers_backward(
        op: &SparseOperator,
        tape: &HostTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        with_rows(&grad, |values, rows, dim| {
            tensor(host_backward(op.transposed().matrix(), tape, values, dim, mix), rows, dim)
        })
    }

    fn mix_layers_at(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<FloatTensor<Self>> {
        mix_neighbourhood(op, &x, mix, rows).map(|(out, _)| out)
    }

    fn mix_layers_at_taped(
        op: &SparseOperator,
        x: FloatTensor<Self>,
        mix: LayerMix,
        rows: &[u32],
    ) -> Option<(FloatTensor<Self>, BatchTape)> {
        mix_neighbourhood(op, &x, mix, rows)
    }

    fn mix_layers_at_backward(
        op: &SparseOperator,
        tape: &BatchTape,
        grad: FloatTensor<Self>,
        mix: LayerMix,
    ) -> FloatTensor<Self> {
        with_rows(&grad, |values, _, dim| {
            let nodes = tape.neighbourhood().n_nodes();
            tensor(batch_backward(op.transposed().matrix(), tape, values, dim, mix), nodes, dim)
        })
    }
}

/// Calls `f` with the row-major f32 values of the 2-d tensor `x`, its rows and its width.
/// A contiguous f32 tensor is read in place: `into_data` would copy a tensor that autodiff
/// still shares, element by element, which cost more than the product.
fn with_rows<R>(x: &FloatTensor<NdArray>, f: impl FnOnce(&[f32], usize, usize) -> R) -> R {
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

/// The fused forward pass over the whole graph on `x`, and its tape.
fn mix_whole(
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
fn mix_neighbourhood(
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
fn tensor(values: Vec<f32>, rows: usize, dim: usize) -> FloatTensor<NdArray> {
    let array =
        ndarray::ArcArray::from_shape_vec(ndarray::IxDyn(&[rows, dim]), values).expect("rows × dim values");
    NdArrayTensor::from(array)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Distribution, TensorData};

    use super::*;
    use crate::Csr;
    use crate::layer_mix::composed_forward;

    /// `NdArray::spmm` as a tensor function.
    fn product(op: &SparseOperator, t: Tensor<NdArray, 2>) -> Tensor<NdArray, 2> {
        Tensor::from_primitive(TensorPrimitive::Float(NdArray::spmm(op, t.into_primitive().tensor())))
    }

    #[test]
    fn the_product_equals_the_dense_one() {
        let device = Default::default();
        let matrix = Csr::from_triplets(3, 2, &[(0, 1, 2.0), (2, 0, -1.0), (2, 1, 0.5)]);
        let dense = Tensor::<NdArray, 2>::from_data(TensorData::new(matrix.to_dense(), [3, 2]), &device);
        let x = Tensor::<NdArray, 2>::random([2, 5], Distribution::Normal(0.0, 1.0), &device);
        let y = product(&SparseOperator::new(matrix), x.clone());
        y.into_data().assert_approx_eq::<f32>(&dense.matmul(x).into_data(), Default::default());
    }

    #[test]
    fn the_fused_mix_equals_the_composed_operations() {
        let device = Default::default();
        let triplets: Vec<(u32, u32, f32)> =
            (0..24u32).map(|k| ((k * 5) % 6, (k * 7 + 1) % 6, 0.05 * k as f32 - 0.4)).collect();
        let op = SparseOperator::new(Csr::from_triplets(7, 7, &triplets));
        let x = Tensor::<NdArray, 2>::random([7, 4], Distribution::Normal(0.0, 1.0), &device);
        for normalize_inputs in [false, true] {
            let mix = LayerMix { layers: 3, first: 0.2, rest: 0.8 / 3.0, normalize_inputs };
            let fused = NdArray::mix_layers(&op, x.clone().into_primitive().tensor(), mix);
            let fused = Tensor::<NdArray, 2>::from_primitive(TensorPrimitive::Float(fused));
            let composed = composed_forward(x.clone(), mix, |t| product(&op, t));
            fused.into_data().assert_approx_eq::<f32>(&composed.into_data(), Default::default());
        }
    }

    #[test]
    fn a_neighbourhood_spanning_the_graph_is_left_to_the_whole_mix() {
        let device = Default::default();
        let triplets: Vec<(u32, u32, f32)> =
            (0..4u32).flat_map(|r| (0..4u32).filter(move |&c| c != r).map(move |c| (r, c, 0.3))).collect();
        let op = SparseOperator::new(Csr::from_triplets(4, 4, &triplets));
        let x = Tensor::<NdArray, 2>::random([4, 2], Distribution::Normal(0.0, 1.0), &device);
        let mix = LayerMix { layers: 1, first: 0.5, rest: 0.5, normalize_inputs: false };
        let at = |rows: &[u32]| NdArray::mix_layers_at(&op, x.clone().into_primitive().tensor(), mix, rows);
        // One row's layer reads a quarter of the products; every row's, all of them.
        assert!(at(&[0]).is_some());
        assert!(at(&[0, 1, 2, 3]).is_none());
    }
}
