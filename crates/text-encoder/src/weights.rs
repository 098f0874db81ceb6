//! Reading named tensors out of a safetensors file (f32, int8 with per-row scales, or 4-bit
//! with per-group f16 scales).

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::error::{EncoderError, Result};
use crate::token_table::{INT4_GROUP, TokenTable};

/// Suffix of the scale tensor that accompanies a quantised matrix.
pub(crate) const SCALE_SUFFIX: &str = ".scale";

/// How the matrices of a weights file are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// Original f32 tensors (`model.safetensors`).
    F32,
    /// int8 matrices with per-row f32 scales, the word table at 4 bits
    /// (`model.int8.safetensors`).
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
            return self.int4_table(name, rows, cols);
        }
        let view = self.view(name, &[rows, cols])?;
        match view.dtype() {
            Dtype::F32 => Ok(TokenTable::f32(cols, self.f32_values(name, &view)?)),
            Dtype::I8 => {
                let scale_name = format!("{name}{SCALE_SUFFIX}");
                let scales = self.vector(&scale_name, rows)?;
                let values = view.data().iter().map(|&b| b as i8).collect();
                Ok(TokenTable::int8(cols, values, scales))
            }
            other => Err(self.dtype_error(name, "F32, I8 or U8", other)),
        }
    }

    /// A 4-bit table: `[rows, cols / 2]` packed bytes and `[rows, cols / 32]` f16 scales.
    fn int4_table(&self, name: &str, rows: usize, cols: usize) -> Result<TokenTable> {
        let view = self.view(name, &[rows, cols / 2])?;
        let scale_name = format!("{name}{SCALE_SUFFIX}");
        let scale_view = self.view(&scale_name, &[rows, cols / INT4_GROUP])?;
        if !cols.is_multiple_of(INT4_GROUP) || scale_view.dtype() != Dtype::F16 {
            return Err(self.dtype_error(&scale_name, "F16 scales per 32 columns", scale_view.dtype()));
        }
        let scales: Vec<f32> = scale_view
            .data()
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect();
        if scales.iter().any(|v| !v.is_finite()) {
            return Err(EncoderError::NonFinite { file: self.file.to_string(), tensor: scale_name });
        }
        Ok(TokenTable::int4(cols, view.data().to_vec(), scales))
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
            return Err(self.dtype_error(name, "F32", view.dtype()));
        }
        let values = f32_from_le_bytes(view.data());
        if values.iter().any(|v| !v.is_finite()) {
            return Err(EncoderError::NonFinite { file: self.file.to_string(), tensor: name.to_string() });
        }
        Ok(values)
    }

    fn dtype_error(&self, name: &str, expected: &str, found: Dtype) -> EncoderError {
        EncoderError::DType {
            file: self.file.to_string(),
            tensor: name.to_string(),
            expected: expected.to_string(),
            found: format!("{found:?}"),
        }
    }
}

/// Decodes little-endian f32 values (safetensors' byte order).
pub(crate) fn f32_from_le_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}
