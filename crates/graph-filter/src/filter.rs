//! One graph filter: normalisation, spectral response, output scaling, and the item and
//! user vectors it gives.

use gnnrec_graph::Csr;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::history_sums;
use crate::svd::Spectrum;

/// The settings of one filter.
///
/// With `R̃ = D_U^-a R D_I^-b = U Σ Vᵀ` (rank `rank`), a user with history row `r` scores
/// items by `s = r D_I^-g · V h(Σ²) Vᵀ · D_I^c`, where
/// `h(σ²) = x^p / (1 + x^p)`, `x = σ² / (strength · σ_max²)`, `p = sharpness`.
/// `p = 1` is a Tikhonov (ridge) filter, as in EASE without its zero diagonal; large `p`
/// tends to GF-CF's ideal low-pass filter, which keeps the directions with
/// `σ² > strength · σ_max²` and drops the rest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FilterSettings {
    /// `a`: user-degree exponent of the normalisation.
    pub user_exponent: f32,
    /// `b`: item-degree exponent of the normalisation.
    pub item_exponent: f32,
    /// `g`: item-degree exponent of the history weights (`b` in GF-CF).
    pub history_exponent: f32,
    /// Where the response falls to ½, relative to the largest `σ²`.
    pub strength: f32,
    /// How steeply it falls (`p`).
    pub sharpness: f32,
    /// Singular directions used.
    pub rank: usize,
    /// `c`: item-degree exponent of the output.
    pub output_exponent: f32,
}

impl FilterSettings {
    /// `h(σ²)` for each singular value of `values` (largest first) up to `rank`.
    pub fn response(&self, values: &[f32]) -> Vec<f32> {
        let top = values.first().map_or(1.0, |s| s * s);
        let cutoff = (self.strength * top).max(f32::MIN_POSITIVE);
        values
            .iter()
            .take(self.rank)
            .map(|s| {
                let x = s * s / cutoff;
                // 1 / (1 + x^-p) without overflow for large p.
                if x >= 1.0 {
                    1.0 / (1.0 + x.recip().powf(self.sharpness))
                } else {
                    let xp = x.powf(self.sharpness);
                    xp / (1.0 + xp)
                }
            })
            .collect()
    }

    /// The exponent `e` for which a user's vector is `Σ_{i∈history} d_i^e · item_i`
    /// (what the browser's fold-in computes): `−(g + c)`.
    pub fn fold_in_exponent(&self) -> f32 {
        -(self.history_exponent + self.output_exponent)
    }

    /// Item vectors `D_I^c V √h`, `[n_items, rank]`.
    pub fn item_vectors(&self, spectrum: &Spectrum, item_degrees: &[f32]) -> Array2<f32> {
        let gain: Vec<f32> = self.response(&spectrum.values).iter().map(|h| h.sqrt()).collect();
        let scale: Vec<f32> = item_degrees.iter().map(|d| d.powf(self.output_exponent)).collect();
        Array2::from_shape_fn((item_degrees.len(), gain.len()), |(i, k)| {
            scale[i] * spectrum.right[[i, k]] * gain[k]
        })
    }

    /// User vectors `Σ_{i∈history} d_i^e · item_i` for the rows of `history` (a 0/1
    /// user × item matrix).
    pub fn user_vectors(
        &self,
        history: &Csr,
        items: ArrayView2<'_, f32>,
        item_degrees: &[f32],
    ) -> Array2<f32> {
        history_sums(history, items, item_degrees, self.fold_in_exponent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(sharpness: f32) -> FilterSettings {
        FilterSettings {
            user_exponent: 0.5,
            item_exponent: 0.25,
            history_exponent: 0.25,
            strength: 0.25,
            sharpness,
            rank: 3,
            output_exponent: 0.25,
        }
    }

    #[test]
    fn response_is_a_low_pass_that_halves_at_the_cutoff() {
        // σ² = 4, 1, 0.25 with cutoff 0.25 · 4 = 1.
        let h = settings(1.0).response(&[2.0, 1.0, 0.5, 0.1]);
        assert_eq!(h.len(), 3, "only `rank` directions");
        assert!((h[0] - 0.8).abs() < 1e-6 && (h[1] - 0.5).abs() < 1e-6 && (h[2] - 0.2).abs() < 1e-6, "{h:?}");
        let sharp = settings(64.0).response(&[2.0, 1.0, 0.5]);
        assert!(sharp[0] > 0.999 && (sharp[1] - 0.5).abs() < 1e-6 && sharp[2] < 1e-6, "{sharp:?}");
        assert!(settings(1e4).response(&[2.0, 1.0, 0.5]).iter().all(|v| v.is_finite()));
    }

    #[test]
    fn fold_in_exponent_combines_input_and_output_scaling() {
        assert_eq!(settings(1.0).fold_in_exponent(), -0.5);
    }
}
