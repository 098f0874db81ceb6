//! Search and recommendations over a loaded bundle.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use gnnrec_bundle::{
    AffineMap, BundleError, ClusterIndex, ContentError, EncoderBytes, ItemMeta, Manifest, RankingConfig,
    TextIndex, TextMaps, TextPoint, V1Content, dot, file_names, normalize,
};
use serde::Serialize;

use crate::error::RankError;
use crate::fold_in::fold_in;
use crate::history::{HistoryEvent, ResolvedHistory};
use crate::scorer::Scorer;
use crate::top_k::top_k_excluding;

/// Queries longer than this many characters are cut (the encoder reads at most 256
/// tokens anyway; this bounds tokenisation time).
pub const MAX_QUERY_CHARS: usize = 2000;

/// The text half of a ranker: the text maps and the HNSW index.
struct TextSide {
    /// MiniLM → text space, and text space → GNN user space.
    maps: TextMaps,
    /// HNSW over the items' text vectors.
    index: TextIndex,
}

/// Everything a [`Ranker`] is made of.
struct RankerParts {
    /// Ranking settings.
    config: RankingConfig,
    /// Display metadata, one per item.
    items: Vec<ItemMeta>,
    /// Item GNN embeddings, row-major `[n_items, dim]`.
    embeddings: Vec<f32>,
    /// Embedding width.
    dim: usize,
    /// Pair scorer.
    scorer: Scorer,
    /// Mean trained user vector (fold-in start without history).
    mean_user: Vec<f32>,
    /// The fold-in map (history sum → user vector; see `fold_in`).
    history_map: Option<AffineMap>,
    /// Training interactions per item.
    popularity: Vec<u32>,
    /// Clusters of the item embeddings.
    clusters: ClusterIndex,
    /// The text side, if the catalogue has text.
    text: Option<TextSide>,
}

/// A v1 bundle loaded for ranking: its manifest, its ranker and its encoder's files.
pub struct LoadedBundle {
    /// The manifest.
    pub manifest: Manifest,
    /// The ranker over its items.
    pub ranker: Ranker,
    /// The encoder's files (bundles with item text, when they were given: a browser may
    /// load them later, on the first query).
    pub encoder: Option<EncoderBytes>,
}

impl LoadedBundle {
    /// Checks (sizes, SHA-256, dimensions) and decodes a bundle from its manifest and the
    /// stored bytes of the files [`V1Content::required_files`] lists (by path).
    pub fn from_files(manifest: Manifest, files: &HashMap<String, Vec<u8>>) -> Result<Self, BundleError> {
        let content = V1Content::decode(&manifest, files)?;
        let encoder = match manifest.text {
            Some(_) => EncoderBytes::from_listed_if_given(&manifest.files, files)?,
            None => None,
        };
        let ranker = Ranker::new(&manifest, content)?;
        Ok(Self { manifest, ranker, encoder })
    }

    /// Reads a v1 bundle folder.
    pub fn read_dir(dir: &Path) -> Result<Self, BundleError> {
        let (manifest, files) = V1Content::read_stored(dir)?;
        Self::from_files(manifest, &files)
    }
}

/// Ranks a bundle's items for a visitor.
pub struct Ranker {
    parts: RankerParts,
    index_of: HashMap<String, u32>,
    /// Unit-norm copies of the embeddings, for "because you liked" similarities.
    unit: Vec<f32>,
    /// Scores cluster centroids like items (precomputed once; used by every search).
    centroid_scorer: Scorer,
}

/// Why an item was suggested.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// Closest (in the GNN space) to this item of the visitor's history.
    Liked {
        /// The liked item's id.
        id: String,
        /// Its title.
        title: String,
    },
    /// In a cluster of items the visitor's vector is close to.
    Cluster {
        /// The cluster's label.
        label: String,
    },
    /// Its text matches the query.
    Text,
    /// No history: among the most interacted-with items.
    Popular,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Liked { title, .. } => write!(f, "because you liked {title}"),
            Why::Cluster { label } => write!(f, "popular with fans of {label}"),
            Why::Text => write!(f, "matches your search"),
            Why::Popular => write!(f, "popular in this catalogue"),
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedItem {
    /// Item index in the bundle.
    pub index: u32,
    /// Catalogue id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Secondary line.
    pub subtitle: String,
    /// Link, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Final score (search: the blend; recommend: the GNN score).
    pub score: f32,
    /// Why it was suggested, as a sentence.
    pub why: String,
    /// The same, structured.
    pub because: Why,
}

/// Results plus the history ids that were not in the catalogue. Its JSON (camelCase) is
/// what `train-cli query` prints and what the browser runtime returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranked {
    /// Best first.
    pub results: Vec<RankedItem>,
    /// History ids ignored because the bundle does not know them.
    pub ignored_history: Vec<String>,
    /// What was left out and why (sharded bundles: shards that could not be fetched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

