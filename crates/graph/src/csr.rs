//! Compressed sparse row matrices and their product with dense row-major matrices.

use rayon::prelude::*;

/// A sparse `n_rows × n_cols` matrix in CSR form with `f32` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    /// Builds a matrix from `(row, col, value)` triplets; duplicates are summed.
    ///
    /// # Panics
    /// If a row or column index is out of range (a programming error: graphs are
    /// validated at ingest).
    pub fn from_triplets(n_rows: usize, n_cols: usize, triplets: &[(u32, u32, f32)]) -> Self {
        let mut counts = vec![0usize; n_rows + 1];
        for &(r, c, _) in triplets {
            assert!((r as usize) < n_rows && (c as usize) < n_cols, "triplet ({r}, {c}) out of range");
            counts[r as usize + 1] += 1;
        }
        for i in 0..n_rows {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut cols = vec![0u32; triplets.len()];
        let mut vals = vec![0f32; triplets.len()];
        for &(r, c, v) in triplets {
            let slot = &mut next[r as usize];
            cols[*slot] = c;
            vals[*slot] = v;
            *slot += 1;
        }
        let mut indptr = Vec::with_capacity(n_rows + 1);
        let mut indices = Vec::with_capacity(triplets.len());
        let mut values = Vec::with_capacity(triplets.len());
        indptr.push(0);
        for r in 0..n_rows {
            let mut row: Vec<(u32, f32)> = (counts[r]..counts[r + 1]).map(|k| (cols[k], vals[k])).collect();
            row.sort_unstable_by_key(|&(c, _)| c);
            for (c, v) in row {
                match indices.last() {
                    Some(&last) if last == c && indices.len() > indptr[r] => *values.last_mut().unwrap() += v,
                    _ => {
                        indices.push(c);
                        values.push(v);
                    }
                }
            }
            indptr.push(indices.len());
        }
        Self { n_rows, n_cols, indptr, indices, values }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `r`'s entries are `indices()[indptr()[r]..indptr()[r + 1]]`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column of every stored entry, row by row.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Value of every stored entry, row by row.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The `(column, value)` entries of one row.
    pub fn row(&self, r: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        let span = self.indptr[r]..self.indptr[r + 1];
        self.indices[span.clone()].iter().copied().zip(self.values[span].iter().copied())
    }

    /// The transposed matrix.
    pub fn transpose(&self) -> Self {
        let triplets: Vec<(u32, u32, f32)> =
            (0..self.n_rows).flat_map(|r| self.row(r).map(move |(c, v)| (c, r as u32, v))).collect();
        Self::from_triplets(self.n_cols, self.n_rows, &triplets)
    }

    /// The matrix as a dense row-major `n_rows × n_cols` buffer.
    pub fn to_dense(&self) -> Vec<f32> {
        self.rows_to_dense(0..self.n_rows)
    }

    /// Rows `rows` of the matrix as a dense row-major `rows.len() × n_cols` buffer.
    pub fn rows_to_dense(&self, rows: std::ops::Range<usize>) -> Vec<f32> {
        let mut dense = vec![0f32; rows.len() * self.n_cols];
        for (i, r) in rows.enumerate() {
            for (c, v) in self.row(r) {
                dense[i * self.n_cols + c as usize] = v;
            }
        }
        dense
    }

    /// `self × x` where `x` is a dense row-major `n_cols × dim` matrix; returns
    /// `n_rows × dim`, rows computed in parallel.
    ///
    /// # Panics
    /// If `x.len() != n_cols * dim`.
    pub fn matmul_dense(&self, x: &[f32], dim: usize) -> Vec<f32> {
        assert_eq!(x.len(), self.n_cols * dim, "dense operand has the wrong shape");
        let mut out = vec![0f32; self.n_rows * dim];
        if dim == 0 {
            return out;
        }
        let wide = wide_vectors_available();
        out.par_chunks_mut(dim).enumerate().for_each(|(r, out_row)| self.accumulate_row(r, x, out_row, wide));
        out
    }

    /// `out += (row r of self) × x`, where `x` has `out.len()` columns; `wide` comes from
    /// [`wide_vectors_available`].
    #[inline]
    pub(crate) fn accumulate_row(&self, r: usize, x: &[f32], out: &mut [f32], wide: bool) {
        let span = self.indptr[r]..self.indptr[r + 1];
        let (cols, vals) = (&self.indices[span.clone()], &self.values[span]);
        if wide {
            // SAFETY: `wide` is only true when the CPU has the features the kernel is built for.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                accumulate_rows_avx2(cols, vals, x, out)
            }
        } else {
            accumulate_rows(cols, vals, x, out)
        }
    }
}

