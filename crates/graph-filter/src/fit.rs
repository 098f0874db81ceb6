//! Fitting: one SVD per normalisation, a validation search per SVD, the best filter's
//! vectors for every item and training user.

use std::time::Instant;

use ndarray::Array2;
use serde::Serialize;

use crate::config::{GraphFilterConfig, SearchSpace, default_rank};
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
    /// Rank at which the normalisations were compared.
    pub probe_rank: usize,
    /// Validation users scoring each candidate.
    pub validation_users: usize,
    /// Seconds per truncated SVD: each normalisation at the probe rank, then the winner at
    /// the full rank (when larger).
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
///
/// Every normalisation is compared at the probe rank (one SVD each); the winner's SVD is
/// then taken to the full rank and its settings refined there by one more pass.
pub fn fit(
    train: &[Vec<u32>],
    valid: &[Vec<u32>],
    n_items: usize,
    config: &GraphFilterConfig,
) -> Result<FittedFilter, GraphFilterError> {
    config.validate()?;
    let data = TrainingMatrix::new(train, n_items)?;
    let rank = data.rank(config.rank, default_rank(train.len(), n_items))?;
    let probe = config.probe_rank.min(rank);
    let panel = ValidationPanel::new(train, valid, n_items, config.validation_users)?;
    let svd = |rank| SvdSettings {
        rank,
        oversampling: config.oversampling,
        iterations: config.power_iterations,
        seed: config.seed,
    };
    let mut log = SearchLog::default();
    let mut best: Option<(Candidate, Spectrum)> = None;
    let mut refine = false;
    // The first normalisation gets the full search; the others are tried with its winner,
    // and the best of them is refined by one more pass if it is not the first.
    for (n, &normalisation) in config.search.normalisations.iter().enumerate() {
        let spectrum = log.svd(&data, normalisation, svd(probe));
        let (start, passes) = match &best {
            None => (starting_point(normalisation, probe, &config.search), FIRST_PASSES),
            Some((leader, _)) => (transplant(leader.settings, normalisation), 0),
        };
        let winner = log.search(start, passes, &spectrum, &data, &panel, &config.search);
        if best.as_ref().is_none_or(|(c, _)| winner.valid_ndcg > c.valid_ndcg) {
            best = Some((winner, spectrum));
            refine = n > 0;
        }
    }
    let (leader, spectrum) = best.expect("at least one normalisation (validated)");
    let (chosen, spectrum) = if rank > probe {
        let settings = leader.settings;
        let full = log.svd(&data, (settings.user_exponent, settings.item_exponent), svd(rank));
        (log.search(settings, 1, &full, &data, &panel, &config.search), full)
    } else if refine {
        (log.search(leader.settings, 1, &spectrum, &data, &panel, &config.search), spectrum)
    } else {
        (leader, spectrum)
    };
    let SearchLog { svd_seconds, search_seconds, candidates } = log;
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
        probe_rank: probe,
        validation_users: panel.truth.len(),
        svd_seconds,
        search_seconds,
        chosen,
        candidates,
    };
    Ok(FittedFilter { settings, items, users, report })
}

/// The vectors of a filter with `settings`, fitted to `train` without a search: the SVD of
/// the settings' normalisation at `svd_rank` (capped by the matrix's own rank), then item
/// vectors `[n_items, rank]` and training-user vectors. For refitting on every interaction
/// once the settings were chosen on a validation split.
pub fn refit(
    train: &[Vec<u32>],
    n_items: usize,
    settings: FilterSettings,
    svd_rank: usize,
    config: &GraphFilterConfig,
) -> Result<(Array2<f32>, Array2<f32>), GraphFilterError> {
    let data = TrainingMatrix::new(train, n_items)?;
    let rank = data.rank(None, svd_rank)?;
    let svd = SvdSettings {
        rank,
        oversampling: config.oversampling,
        iterations: config.power_iterations,
        seed: config.seed,
    };
    let normalised = data.normalised(settings.user_exponent, settings.item_exponent);
    let spectrum = truncated_svd(&normalised, &normalised.transpose(), svd);
    let settings = FilterSettings { rank: settings.rank.min(rank), ..settings };
    let items = settings.item_vectors(&spectrum, &data.item_degrees);
    let users = settings.user_vectors(&data.history, items.view(), &data.item_degrees);
    if items.iter().chain(users.iter()).any(|v| !v.is_finite()) {
        return Err(GraphFilterError::NonFinite {
            what: "refitted vectors",
            settings: format!("{settings:?}"),
        });
    }
    Ok((items, users))
}

/// What the fit has spent and tried so far.
#[derive(Default)]
struct SearchLog {
    svd_seconds: Vec<f64>,
    search_seconds: f64,
    candidates: Vec<Candidate>,
}

impl SearchLog {
    /// The truncated SVD of `D_U^-a R D_I^-b`, timed.
    fn svd(&mut self, data: &TrainingMatrix, (a, b): (f32, f32), settings: SvdSettings) -> Spectrum {
        let started = Instant::now();
        let normalised = data.normalised(a, b);
        let spectrum = truncated_svd(&normalised, &normalised.transpose(), settings);
        self.svd_seconds.push(started.elapsed().as_secs_f64());
        spectrum
    }

    /// [`search`] from `start`, timed, its candidates kept; returns the winner.
    fn search(
        &mut self,
        start: FilterSettings,
        passes: usize,
        spectrum: &Spectrum,
        data: &TrainingMatrix,
        panel: &ValidationPanel,
        space: &SearchSpace,
    ) -> Candidate {
        let started = Instant::now();
        let (winner, tried) = search(start, passes, spectrum, data, panel, space);
        self.search_seconds += started.elapsed().as_secs_f64();
        self.candidates.extend(tried);
        winner
    }
}
