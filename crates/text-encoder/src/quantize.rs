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
use crate::quantized_values::pack_values;
use crate::tokenize::{MAX_TOKENS, SentenceTokenizer};
use crate::weights::{SCALE_LEVELS_SUFFIX, SCALE_SUFFIX, f32_from_le_bytes};

// The number formats the writer stores, public with it (the bundle's item vectors use
// `quantize_rows`).
pub use crate::quantized_values::{quantize_groups, quantize_groups_log_scales, quantize_rows};

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
