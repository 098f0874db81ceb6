//! LightGCN-style propagation with the layer sum fused into the sparse product.
//!
//! LightGCN and LightGCN++ compute `Eᵏ = Â · in(Eᵏ⁻¹)` for `k = 1..K` and return
//! `first·E⁰ + rest·Σₖ Eᵏ`, where `in` scales rows to unit length (LightGCN++) or is the
//! identity. Written as tensor operations that is about ten passes over all node
//! embeddings per layer, forward and backward, each allocating a node-sized buffer:
//! on a large, sparse graph those passes, not the product, were most of a training step.
//! [`host_forward`] and [`host_backward`] do one fused, parallel pass per layer instead;
//! [`composed_forward`] is the same computation in tensor operations for device backends.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use rayon::prelude::*;

use crate::Csr;
use crate::csr::wide_vectors_available;

/// Squared row norms are clamped to this before the square root, so that zero rows stay
/// zero with finite gradients.
pub const MIN_SQUARE_NORM: f32 = 1e-24;

/// How the propagated layers are combined: `first·E⁰ + rest·Σₖ₌₁ᴷ Eᵏ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerMix {
    /// Propagation layers K.
    pub layers: usize,
    /// Weight of the layer-0 embeddings.
    pub first: f32,
    /// Weight of each propagated layer.
    pub rest: f32,
    /// Scale every layer's input rows to unit length before propagating (LightGCN++).
    pub normalize_inputs: bool,
}

/// What [`host_backward`] needs from the forward pass: each layer's (normalised) input
/// rows and their inverse norms. Empty when inputs are not normalised, because the
/// whole computation is then linear.
#[derive(Debug, Clone, Default)]
pub struct HostTape {
    inputs: Vec<Vec<f32>>,
    inverse_norms: Vec<Vec<f32>>,
}

/// Rows of `x` (`dim` wide) scaled to unit length, and the inverse norms used.
fn normalized_rows(x: &[f32], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let mut out = x.to_vec();
    let mut inverse = vec![0f32; x.len() / dim.max(1)];
    out.par_chunks_mut(dim).zip(inverse.par_iter_mut()).for_each(|(row, inv)| *inv = normalize_row(row));
    (out, inverse)
}

/// Scales `row` to unit length in place (clamped as [`MIN_SQUARE_NORM`]) and returns the
/// inverse norm it multiplied by.
#[inline]
pub(crate) fn normalize_row(row: &mut [f32]) -> f32 {
    let square: f32 = row.iter().map(|v| v * v).sum();
    let inverse = 1.0 / square.max(MIN_SQUARE_NORM).sqrt();
    row.iter_mut().for_each(|v| *v *= inverse);
    inverse
}

/// The mixed output for node embeddings `x` (`n × dim`, row-major) over the square
/// operator `op`, and the tape for [`host_backward`].
///
/// # Panics
/// If `op` is not square with `x.len() / dim` rows.
pub fn host_forward(op: &Csr, x: &[f32], dim: usize, mix: LayerMix) -> (Vec<f32>, HostTape) {
    let n = op.n_rows();
    assert!(op.n_cols() == n && x.len() == n * dim, "layer mix: operator and embeddings disagree");
    let mut total: Vec<f32> = x.par_iter().map(|v| v * mix.first).collect();
    let mut tape = HostTape::default();
    if mix.layers == 0 || dim == 0 {
        return (total, tape);
    }
    let (mut input, mut inverse) =
        if mix.normalize_inputs { normalized_rows(x, dim) } else { (x.to_vec(), Vec::new()) };
    let wide = wide_vectors_available();
    for layer in 0..mix.layers {
        let last = layer + 1 == mix.layers;
        let normalize_next = mix.normalize_inputs && !last;
        let mut next = vec![0f32; n * dim];
        let mut next_inverse = vec![0f32; if normalize_next { n } else { 0 }];
        let rows = total.par_chunks_mut(dim).zip(next.par_chunks_mut(dim)).enumerate();
        if normalize_next {
            rows.zip(next_inverse.par_iter_mut()).for_each(|((r, (sum, out)), inv)| {
                op.accumulate_row(r, &input, out, wide);
                sum.iter_mut().zip(out.iter()).for_each(|(s, o)| *s += mix.rest * o);
                *inv = normalize_row(out);
            });
        } else {
            rows.for_each(|(r, (sum, out))| {
                op.accumulate_row(r, &input, out, wide);
                sum.iter_mut().zip(out.iter()).for_each(|(s, o)| *s += mix.rest * o);
            });
        }
        if mix.normalize_inputs {
            tape.inputs.push(std::mem::replace(&mut input, next));
            tape.inverse_norms.push(std::mem::replace(&mut inverse, next_inverse));
        } else {
            input = next;
        }
    }
    (total, tape)
}

