//! Reading named tensors out of a safetensors file (f32; int8 with f32 scales per row or f16
//! scales per group of columns; packed 4- to 7-bit values with f16 scales per group).

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::error::{EncoderError, Result};
use crate::token_table::TokenTable;

/// Suffix of the scale tensor that accompanies a quantised matrix.
pub(crate) const SCALE_SUFFIX: &str = ".scale";

/// Suffix of the 256 levels that U8-coded scales index (`W.scale` U8 → `W.scale_levels` F32).
pub(crate) const SCALE_LEVELS_SUFFIX: &str = ".scale_levels";

/// How the matrices of a weights file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// Original f32 tensors (`model.safetensors`).
    F32,
    /// int8 matrices, the word table at fewer bits (`model.int8.safetensors`).
    Int8,
}

/// A parsed weights file that hands out validated tensors by name.
pub(crate) struct Weights<'a> {
    file: &'a str,
    tensors: SafeTensors<'a>,
}

impl<'a> Weights<'a> {
    /// Parses the safetensors header of `bytes`; `file` names it in errors.
    pub fn parse(file: &'a str, bytes: &'a [u8]) -> Result<Self> {
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| EncoderError::Safetensors { file: file.to_string(), message: e.to_string() })?;
        Ok(Self { file, tensors })
    }

    /// The file's name, as errors show it.
    pub fn file(&self) -> &str {
        self.file
    }

    /// The storage format: int8 as soon as one tensor is int8.
    pub fn format(&self) -> WeightFormat {
        let any_int8 = self.tensors.iter().any(|(_, view)| matches!(view.dtype(), Dtype::I8 | Dtype::U8));
        if any_int8 { WeightFormat::Int8 } else { WeightFormat::F32 }
    }

    /// A 1-D f32 tensor of length `len`.
    pub fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>> {
        let view = self.view(name, &[len])?;
        self.f32_values(name, &view)
    }

    /// A 2-D tensor `[rows, cols]`, dequantised to f32 if stored as int8.
    pub fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Vec<f32>> {
        Ok(self.table(name, rows, cols)?.into_f32())
    }

    /// A 2-D tensor `[rows, cols]` kept in its stored precision (for embedding lookups).
    pub fn table(&self, name: &str, rows: usize, cols: usize) -> Result<TokenTable> {
        if self.tensors.tensor(name).is_ok_and(|view| view.dtype() == Dtype::U8) {
            return self.packed_table(name, rows, cols);
        }
        let view = self.view(name, &[rows, cols])?;
        match view.dtype() {
            Dtype::F32 => Ok(TokenTable::f32(cols, self.f32_values(name, &view)?)),
            Dtype::I8 => {
                let values = view.data().iter().map(|&b| b as i8).collect();
                let (group, scales) = self.group_scales(name, rows, cols)?;
                Ok(TokenTable::int8(cols, group, values, scales))
            }
            other => Err(self.dtype_error(name, "F32, I8 or U8", format!("{other:?}"))),
        }
    }

    /// A packed table: `[rows, cols · bits / 8]` bytes for `bits` in 4..=7 and f16 group scales.
    fn packed_table(&self, name: &str, rows: usize, cols: usize) -> Result<TokenTable> {
        let found = self.tensors.tensor(name).map(|v| v.shape().to_vec()).unwrap_or_default();
        let bits = (4..=7).find(|bits| found == [rows, cols * bits / 8] && (cols * bits).is_multiple_of(8));
        let Some(bits) = bits else {
            return Err(EncoderError::ShapeMismatch {
                file: self.file.to_string(),
                tensor: name.to_string(),
                expected: vec![rows, cols * 5 / 8],
                found,
            });
        };
        let (group, scales) = self.group_scales(name, rows, cols)?;
        let bytes = self.view(name, &[rows, cols * bits / 8])?.data().to_vec();
        Ok(TokenTable::packed(cols, group, bits, bytes, scales))
    }

    /// The scales of quantised matrix `name`: f32 `[rows]` (one per row), f16
    /// `[rows, groups]` (`groups` dividing `cols`), or u8 codes `[rows, groups]` into the f32
    /// `[256]` tensor `name.scale_levels`; returns the group width and the scales.
    fn group_scales(&self, name: &str, rows: usize, cols: usize) -> Result<(usize, Vec<f32>)> {
        let scale_name = format!("{name}{SCALE_SUFFIX}");
        let view = self.tensors.tensor(&scale_name).map_err(|_| EncoderError::MissingTensor {
            file: self.file.to_string(),
            tensor: scale_name.clone(),
        })?;
        let (group, scales) = match (view.dtype(), view.shape()) {
            (Dtype::F32, [r]) if *r == rows => (cols, f32_from_le_bytes(view.data())),
            (Dtype::F16, &[r, groups]) if r == rows && groups > 0 && cols.is_multiple_of(groups) => {
                let scales =
                    view.data().chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32());
                (cols / groups, scales.collect())
            }
            (Dtype::U8, &[r, groups]) if r == rows && groups > 0 && cols.is_multiple_of(groups) => {
                let levels_name = format!("{name}{SCALE_LEVELS_SUFFIX}");
                let levels = self.view(&levels_name, &[256])?;
                let levels = self.f32_values(&levels_name, &levels)?;
                (cols / groups, view.data().iter().map(|&code| levels[code as usize]).collect())
            }
            (dtype, shape) => {
                let found = format!("{dtype:?} {shape:?}");
                return Err(self.dtype_error(
                    &scale_name,
                    &format!("F32 [{rows}], F16 [{rows}, groups] or U8 [{rows}, groups]"),
                    found,
                ));
            }
        };
        if scales.iter().any(|v| !v.is_finite()) {
            return Err(EncoderError::NonFinite { file: self.file.to_string(), tensor: scale_name });
        }
        Ok((group, scales))
    }

    fn view(&self, name: &str, expected: &[usize]) -> Result<TensorView<'a>> {
        let view = self.tensors.tensor(name).map_err(|_| EncoderError::MissingTensor {
            file: self.file.to_string(),
            tensor: name.to_string(),
        })?;
        if view.shape() != expected {
            return Err(EncoderError::ShapeMismatch {
                file: self.file.to_string(),
                tensor: name.to_string(),
                expected: expected.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        Ok(view)
    }

    fn f32_values(&self, name: &str, view: &TensorView<'_>) -> Result<Vec<f32>> {
        if view.dtype() != Dtype::F32 {
            return Err(self.dtype_error(name, "F32", format!("{:?}", view.dtype())));
        }
        let values = f32_from_le_bytes(view.data());
        if values.iter().any(|v| !v.is_finite()) {
            return Err(EncoderError::NonFinite { file: self.file.to_string(), tensor: name.to_string() });
        }
        Ok(values)
    }

    fn dtype_error(&self, name: &str, expected: &str, found: String) -> EncoderError {
        EncoderError::DType {
            file: self.file.to_string(),
            tensor: name.to_string(),
            expected: expected.to_string(),
            found,
        }
    }
}

/// Decodes little-endian f32 values (safetensors' byte order).
pub(crate) fn f32_from_le_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use safetensors::tensor::TensorView;

    use super::*;
    use crate::quantized_values::pack_values;

    fn file(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
        let views =
            tensors.iter().map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()));
        safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
    }

    fn f16s(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| half::f16::from_f32(*v).to_le_bytes()).collect()
    }

    #[test]
    fn reads_every_stored_form_of_a_matrix() {
        let q: Vec<i8> = vec![1, -2, 3, -4, 5, -6, 7, -7];
        let i8_bytes: Vec<u8> = q.iter().map(|&v| v as u8).collect();
        let bytes = file(&[
            // v1/v2 matrices: int8 with one f32 scale per row.
            ("row", Dtype::I8, vec![2, 4], i8_bytes.clone()),
            ("row.scale", Dtype::F32, vec![2], [2.0f32, 0.5].iter().flat_map(|v| v.to_le_bytes()).collect()),
            // v3 matrices: int8 with f16 scales per group of 2 columns.
            ("group", Dtype::I8, vec![2, 4], i8_bytes),
            ("group.scale", Dtype::F16, vec![2, 2], f16s(&[1.0, 2.0, 3.0, 4.0])),
            // v2 word table (4 bits) and v3 (5 bits), one f16 scale per row here.
            ("four", Dtype::U8, vec![2, 2], pack_values(&q, 4)),
            ("four.scale", Dtype::F16, vec![2, 1], f16s(&[1.0, 0.5])),
            (
                "five",
                Dtype::U8,
                vec![2, 5],
                pack_values(&[15, -15, 0, 1, 2, 3, 4, 5, -1, -2, 0, 0, 0, 0, 0, 0], 5),
            ),
            ("five.scale", Dtype::F16, vec![2, 1], f16s(&[1.0, 1.0])),
            // v4 word table: 5 bits with u8 scale codes into 256 levels (level k = k / 4 here).
            (
                "coded",
                Dtype::U8,
                vec![2, 5],
                pack_values(&[15, -15, 0, 1, 2, 3, 4, 5, -1, -2, 0, 0, 0, 0, 0, 0], 5),
            ),
            ("coded.scale", Dtype::U8, vec![2, 1], vec![4, 2]),
            (
                "coded.scale_levels",
                Dtype::F32,
                vec![256],
                (0..256).flat_map(|k| (k as f32 / 4.0).to_le_bytes()).collect(),
            ),
        ]);
        let weights = Weights::parse("w.safetensors", &bytes).unwrap();
        assert_eq!(weights.matrix("row", 2, 4).unwrap(), [2.0, -4.0, 6.0, -8.0, 2.5, -3.0, 3.5, -3.5]);
        assert_eq!(weights.matrix("group", 2, 4).unwrap(), [1.0, -2.0, 6.0, -8.0, 15.0, -18.0, 28.0, -28.0]);
        assert_eq!(weights.matrix("four", 2, 4).unwrap(), [1.0, -2.0, 3.0, -4.0, 2.5, -3.0, 3.5, -3.5]);
        let five = weights.matrix("five", 2, 8).unwrap();
        assert_eq!(five[..4], [15.0, -15.0, 0.0, 1.0]);
        assert!(matches!(weights.matrix("five", 2, 4), Err(EncoderError::ShapeMismatch { .. })));
        let coded = weights.matrix("coded", 2, 8).unwrap();
        assert_eq!(coded[..4], [15.0, -15.0, 0.0, 1.0]);
        assert_eq!(coded[8..10], [-0.5, -1.0]);
    }
}
