//! Writing the quantised form of a MiniLM weights file (format in `docs/int8-weights.md`).
//!
//! Every 2-D tensor `W` (`[rows, cols]`) becomes an I8 tensor of the same name and shape
//! plus an F16 tensor `W.scale` (`[rows, cols / 128]`): symmetric scales per row and group
//! of [`MATRIX_GROUP`] columns, `scale = max |W| / 127` over the group. The word-embedding
//! table, half of all parameters, is stored at [`WORD_TABLE_BITS`] bits instead: a U8
//! tensor of packed values (`[rows, cols · 5 / 8]`) and one scale per group of
//! [`WORD_TABLE_GROUP`] columns (`max |W| / 15`), stored as a U8 code into a table of 256
//! log-spaced levels ([`quantize_groups_log_scales`]). 1-D tensors (biases, LayerNorm) stay
//! f32. The pooler (unused by sentence embeddings) and the integer `position_ids` buffer
//! are dropped. Rows no input can read are written as zeros (they then cost almost nothing
//! once the file is compressed): word-table rows of tokens no text produces
//! ([`unreachable_token_ids`]) and position rows from [`MAX_TOKENS`] on.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::error::{EncoderError, Result};
use crate::token_table::pack_values;
use crate::tokenize::{MAX_TOKENS, SentenceTokenizer};
use crate::weights::{SCALE_LEVELS_SUFFIX, SCALE_SUFFIX, f32_from_le_bytes};

/// Metadata key/value that marks a file written by this module.
pub const FORMAT_TAG: (&str, &str) = ("format", "gnnrec-minilm-int8-v4");

/// The table stored at [`WORD_TABLE_BITS`] bits.
pub const WORD_TABLE: &str = "embeddings.word_embeddings.weight";

/// The position-embedding table: rows from [`MAX_TOKENS`] on are never read.
pub const POSITION_TABLE: &str = "embeddings.position_embeddings.weight";

/// Bits per value of the word-embedding table.
pub const WORD_TABLE_BITS: usize = 5;

/// Columns of the word-embedding table that share one scale.
pub const WORD_TABLE_GROUP: usize = 32;

/// Columns of every other matrix that share one int8 scale.
pub const MATRIX_GROUP: usize = 128;

/// Tensors whose names start with one of these prefixes are not written.
const DROPPED_PREFIXES: [&str; 2] = ["pooler.", "embeddings.position_ids"];

/// Ids of the tokens no text can produce, from `tokenizer.json` (`file` names it in errors);
/// see [`SentenceTokenizer::unreachable_ids`].
pub fn unreachable_token_ids(file: &str, tokenizer_json: &[u8]) -> Result<Vec<u32>> {
    SentenceTokenizer::from_bytes(file, tokenizer_json)?.unreachable_ids()
}

