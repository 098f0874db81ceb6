//! `recommend` over a sharded bundle: the GNN shards nearest the visitor's vector.

use std::collections::BTreeSet;

use super::ranker::{FileKind, ShardedRanker, Step};
use crate::error::RankError;
use crate::history::HistoryEvent;
use crate::ranker::{Ranked, RankedItem, Why, ranked_item};

impl ShardedRanker {
    /// The `k` best unseen items for a history: the history's ids are looked up in the
    /// directory, their GNN shards give the fold-in vector, and the items of the `probe.gnn`
    /// shards whose centroids score highest for it (plus the history's own shards) are
    /// ranked by GNN score. Without a usable history item: the most popular items.
    pub fn recommend(&mut self, history: &[HistoryEvent], k: usize) -> Result<Step<Ranked>, RankError> {
        if k == 0 {
            return Err(RankError::ZeroK);
        }
        let mut visitor = match self.visitor(history) {
            Step::Done(visitor) => visitor,
            Step::Need(paths) => return Ok(Step::Need(paths)),
        };
        let Some(user) = visitor.user.clone() else {
            let results = self.popular(k);
            return Ok(Step::Done(Ranked {
                results,
                ignored_history: visitor.ignored,
                notices: visitor.notices,
            }));
        };
        let probed = self.nearest_gnn_shards(&user);
        let missing = self.missing(probed.iter().map(|&s| FileKind::Gnn(s)));
        if !missing.is_empty() {
            return Ok(Step::Need(missing));
        }
        self.note_unavailable(probed.iter().map(|&s| FileKind::Gnn(s)), "candidate", &mut visitor.notices);
        let shards: BTreeSet<usize> = probed.into_iter().chain(visitor.shards.iter().copied()).collect();
        let mut candidates: Vec<(u32, f32, usize, usize)> = Vec::new();
        for &s in &shards {
            let Some(shard) = self.shard(s) else { continue };
            let scores = shard.scorer.score_all(&user, &shard.embeddings);
            let unseen =
                shard.index.iter().zip(scores).enumerate().filter(|(_, (i, _))| !visitor.seen.contains(i));
            candidates.extend(unseen.map(|(row, (&i, score))| (i, score, s, row)));
        }
        // The core's popular items are candidates too (`usize::MAX` marks "from the core").
        let in_shards: BTreeSet<u32> = candidates.iter().map(|c| c.0).collect();
        let core = &self.core;
        let popular_scores = core.popular_scorer.score_all(&user, &core.popular_embeddings);
        for (row, (item, score)) in core.popular.iter().zip(popular_scores).enumerate() {
            if !visitor.seen.contains(&item.index) && !in_shards.contains(&item.index) {
                candidates.push((item.index, score, usize::MAX, row));
            }
        }
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.truncate(k);
        let d = user.len();
        let results = candidates
            .into_iter()
            .map(|(index, score, s, row)| {
                if s == usize::MAX {
                    let vector = &self.core.popular_embeddings[row * d..(row + 1) * d];
                    let because = self.closest_liked(&visitor, vector);
                    return ranked_item(index, &self.core.popular[row].meta, score, because);
                }
                let shard = self.shard(s).expect("candidate shards are resident");
                let because = self.closest_liked(&visitor, shard.row(row));
                ranked_item(index, &shard.items[row], score, because)
            })
            .collect();
        self.touch(shards.iter().map(|&s| FileKind::Gnn(s)));
        self.cache.trim();
        Ok(Step::Done(Ranked { results, ignored_history: visitor.ignored, notices: visitor.notices }))
    }

    /// GNN shards whose centroids score highest for `user` (within the byte budget).
    fn nearest_gnn_shards(&self, user: &[f32]) -> Vec<usize> {
        let scores = self.core.centroid_scorer.score_all(user, &self.core.gnn_centroids);
        let nearest = gnnrec_eval::top_k_excluding(&scores, &[], self.manifest.probe.gnn);
        let nearest = nearest.into_iter().map(|s| s as usize).collect();
        self.manifest.probe.within_budget(nearest, &self.manifest.gnn_shards)
    }

    /// The `k` most popular items (from the core).
    pub(super) fn popular(&self, k: usize) -> Vec<RankedItem> {
        let popular = self.core.popular.iter().take(k);
        popular.map(|p| ranked_item(p.index, &p.meta, p.popularity as f32, Why::Popular)).collect()
    }
}
