//! How close a v1 bundle's HNSW text index comes to exact search, and how much faster it is.

use std::time::Instant;

use gnnrec_bundle::TextIndex;
use serde::Serialize;

/// Items whose own text vectors serve as queries (evenly spaced over the catalogue).
const QUERIES: usize = 1000;
/// Neighbours compared per query.
const NEIGHBOURS: usize = 10;

/// Recall@10 of HNSW search against exact search, and the time per query of both.
#[derive(Debug, Clone, Serialize)]
pub struct HnswRecall {
    /// Items in the index.
    pub items: usize,
    /// Queries asked.
    pub queries: usize,
    /// Share of the exact 10 nearest items that HNSW finds.
    #[serde(rename = "recall@10")]
    pub recall: f64,
    /// Microseconds per HNSW query.
    pub hnsw_us: f64,
    /// Microseconds per exact query.
    pub exact_us: f64,
}

/// Measures `index` with up to 1,000 of its items' own text vectors as queries.
pub(crate) fn hnsw_recall(index: &TextIndex) -> HnswRecall {
    let n = index.len();
    let count = QUERIES.min(n);
    let queries: Vec<u32> = (0..count).map(|i| (i * n / count) as u32).collect();
    let (mut hits, mut approx_s, mut exact_s) = (0usize, 0.0, 0.0);
    for &q in &queries {
        let point = index.point(q);
        let t = Instant::now();
        let approx: Vec<u32> = index.search(point).into_iter().take(NEIGHBOURS).map(|h| h.0).collect();
        approx_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let exact = index.exact_search(point, NEIGHBOURS);
        exact_s += t.elapsed().as_secs_f64();
        hits += exact.iter().filter(|(i, _)| approx.contains(i)).count();
    }
    let asked = queries.len() as f64;
    HnswRecall {
        items: n,
        queries: queries.len(),
        recall: hits as f64 / (NEIGHBOURS as f64 * asked),
        hnsw_us: 1e6 * approx_s / asked,
        exact_us: 1e6 * exact_s / asked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_index_finds_what_exact_search_finds() {
        let dim = 8;
        let vectors: Vec<f32> = (0..60 * dim).map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5).collect();
        let index = TextIndex::build(&vectors, dim, 100, 100, 7);
        let measured = hnsw_recall(&index);
        assert_eq!((measured.items, measured.queries), (60, 60));
        assert!(measured.recall > 0.9, "recall@10 {}", measured.recall);
        assert!(measured.hnsw_us > 0.0 && measured.exact_us > 0.0);
    }
}
