//! The visitor as a sharded bundle sees them: their history looked up in the directory,
//! its items' vectors from their GNN shards, and the folded-in user vector.

use std::collections::{BTreeSet, HashMap};

use gnnrec_bundle::{Location, bucket_of, dot};

use super::cache::Resident;
use super::privacy::Want;
use super::ranker::{FileKind, ShardedRanker, Step};
use crate::fold_in::fold_in;
use crate::history::{HistoryEvent, ResolvedHistory};
use crate::ranker::Why;

/// What a request knows about the visitor.
pub(super) struct Visitor {
    /// The folded-in user vector; `None` without a usable history item.
    pub user: Option<Vec<f32>>,
    /// Catalogue indices of the usable history items.
    pub seen: BTreeSet<u32>,
    /// Their GNN vectors, row-major, in the order of `liked`.
    pub rows: Vec<f32>,
    /// "Because you liked …" for each of them.
    pub liked: Vec<Why>,
    /// Their GNN shards.
    pub shards: BTreeSet<usize>,
    /// History ids the bundle does not know.
    pub ignored: Vec<String>,
    /// What was left out and why.
    pub notices: Vec<String>,
}

impl ShardedRanker {
    /// The visitor of `history`, once the directory buckets and GNN shards it needs are
    /// resident (or known to be unavailable: those items are left out, with a notice).
    pub(super) fn visitor(&mut self, history: &[HistoryEvent]) -> Step<Visitor> {
        let mut notices = Vec::new();
        let (located, unlocatable) = match self.locate(history, &mut notices) {
            Step::Done(found) => found,
            Step::Need(paths) => return Step::Need(paths),
        };
        let shards: BTreeSet<usize> = located.values().map(|l| l.shard as usize).collect();
        let missing = self.files_to_fetch(Want::HistoryShards(shards.iter().copied().collect()));
        if !missing.is_empty() {
            return Step::Need(missing);
        }
        self.note_unavailable(shards.iter().map(|&s| FileKind::Gnn(s)), "history", &mut notices);
        // Items whose shard cannot be had are left out like unknown ids (but not reported as unknown).
        let usable: HashMap<String, u32> = located
            .iter()
            .filter(|(_, l)| self.shard(l.shard as usize).is_some())
            .map(|(id, l)| (id.clone(), l.index))
            .collect();
        let c = &self.manifest.ranking;
        let mut resolved = ResolvedHistory::resolve(
            history,
            &usable,
            c.history_half_life_days * 86_400_000.0,
            c.history_floor,
        );
        resolved.unknown.retain(|id| !unlocatable.contains(id) && !located.contains_key(id));
        let by_index: HashMap<u32, Location> = located.values().map(|l| (l.index, *l)).collect();
        let (mut rows, mut degrees, mut liked) = (Vec::new(), Vec::new(), Vec::new());
        for (item, _) in &resolved.items {
            let location = by_index[item];
            let shard = self.shard(location.shard as usize).expect("usable history shards are resident");
            let row = location.row as usize;
            rows.extend_from_slice(shard.row(row));
            degrees.push(shard.popularity[row]);
            liked.push(Why::Liked { id: shard.items[row].id.clone(), title: shard.items[row].title.clone() });
        }
        let weights: Vec<f32> = resolved.items.iter().map(|&(_, w)| w).collect();
        let user = (!resolved.is_empty()).then(|| self.fold_in_rows(&rows, &degrees, &weights));
        Step::Done(Visitor {
            user,
            seen: resolved.items.iter().map(|x| x.0).collect(),
            rows,
            liked,
            shards: resolved.items.iter().map(|(i, _)| by_index[i].shard as usize).collect(),
            ignored: resolved.unknown,
            notices,
        })
    }

    /// Where each history id the directory knows lives, once its buckets are resident; and
    /// the ids whose bucket cannot be had.
    fn locate(
        &mut self,
        history: &[HistoryEvent],
        notices: &mut Vec<String>,
    ) -> Step<(HashMap<String, Location>, BTreeSet<String>)> {
        let buckets = self.manifest.directory.len();
        let wanted: BTreeSet<usize> = history.iter().map(|e| bucket_of(&e.id, buckets)).collect();
        let missing = self.files_to_fetch(Want::Buckets(wanted.iter().copied().collect()));
        if !missing.is_empty() {
            return Step::Need(missing);
        }
        let (mut located, mut unlocatable) = (HashMap::new(), BTreeSet::new());
        for event in history {
            let path = &self.manifest.directory[bucket_of(&event.id, buckets)].path;
            match self.cache.get(path) {
                Some(Resident::Bucket(bucket)) => {
                    if let Some(location) = bucket.find(&event.id) {
                        located.insert(event.id.clone(), location);
                    }
                }
                _ => {
                    if unlocatable.insert(event.id.clone()) {
                        notices.push(format!(
                            "history item {:?} was left out: {}",
                            event.id,
                            self.reason(path)
                        ));
                    }
                }
            }
        }
        Step::Done((located, unlocatable))
    }

    /// The user vector of history items with GNN vectors `rows` (row-major), popularity
    /// `degrees` and recency `weights`.
    pub(super) fn fold_in_rows(&self, rows: &[f32], degrees: &[u32], weights: &[f32]) -> Vec<f32> {
        let local = ResolvedHistory {
            items: weights.iter().enumerate().map(|(j, &w)| (j as u32, w)).collect(),
            unknown: Vec::new(),
        };
        let core = &self.core;
        let map = core.history_map.as_ref();
        fold_in(&core.scorer, rows, &core.mean_user, map, degrees, &local, &self.manifest.ranking.fold_in)
    }

    /// "Because you liked …": the history item closest (cosine, GNN space) to `vector`.
    pub(super) fn closest_liked(&self, visitor: &Visitor, vector: &[f32]) -> Why {
        let d = vector.len().max(1);
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
        let cosine = |j: usize| {
            let row = &visitor.rows[j * d..(j + 1) * d];
            dot(row, vector) / norm(row)
        };
        let best = (0..visitor.liked.len())
            .max_by(|&a, &b| cosine(a).total_cmp(&cosine(b)).then(b.cmp(&a)))
            .expect("a visitor with a user vector has history");
        visitor.liked[best].clone()
    }
}
