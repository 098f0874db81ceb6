//! Principal component analysis by eigen-decomposition of the covariance matrix.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::FeatureError;

/// A fitted PCA: the mean and the top components (rows, unit length, by decreasing
/// variance).
#[derive(Debug, Clone)]
pub struct Pca {
    mean: Vec<f32>,
    components: Vec<Vec<f32>>,
    explained: f64,
}

impl Pca {
    /// Fits `components` directions on `rows` (all of the same width).
    pub fn fit(rows: &[Vec<f32>], components: usize) -> Result<Self, FeatureError> {
        let width = rows.first().map_or(0, Vec::len);
        if components == 0 || components > width || rows.len() < 2 {
            return Err(FeatureError::PcaShape { components, rows: rows.len(), width });
        }
        let n = rows.len() as f64;
        let mut mean = vec![0f64; width];
        for row in rows {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += f64::from(*v) / n;
            }
        }
        let mut covariance = DMatrix::<f64>::zeros(width, width);
        let mut centred = vec![0f64; width];
        for row in rows {
            for ((c, v), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = f64::from(*v) - m;
            }
            let x = nalgebra::DVectorView::from_slice(&centred, width);
            covariance.ger(1.0 / (n - 1.0), &x, &x, 1.0);
        }
        let eigen = SymmetricEigen::new(covariance);
        let mut order: Vec<usize> = (0..width).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let total: f64 = eigen.eigenvalues.iter().map(|v| v.max(0.0)).sum();
        let kept: f64 = order[..components].iter().map(|&i| eigen.eigenvalues[i].max(0.0)).sum();
        let components = order[..components]
            .iter()
            .map(|&i| {
                let column = eigen.eigenvectors.column(i);
                // Fix the sign so that results do not depend on the solver's choice.
                let sign = if column
                    .iter()
                    .copied()
                    .fold(0.0, |acc: f64, v| if v.abs() > acc.abs() { v } else { acc })
                    < 0.0
                {
                    -1.0
                } else {
                    1.0
                };
                column.iter().map(|v| (v * sign) as f32).collect()
            })
            .collect();
        Ok(Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            components,
            explained: if total > 0.0 { kept / total } else { 0.0 },
        })
    }

    /// Mean of the fitted rows.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The principal axes, largest variance first (unit vectors).
    pub fn axes(&self) -> &[Vec<f32>] {
        &self.components
    }

    /// Share of the total variance the kept components explain.
    pub fn explained_variance(&self) -> f64 {
        self.explained
    }

    /// Output width.
    pub fn components(&self) -> usize {
        self.components.len()
    }

    /// Projects one row onto the components.
    pub fn transform(&self, row: &[f32]) -> Vec<f32> {
        self.components
            .iter()
            .map(|c| c.iter().zip(row).zip(&self.mean).map(|((w, v), m)| w * (v - m)).sum())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_direction_of_largest_variance() {
        // Points along (1, 1)/√2 with small noise on (1, -1)/√2.
        let rows: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let t = i as f32 - 25.0;
                let e = if i % 2 == 0 { 0.1 } else { -0.1 };
                vec![t + e + 3.0, t - e - 1.0]
            })
            .collect();
        let pca = Pca::fit(&rows, 1).unwrap();
        let c = &pca.components[0];
        assert!((c[0] - c[1]).abs() < 1e-3 && (c[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-3, "{c:?}");
        assert!(pca.explained_variance() > 0.999);
        // The mean maps to zero; a point one unit along the component maps to 1.
        let point: Vec<f32> = pca.mean.iter().zip(c).map(|(m, w)| m + w).collect();
        assert!(pca.transform(&pca.mean)[0].abs() < 1e-4);
        let projected = pca.transform(&point);
        assert!((projected[0] - 1.0).abs() < 1e-3, "{projected:?}");
    }

    #[test]
    fn impossible_shapes_are_errors() {
        let rows = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        assert!(Pca::fit(&rows, 3).is_err());
        assert!(Pca::fit(&rows[..1], 1).is_err());
        assert!(Pca::fit(&rows, 0).is_err());
    }
}
