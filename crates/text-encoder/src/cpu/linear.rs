//! A linear layer on int8 weights: `y = x Wᵀ + b` through the int8 × int16 kernels.

use super::gemm::{BlockDots, Dots, Int8Matrix, QuantizedRows};

/// Weights `[out, in]` in int8 (per row and group of input columns) and an f32 bias.
#[derive(Debug, Clone)]
pub(crate) struct Int8Linear {
    weights: Int8Matrix,
    bias: Vec<f32>,
}

impl Int8Linear {
    /// A layer from its weight matrix and bias (`weights.rows()` long).
    pub fn new(weights: Int8Matrix, bias: Vec<f32>) -> Self {
        assert_eq!(bias.len(), weights.rows(), "bias of a layer with {} outputs", weights.rows());
        Self { weights, bias }
    }

    /// Output width.
    pub fn outputs(&self) -> usize {
        self.weights.rows()
    }

    /// `out = x Wᵀ + b` for the rows of `x`; `scratch` holds the quantised rows and the
    /// kernel's dots between calls, `out` is resized.
    pub fn forward(
        &self,
        x: &[f32],
        scratch: &mut (QuantizedRows, Vec<Dots>),
        kernel: BlockDots,
        out: &mut Vec<f32>,
    ) {
        let (quantized, dots) = scratch;
        quantized.quantize_from(x, self.weights.cols());
        out.resize(quantized.rows() * self.outputs(), 0.0);
        self.weights.matmul(quantized, &self.bias, kernel, dots, out);
    }
}
