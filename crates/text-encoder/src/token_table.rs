//! Row tables (word embeddings) kept on the host, in f32 or int8, gathered per token.

/// A `[rows, cols]` matrix stored row-major, either as f32 or as int8 with one scale per row.
///
/// The word-embedding table is 30,522 × 384: keeping it int8 on the host and
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

    /// Number of rows.
    pub fn rows(&self) -> usize {
        match &self.storage {
            Storage::F32(values) => values.len() / self.cols,
            Storage::Int8 { scales, .. } => scales.len(),
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
        }
    }

    /// The whole table as f32, row-major.
    pub fn into_f32(self) -> Vec<f32> {
        match self.storage {
            Storage::F32(values) => values,
            Storage::Int8 { values, scales } => values
                .chunks_exact(self.cols)
                .zip(scales)
                .flat_map(|(row, scale)| row.iter().map(move |&q| f32::from(q) * scale))
                .collect(),
        }
    }
}
