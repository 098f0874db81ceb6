//! `recommend` over a sharded bundle: the GNN shards nearest the visitor's vector.

use std::collections::BTreeSet;

use super::privacy::Want;
use super::ranker::{FileKind, ShardedRanker, Step};
use crate::error::RankError;
use crate::history::HistoryEvent;
use crate::ranker::{Ranked, RankedItem, Why, ranked_item};

/// Where a candidate's vector and metadata are.
enum Source {
    /// Row `row` of GNN shard `shard`.
    Shard { shard: usize, row: usize },
    /// Row `row` of the core's popular items.
    Popular { row: usize },
}

/// An unseen item scored for the visitor.
struct Candidate {
    item: u32,
    score: f32,
    source: Source,
}

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
        self.note_arriving(&mut visitor.notices);
        let Some(user) = visitor.user.clone() else {
            let results = self.popular(k);
            return Ok(Step::Done(Ranked {
                results,
                ignored_history: visitor.ignored,
                notices: visitor.notices,
            }));
        };
        let probed = self.nearest_gnn_shards(&user);
        let missing = self.files_to_fetch(Want::NearestGnn(probed.clone()));
        if !missing.is_empty() {
            return Ok(Step::Need(missing));
        }
        self.note_unavailable(probed.iter().map(|&s| FileKind::Gnn(s)), "candidate", &mut visitor.notices);
        let shards: BTreeSet<usize> = probed.into_iter().chain(visitor.shards.iter().copied()).collect();
        let mut candidates: Vec<Candidate> = Vec::new();
        for &s in &shards {
            let Some(shard) = self.shard(s) else { continue };
            let scores = shard.scorer.score_all(&user, &shard.embeddings);
            let unseen =
                shard.index.iter().zip(scores).enumerate().filter(|(_, (i, _))| !visitor.seen.contains(i));
            candidates.extend(unseen.map(|(row, (&item, score))| Candidate {
                item,
                score,
                source: Source::Shard { shard: s, row },
            }));
        }
        // The core's popular items are candidates too.
        let in_shards: BTreeSet<u32> = candidates.iter().map(|c| c.item).collect();
        let core = &self.core;
        let popular_scores = core.popular_scorer.score_all(&user, &core.popular_embeddings);
        for (row, (item, score)) in core.popular.iter().zip(popular_scores).enumerate() {
            if !visitor.seen.contains(&item.index) && !in_shards.contains(&item.index) {
                candidates.push(Candidate { item: item.index, score, source: Source::Popular { row } });
            }
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        candidates.truncate(k);
        let d = user.len();
        let results = candidates
            .into_iter()
            .filter_map(|Candidate { item, score, source }| match source {
                Source::Popular { row } => {
                    let vector = &self.core.popular_embeddings[row * d..(row + 1) * d];
                    let because = self.closest_liked(&visitor, vector);
                    Some(ranked_item(item, &self.core.popular[row].meta, score, because))
                }
                Source::Shard { shard, row } => {
                    // Candidate shards stay resident until the cache is trimmed below.
                    let shard = self.shard(shard)?;
                    let because = self.closest_liked(&visitor, shard.row(row));
                    Some(ranked_item(item, &shard.items[row], score, because))
                }
            })
            .collect();
        self.touch(shards.iter().map(|&s| FileKind::Gnn(s)));
        self.cache.trim();
        Ok(Step::Done(Ranked { results, ignored_history: visitor.ignored, notices: visitor.notices }))
    }

    /// GNN shards whose centroids score highest for `user` (within the byte budget; in
    /// strict mode among those that have arrived).
    pub(super) fn nearest_gnn_shards(&self, user: &[f32]) -> Vec<usize> {
        let scores = self.core.centroid_scorer.score_all(user, &self.core.gnn_centroids);
        let absent = self.not_probeable(self.manifest.gnn_shards.len(), FileKind::Gnn);
        let nearest = crate::top_k::top_k_excluding(&scores, &absent, self.manifest.probe.gnn);
        let nearest = nearest.into_iter().map(|s| s as usize).collect();
        self.manifest.probe.within_budget(nearest, &self.manifest.gnn_shards)
    }

    /// The GNN shards a visitor whose vector is shard `centre`'s centroid would probe,
    /// `centre` first.
    pub(super) fn gnn_shards_near_centroid(&self, centre: usize) -> Vec<usize> {
        let d = self.manifest.model.dim;
        let centroid = self.core.gnn_centroids[centre * d..(centre + 1) * d].to_vec();
        super::privacy_mode::centre_first(centre, self.nearest_gnn_shards(&centroid))
    }

    /// The `k` most popular items (from the core); none when the catalogue had no interactions.
    pub(super) fn popular(&self, k: usize) -> Vec<RankedItem> {
        let popular = self.core.popular.iter().filter(|p| p.popularity > 0).take(k);
        popular.map(|p| ranked_item(p.index, &p.meta, p.popularity as f32, Why::Popular)).collect()
    }
}
