//! Ridge regression `y ≈ x·W + b` from sufficient statistics (nalgebra).

use gnnrec_bundle::AffineMap;
use nalgebra::{DMatrix, DVector};

/// Centred sufficient statistics of weighted examples.
pub struct RidgeStats {
    /// `Σ w (x − x̄)(x − x̄)ᵀ`, `[k, k]`.
    xx: DMatrix<f64>,
    /// `Σ w (x − x̄)(y − ȳ)ᵀ`, `[k, d]`.
    xy: DMatrix<f64>,
    mean_x: DVector<f64>,
    mean_y: DVector<f64>,
    /// `Σ w`.
    total: f64,
}

impl RidgeStats {
    /// Statistics of rows `x` (`[n, k]`) with targets `y_sum` (`[n, d]`): row `r` stands
    /// for `weight[r]` examples with input `x_r` whose targets add up to `y_sum_r`.
    pub fn new(x: &DMatrix<f64>, y_sum: &DMatrix<f64>, weight: &[f64]) -> Self {
        let total: f64 = weight.iter().sum::<f64>().max(1e-12);
        let weighted = DMatrix::from_fn(x.nrows(), x.ncols(), |r, c| x[(r, c)] * weight[r]);
        let mean_x = weighted.row_sum().transpose() / total;
        let mean_y = y_sum.row_sum().transpose() / total;
        let xx = x.transpose() * &weighted - &mean_x * mean_x.transpose() * total;
        let xy = x.transpose() * y_sum - &mean_x * mean_y.transpose() * total;
        Self { xx, xy, mean_x, mean_y, total }
    }

    /// The ridge solution with penalty `lambda` per example (`None` if singular).
    pub fn solve(&self, lambda: f64) -> Option<AffineMap> {
        let k = self.xx.nrows();
        let regularised = &self.xx + DMatrix::<f64>::identity(k, k) * (lambda * self.total);
        let w = regularised.cholesky()?.solve(&self.xy);
        let bias = &self.mean_y - w.transpose() * &self.mean_x;
        Some(AffineMap {
            weight: (0..k).flat_map(|r| w.row(r).iter().map(|&v| v as f32).collect::<Vec<_>>()).collect(),
            bias: bias.iter().map(|&v| v as f32).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_affine_map() {
        // y = 2·x0 − x1 + 3, four examples.
        let x = DMatrix::from_row_slice(4, 2, &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        let y = DMatrix::from_row_slice(4, 1, &[3.0, 5.0, 2.0, 4.0]);
        let map = RidgeStats::new(&x, &y, &[1.0; 4]).solve(1e-9).unwrap();
        assert!((map.weight[0] - 2.0).abs() < 1e-4 && (map.weight[1] + 1.0).abs() < 1e-4);
        assert!((map.bias[0] - 3.0).abs() < 1e-4);
    }
}