/// Quantizes an f32 safetensors file (`file` names it in errors) into the int8 form, with
/// the word-table rows of `unreachable` token ids (from [`unreachable_token_ids`]) and the
/// position rows from [`MAX_TOKENS`] on written as zeros.
pub fn quantize_safetensors(file: &str, bytes: &[u8], unreachable: &[u32]) -> Result<Vec<u8>> {
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
        let mut values = f32_from_le_bytes(view.data());
        let shape = view.shape().to_vec();
        let zero_rows: Vec<usize> = match name.as_str() {
            WORD_TABLE => unreachable.iter().map(|&id| id as usize).collect(),
            POSITION_TABLE => (MAX_TOKENS..shape[0]).collect(),
            _ => Vec::new(),
        };
        zero_rows_of(&mut values, shape.get(1).copied().unwrap_or(0), &zero_rows, file, &name)?;
        match shape[..] {
            [rows, cols] if name == WORD_TABLE => {
                let (q, codes, levels) =
                    quantize_groups_log_scales(&values, WORD_TABLE_GROUP, WORD_TABLE_BITS);
                let packed = pack_values(&q, WORD_TABLE_BITS);
                outputs.push((name.clone(), Dtype::U8, vec![rows, cols * WORD_TABLE_BITS / 8], packed));
                outputs.push((
                    format!("{name}{SCALE_SUFFIX}"),
                    Dtype::U8,
                    vec![rows, codes.len() / rows],
                    codes,
                ));
                let level_bytes = levels.iter().flat_map(|v| v.to_le_bytes()).collect();
                outputs.push((
                    format!("{name}{SCALE_LEVELS_SUFFIX}"),
                    Dtype::F32,
                    vec![levels.len()],
                    level_bytes,
                ));
            }
            [rows, _] => {
                let (q, scales) = quantize_groups(&values, MATRIX_GROUP, 8);
                outputs.push((name.clone(), Dtype::I8, shape, q.iter().map(|&v| v as u8).collect()));
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

/// Sets the given rows of a row-major matrix with `cols` columns to zero; a row outside the
/// matrix is an error naming the file and tensor.
fn zero_rows_of(values: &mut [f32], cols: usize, rows: &[usize], file: &str, tensor: &str) -> Result<()> {
    for &row in rows {
        let slice =
            values.get_mut(row * cols..(row + 1) * cols).ok_or_else(|| EncoderError::Safetensors {
                file: file.to_string(),
                message: format!("{tensor}: row {row} to zero is outside the table"),
            })?;
        slice.fill(0.0);
    }
    Ok(())
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

/// Like [`quantize_groups`], but each group's scale is one of 256 levels spaced evenly in
/// log2 between the smallest and the largest scale of the matrix (about 1.6 % apart for the
/// word table), stored as its U8 code: returns the values, the codes and the levels. A group
/// is quantised with its level (the nearest in log2), so the levels are exactly what a reader
/// multiplies by. All-zero groups get code 0 (their values are 0 at any scale).
pub fn quantize_groups_log_scales(values: &[f32], group: usize, bits: usize) -> (Vec<i8>, Vec<u8>, Vec<f32>) {
    assert!(values.len().is_multiple_of(group) && (2..=8).contains(&bits), "{group} × {bits} bits");
    let max_q = ((1u32 << (bits - 1)) - 1) as f32;
    let raw: Vec<f32> = values.chunks_exact(group).map(|chunk| max_abs(chunk) / max_q).collect();
    let logs: Vec<f64> = raw.iter().filter(|&&s| s > 0.0).map(|&s| f64::from(s).log2()).collect();
    let low = logs.iter().copied().fold(f64::INFINITY, f64::min);
    let high = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (low, step) = if logs.is_empty() { (0.0, 0.0) } else { (low, (high - low) / 255.0) };
    let levels: Vec<f32> = (0..256).map(|k| (low + k as f64 * step).exp2() as f32).collect();
    let mut q = Vec::with_capacity(values.len());
    let mut codes = Vec::with_capacity(raw.len());
    for (chunk, &scale) in values.chunks_exact(group).zip(&raw) {
        let code = if scale > 0.0 && step > 0.0 {
            ((f64::from(scale).log2() - low) / step).round().clamp(0.0, 255.0) as u8
        } else {
            0
        };
        let level = levels[code as usize];
        q.extend(chunk.iter().map(|v| (v / level).round().clamp(-max_q, max_q) as i8));
        codes.push(code);
    }
    (q, codes, levels)
}

/// Largest absolute value of a slice (0 for an empty one).
fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// `max |v| / levels`, or 1.0 for an all-zero slice.
fn symmetric_scale(values: &[f32], levels: f32) -> f32 {
    let max = max_abs(values);
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
    fn log_coded_scales_stay_within_two_percent_and_round_trip() {
        use crate::token_table::TokenTable;
        // Four groups of 32 whose ranges span a factor of 1,000, and an all-zero group.
        let mut values: Vec<f32> = Vec::new();
        for magnitude in [0.001f32, 0.01, 0.0, 0.1, 1.0] {
            values.extend((0..32).map(|c| magnitude * ((c as f32 * 0.37).sin() + 0.05)));
        }
        let (q, codes, levels) = quantize_groups_log_scales(&values, 32, 5);
        assert_eq!((q.len(), codes.len(), levels.len()), (160, 5, 256));
        assert_eq!(codes[2], 0, "the all-zero group");
        assert!(
            levels.windows(2).all(|w| w[1] > w[0] && w[1] / w[0] < 1.03),
            "levels increase in small steps"
        );
        let scales: Vec<f32> = codes.iter().map(|&c| levels[c as usize]).collect();
        for (g, chunk) in values.chunks_exact(32).enumerate().filter(|(g, _)| *g != 2) {
            let exact = max_abs(chunk) / 15.0;
            assert!((scales[g] / exact - 1.0).abs() < 0.02, "group {g}: {} vs {exact}", scales[g]);
        }
        let restored = TokenTable::packed(160, 32, 5, pack_values(&q, 5), scales.clone()).into_f32();
        for (i, (r, v)) in restored.iter().zip(&values).enumerate() {
            let step = scales[i / 32];
            assert!((r - v).abs() <= step * 0.51 + 1e-9, "value {i}: {r} vs {v} (step {step})");
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
