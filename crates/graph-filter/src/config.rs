//! Settings of the graph filter and the search over them (saved with every run).

use serde::{Deserialize, Serialize};

use crate::error::GraphFilterError;

/// How the filter is fitted: the truncated SVD and the validation search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphFilterConfig {
    /// Largest rank kept from the SVD; `None` = [`default_rank`] of the matrix.
    pub rank: Option<usize>,
    /// Rank at which the normalisations are compared (one SVD each); only the winner's
    /// SVD is taken to the full rank.
    #[serde(default = "default_probe_rank")]
    pub probe_rank: usize,
    /// Extra random directions of the randomized SVD beyond the rank.
    pub oversampling: usize,
    /// Power iterations of the randomized SVD (more = sharper spectrum, slower).
    pub power_iterations: usize,
    /// Seed of the random start of the SVD.
    pub seed: u64,
    /// Validation users (evenly spaced) scored per candidate filter.
    pub validation_users: usize,
    /// Candidate values searched on the validation users.
    pub search: SearchSpace,
}

/// Default [`GraphFilterConfig::probe_rank`].
pub const PROBE_RANK: usize = 256;

fn default_probe_rank() -> usize {
    PROBE_RANK
}

/// Work allowed to the full-rank SVD by default, in `(users + items) · rank²`: the
/// orthonormalisations that dominate it grow so. About 25 s on a 2-core CPU; citeulike
/// (22k nodes) would get rank 1,053, amazon-sports (54k nodes) 680, amazon-beauty (110k
/// nodes) 477.
pub const RANK_BUDGET: f64 = 2.5e10;

/// Largest default rank: beyond it the `rank³` eigen-problem of the SVD dominates (ml-1m
/// at rank 1,608 took 104 s for the SVD alone) while NDCG@20 gains little.
pub const MAX_DEFAULT_RANK: usize = 1024;

/// The default largest rank for a `users × items` matrix: what [`RANK_BUDGET`] allows,
/// between [`PROBE_RANK`] and [`MAX_DEFAULT_RANK`] (the caller caps it at the matrix's own
/// rank).
pub fn default_rank(users: usize, items: usize) -> usize {
    ((RANK_BUDGET / (users + items).max(1) as f64).sqrt() as usize).clamp(PROBE_RANK, MAX_DEFAULT_RANK)
}

impl Default for GraphFilterConfig {
    fn default() -> Self {
        Self {
            rank: None,
            probe_rank: PROBE_RANK,
            oversampling: 32,
            power_iterations: 4,
            seed: 2024,
            validation_users: 1500,
            search: SearchSpace::default(),
        }
    }
}

/// Candidate values for each filter setting (see [`crate::FilterSettings`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSpace {
    /// `(user exponent, item exponent)` pairs of the normalisation `D_U^-a R D_I^-b`; each
    /// needs its own SVD. The first is searched in full, the others with its winner.
    pub normalisations: Vec<(f32, f32)>,
    /// Filter strengths `μ / σ_max²`.
    pub strengths: Vec<f32>,
    /// Filter sharpness `p` (1 = Tikhonov, large = the ideal low-pass of GF-CF).
    pub sharpness: Vec<f32>,
    /// Ranks kept, as fractions of the SVD's rank.
    pub rank_fractions: Vec<f32>,
    /// History item-degree exponents, as offsets from the item exponent `b`.
    pub history_offsets: Vec<f32>,
    /// Output item-degree exponents, as offsets from the item exponent `b`.
    pub output_offsets: Vec<f32>,
}

impl Default for SearchSpace {
    fn default() -> Self {
        Self {
            normalisations: vec![(0.25, 0.25), (0.5, 0.25), (0.0, 0.25)],
            strengths: vec![0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
            sharpness: vec![1.0, 2.0, 4.0, 8.0],
            rank_fractions: vec![0.25, 0.5, 1.0],
            history_offsets: vec![-0.25, -0.1, 0.0, 0.1, 0.25],
            output_offsets: vec![-0.1, 0.0, 0.1, 0.2, 0.3, 0.4],
        }
    }
}

impl GraphFilterConfig {
    /// Rejects settings that would give NaN, an empty search or no SVD.
    pub fn validate(&self) -> Result<(), GraphFilterError> {
        let invalid = |name, value: f64, why| Err(GraphFilterError::InvalidSetting { name, value, why });
        if self.rank == Some(0) {
            return invalid("rank", 0.0, "the SVD needs at least one direction");
        }
        if self.probe_rank == 0 {
            return invalid("probe_rank", 0.0, "the SVD needs at least one direction");
        }
        if self.validation_users == 0 {
            return invalid("validation_users", 0.0, "at least one user must score the candidates");
        }
        let s = &self.search;
        let lists: [(&'static str, Vec<f32>); 5] = [
            ("strengths", s.strengths.clone()),
            ("sharpness", s.sharpness.clone()),
            ("rank_fractions", s.rank_fractions.clone()),
            ("history_offsets", s.history_offsets.clone()),
            ("output_offsets", s.output_offsets.clone()),
        ];
        for (name, values) in lists {
            if values.is_empty() {
                return invalid(name, 0.0, "the search needs at least one value");
            }
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return invalid(name, f64::from(*v), "must be finite");
            }
        }
        if s.normalisations.is_empty() {
            return invalid("normalisations", 0.0, "the search needs at least one (a, b) pair");
        }
        if let Some((a, b)) = s.normalisations.iter().find(|(a, b)| !a.is_finite() || !b.is_finite()) {
            return invalid(
                "normalisations",
                f64::from(if a.is_finite() { *b } else { *a }),
                "must be finite",
            );
        }
        if let Some(v) = s.strengths.iter().find(|v| **v <= 0.0) {
            return invalid("strengths", f64::from(*v), "must be > 0 (0 divides by zero)");
        }
        if let Some(v) = s.sharpness.iter().find(|v| **v <= 0.0) {
            return invalid("sharpness", f64::from(*v), "must be > 0");
        }
        if let Some(v) = s.rank_fractions.iter().find(|v| **v <= 0.0 || **v > 1.0) {
            return invalid("rank_fractions", f64::from(*v), "must be in (0, 1]");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rank_follows_the_budget() {
        // citeulike 5,551 × 16,980 and amazon-beauty 52,204 × 57,289 (users × items).
        assert_eq!(default_rank(5_551, 16_980), MAX_DEFAULT_RANK);
        assert_eq!(default_rank(35_598, 18_357), 680);
        assert_eq!(default_rank(52_204, 57_289), 477);
        // Huge matrices keep the probe rank; the caller caps small ones at their own rank.
        assert_eq!(default_rank(5_000_000, 1_000_000), PROBE_RANK);
    }
}