impl Ranker {
    /// The ranker over the content of a v1 bundle (as [`V1Content::decode`] returns it, or
    /// built in memory); content whose parts do not fit together is refused.
    pub fn new(manifest: &Manifest, content: V1Content) -> Result<Self, BundleError> {
        let d = manifest.model.dim;
        let inconsistent =
            |e: String| BundleError::content(file_names::TENSORS, ContentError::Inconsistent(e));
        let clusters = content.clusters.index(d).map_err(|e| inconsistent(e.to_string()))?;
        let embeddings = content.embeddings.dequantize();
        let model = content.model;
        let text = match (model.text, content.text_index) {
            (Some(maps), Some(index)) => Some(TextSide { maps, index }),
            (None, None) => None,
            _ => return Err(inconsistent("the text maps and the text index come apart".into())),
        };
        let parts = RankerParts {
            config: manifest.ranking.clone(),
            scorer: Scorer::new(model.head, &embeddings),
            items: content.items,
            embeddings,
            dim: d,
            mean_user: model.mean_user,
            history_map: model.fold_in_map,
            popularity: content.popularity,
            clusters,
            text,
        };
        let index_of = parts.items.iter().enumerate().map(|(i, item)| (item.id.clone(), i as u32)).collect();
        let mut unit = parts.embeddings.clone();
        unit.chunks_exact_mut(d.max(1)).for_each(normalize);
        let centroid_scorer = Scorer::new(parts.scorer.head().cloned(), &parts.clusters.centroids);
        Ok(Self { parts, index_of, unit, centroid_scorer })
    }

    /// The items, in index order.
    pub fn items(&self) -> &[ItemMeta] {
        &self.parts.items
    }

    /// The HNSW text index, if the bundle has text.
    pub fn text_index(&self) -> Option<&TextIndex> {
        self.parts.text.as_ref().map(|t| &t.index)
    }

    /// Whether text search is available.
    pub fn has_text(&self) -> bool {
        self.parts.text.is_some()
    }

    /// The settings.
    pub fn config(&self) -> &RankingConfig {
        &self.parts.config
    }

    /// The settings, to adjust (evaluation and tuning).
    pub fn config_mut(&mut self) -> &mut RankingConfig {
        &mut self.parts.config
    }

