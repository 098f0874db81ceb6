//! Semantic precision of a sharded (v2) bundle's search, at the manifest's text probe and
//! with every text shard probed.

use std::path::Path;

use gnnrec_bundle::read_file;
use gnnrec_ranking::ShardedRanker;
use serde::Serialize;

use crate::error::EvalError;
use crate::semantic_precision::{EncodedQuery, RESULTS, SemanticPrecision, semantic_precision};

/// Semantic precision at one number of text shards probed.
#[derive(Debug, Clone, Serialize)]
pub struct ProbedSemantic {
    /// Text shards probed.
    pub probe: usize,
    /// Precision@10 per query and on average.
    #[serde(flatten)]
    pub precision: SemanticPrecision,
}

/// Semantic precision through the shards a visitor's search reads, and through all.
#[derive(Debug, Clone, Serialize)]
pub struct ShardedSemantic {
    /// At the manifest's text probe, within its byte budget.
    pub default_probe: ProbedSemantic,
    /// With every text shard probed, without a budget.
    pub all_shards: ProbedSemantic,
}

/// Precision@10 of the v2 bundle in `dir`'s search (no history) on `queries`.
pub(crate) fn sharded_semantic_search(
    dir: &Path,
    queries: &[EncodedQuery],
) -> Result<ShardedSemantic, EvalError> {
    let mut ranker = ShardedRanker::read_dir(dir)?;
    let manifest = ranker.manifest().clone();
    let blend = (manifest.ranking.text_weight, manifest.ranking.gnn_weight);
    let mut at = |probe: usize, budget: Option<u64>| -> Result<ProbedSemantic, EvalError> {
        ranker.set_text_probe(probe);
        ranker.set_probe_budget(budget);
        ranker.set_memory_cap(usize::MAX);
        let precision = semantic_precision(queries, blend, |embedding, blend| {
            let settings = ranker.ranking_mut();
            (settings.text_weight, settings.gnn_weight) = blend;
            let (ranked, _) =
                ranker.complete(|r| r.search(embedding, &[], RESULTS), |p| read_file(dir, p))?;
            Ok::<_, EvalError>(ranked.results.into_iter().map(|r| r.subtitle).collect())
        })?;
        Ok(ProbedSemantic { probe, precision })
    };
    Ok(ShardedSemantic {
        default_probe: at(manifest.probe.text, manifest.probe.max_bytes)?,
        all_shards: at(manifest.text_shards.len(), None)?,
    })
}
