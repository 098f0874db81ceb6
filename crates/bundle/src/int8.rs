//! Row-wise int8 matrices: the bundle's storage form of embeddings.

use gnnrec_text_encoder::quantize::quantize_rows;

/// A row-major matrix stored as int8 with one f32 scale per row: row `r` ≈
/// `values[r·dim..(r+1)·dim] · scales[r]` (symmetric, max-abs scaling).
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Row width.
    pub dim: usize,
    /// Quantized values, row-major.
    pub values: Vec<i8>,
    /// One scale per row.
    pub scales: Vec<f32>,
}

impl Int8Matrix {
    /// Quantizes a row-major f32 matrix of width `dim`.
    pub fn quantize(data: &[f32], dim: usize) -> Self {
        let (values, scales) = quantize_rows(data, dim);
        Self { rows: scales.len(), dim, values, scales }
    }

    /// The f32 matrix the int8 values stand for, row-major.
    pub fn dequantize(&self) -> Vec<f32> {
        self.values
            .chunks_exact(self.dim.max(1))
            .zip(&self.scales)
            .flat_map(|(row, &scale)| row.iter().map(move |&v| f32::from(v) * scale))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_at_most_half_a_step_per_row() {
        let data = [1.0, -0.5, 0.25, 0.0, 10.0, -10.0, 3.3, 0.01];
        let m = Int8Matrix::quantize(&data, 4);
        assert_eq!((m.rows, m.dim), (2, 4));
        let back = m.dequantize();
        for (i, (a, b)) in data.iter().zip(&back).enumerate() {
            assert!((a - b).abs() <= m.scales[i / 4] / 2.0 + 1e-6, "{i}: {a} vs {b}");
        }
    }
}
