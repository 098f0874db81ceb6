//! Choosing the filter on validation users by coordinate ascent over the search space.

use serde::Serialize;

use crate::config::SearchSpace;
use crate::data::{TrainingMatrix, ValidationPanel};
use crate::filter::FilterSettings;
use crate::rank::evaluate_rows;
use crate::svd::Spectrum;

/// The cut-off the search maximises NDCG at.
pub const SELECT_AT: usize = 20;

/// One evaluated candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Its settings.
    pub settings: FilterSettings,
    /// NDCG@20 on the validation users.
    pub valid_ndcg: f64,
}

/// NDCG@20 of `settings` on the validation panel.
pub fn validation_ndcg(
    settings: &FilterSettings,
    spectrum: &Spectrum,
    data: &TrainingMatrix,
    panel: &ValidationPanel,
) -> f64 {
    let items = settings.item_vectors(spectrum, &data.item_degrees);
    let users = settings.user_vectors(&panel.history, items.view(), &data.item_degrees);
    let train: Vec<&[u32]> = panel.train.iter().map(Vec::as_slice).collect();
    let truth: Vec<&[u32]> = panel.truth.iter().map(Vec::as_slice).collect();
    let ndcg = evaluate_rows(users.view(), items.view(), &train, &truth, &[SELECT_AT]).cutoffs[0].ndcg;
    if ndcg.is_finite() { ndcg } else { f64::NEG_INFINITY }
}

/// The settings a search starts from: the middle strength, the first sharpness, the full
/// rank and no extra degree scaling.
pub fn starting_point(
    (user_exponent, item_exponent): (f32, f32),
    rank: usize,
    space: &SearchSpace,
) -> FilterSettings {
    FilterSettings {
        user_exponent,
        item_exponent,
        history_exponent: item_exponent,
        strength: space.strengths[space.strengths.len() / 2],
        sharpness: space.sharpness[0],
        rank,
        output_exponent: item_exponent,
    }
}

/// `settings` moved to another normalisation `(a, b)`, keeping its offsets from `b`.
pub fn transplant(settings: FilterSettings, (user_exponent, item_exponent): (f32, f32)) -> FilterSettings {
    let shift = item_exponent - settings.item_exponent;
    FilterSettings {
        user_exponent,
        item_exponent,
        history_exponent: settings.history_exponent + shift,
        output_exponent: settings.output_exponent + shift,
        ..settings
    }
}

/// Coordinate ascent from `start` over `passes` passes (strength, sharpness, rank, history
/// and output exponents, one at a time); returns the best and every candidate tried.
pub fn search(
    start: FilterSettings,
    passes: usize,
    spectrum: &Spectrum,
    data: &TrainingMatrix,
    panel: &ValidationPanel,
    space: &SearchSpace,
) -> (Candidate, Vec<Candidate>) {
    let full = spectrum.values.len();
    let item_exponent = start.item_exponent;
    let mut current = FilterSettings { rank: start.rank.min(full), ..start };
    let mut tried: Vec<Candidate> = Vec::new();
    let score = |s: FilterSettings, tried: &mut Vec<Candidate>| -> f64 {
        if let Some(c) = tried.iter().find(|c| c.settings == s) {
            return c.valid_ndcg;
        }
        let valid_ndcg = validation_ndcg(&s, spectrum, data, panel);
        tried.push(Candidate { settings: s, valid_ndcg });
        valid_ndcg
    };
    let mut best = score(current, &mut tried);
    let rank_of = |f: f32| ((f * full as f32).round() as usize).clamp(1, full);
    for _ in 0..passes {
        // One coordinate at a time, every value tried from the same base.
        for coordinate in 0..5 {
            let base = current;
            let candidates: Vec<FilterSettings> = match coordinate {
                0 => space.strengths.iter().map(|&v| FilterSettings { strength: v, ..base }).collect(),
                1 => space.sharpness.iter().map(|&v| FilterSettings { sharpness: v, ..base }).collect(),
                2 => space
                    .rank_fractions
                    .iter()
                    .map(|&f| FilterSettings { rank: rank_of(f), ..base })
                    .collect(),
                3 => space
                    .history_offsets
                    .iter()
                    .map(|&o| FilterSettings { history_exponent: item_exponent + o, ..base })
                    .collect(),
                _ => space
                    .output_offsets
                    .iter()
                    .map(|&o| FilterSettings { output_exponent: item_exponent + o, ..base })
                    .collect(),
            };
            for candidate in candidates {
                let value = score(candidate, &mut tried);
                if value > best {
                    best = value;
                    current = candidate;
                }
            }
        }
    }
    (Candidate { settings: current, valid_ndcg: best }, tried)
}
