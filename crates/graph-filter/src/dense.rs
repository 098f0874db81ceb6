//! Dense helpers for tall matrices: products split over rows on every core, and
//! orthonormal bases through the eigen-decomposition of the small Gram matrix.

use gnnrec_graph::Csr;
use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

/// Most rows per parallel block of a product.
const BLOCK_ROWS: usize = 1024;

/// `a × b`, row blocks of `a` on all cores (at least two blocks per core when `a` has
/// enough rows).
pub fn matmul(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((a.nrows(), b.ncols()));
    let rows = a.nrows().div_ceil(2 * rayon::current_num_threads()).clamp(16, BLOCK_ROWS);
    out.axis_chunks_iter_mut(Axis(0), rows)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), rows).into_par_iter())
        .for_each(|(mut out, a)| out.assign(&a.dot(&b)));
    out
}

/// `aᵀ a` in f64 (the small `cols × cols` Gram matrix of a tall `a`).
pub fn gram(a: ArrayView2<'_, f32>) -> DMatrix<f64> {
    let cols = a.ncols();
    let partial = a
        .axis_chunks_iter(Axis(0), BLOCK_ROWS)
        .into_par_iter()
        .map(|block| block.t().dot(&block))
        .reduce(|| Array2::<f32>::zeros((cols, cols)), |x, y| x + y);
    DMatrix::from_fn(cols, cols, |i, j| f64::from(partial[[i, j]]))
}

/// Eigenpairs of a symmetric matrix, largest eigenvalue first.
pub fn eigen_descending(m: DMatrix<f64>) -> (Vec<f64>, DMatrix<f64>) {
    let eigen = SymmetricEigen::new(m);
    let mut order: Vec<usize> = (0..eigen.eigenvalues.len()).collect();
    order.sort_by(|&i, &j| eigen.eigenvalues[j].total_cmp(&eigen.eigenvalues[i]));
    let values = order.iter().map(|&i| eigen.eigenvalues[i]).collect();
    let vectors =
        DMatrix::from_fn(eigen.eigenvectors.nrows(), order.len(), |r, c| eigen.eigenvectors[(r, order[c])]);
    (values, vectors)
}

/// An orthonormal basis of the column space of `y` (columns whose share of the spectrum
/// is below 1e-10 are dropped), computed twice over for accuracy.
pub fn orthonormalize(y: &Array2<f32>) -> Array2<f32> {
    let once = |y: &Array2<f32>| {
        let (values, vectors) = eigen_descending(gram(y.view()));
        let top = values.first().copied().unwrap_or(0.0).max(0.0);
        let kept: Vec<usize> =
            (0..values.len()).filter(|&i| values[i] > top * 1e-10 && values[i] > 0.0).collect();
        let scale = Array2::from_shape_fn((y.ncols(), kept.len()), |(r, c)| {
            (vectors[(r, kept[c])] / values[kept[c]].sqrt()) as f32
        });
        matmul(y.view(), scale.view())
    };
    once(&once(y))
}

/// `m × x` for a sparse `m`, on the CSR kernel of `gnnrec-graph`.
pub fn sparse_times(m: &Csr, x: ArrayView2<'_, f32>) -> Array2<f32> {
    let owned = x.as_standard_layout();
    let product = m.matmul_dense(owned.as_slice().expect("standard layout"), x.ncols());
    Array2::from_shape_vec((m.n_rows(), x.ncols()), product).expect("product shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthonormal_basis_spans_the_columns() {
        let y =
            Array2::from_shape_fn((3000, 5), |(r, c)| ((r * (c + 3)) % 17) as f32 - 8.0 + (c as f32) * 0.5);
        let q = orthonormalize(&y);
        let g = gram(q.view());
        for i in 0..q.ncols() {
            for j in 0..q.ncols() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((g[(i, j)] - want).abs() < 1e-4, "QᵀQ[{i},{j}] = {}", g[(i, j)]);
            }
        }
        // y = Q (Qᵀ y): the projection keeps y.
        let back = matmul(q.view(), matmul(q.t(), y.view()).view());
        let err = (&back - &y).iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(err < 1e-2, "projection error {err}");
    }

    #[test]
    fn products_match_the_plain_product() {
        let a = Array2::from_shape_fn((2500, 7), |(r, c)| (r % 13) as f32 - c as f32);
        let b = Array2::from_shape_fn((7, 3), |(r, c)| (r + 2 * c) as f32 * 0.1);
        assert_eq!(matmul(a.view(), b.view()), a.dot(&b));
        let g = gram(a.view());
        let direct = a.t().dot(&a);
        assert!((0..7).all(|i| (0..7).all(|j| (g[(i, j)] - f64::from(direct[[i, j]])).abs() < 1e-2)));
    }
}
