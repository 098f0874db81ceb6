//! `search` over a sharded bundle: the text shards nearest the query, reranked as in v1.

use std::collections::BTreeSet;

use super::privacy::Want;
use super::privacy_mode::centre_first;
use super::ranker::{FileKind, ShardedRanker, Step};
use crate::error::RankError;
use crate::history::HistoryEvent;
use crate::ranker::{Ranked, Why, ranked_item, standardize};
use crate::top_k::top_k_excluding;
use gnnrec_bundle::{TextPoint, dot};

/// Items taken by text similarity from the probed shards (v1: the HNSW's `ef_search`).
pub const TEXT_CANDIDATES: usize = 100;

/// Items nearest the query (among the probed shards) that are scored by the GNN: bounds a
/// search's scoring work whatever the shard sizes.
pub const GNN_POOL: usize = 1000;

/// An unseen item of a probed shard.
struct Candidate {
    item: u32,
    text: f32,
    gnn: f32,
    shard: usize,
    row: usize,
}

impl ShardedRanker {
    /// The `k` best items for a query (its MiniLM embedding) and the visitor's history.
    ///
    /// The `probe.text` text shards whose centroids are nearest the query are searched
    /// exactly; candidates are their [`TEXT_CANDIDATES`] items nearest the query plus the
    /// `cluster_probe × cluster_members` best by GNN score, for the visitor's vector, of
    /// their [`GNN_POOL`] items nearest the query
    /// (folded in from the history, or the query tower's output without one). Text cosine
    /// and GNN score are standardised over the candidates and blended as in v1.
    pub fn search(
        &mut self,
        query_embedding: &[f32],
        history: &[HistoryEvent],
        k: usize,
    ) -> Result<Step<Ranked>, RankError> {
        if k == 0 {
            return Err(RankError::ZeroK);
        }
        let text = self.core.text.as_ref().ok_or(RankError::NoTextIndex)?;
        let maps = &text.maps;
        if query_embedding.len() != maps.projection.mean.len() {
            let expected = maps.projection.mean.len();
            return Err(RankError::QueryWidth { expected, found: query_embedding.len() });
        }
        let query = maps.projection.project(query_embedding);
        let tower_user = maps.tower.apply(&query);
        let mut visitor = match self.visitor(history) {
            Step::Done(visitor) => visitor,
            Step::Need(paths) => return Ok(Step::Need(paths)),
        };
        let probed = match self.text_shards_for(&query) {
            Step::Done(probed) => probed,
            Step::Need(paths) => return Ok(Step::Need(paths)),
        };
        self.note_unavailable(probed.iter().map(|&s| FileKind::Text(s)), "search", &mut visitor.notices);
        self.note_arriving(&mut visitor.notices);
        let user = visitor.user.clone().unwrap_or(tower_user);
        let point = TextPoint::new(&query);

        // Text cosine for every unseen item of the probed shards; the GNN scores only the
        // `GNN_POOL` nearest the query.
        let mut pool: Vec<Candidate> = Vec::new();
        for &s in &probed {
            let Some(shard) = self.resident_shard(FileKind::Text(s)) else { continue };
            for (row, &item) in shard.index.iter().enumerate() {
                if !visitor.seen.contains(&item) {
                    let text = point.cosine(&shard.text[row]);
                    pool.push(Candidate { item, text, gnn: 0.0, shard: s, row });
                }
            }
        }
        if pool.len() > GNN_POOL {
            pool.select_nth_unstable_by(GNN_POOL - 1, |a, b| {
                b.text.total_cmp(&a.text).then(a.item.cmp(&b.item))
            });
            pool.truncate(GNN_POOL);
        }
        pool.sort_by_key(|p| (p.shard, p.row));
        for run in pool.chunk_by_mut(|a, b| a.shard == b.shard) {
            let shard =
                self.resident_shard(FileKind::Text(run[0].shard)).expect("probed shards are resident");
            let rows: Vec<u32> = run.iter().map(|p| p.row as u32).collect();
            let scores = shard.scorer.score_some(&user, &shard.embeddings, &rows);
            run.iter_mut().zip(scores).for_each(|(p, score)| p.gnn = score);
        }
        let c = &self.manifest.ranking;
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        let mut by = |key: fn(&Candidate) -> f32, count: usize| {
            let mut order: Vec<usize> = (0..pool.len()).collect();
            order.sort_by(|&a, &b| {
                key(&pool[b]).total_cmp(&key(&pool[a])).then(pool[a].item.cmp(&pool[b].item))
            });
            chosen.extend(order.into_iter().take(count));
        };
        by(|p| p.text, TEXT_CANDIDATES);
        by(|p| p.gnn, c.cluster_probe * c.cluster_members);
        let candidates: Vec<usize> = chosen.into_iter().collect();
        let semantic: Vec<f32> = candidates.iter().map(|&i| pool[i].text).collect();
        let gnn: Vec<f32> = candidates.iter().map(|&i| pool[i].gnn).collect();
        let (zs, zg) = (standardize(&semantic), standardize(&gnn));
        let blended: Vec<f32> =
            zs.iter().zip(&zg).map(|(s, g)| c.text_weight * s + c.gnn_weight * g).collect();
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| {
            blended[b].total_cmp(&blended[a]).then(pool[candidates[a]].item.cmp(&pool[candidates[b]].item))
        });
        let results = order
            .into_iter()
            .take(k)
            .map(|slot| {
                let Candidate { item, shard: s, row, .. } = pool[candidates[slot]];
                let shard = self.resident_shard(FileKind::Text(s)).expect("probed shards are resident");
                let because = if c.text_weight * zs[slot] >= c.gnn_weight * zg[slot] {
                    Why::Text
                } else if visitor.user.is_some() {
                    self.closest_liked(&visitor, shard.row(row))
                } else {
                    Why::Cluster { label: self.manifest.text_shards[s].label.clone() }
                };
                ranked_item(item, &shard.items[row], blended[slot], because)
            })
            .collect();
        self.touch(probed.iter().map(|&s| FileKind::Text(s)));
        self.cache.trim();
        Ok(Step::Done(Ranked { results, ignored_history: visitor.ignored, notices: visitor.notices }))
    }

    /// The `k` items nearest (cosine) a text-space vector among the probed text shards,
    /// nearest first: what sharded search finds before reranking (recall measurements).
    pub fn text_neighbours(&mut self, query: &[f32], k: usize) -> Step<Vec<(u32, f32)>> {
        let probed = match self.text_shards_for(query) {
            Step::Done(probed) => probed,
            Step::Need(paths) => return Step::Need(paths),
        };
        let point = TextPoint::new(query);
        let mut found: Vec<(u32, f32)> = Vec::new();
        for &s in &probed {
            if let Some(shard) = self.resident_shard(FileKind::Text(s)) {
                found.extend(shard.index.iter().zip(&shard.text).map(|(&i, p)| (i, point.cosine(p))));
            }
        }
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(k);
        self.touch(probed.iter().map(|&s| FileKind::Text(s)));
        self.cache.trim();
        Step::Done(found)
    }

    /// Sets how many text shards a search probes (evaluation; the manifest has the default).
    pub fn set_text_probe(&mut self, probe: usize) {
        self.manifest.probe.text = probe.max(1);
    }

    /// The `probe.text` text shards whose centroids are nearest a text-space vector (within
    /// the byte budget; in strict mode among those that have arrived).
    pub fn nearest_text_shards(&self, query: &[f32]) -> Vec<usize> {
        let Some(text) = &self.core.text else { return Vec::new() };
        let k = query.len().max(1);
        let scores: Vec<f32> = text.centroids.chunks_exact(k).map(|c| dot(c, query)).collect();
        let absent = self.not_probeable(self.manifest.text_shards.len(), FileKind::Text);
        let probed = top_k_excluding(&scores, &absent, self.manifest.probe.text);
        let probed = probed.into_iter().map(|s| s as usize).collect();
        self.manifest.probe.within_budget(probed, &self.manifest.text_shards)
    }

    /// The text shards a query at text shard `centre`'s centroid would probe, `centre` first.
    pub(super) fn text_shards_near_centroid(&self, centre: usize) -> Vec<usize> {
        let Some(text) = &self.core.text else { return Vec::new() };
        let k = text.centroids.len() / self.manifest.text_shards.len().max(1);
        let centroid = text.centroids[centre * k..(centre + 1) * k].to_vec();
        centre_first(centre, self.nearest_text_shards(&centroid))
    }

    /// The `probe.text` text shards nearest `query`, once resident or known unavailable.
    fn text_shards_for(&mut self, query: &[f32]) -> Step<Vec<usize>> {
        let probed = self.nearest_text_shards(query);
        let cosine = self.centre_cosine(query, &probed);
        let missing = self.files_to_fetch(Want::NearestText(probed.clone(), cosine));
        if missing.is_empty() { Step::Done(probed) } else { Step::Need(missing) }
    }
}
