//! Recall of a sharded (v2) bundle's text search against exact search over the whole
//! catalogue, per number of text shards probed.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use gnnrec_bundle::{BundleError, ShardContent, ShardedManifest, read_file, verify_file};
use gnnrec_ranking::ShardedRanker;
use serde::Serialize;

use crate::error::EvalError;

/// Items whose own text vectors serve as queries (evenly spaced over the catalogue).
const QUERIES: usize = 1000;
/// Neighbours compared per query.
const NEIGHBOURS: usize = 10;
/// Text shards probed when no counts are given.
const DEFAULT_PROBES: [usize; 5] = [1, 2, 4, 8, 16];

/// Text search at one number of text shards probed.
#[derive(Debug, Clone, Serialize)]
pub struct TextProbe {
    /// Text shards probed.
    pub probe: usize,
    /// Share of the exact 10 nearest items found.
    #[serde(rename = "recall@10")]
    pub recall: f64,
    /// Bytes of the shards a cold reader fetches per query.
    pub shard_bytes_per_query: f64,
    /// Microseconds per query, shards resident.
    pub us_per_query: f64,
}

/// Text search recall per number of text shards probed.
#[derive(Debug, Clone, Serialize)]
pub struct TextRecall {
    /// Queries asked.
    pub queries: usize,
    /// Text shards in the bundle.
    pub text_shards: usize,
    /// One row per probe count, in the order asked.
    pub probes: Vec<TextProbe>,
}

/// Recall@10 of the v2 bundle in `dir`'s text search (its nearest neighbours among the
/// probed text shards) against exact search over every item, with up to 1,000 items' own
/// text vectors as queries, at each of `probes` text shards (1, 2, 4, 8 and 16 when none
/// are given).
pub(crate) fn text_recall(dir: &Path, probes: &[usize]) -> Result<TextRecall, EvalError> {
    let mut exact_ranker = ShardedRanker::read_dir(dir)?;
    let manifest = exact_ranker.manifest().clone();
    let all = manifest.text_shards.len();
    exact_ranker.set_text_probe(all);
    exact_ranker.set_probe_budget(None);
    exact_ranker.set_memory_cap(usize::MAX);
    let queries = text_queries(dir, &manifest, QUERIES.min(manifest.model.n_items))?;
    let neighbours = |ranker: &mut ShardedRanker, query: &[f32]| {
        ranker
            .complete(|r| Ok(r.text_neighbours(query, NEIGHBOURS)), |p| read_file(dir, p))
            .map(|(found, _)| found)
    };
    let exact = queries.iter().map(|q| neighbours(&mut exact_ranker, q)).collect::<Result<Vec<_>, _>>()?;
    let probes = if probes.is_empty() { &DEFAULT_PROBES[..] } else { probes };
    let mut rows = Vec::with_capacity(probes.len());
    for &probe in probes {
        let mut ranker = ShardedRanker::read_dir(dir)?;
        ranker.set_text_probe(probe);
        ranker.set_memory_cap(usize::MAX);
        let (mut hits, mut bytes, mut seconds) = (0usize, 0u64, 0.0);
        for (query, truth) in queries.iter().zip(&exact) {
            // What a cold reader fetches for this query; then the search, timed with its
            // shards resident.
            bytes += ranker
                .nearest_text_shards(query)
                .iter()
                .map(|&s| manifest.text_shards[s].file.bytes)
                .sum::<u64>();
            neighbours(&mut ranker, query)?;
            let started = Instant::now();
            let found = neighbours(&mut ranker, query)?;
            seconds += started.elapsed().as_secs_f64();
            hits += truth.iter().filter(|(i, _)| found.iter().any(|(j, _)| j == i)).count();
        }
        let asked = queries.len().max(1) as f64;
        rows.push(TextProbe {
            probe,
            recall: hits as f64 / (NEIGHBOURS as f64 * asked),
            shard_bytes_per_query: bytes as f64 / asked,
            us_per_query: 1e6 * seconds / asked,
        });
    }
    Ok(TextRecall { queries: queries.len(), text_shards: all, probes: rows })
}

/// The text vectors of `count` evenly spaced items, as f32 (their int8 values), in the
/// order of the text shards.
fn text_queries(dir: &Path, manifest: &ShardedManifest, count: usize) -> Result<Vec<Vec<f32>>, BundleError> {
    let n = manifest.model.n_items;
    let wanted: BTreeSet<u32> = (0..count).map(|i| (i * n / count.max(1)) as u32).collect();
    let k = manifest.text.as_ref().map_or(0, |t| t.dim);
    let mut queries = Vec::with_capacity(wanted.len());
    for entry in &manifest.text_shards {
        let bytes = verify_file(&entry.path, &entry.file, &read_file(dir, &entry.path)?)?;
        let shard = ShardContent::from_bytes(&bytes, manifest.model.n_items, manifest.model.dim, Some(k))
            .map_err(|e| BundleError::content(&entry.path, e))?;
        let values = shard.text.unwrap_or_default();
        for (row, i) in shard.index.iter().enumerate() {
            if wanted.contains(i) {
                queries.push(values[row * k..(row + 1) * k].iter().map(|&v| f32::from(v)).collect());
            }
        }
    }
    Ok(queries)
}