    /// Index of a catalogue id.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.index_of.get(id).copied()
    }

    /// Maps history events to weighted items (see [`ResolvedHistory::resolve`]).
    pub fn resolve(&self, history: &[HistoryEvent]) -> ResolvedHistory {
        let c = &self.parts.config;
        ResolvedHistory::resolve(
            history,
            &self.index_of,
            c.history_half_life_days * 86_400_000.0,
            c.history_floor,
        )
    }

    /// The folded-in user vector of a (non-empty) history.
    pub fn user_vector(&self, history: &ResolvedHistory) -> Vec<f32> {
        let p = &self.parts;
        fold_in(
            &p.scorer,
            &p.embeddings,
            &p.mean_user,
            p.history_map.as_ref(),
            &p.popularity,
            history,
            &p.config.fold_in,
        )
    }

    /// GNN scores of a user vector for every item.
    pub fn scores(&self, user: &[f32]) -> Vec<f32> {
        self.parts.scorer.score_all(user, &self.parts.embeddings)
    }

    /// The trimmed query, cut to [`MAX_QUERY_CHARS`]; an error when nothing is left.
    pub fn prepare_query(query: &str) -> Result<&str, RankError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(RankError::EmptyQuery);
        }
        Ok(match query.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => &query[..cut],
            None => query,
        })
    }

    /// The `k` best unseen items for the history: fold-in, then GNN scores over the whole
    /// catalogue. With no known history item, the most popular items (none when the
    /// catalogue had no interactions).
    pub fn recommend(&self, history: &[HistoryEvent], k: usize) -> Result<Ranked, RankError> {
        if k == 0 {
            return Err(RankError::ZeroK);
        }
        let resolved = self.resolve(history);
        let results = if resolved.is_empty() {
            // The most popular items; none in a catalogue without interactions (nothing to
            // go on until the visitor likes something).
            let popularity: Vec<f32> = self.parts.popularity.iter().map(|&p| p as f32).collect();
            let top = top_k_excluding(&popularity, &[], k);
            let popular = top.into_iter().filter(|&i| popularity[i as usize] > 0.0);
            popular.map(|i| self.result(i, popularity[i as usize], Why::Popular)).collect()
        } else {
            let user = self.user_vector(&resolved);
            let scores = self.scores(&user);
            let top = top_k_excluding(&scores, &resolved.indices(), k);
            top.into_iter()
                .map(|i| self.result(i, scores[i as usize], self.closest_liked(i, &resolved)))
                .collect()
        };
        Ok(Ranked { results, ignored_history: resolved.unknown, notices: Vec::new() })
    }

    /// The `k` best items for a query (its MiniLM embedding) and the visitor's history.
    ///
    /// Candidates: the HNSW neighbours of the query in the text space, plus the best
    /// `cluster_members` of each of the `cluster_probe` clusters whose centroids score
    /// highest for the visitor's vector (folded in from the history, or the query tower's
    /// output without history). Each candidate's text cosine and GNN score are
    /// standardised over the candidates (z-scores) and blended with `text_weight` and
    /// `gnn_weight`.
    pub fn search(
        &self,
        query_embedding: &[f32],
        history: &[HistoryEvent],
        k: usize,
    ) -> Result<Ranked, RankError> {
        if k == 0 {
            return Err(RankError::ZeroK);
        }
        let text = self.parts.text.as_ref().ok_or(RankError::NoTextIndex)?;
        let maps = &text.maps;
        if query_embedding.len() != maps.projection.mean.len() {
            return Err(RankError::QueryWidth {
                expected: maps.projection.mean.len(),
                found: query_embedding.len(),
            });
        }
        let query = maps.projection.project(query_embedding);
        let point = TextPoint::new(&query);
        let resolved = self.resolve(history);
        let user = if resolved.is_empty() { maps.tower.apply(&query) } else { self.user_vector(&resolved) };

        let mut candidates: Vec<u32> = text.index.search(&point).into_iter().map(|(i, _)| i).collect();
        let mut from_cluster: HashMap<u32, usize> = HashMap::new();
        for cluster in self.nearest_clusters(&user) {
            let members = &self.parts.clusters.members[cluster];
            let scores = self.parts.scorer.score_some(&user, &self.parts.embeddings, members);
            for best in top_k_excluding(&scores, &[], self.parts.config.cluster_members) {
                from_cluster.entry(members[best as usize]).or_insert(cluster);
            }
        }
        let mut seen: HashSet<u32> = candidates.iter().copied().collect();
        let mut extra: Vec<u32> = from_cluster.keys().copied().filter(|i| seen.insert(*i)).collect();
        extra.sort_unstable();
        candidates.extend(extra);

        let semantic: Vec<f32> = candidates.iter().map(|&i| text.index.cosine(&point, i)).collect();
        let gnn = self.parts.scorer.score_some(&user, &self.parts.embeddings, &candidates);
        let (zs, zg) = (standardize(&semantic), standardize(&gnn));
        let c = &self.parts.config;
        let blended: Vec<f32> =
            zs.iter().zip(&zg).map(|(s, g)| c.text_weight * s + c.gnn_weight * g).collect();
        let results = top_k_excluding(&blended, &[], k)
            .into_iter()
            .map(|slot| {
                let (s, item) = (slot as usize, candidates[slot as usize]);
                let why = if c.text_weight * zs[s] >= c.gnn_weight * zg[s] {
                    Why::Text
                } else if !resolved.is_empty() {
                    self.closest_liked(item, &resolved)
                } else {
                    let cluster = from_cluster.get(&item).copied().unwrap_or_else(|| self.cluster_of(item));
                    Why::Cluster { label: self.parts.clusters.labels[cluster].clone() }
                };
                self.result(item, blended[s], why)
            })
            .collect();
        Ok(Ranked { results, ignored_history: resolved.unknown, notices: Vec::new() })
    }

    /// Clusters whose centroids score highest for `user`.
    fn nearest_clusters(&self, user: &[f32]) -> Vec<usize> {
        let clusters = &self.parts.clusters;
        let scores = self.centroid_scorer.score_all(user, &clusters.centroids);
        top_k_excluding(&scores, &[], self.parts.config.cluster_probe)
            .into_iter()
            .map(|c| c as usize)
            .collect()
    }

    fn cluster_of(&self, item: u32) -> usize {
        self.parts.clusters.members.iter().position(|m| m.contains(&item)).unwrap_or(0)
    }

    /// The history item most similar to `item` in the GNN space.
    fn closest_liked(&self, item: u32, history: &ResolvedHistory) -> Why {
        let d = self.parts.dim;
        let row = |i: u32| &self.unit[i as usize * d..(i as usize + 1) * d];
        let best = history
            .indices()
            .into_iter()
            .max_by(|a, b| dot(row(*a), row(item)).total_cmp(&dot(row(*b), row(item))).then(b.cmp(a)))
            .expect("called with a non-empty history");
        let meta = &self.parts.items[best as usize];
        Why::Liked { id: meta.id.clone(), title: meta.title.clone() }
    }

    fn result(&self, index: u32, score: f32, because: Why) -> RankedItem {
        ranked_item(index, &self.parts.items[index as usize], score, because)
    }
}

/// A result line for item `index` with its metadata.
pub(crate) fn ranked_item(index: u32, meta: &ItemMeta, score: f32, because: Why) -> RankedItem {
    RankedItem {
        index,
        id: meta.id.clone(),
        title: meta.title.clone(),
        subtitle: meta.subtitle.clone(),
        url: meta.url.clone(),
        score,
        why: because.to_string(),
        because,
    }
}

/// `(x − mean) / std` over the slice (all zeros when the values are constant).
pub(crate) fn standardize(values: &[f32]) -> Vec<f32> {
    let n = values.len().max(1) as f32;
    let mean = values.iter().sum::<f32>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    values.iter().map(|v| if std > 0.0 { (v - mean) / std } else { 0.0 }).collect()
}
