//! Writing the int8 form of a MiniLM weights file (format in `docs/int8-weights.md`).
//!
//! Every 2-D tensor `W` (`[rows, cols]`) becomes an I8 tensor of the same name
//! and shape plus an F32 tensor `W.scale` (`[rows]`), with symmetric per-row
//! scales: `scale[r] = max_c |W[r, c]| / 127`, `q[r, c] = round(W[r, c] / scale[r])`.
//! 1-D tensors (biases, LayerNorm) stay f32. The pooler (unused by sentence
//! embeddings) and the integer `position_ids` buffer are dropped.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::error::{EncoderError, Result};
use crate::weights::{SCALE_SUFFIX, f32_from_le_bytes};

/// Metadata key/value that marks a file written by this module.
pub const FORMAT_TAG: (&str, &str) = ("format", "gnnrec-minilm-int8-v1");

/// Tensors whose names start with one of these prefixes are not written.
const DROPPED_PREFIXES: [&str; 2] = ["pooler.", "embeddings.position_ids"];

/// Quantizes an f32 safetensors file (`file` names it in errors) into the int8 form.
pub fn quantize_safetensors(file: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    let source = SafeTensors::deserialize(bytes)
        .map_err(|e| EncoderError::Safetensors { file: file.to_string(), message: e.to_string() })?;
    let mut outputs: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in source.tensors() {
        if DROPPED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        if view.dtype() != Dtype::F32 {
            return Err(EncoderError::DType {
                file: file.to_string(),
                tensor: name,
                expected: "F32".into(),
                found: format!("{:?}", view.dtype()),
            });
        }
        let values = f32_from_le_bytes(view.data());
        let shape = view.shape().to_vec();
        if let [rows, cols] = shape[..] {
            let (q, scales) = quantize_rows(&values, cols);
            outputs.push((name.clone(), Dtype::I8, shape, q.iter().map(|&v| v as u8).collect()));
            let scale_bytes = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
            outputs.push((format!("{name}{SCALE_SUFFIX}"), Dtype::F32, vec![rows], scale_bytes));
        } else {
            outputs.push((name, Dtype::F32, shape, view.data().to_vec()));
        }
    }
    let views = outputs
        .iter()
        .map(|(name, dtype, shape, data)| {
            TensorView::new(*dtype, shape.clone(), data).map(|view| (name.clone(), view))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| EncoderError::Safetensors { file: file.to_string(), message: e.to_string() })?;
    let metadata = HashMap::from([(FORMAT_TAG.0.to_string(), FORMAT_TAG.1.to_string())]);
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| EncoderError::Safetensors { file: file.to_string(), message: e.to_string() })
}

/// Symmetric per-row int8 quantization of a row-major matrix with `cols` columns.
pub fn quantize_rows(values: &[f32], cols: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols.max(1));
    for row in values.chunks_exact(cols) {
        let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        q.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8));
        scales.push(scale);
    }
    (q, scales)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_row_quantization_bounds_the_error_by_half_a_step() {
        let values = [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, 2.9, -0.01];
        let (q, scales) = quantize_rows(&values, 3);
        assert_eq!(q[..3], [64, -127, 32]);
        assert_eq!(q[3..6], [0, 0, 0], "an all-zero row stays zero");
        assert_eq!(scales[1], 1.0);
        for (i, v) in values.iter().enumerate() {
            let restored = f32::from(q[i]) * scales[i / 3];
            assert!((restored - v).abs() <= scales[i / 3] / 2.0 + 1e-7, "value {i}: {restored} vs {v}");
        }
    }
}