/// The gradient with respect to the layer-0 embeddings, given the gradient `grad` of the
/// mixed output (`n × dim`), the operator's transpose and the forward pass's tape.
///
/// # Panics
/// If the shapes disagree with the forward pass.
pub fn host_backward(transposed: &Csr, tape: &HostTape, grad: &[f32], dim: usize, mix: LayerMix) -> Vec<f32> {
    let n = transposed.n_rows();
    assert!(grad.len() == n * dim, "layer mix: gradient has the wrong shape");
    if mix.layers == 0 || dim == 0 {
        return grad.par_iter().map(|g| g * mix.first).collect();
    }
    let wide = wide_vectors_available();
    // Gradient with respect to the last layer's output.
    let mut upstream: Vec<f32> = grad.par_iter().map(|g| g * mix.rest).collect();
    for layer in (0..mix.layers).rev() {
        let weight = if layer == 0 { mix.first } else { mix.rest };
        let mut below = vec![0f32; n * dim];
        let rows = below.par_chunks_mut(dim).zip(grad.par_chunks(dim)).enumerate();
        if mix.normalize_inputs {
            let (input, inverse) = (&tape.inputs[layer], &tape.inverse_norms[layer]);
            rows.for_each(|(r, (out, g))| {
                transposed.accumulate_row(r, &upstream, out, wide);
                let unit = &input[r * dim..][..dim];
                let along: f32 = out.iter().zip(unit).map(|(o, u)| o * u).sum();
                let inv = inverse[r];
                out.iter_mut()
                    .zip(unit)
                    .zip(g)
                    .for_each(|((o, u), g)| *o = (*o - along * u) * inv + weight * g);
            });
        } else {
            rows.for_each(|(r, (out, g))| {
                transposed.accumulate_row(r, &upstream, out, wide);
                out.iter_mut().zip(g).for_each(|(o, g)| *o += weight * g);
            });
        }
        upstream = below;
    }
    upstream
}

/// [`host_forward`] as burn tensor operations, with `propagate` applying the operator:
/// what device backends run (autodiff differentiates it op by op).
pub fn composed_forward<B: Backend>(
    x: Tensor<B, 2>,
    mix: LayerMix,
    propagate: impl Fn(Tensor<B, 2>) -> Tensor<B, 2>,
) -> Tensor<B, 2> {
    let mut layer = x.clone();
    let mut total = x * mix.first;
    for _ in 0..mix.layers {
        let input = if mix.normalize_inputs { normalize_rows(layer) } else { layer };
        layer = propagate(input);
        total = total + layer.clone() * mix.rest;
    }
    total
}

/// Rows of `x` scaled to unit length (zero rows stay zero, with finite gradients).
pub fn normalize_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    // Clamp before the square root: its gradient at 0 is infinite and would turn into NaN.
    let norm = x.clone().powf_scalar(2.0).sum_dim(1).clamp_min(MIN_SQUARE_NORM).sqrt();
    x / norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, NdArray};
    use burn::tensor::{Distribution, TensorData};

    type Ad = Autodiff<NdArray>;

    fn graph() -> Csr {
        // A 7-node operator with an isolated row (node 6) and asymmetric weights.
        let triplets: Vec<(u32, u32, f32)> =
            (0..24u32).map(|k| ((k * 5) % 6, (k * 7 + 1) % 6, 0.05 * k as f32 - 0.4)).collect();
        Csr::from_triplets(7, 7, &triplets)
    }

    /// Value and gradient of `Σ w ⊙ mix(x)` through the composed tensor operations, with
    /// `op` as a dense matrix.
    fn composed(x: &Tensor<Ad, 2>, w: &Tensor<Ad, 2>, op: &Csr, mix: LayerMix) -> (Vec<f32>, Vec<f32>) {
        let dense = Tensor::<Ad, 2>::from_data(
            TensorData::new(op.to_dense(), [op.n_rows(), op.n_cols()]),
            &x.device(),
        );
        let x = x.clone().require_grad();
        let y = composed_forward(x.clone(), mix, |t| dense.clone().matmul(t));
        let grads = (y.clone() * w.clone()).sum().backward();
        (y.into_data().to_vec().unwrap(), x.grad(&grads).unwrap().into_data().to_vec().unwrap())
    }

    fn assert_close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{a:?}\n{b:?}");
        }
    }

    #[test]
    fn fused_passes_match_tensor_operations() {
        let device = Default::default();
        let op = graph();
        let mut x = Tensor::<Ad, 2>::random([7, 3], Distribution::Normal(0.0, 1.0), &device);
        x = x.slice_assign([2..3, 0..3], Tensor::zeros([1, 3], &device)); // a zero row
        let w = Tensor::<Ad, 2>::random([7, 3], Distribution::Normal(0.0, 1.0), &device);
        let host_x: Vec<f32> = x.clone().into_data().to_vec().unwrap();
        let host_w: Vec<f32> = w.clone().into_data().to_vec().unwrap();
        for layers in [0, 1, 3] {
            for normalize_inputs in [false, true] {
                let mix = LayerMix { layers, first: 0.3, rest: 0.7 / 3.0, normalize_inputs };
                let (value, gradient) = composed(&x, &w, &op, mix);
                let (fused, tape) = host_forward(&op, &host_x, 3, mix);
                assert_close(&fused, &value);
                let fused_gradient = host_backward(&op.transpose(), &tape, &host_w, 3, mix);
                assert_close(&fused_gradient, &gradient);
            }
        }
    }

    #[test]
    fn normalising_a_zero_row_keeps_gradients_finite() {
        let device = Default::default();
        let x = Tensor::<Ad, 2>::from_floats([[0.0, 0.0], [3.0, 4.0]], &device).require_grad();
        let y = normalize_rows(x.clone());
        y.clone()
            .into_data()
            .assert_approx_eq::<f32>(&TensorData::from([[0.0f32, 0.0], [0.6, 0.8]]), Default::default());
        let grad = x.grad(&y.sum().backward()).unwrap().into_data().to_vec::<f32>().unwrap();
        assert!(grad.iter().all(|g| g.is_finite()), "{grad:?}");
    }
}
