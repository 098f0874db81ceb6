//! A sharded (v2) bundle's recommendations at several numbers of GNN shards probed, against
//! probing every shard (the unsharded answer).

use std::path::Path;
use std::time::Instant;

use gnnrec_bundle::{BundleError, ShardContent, ShardedManifest, read_file, verify_file};
use gnnrec_ranking::{HistoryEvent, ShardedRanker};
use serde::Serialize;

use crate::error::EvalError;
use crate::eval_users::{CUTOFF, EvalUsers};

/// The recommendations at one number of GNN shards probed.
#[derive(Debug, Clone, Serialize)]
pub struct GnnProbe {
    /// GNN shards probed.
    pub probe: usize,
    /// NDCG@20 of the held-out items.
    #[serde(rename = "ndcg@20")]
    pub ndcg: f64,
    /// Recall@20 of the held-out items.
    #[serde(rename = "recall@20")]
    pub recall: f64,
    /// NDCG@20 relative to probing every shard.
    pub ndcg_vs_all_shards: f64,
    /// Milliseconds per recommendation, shard reads included.
    pub ms_per_user: f64,
    /// Shards fetched per user, with the cache kept across users as a visitor's repeat
    /// requests keep it (printed, not in the metrics file).
    #[serde(skip_serializing)]
    pub fetches_per_user: f64,
}

/// Each evaluated user's recommendation `recommend(training items, 20)` from the v2 bundle
/// in `dir`, at each of `probes` GNN shards within the manifest's byte budget (the manifest's
/// probe when none is given; counts of every shard or more are dropped) and at every shard
/// without a budget, the reference; rows in ascending probe order.
pub(crate) fn gnn_probes(
    dir: &Path,
    users: &EvalUsers,
    probes: &[usize],
) -> Result<Vec<GnnProbe>, EvalError> {
    let manifest = ShardedRanker::read_dir(dir)?.manifest().clone();
    let ids = item_ids(dir, &manifest)?;
    let all = manifest.gnn_shards.len();
    let mut probes = if probes.is_empty() { vec![manifest.probe.gnn] } else { probes.to_vec() };
    probes.retain(|&p| p < all);
    probes.push(all);
    let mut rows = Vec::with_capacity(probes.len());
    let mut reference_ndcg = None;
    for &probe in probes.iter().rev() {
        let mut ranker = ShardedRanker::read_dir(dir)?;
        ranker.set_gnn_probe(probe);
        ranker.set_memory_cap(usize::MAX);
        if probe == all {
            ranker.set_probe_budget(None);
        }
        let (mut lists, mut fetched, started) = (Vec::with_capacity(users.len()), 0usize, Instant::now());
        for &u in users.users() {
            let history: Vec<HistoryEvent> = users.train()[u]
                .iter()
                .map(|&i| HistoryEvent { id: ids[i as usize].clone(), timestamp_ms: 0.0 })
                .collect();
            let (ranked, paths) =
                ranker.complete(|r| r.recommend(&history, CUTOFF), |p| read_file(dir, p))?;
            if !ranked.notices.is_empty() {
                return Err(EvalError::Incomplete { user: u, notices: ranked.notices.join("; ") });
            }
            fetched += paths.iter().filter(|p| p.starts_with("shards/")).count();
            lists.push(ranked.results.iter().map(|r| r.index).collect());
        }
        let per_user = |total: f64| total / users.len().max(1) as f64;
        let ms_per_user = per_user(1000.0 * started.elapsed().as_secs_f64());
        let m = users.metrics(lists);
        let reference = *reference_ndcg.get_or_insert(m.ndcg);
        rows.push(GnnProbe {
            probe,
            ndcg: m.ndcg,
            recall: m.recall,
            ndcg_vs_all_shards: m.ndcg / reference.max(1e-12),
            ms_per_user,
            fetches_per_user: per_user(fetched as f64),
        });
    }
    rows.reverse();
    Ok(rows)
}

/// Every item's catalogue id, by item index (read from the GNN shards).
fn item_ids(dir: &Path, manifest: &ShardedManifest) -> Result<Vec<String>, BundleError> {
    let mut ids = vec![String::new(); manifest.model.n_items];
    for entry in &manifest.gnn_shards {
        let bytes = verify_file(&entry.path, &entry.file, &read_file(dir, &entry.path)?)?;
        let shard = ShardContent::from_bytes(&bytes, manifest.model.n_items, manifest.model.dim, None)
            .map_err(|e| BundleError::content(&entry.path, e))?;
        for (i, item) in shard.index.iter().zip(shard.items) {
            ids[*i as usize] = item.id;
        }
    }
    Ok(ids)
}
