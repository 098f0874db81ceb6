//! Spectral starting points for learned models: the leading singular vectors of the
//! degree-normalised interaction matrix as layer-0 embeddings.
//!
//! With `R̃ = D_U^-a R D_I^-b ≈ U Σ Vᵀ`, users start at `U √Σ` and items at `V √Σ`, so the
//! first score `uᵀv` is already the rank-`dim` reconstruction of `R̃`: the low-pass part of
//! the graph that LightGCN's propagation converges to. Training then starts from the
//! graph filter's neighbourhood instead of from noise.

use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

use crate::data::TrainingMatrix;
use crate::dense::sparse_times;
use crate::error::GraphFilterError;
use crate::svd::{SvdSettings, truncated_svd};

/// Standard deviation of the entries of a spectral start, the same as LightGCN's random
/// start `N(0, 0.1²)`, so learning rates and L2 keep their meaning.
pub const ENTRY_SCALE: f32 = 0.1;

/// Layer-0 embeddings `[n_users + n_items, dim]` (users first) from the truncated SVD of
/// `D_U^-a R D_I^-b`, scaled to root-mean-square entry [`ENTRY_SCALE`]. Columns the matrix
/// has no direction for (rank below `dim`) start as small noise, so that they still learn.
pub fn spectral_embeddings(
    train: &[Vec<u32>],
    n_items: usize,
    (user_exponent, item_exponent): (f32, f32),
    dim: usize,
    seed: u64,
) -> Result<Array2<f32>, GraphFilterError> {
    let data = TrainingMatrix::new(train, n_items)?;
    let rank = data.rank(None, dim)?;
    let normalised = data.normalised(user_exponent, item_exponent);
    let settings = SvdSettings { rank, oversampling: 16, iterations: 4, seed };
    let spectrum = truncated_svd(&normalised, &normalised.transpose(), settings);
    // U Σ = R̃ V, so U √Σ = R̃ V Σ^-½ and V √Σ = V Σ^½.
    let left = sparse_times(&normalised, spectrum.right.view());
    let n_users = train.len();
    let mut out = Array2::<f32>::zeros((n_users + n_items, dim));
    for (k, &sigma) in spectrum.values.iter().enumerate() {
        let root = sigma.sqrt();
        for u in 0..n_users {
            out[[u, k]] = left[[u, k]] / root;
        }
        for i in 0..n_items {
            out[[n_users + i, k]] = spectrum.right[[i, k]] * root;
        }
    }
    let filled = spectrum.values.len();
    let square_mean = out.iter().map(|v| v * v).sum::<f32>() / (out.nrows() * filled.max(1)) as f32;
    let scale = if square_mean > 0.0 { ENTRY_SCALE / square_mean.sqrt() } else { 0.0 };
    out.columns_mut().into_iter().take(filled).for_each(|mut c| c.mapv_inplace(|v| v * scale));
    let noise = Normal::new(0.0, ENTRY_SCALE * 0.1).expect("finite scale");
    let mut rng = StdRng::seed_from_u64(seed);
    out.columns_mut().into_iter().skip(filled).for_each(|mut c| c.mapv_inplace(|_| noise.sample(&mut rng)));
    if out.iter().any(|v| !v.is_finite()) {
        return Err(GraphFilterError::NonFinite {
            what: "spectral embeddings",
            settings: format!("a = {user_exponent}, b = {item_exponent}, dim = {dim}"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> Vec<Vec<u32>> {
        // 6 users × 5 items, two communities {0,1,2} × {0,1} and {3,4,5} × {2,3,4}.
        vec![vec![0, 1], vec![0, 1], vec![0], vec![2, 3], vec![3, 4], vec![2, 4]]
    }

    #[test]
    fn dot_products_reconstruct_the_normalised_matrix() {
        let train = lists();
        let e = spectral_embeddings(&train, 5, (0.5, 0.5), 5, 7).unwrap();
        assert_eq!(e.dim(), (11, 5));
        // Full rank: uᵀv ∝ R̃ exactly, so interacted pairs score above the rest.
        let score = |u: usize, i: usize| e.row(u).dot(&e.row(6 + i));
        for (u, items) in train.iter().enumerate() {
            for i in 0..5u32 {
                let s = score(u, i as usize);
                if items.contains(&i) {
                    assert!(s > 1e-4, "user {u} item {i}: {s}");
                } else {
                    assert!(s.abs() < 1e-4, "user {u} item {i}: {s}");
                }
            }
        }
        let rms = (e.iter().map(|v| v * v).sum::<f32>() / e.len() as f32).sqrt();
        assert!((rms - ENTRY_SCALE).abs() < 1e-3, "rms {rms}");
    }

    #[test]
    fn columns_beyond_the_rank_start_as_small_noise() {
        // Rank 2 (two users), width 4: columns 2 and 3 are noise, not zeros.
        let e = spectral_embeddings(&[vec![0, 1], vec![2]], 3, (0.5, 0.5), 4, 1).unwrap();
        for k in 2..4 {
            let column = e.column(k);
            assert!(column.iter().any(|v| *v != 0.0));
            assert!(column.iter().all(|v| v.abs() < ENTRY_SCALE));
        }
    }

    #[test]
    fn an_empty_matrix_is_an_error() {
        let err = spectral_embeddings(&[vec![], vec![]], 3, (0.5, 0.5), 4, 1).unwrap_err();
        assert!(matches!(err, GraphFilterError::EmptyInteractions), "{err}");
    }
}
