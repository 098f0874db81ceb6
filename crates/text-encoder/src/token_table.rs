//! Row tables (word embeddings) kept on the host, in f32, int8 or int4, gathered per token.

/// Columns that share one scale in a 4-bit table.
pub const INT4_GROUP: usize = 32;

/// A `[rows, cols]` matrix stored row-major: f32, int8 with one scale per row, or 4-bit
/// with one scale per group of [`INT4_GROUP`] columns (two values per byte, low nibble
/// first, stored as `q + 8` for `q` in `-7..=7`).
///
/// The word-embedding table is 30,522 × 384: keeping it quantised on the host and
/// dequantising only the rows a text uses saves ~35 MB of memory in the browser.
#[derive(Debug, Clone)]
pub struct TokenTable {
    cols: usize,
    storage: Storage,
}

#[derive(Debug, Clone)]
enum Storage {
    F32(Vec<f32>),
    Int8 { values: Vec<i8>, scales: Vec<f32> },
    Int4 { packed: Vec<u8>, scales: Vec<f32> },
}

impl TokenTable {
    /// A table of f32 rows of width `cols`.
    pub fn f32(cols: usize, values: Vec<f32>) -> Self {
        Self { cols, storage: Storage::F32(values) }
    }

    /// A table of int8 rows of width `cols`; row `r` is `values[r] * scales[r]`.
    pub fn int8(cols: usize, values: Vec<i8>, scales: Vec<f32>) -> Self {
        Self { cols, storage: Storage::Int8 { values, scales } }
    }

    /// A 4-bit table of width `cols` (a multiple of [`INT4_GROUP`]): `packed` holds
    /// `rows × cols / 2` bytes, `scales` one value per row and group of columns.
    pub fn int4(cols: usize, packed: Vec<u8>, scales: Vec<f32>) -> Self {
        Self { cols, storage: Storage::Int4 { packed, scales } }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        match &self.storage {
            Storage::F32(values) => values.len() / self.cols,
            Storage::Int8 { scales, .. } => scales.len(),
            Storage::Int4 { packed, .. } => packed.len() * 2 / self.cols,
        }
    }

    /// Appends row `row` (dequantised) to `out`; `row` must be `< rows()`.
    pub fn push_row(&self, row: usize, out: &mut Vec<f32>) {
        let range = row * self.cols..(row + 1) * self.cols;
        match &self.storage {
            Storage::F32(values) => out.extend_from_slice(&values[range]),
            Storage::Int8 { values, scales } => {
                let scale = scales[row];
                out.extend(values[range].iter().map(|&q| f32::from(q) * scale));
            }
            Storage::Int4 { packed, scales } => {
                let groups = &scales[row * self.cols / INT4_GROUP..(row + 1) * self.cols / INT4_GROUP];
                let bytes = &packed[range.start / 2..range.end / 2];
                out.extend((0..self.cols).map(|c| int4_value(bytes[c / 2], c) * groups[c / INT4_GROUP]));
            }
        }
    }

    /// The whole table as f32, row-major.
    pub fn into_f32(self) -> Vec<f32> {
        match self.storage {
            Storage::F32(values) => values,
            quantised => {
                let table = Self { cols: self.cols, storage: quantised };
                let mut out = Vec::with_capacity(table.rows() * table.cols);
                (0..table.rows()).for_each(|row| table.push_row(row, &mut out));
                out
            }
        }
    }
}

/// The signed 4-bit value of column `c` in its byte (low nibble for even columns).
fn int4_value(byte: u8, c: usize) -> f32 {
    let nibble = if c.is_multiple_of(2) { byte & 0x0f } else { byte >> 4 };
    f32::from(nibble as i8 - 8)
}
