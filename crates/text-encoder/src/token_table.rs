//! Row tables (word embeddings) kept on the host, in f32, int8 or packed low-bit form,
//! gathered per token.

use crate::quantized_values::{packed_value, quantize_groups};

/// A `[rows, cols]` matrix stored row-major: f32; int8 with one scale per row and group of
/// columns; or `bits`-bit values (4 to 7) packed little-endian into each row, one scale per
/// row and group of columns, each value stored as `q + 2^(bits-1)`.
///
/// The word-embedding table is 30,522 × 384: keeping it quantised on the host and
/// dequantising only the rows a text uses saves ~35 MB of memory in the browser.
#[derive(Debug, Clone)]
pub struct TokenTable {
    cols: usize,
    group: usize,
    storage: Storage,
}

#[derive(Debug, Clone)]
enum Storage {
    F32(Vec<f32>),
    Int8 { values: Vec<i8>, scales: Vec<f32> },
    Packed { bits: usize, bytes: Vec<u8>, scales: Vec<f32> },
}

impl TokenTable {
    /// A table of f32 rows of width `cols`.
    pub fn f32(cols: usize, values: Vec<f32>) -> Self {
        Self { cols, group: cols, storage: Storage::F32(values) }
    }

    /// A table of int8 rows of width `cols`; value `(r, c)` is `values[r·cols + c]` times
    /// `scales[r·cols/group + c/group]` (`group` divides `cols`; `group = cols` is one scale per row).
    pub fn int8(cols: usize, group: usize, values: Vec<i8>, scales: Vec<f32>) -> Self {
        Self { cols, group, storage: Storage::Int8 { values, scales } }
    }

    /// A `bits`-bit table of width `cols` (`cols · bits` a multiple of 8): each row is
    /// `cols · bits / 8` bytes of values packed from the lowest bit up, `scales` one value per
    /// row and group of `group` columns.
    pub fn packed(cols: usize, group: usize, bits: usize, bytes: Vec<u8>, scales: Vec<f32>) -> Self {
        Self { cols, group, storage: Storage::Packed { bits, bytes, scales } }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        match &self.storage {
            Storage::F32(values) => values.len() / self.cols,
            Storage::Int8 { values, .. } => values.len() / self.cols,
            Storage::Packed { bits, bytes, .. } => bytes.len() * 8 / (self.cols * bits),
        }
    }

    /// Appends row `row` (dequantised) to `out`; `row` must be `< rows()`.
    pub fn push_row(&self, row: usize, out: &mut Vec<f32>) {
        let range = row * self.cols..(row + 1) * self.cols;
        let groups = self.cols / self.group;
        match &self.storage {
            Storage::F32(values) => out.extend_from_slice(&values[range]),
            Storage::Int8 { values, scales } => {
                let scales = &scales[row * groups..(row + 1) * groups];
                let values = &values[range];
                out.extend((0..self.cols).map(|c| f32::from(values[c]) * scales[c / self.group]));
            }
            Storage::Packed { bits, bytes, scales } => {
                let scales = &scales[row * groups..(row + 1) * groups];
                let stride = self.cols * bits / 8;
                let bytes = &bytes[row * stride..(row + 1) * stride];
                out.extend((0..self.cols).map(|c| packed_value(bytes, *bits, c) * scales[c / self.group]));
            }
        }
    }

    /// The table as int8 `(values, scales, group)` with one scale per row and group of
    /// columns: int8 storage as stored; f32 quantised here in groups of `group` columns (or
    /// whole rows when `group` does not divide them); `None` for a packed table.
    pub(crate) fn into_int8(self, group: usize) -> Option<(Vec<i8>, Vec<f32>, usize)> {
        match self.storage {
            Storage::Int8 { values, scales } => Some((values, scales, self.group)),
            Storage::F32(values) => {
                let group = if self.cols.is_multiple_of(group) { group } else { self.cols };
                let (q, scales) = quantize_groups(&values, group, 8);
                Some((q, scales, group))
            }
            Storage::Packed { .. } => None,
        }
    }

    /// The whole table as f32, row-major.
    pub fn into_f32(self) -> Vec<f32> {
        match self.storage {
            Storage::F32(values) => values,
            quantised => {
                let table = Self { cols: self.cols, group: self.group, storage: quantised };
                let mut out = Vec::with_capacity(table.rows() * table.cols);
                (0..table.rows()).for_each(|row| table.push_row(row, &mut out));
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantized_values::pack_values;

    #[test]
    fn rows_use_their_own_group_scales() {
        let table = TokenTable::int8(4, 2, vec![1, 2, 3, 4, -1, -2, -3, -4], vec![1.0, 10.0, 0.5, 2.0]);
        assert_eq!(table.rows(), 2);
        assert_eq!(table.into_f32(), vec![1.0, 2.0, 30.0, 40.0, -0.5, -1.0, -6.0, -8.0]);
        let packed =
            TokenTable::packed(8, 4, 5, pack_values(&[1, -1, 15, -15, 0, 2, 3, 4], 5), vec![2.0, 0.5]);
        assert_eq!(packed.rows(), 1);
        assert_eq!(packed.into_f32(), vec![2.0, -2.0, 30.0, -30.0, 0.0, 1.0, 1.5, 2.0]);
    }
}
