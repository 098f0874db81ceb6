//! Truncated SVD of a sparse matrix by randomized subspace iteration (Halko, Martinsson
//! and Tropp 2011): only sparse × dense products and small eigen-problems.

use gnnrec_graph::Csr;
use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::dense::{eigen_descending, gram, matmul, orthonormalize, sparse_times};

/// The leading right singular vectors and values of a matrix.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Singular values, largest first.
    pub values: Vec<f32>,
    /// Right singular vectors as columns, `[n_cols, rank]`.
    pub right: Array2<f32>,
}

/// How the randomized SVD runs.
#[derive(Debug, Clone, Copy)]
pub struct SvdSettings {
    /// Directions kept.
    pub rank: usize,
    /// Extra random directions.
    pub oversampling: usize,
    /// Power iterations.
    pub iterations: usize,
    /// Seed of the random start.
    pub seed: u64,
}

/// The top `settings.rank` singular triplets' right side of `a` (`at` is its transpose).
pub fn truncated_svd(a: &Csr, at: &Csr, settings: SvdSettings) -> Spectrum {
    let (rows, cols) = (a.n_rows(), a.n_cols());
    let width = (settings.rank + settings.oversampling).min(rows).min(cols).max(1);
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let start: Vec<f32> = (0..cols * width).map(|_| StandardNormal.sample(&mut rng)).collect();
    let times = |m: &Csr, x: &Array2<f32>| sparse_times(m, x.view());
    let mut y = times(a, &Array2::from_shape_vec((cols, width), start).expect("start shape"));
    for _ in 0..settings.iterations {
        let z = orthonormalize(&times(at, &orthonormalize(&y)));
        y = times(a, &z);
    }
    let q = orthonormalize(&y);
    // B = Qᵀ A, kept transposed: Bᵀ = Aᵀ Q is [cols, width]. Its Gram BBᵀ = W Σ² Wᵀ gives
    // A's right singular vectors V = Bᵀ W Σ⁻¹.
    let bt = times(at, &q);
    let (squares, w) = eigen_descending(gram(bt.view()));
    let kept = squares.iter().take_while(|&&s| s > squares[0].max(0.0) * 1e-12 && s > 0.0).count();
    let rank = kept.min(settings.rank);
    let values: Vec<f32> = squares[..rank].iter().map(|s| s.sqrt() as f32).collect();
    let rotate = Array2::from_shape_fn((w.nrows(), rank), |(r, c)| (w[(r, c)] / f64::from(values[c])) as f32);
    let right = matmul(bt.view(), rotate.view());
    Spectrum { values, right }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_low_rank_matrix_exactly() {
        // A 60 × 40 matrix of rank 3 with distinct singular values.
        let (rows, cols) = (60, 40);
        let mut triplets = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let v = 3.0 * ((r % 5) as f32) * ((c % 4) as f32)
                    + 1.0 * ((r % 7) as f32 - 3.0) * ((c % 3) as f32 - 1.0)
                    + 0.5 * ((r % 2) as f32) * ((c % 2) as f32);
                if v != 0.0 {
                    triplets.push((r as u32, c as u32, v));
                }
            }
        }
        let a = Csr::from_triplets(rows, cols, &triplets);
        let settings = SvdSettings { rank: 3, oversampling: 5, iterations: 2, seed: 1 };
        let spectrum = truncated_svd(&a, &a.transpose(), settings);
        assert_eq!(spectrum.values.len(), 3);
        // ‖A V‖ per column equals σ, and A ≈ (A V) Vᵀ.
        let dense = Array2::from_shape_vec((rows, cols), a.to_dense()).unwrap();
        let av = dense.dot(&spectrum.right);
        for (c, sigma) in spectrum.values.iter().enumerate() {
            let norm = av.column(c).iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((norm - sigma).abs() < 1e-3 * sigma, "σ{c} {sigma} vs ‖Av‖ {norm}");
        }
        let rebuilt = av.dot(&spectrum.right.t());
        let err = (&rebuilt - &dense).iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(err < 1e-2, "reconstruction error {err}");
        assert!(spectrum.values.windows(2).all(|w| w[0] >= w[1]));
    }
}
