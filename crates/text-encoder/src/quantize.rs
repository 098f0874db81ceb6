//! Writing the quantised form of a MiniLM weights file (format in `docs/int8-weights.md`).
//!
//! Every 2-D tensor `W` (`[rows, cols]`) becomes an I8 tensor of the same name and shape
//! plus an F16 tensor `W.scale` (`[rows, cols / 128]`): symmetric scales per row and group
//! of [`MATRIX_GROUP`] columns, `scale = max |W| / 127` over the group. The word-embedding
//! table, half of all parameters, is stored at [`WORD_TABLE_BITS`] bits instead: a U8
//! tensor of packed values (`[rows, cols · 5 / 8]`) and F16 scales per group of
//! [`WORD_TABLE_GROUP`] columns (`max |W| / 15`). 1-D tensors (biases, LayerNorm) stay
//! f32. The pooler (unused by sentence embeddings) and the integer `position_ids` buffer
//! are dropped.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::error::{EncoderError, Result};
use crate::token_table::pack_values;
use crate::weights::{SCALE_SUFFIX, f32_from_le_bytes};

/// Metadata key/value that marks a file written by this module.
pub const FORMAT_TAG: (&str, &str) = ("format", "gnnrec-minilm-int8-v3");

/// The table stored at [`WORD_TABLE_BITS`] bits.
pub const WORD_TABLE: &str = "embeddings.word_embeddings.weight";

/// Bits per value of the word-embedding table.
pub const WORD_TABLE_BITS: usize = 5;

/// Columns of the word-embedding table that share one scale.
pub const WORD_TABLE_GROUP: usize = 32;

/// Columns of every other matrix that share one int8 scale.
pub const MATRIX_GROUP: usize = 128;

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
            [rows, cols] => {
                let (stored, scales) = if name == WORD_TABLE {
                    let (q, scales) = quantize_groups(&values, WORD_TABLE_GROUP, WORD_TABLE_BITS);
                    (
                        (Dtype::U8, vec![rows, cols * WORD_TABLE_BITS / 8], pack_values(&q, WORD_TABLE_BITS)),
                        scales,
                    )
                } else {
                    let (q, scales) = quantize_groups(&values, MATRIX_GROUP, 8);
                    ((Dtype::I8, shape, q.iter().map(|&v| v as u8).collect()), scales)
                };
                outputs.push((name.clone(), stored.0, stored.1, stored.2));
                let scale_bytes = scales.iter().flat_map(|s| half::f16::from_f32(*s).to_le_bytes()).collect();
                let scale_shape = vec![rows, scales.len() / rows];
                outputs.push((format!("{name}{SCALE_SUFFIX}"), Dtype::F16, scale_shape, scale_bytes));
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

/// Symmetric per-row int8 quantization of a row-major matrix with `cols` columns
/// (f32 scales, as the bundle's item vectors store them).
pub fn quantize_rows(values: &[f32], cols: usize) -> (Vec<i8>, Vec<f32>) {
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols.max(1));
    for row in values.chunks_exact(cols) {
        let scale = symmetric_scale(row, 127.0);
        q.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8));
        scales.push(scale);
    }
    (q, scales)
}

/// Symmetric `bits`-bit quantization (values in `±(2^(bits-1) - 1)`) with one scale per
/// `group` consecutive values (the caller's matrix width is a multiple of `group`); the
/// scales are rounded to f16, as they are stored.
pub fn quantize_groups(values: &[f32], group: usize, bits: usize) -> (Vec<i8>, Vec<f32>) {
    assert!(values.len().is_multiple_of(group) && (2..=8).contains(&bits), "{group} × {bits} bits");
    let levels = ((1u32 << (bits - 1)) - 1) as f32;
    let mut q = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / group);
    for chunk in values.chunks_exact(group) {
        let scale = match half::f16::from_f32(symmetric_scale(chunk, levels)).to_f32() {
            0.0 => 1.0, // below f16's range: every value rounds to 0 at any scale
            scale => scale,
        };
        q.extend(chunk.iter().map(|v| (v / scale).round().clamp(-levels, levels) as i8));
        scales.push(scale);
    }
    (q, scales)
}

/// `max |v| / levels`, or 1.0 for an all-zero slice.
fn symmetric_scale(values: &[f32], levels: f32) -> f32 {
    let max = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max > 0.0 { max / levels } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_quantization_round_trips_within_half_a_step() {
        use crate::token_table::TokenTable;
        // Two rows of 64 columns: a ramp, and a row with an all-zero first group.
        let mut values: Vec<f32> = (0..64).map(|c| (c as f32 - 31.5) / 10.0).collect();
        values.extend((0..64).map(|c| if c < 32 { 0.0 } else { (c as f32).sin() }));
        for bits in [5, 8] {
            let (q, scales) = quantize_groups(&values, 32, bits);
            assert_eq!((q.len(), scales.len()), (128, 4));
            assert_eq!(scales[2], 1.0, "an all-zero group keeps scale 1");
            let restored = if bits == 8 {
                TokenTable::int8(64, 32, q, scales.clone()).into_f32()
            } else {
                TokenTable::packed(64, 32, bits, pack_values(&q, bits), scales.clone()).into_f32()
            };
            for (i, (r, v)) in restored.iter().zip(&values).enumerate() {
                let step = scales[i / 32];
                assert!(
                    (r - v).abs() <= step / 2.0 + 1e-6,
                    "{bits} bits, value {i}: {r} vs {v} (step {step})"
                );
            }
            assert!(restored[64..96].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn scales_below_half_precision_do_not_divide_by_zero() {
        let (q, scales) = quantize_groups(&[1e-30, -1e-30, 0.0, 1e-31], 4, 5);
        assert_eq!((q, scales), (vec![0, 0, 0, 0], vec![1.0]));
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
