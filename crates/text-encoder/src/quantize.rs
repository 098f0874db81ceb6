//! Writing the quantised form of a MiniLM weights file (format in `docs/int8-weights.md`).
//!
//! Every 2-D tensor `W` (`[rows, cols]`) becomes an I8 tensor of the same name
//! and shape plus an F32 tensor `W.scale` (`[rows]`), with symmetric per-row
//! scales: `scale[r] = max_c |W[r, c]| / 127`, `q[r, c] = round(W[r, c] / scale[r])`.
//! The word-embedding table, half of all parameters, is 4-bit instead: a U8 tensor
//! `[rows, cols / 2]` of packed values and an F16 tensor `W.scale` (`[rows, cols / 32]`),
//! one symmetric scale per group of 32 columns (`max |W| / 7`). 1-D tensors (biases,
//! LayerNorm) stay f32. The pooler (unused by sentence embeddings) and the integer
//! `position_ids` buffer are dropped.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::error::{EncoderError, Result};
use crate::token_table::INT4_GROUP;
use crate::weights::{SCALE_SUFFIX, f32_from_le_bytes};

/// Metadata key/value that marks a file written by this module.
pub const FORMAT_TAG: (&str, &str) = ("format", "gnnrec-minilm-int8-v2");

/// The table stored at 4 bits.
pub const WORD_TABLE: &str = "embeddings.word_embeddings.weight";

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
        match shape[..] {
            [rows, cols] if name == WORD_TABLE => {
                let (packed, scales) = quantize_int4_groups(&values, cols);
                outputs.push((name.clone(), Dtype::U8, vec![rows, cols / 2], packed));
                let scale_bytes = scales.iter().flat_map(|s| half::f16::from_f32(*s).to_le_bytes()).collect();
                let scale_shape = vec![rows, cols / INT4_GROUP];
                outputs.push((format!("{name}{SCALE_SUFFIX}"), Dtype::F16, scale_shape, scale_bytes));
            }
            [rows, cols] => {
                let (q, scales) = quantize_rows(&values, cols);
                outputs.push((name.clone(), Dtype::I8, shape, q.iter().map(|&v| v as u8).collect()));
                let scale_bytes = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
                outputs.push((format!("{name}{SCALE_SUFFIX}"), Dtype::F32, vec![rows], scale_bytes));
            }
            _ => outputs.push((name, Dtype::F32, shape, view.data().to_vec())),
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

/// Symmetric 4-bit quantization with one scale per [`INT4_GROUP`] columns of a row-major
/// matrix with `cols` columns (a multiple of the group): packed bytes (`q + 8`, low nibble
/// first) and the scales, rounded to f16 as they are stored.
pub fn quantize_int4_groups(values: &[f32], cols: usize) -> (Vec<u8>, Vec<f32>) {
    assert!(cols.is_multiple_of(INT4_GROUP), "{cols} columns are not whole groups of {INT4_GROUP}");
    let mut packed = Vec::with_capacity(values.len() / 2);
    let mut scales = Vec::with_capacity(values.len() / INT4_GROUP);
    for group in values.chunks_exact(INT4_GROUP) {
        let max = group.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = half::f16::from_f32(if max > 0.0 { max / 7.0 } else { 1.0 }).to_f32();
        let nibble = |v: f32| ((v / scale).round().clamp(-7.0, 7.0) as i8 + 8) as u8;
        packed.extend(group.chunks_exact(2).map(|pair| nibble(pair[0]) | (nibble(pair[1]) << 4)));
        scales.push(scale);
    }
    (packed, scales)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bit_groups_round_trip_within_half_a_step() {
        use crate::token_table::TokenTable;
        // Two rows of 64 columns: a ramp, and a row with an all-zero first group.
        let mut values: Vec<f32> = (0..64).map(|c| (c as f32 - 31.5) / 10.0).collect();
        values.extend((0..64).map(|c| if c < 32 { 0.0 } else { (c as f32).sin() }));
        let (packed, scales) = quantize_int4_groups(&values, 64);
        assert_eq!((packed.len(), scales.len()), (64, 4));
        assert_eq!(scales[2], 1.0, "an all-zero group keeps scale 1");
        let restored = TokenTable::int4(64, packed, scales.clone()).into_f32();
        for (i, (r, v)) in restored.iter().zip(&values).enumerate() {
            let step = scales[i / INT4_GROUP];
            assert!((r - v).abs() <= step / 2.0 + 1e-6, "value {i}: {r} vs {v} (step {step})");
        }
        assert!(restored[64..96].iter().all(|&v| v == 0.0));
    }

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