/// [`Csr::accumulate_row`] over a compact `x` that holds only some rows: column `c` is
/// row `slots[c]` of `x` when `slots[c] < present`, and zero otherwise.
#[inline]
pub(crate) fn accumulate_row_mapped(
    matrix: &Csr,
    r: usize,
    x: &[f32],
    slots: &[u32],
    present: usize,
    out: &mut [f32],
    wide: bool,
) {
    let span = matrix.indptr[r]..matrix.indptr[r + 1];
    let (cols, vals) = (&matrix.indices[span.clone()], &matrix.values[span]);
    if wide {
        // SAFETY: `wide` is only true when the CPU has the features the kernel is built for.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            accumulate_mapped_avx2(cols, vals, x, slots, present, out)
        }
    } else {
        accumulate_mapped(cols, vals, x, slots, present, out)
    }
}

/// `out += Σ v · x[slots[c]]` over a row's `(c, v)` entries whose slot is below `present`.
#[inline(always)]
fn accumulate_mapped(cols: &[u32], vals: &[f32], x: &[f32], slots: &[u32], present: usize, out: &mut [f32]) {
    let dim = out.len();
    for (&c, &v) in cols.iter().zip(vals) {
        let slot = slots[c as usize] as usize;
        if slot < present {
            let x_row = &x[slot * dim..][..dim];
            for (o, xv) in out.iter_mut().zip(x_row) {
                *o += v * xv;
            }
        }
    }
}

/// [`accumulate_mapped`] compiled for 256-bit vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_mapped_avx2(
    cols: &[u32],
    vals: &[f32],
    x: &[f32],
    slots: &[u32],
    present: usize,
    out: &mut [f32],
) {
    accumulate_mapped(cols, vals, x, slots, present, out)
}

/// `out += Σ v · x[c]` over a row's `(c, v)` entries; `x` has `out.len()` columns.
#[inline(always)]
fn accumulate_rows(cols: &[u32], vals: &[f32], x: &[f32], out: &mut [f32]) {
    let dim = out.len();
    for (&c, &v) in cols.iter().zip(vals) {
        let x_row = &x[c as usize * dim..][..dim];
        for (o, xv) in out.iter_mut().zip(x_row) {
            *o += v * xv;
        }
    }
}

/// [`accumulate_rows`] compiled for 256-bit vectors (same arithmetic, twice the
/// lanes of the x86-64 baseline; the propagation is most of a training step).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_rows_avx2(cols: &[u32], vals: &[f32], x: &[f32], out: &mut [f32]) {
    accumulate_rows(cols, vals, x, out)
}

/// Whether this CPU runs [`accumulate_rows_avx2`].
pub(crate) fn wide_vectors_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Csr {
        // [[1, 0, 2],
        //  [0, 0, 0],
        //  [0, 3, 0]]
        Csr::from_triplets(3, 3, &[(2, 1, 3.0), (0, 2, 1.5), (0, 0, 1.0), (0, 2, 0.5)])
    }

    #[test]
    fn duplicates_are_summed_and_rows_sorted() {
        let m = example();
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.row(0).collect::<Vec<_>>(), vec![(0, 1.0), (2, 2.0)]);
        assert_eq!(m.row(1).count(), 0);
        assert_eq!(m.to_dense(), vec![1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
        assert_eq!(m.rows_to_dense(1..3), vec![0.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
    }

    #[test]
    fn transpose_mirrors_entries() {
        let t = example().transpose();
        assert_eq!(t.to_dense(), vec![1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 2.0, 0.0, 0.0]);
    }

    #[test]
    fn product_matches_hand_computation() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 × 2
        let y = example().matmul_dense(&x, 2);
        assert_eq!(y, vec![1.0 + 10.0, 2.0 + 12.0, 0.0, 0.0, 9.0, 12.0]);
    }
}
