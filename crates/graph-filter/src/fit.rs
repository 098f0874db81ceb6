//! Fitting: one SVD per normalisation, a validation search per SVD, the best filter's
//! vectors for every item and training user.

use std::time::Instant;

use ndarray::Array2;
use serde::Serialize;

use crate::config::{DEFAULT_RANK, GraphFilterConfig};
use crate::data::{TrainingMatrix, ValidationPanel};
use crate::error::GraphFilterError;
use crate::filter::FilterSettings;
use crate::search::{Candidate, search, starting_point, transplant};

/// Coordinate-ascent passes of the full search on the first normalisation.
const FIRST_PASSES: usize = 2;
use crate::svd::{Spectrum, SvdSettings, truncated_svd};

/// A fitted filter: its settings and the vectors it gives.
pub struct FittedFilter {
    /// The chosen settings.
    pub settings: FilterSettings,
    /// Item vectors, `[n_items, rank]`.
    pub items: Array2<f32>,
    /// Training-user vectors, `[n_users, rank]`: `Σ_{i∈history} d_i^e · item_i` with
    /// `e = settings.fold_in_exponent()`, exactly what the browser's fold-in computes.
    pub users: Array2<f32>,
    /// How it was chosen and what it cost.
    pub report: FitReport,
}

/// The search and its timings.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// Largest SVD rank used.
    pub rank: usize,
    /// Validation users scoring each candidate.
    pub validation_users: usize,
    /// Seconds per truncated SVD, in normalisation order.
    pub svd_seconds: Vec<f64>,
    /// Seconds spent scoring candidates.
    pub search_seconds: f64,
    /// The winner.
    pub chosen: Candidate,
    /// Every candidate evaluated.
    pub candidates: Vec<Candidate>,
}

/// Fits the filter to `train` (per-user item lists), choosing its settings by NDCG@20 on
/// users' `valid` items.
pub fn fit(
    train: &[Vec<u32>],
    valid: &[Vec<u32>],
    n_items: usize,
    config: &GraphFilterConfig,
) -> Result<FittedFilter, GraphFilterError> {
    config.validate()?;
    let data = TrainingMatrix::new(train, n_items)?;
    let rank = data.rank(config.rank, DEFAULT_RANK)?;
    let panel = ValidationPanel::new(train, valid, n_items, config.validation_users)?;
    let svd = SvdSettings {
        rank,
        oversampling: config.oversampling,
        iterations: config.power_iterations,
        seed: config.seed,
    };
    let mut refine = false;
    // The first normalisation gets the full search; the others are tried with its winner,
    // and the best of them is refined by one more pass if it is not the first.
    let (mut svd_seconds, mut search_seconds, mut candidates) = (Vec::new(), 0.0, Vec::new());
    let mut best: Option<(Candidate, Spectrum)> = None;
    for (n, &normalisation) in config.search.normalisations.iter().enumerate() {
        let started = Instant::now();
        let normalised = data.normalised(normalisation.0, normalisation.1);
        let spectrum = truncated_svd(&normalised, &normalised.transpose(), svd);
        svd_seconds.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let (winner, tried) = match &best {
            None => search(
                starting_point(normalisation, rank, &config.search),
                FIRST_PASSES,
                &spectrum,
                &data,
                &panel,
                &config.search,
            ),
            Some((leader, _)) => search(
                transplant(leader.settings, normalisation),
                0,
                &spectrum,
                &data,
                &panel,
                &config.search,
            ),
        };
        search_seconds += started.elapsed().as_secs_f64();
        candidates.extend(tried);
        if best.as_ref().is_none_or(|(c, _)| winner.valid_ndcg > c.valid_ndcg) {
            best = Some((winner, spectrum));
            if n > 0 {
                refine = true;
            }
        }
    }
    if refine {
        let (leader, spectrum) = best.take().expect("a normalisation won");
        let started = Instant::now();
        let (winner, tried) = search(leader.settings, 1, &spectrum, &data, &panel, &config.search);
        search_seconds += started.elapsed().as_secs_f64();
        candidates.extend(tried);
        best = Some((winner, spectrum));
    }
    let (chosen, spectrum) = best.expect("at least one normalisation (validated)");
    let settings = chosen.settings;
    let items = settings.item_vectors(&spectrum, &data.item_degrees);
    let users = settings.user_vectors(&data.history, items.view(), &data.item_degrees);
    for (what, m) in [("item vectors", &items), ("user vectors", &users)] {
        if m.iter().any(|v| !v.is_finite()) {
            return Err(GraphFilterError::NonFinite { what, settings: format!("{settings:?}") });
        }
    }
    let report = FitReport {
        rank,
        validation_users: panel.truth.len(),
        svd_seconds,
        search_seconds,
        chosen,
        candidates,
    };
    Ok(FittedFilter { settings, items, users, report })
}
