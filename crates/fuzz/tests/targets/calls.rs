//! Arbitrary arguments of the rankers' public calls, as a page can pass them: any `k`,
//! histories with unknown, empty, huge or repeated ids and any timestamps, query vectors of
//! any width holding NaN or huge values, and any query text.

use bolero::TypeGenerator;
use gnnrec_ranking::{HistoryEvent, Ranked};

/// A history event.
#[derive(Debug, Clone, TypeGenerator)]
pub struct Event {
    id: Id,
    timestamp_ms: f64,
}

/// An id of a history event.
#[derive(Debug, Clone, TypeGenerator)]
enum Id {
    /// The id of catalogue item `n` (modulo the catalogue).
    Known(u16),
    /// Any string.
    Other(String),
    /// A string repeated (up to 10,000 characters).
    Long(String, u16),
}

/// A `k`.
#[derive(Debug, Clone, Copy, TypeGenerator)]
pub enum Count {
    /// A small one (0 included).
    Small(u8),
    /// Any.
    Any(usize),
    /// `usize::MAX`.
    Max,
}

impl Count {
    /// The value.
    pub fn get(self) -> usize {
        match self {
            Count::Small(k) => usize::from(k),
            Count::Any(k) => k,
            Count::Max => usize::MAX,
        }
    }
}

/// A query embedding.
#[derive(Debug, Clone, TypeGenerator)]
pub enum Vector {
    /// Of the expected width, its values cycled from these (zeros without any).
    Fitting(Vec<f32>),
    /// Of any width.
    Any(Vec<f32>),
}

impl Vector {
    /// The embedding, for an encoder of width `dim`.
    pub fn get(&self, dim: usize) -> Vec<f32> {
        match self {
            Vector::Fitting(values) if values.is_empty() => vec![0.0; dim],
            Vector::Fitting(values) => values.iter().copied().cycle().take(dim).collect(),
            Vector::Any(values) => values.clone(),
        }
    }
}

/// The history for a catalogue whose item ids are `ids`.
pub fn history(events: &[Event], ids: &[String]) -> Vec<HistoryEvent> {
    events
        .iter()
        .map(|event| {
            let id = match &event.id {
                Id::Known(n) => ids[usize::from(*n) % ids.len()].clone(),
                Id::Other(id) => id.clone(),
                Id::Long(id, times) => std::iter::repeat_n(id.as_str(), usize::from(*times))
                    .flat_map(str::chars)
                    .take(10_000)
                    .collect(),
            };
            HistoryEvent { id, timestamp_ms: event.timestamp_ms }
        })
        .collect()
}

/// Checks an answer: at most `k` results, each an item of the catalogue of `n_items`.
pub fn check_ranked(ranked: &Ranked, k: usize, n_items: usize) {
    assert!(ranked.results.len() <= k, "{} results for k = {k}", ranked.results.len());
    for result in &ranked.results {
        assert!((result.index as usize) < n_items, "result index {} of {n_items} items", result.index);
    }
}
