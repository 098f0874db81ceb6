//! What a host's access log reveals of a visitor in each privacy mode of a sharded bundle,
//! measured with the ranking code the browser runs.
//!
//! Each trial is a first visit that makes one request: a search (no likes), or a
//! recommendation after one like. The observer sees only the paths fetched, step by step,
//! and has everything public: the manifest, the core and every directory bucket. It guesses
//! the query's topic (the text shard nearest the query, as the manifest labels it) or the
//! liked item's cluster (its GNN shard). It also knows how often each answer occurs (the
//! sample's own frequencies: a strong observer) and uses it for ties and when the log shows
//! nothing. Its rules, the best of which counts:
//! - queries, by groups: every fetched text shard is a candidate centre, scored by how much
//!   of its own probe neighbourhood was fetched; among those within a quarter of the best, the
//!   one nearest the mean of its fetched neighbourhood's centroids wins;
//! - queries, by the mean: the fetched text shard nearest the mean of all fetched centroids;
//! - likes: every GNN shard fetched at the history step is a candidate, scored by whether a
//!   fetched bucket holds an item of it, then by how much of the probe step's fetches its
//!   neighbourhood covers;
//! - both: ignore the log and guess the most frequent answer (so the observer never does
//!   worse than chance).
//!
//! Chance is the best guess that sees nothing: the most frequent true answer.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use gnnrec_bundle::{DirectoryBucket, ShardedManifest, read_file, verify_file};
use gnnrec_ranking::{
    HistoryEvent, Privacy, RankError, Ranked, STRICT_DEFAULT_MAX_BYTES, ShardedRanker, Step,
};
use serde::Serialize;

use crate::error::EvalError;

/// Results per request whose overlap with the `off` answer is measured.
const TOP: usize = 10;

/// The visitors of the measurement: MiniLM embeddings of queries, ids of liked items with
/// their GNN shard.
pub struct LeakSample {
    /// One search each.
    pub queries: Vec<Vec<f32>>,
    /// One like each: `(id, GNN shard)`.
    pub likes: Vec<(String, usize)>,
}

/// How well the observer guesses, for one kind of request.
#[derive(Debug, Clone, Serialize)]
pub struct Guesses {
    /// Share of trials guessed right.
    pub accuracy: f64,
    /// Mean files fetched per request (after the core).
    pub files: f64,
    /// Mean stored bytes fetched per request.
    pub bytes: f64,
    /// Mean share of the top 10 that the `off` mode's answer has too.
    pub top10_overlap_with_off: f64,
}

/// One privacy mode.
#[derive(Debug, Clone, Serialize)]
pub struct ModeLeak {
    /// `strict`, `balanced` or `off`.
    pub mode: String,
    /// Guessing the query's topic.
    pub queries: Guesses,
    /// Guessing the liked item's cluster.
    pub likes: Guesses,
    /// Median number of catalogue items consistent with a like's fetches (the bucket and
    /// shard pairs fetched): how far the log narrows the liked item down.
    pub like_candidates_median: usize,
}

/// The measurement.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyLeak {
    /// Catalogue items.
    pub items: usize,
    /// Text shards, GNN shards, directory buckets.
    pub files: (usize, usize, usize),
    /// Queries and likes.
    pub trials: (usize, usize),
    /// Chance for the topic and the cluster: the most frequent true answer's share.
    pub chance: (f64, f64),
    /// Per mode.
    pub modes: Vec<ModeLeak>,
    /// Whether strict mode answered with every file arrived (else with none).
    pub strict_arrived: bool,
    /// Strict mode's fetches are the same fixed sequence for every visitor (checked here).
    pub strict_sequence_identical: bool,
}

/// Measures every mode on `sample` over the v2 bundle in `dir`; `seed` drives the decoys.
pub fn privacy_leak(dir: &Path, sample: &LeakSample, seed: &[u8]) -> Result<PrivacyLeak, EvalError> {
    let reference = ShardedRanker::read_dir(dir)?;
    let topics: Vec<usize> = sample.queries.iter().filter_map(|q| reference.query_topic(q)).collect();
    if topics.len() != sample.queries.len() {
        return Err(EvalError::Mismatch {
            what: "queries with a text topic",
            expected: sample.queries.len(),
            found: topics.len(),
        });
    }
    let clusters: Vec<usize> = sample.likes.iter().map(|l| l.1).collect();
    let m = reference.manifest();
    let priors = (frequencies(&topics, m.text_shards.len()), frequencies(&clusters, m.gnn_shards.len()));
    let observer = Observer::new(dir, &reference, priors)?;
    let (top_topic, top_cluster) =
        (observer.best(None.into_iter(), |_| 0.0, true), observer.best(None.into_iter(), |_| 0.0, false));
    let mut off_answers = (Vec::new(), Vec::new());
    let mut modes = Vec::new();
    let mut strict_logs = BTreeSet::new();
    // Strict answers once its background download is done, where strict is the default (the
    // requests fetch nothing either way; a 1M-item bundle's shards would not fit in memory).
    let strict_arrived = reference.shard_bytes() <= STRICT_DEFAULT_MAX_BYTES;
    for privacy in [Privacy::Off, Privacy::Balanced, Privacy::Strict] {
        let mut ranker = ShardedRanker::read_dir(dir)?;
        ranker.set_privacy(privacy, seed);
        if privacy != Privacy::Strict {
            // Every request is a first visit: nothing stays resident between requests.
            ranker.set_memory_cap(0);
        } else if strict_arrived {
            for path in ranker.fetch_order() {
                ranker.add_file(&path, &read_file(dir, &path)?)?;
            }
        }
        let mut query_trials = Vec::new();
        for (q, &topic) in sample.queries.iter().zip(&topics) {
            let (ranked, steps) = logged(&mut ranker, dir, |r| r.search(q, &[], TOP))?;
            if privacy == Privacy::Strict {
                strict_logs.insert(steps.clone());
            }
            let right = observer
                .guess_topic(&steps)
                .iter()
                .map(|&g| g == topic)
                .chain([top_topic == topic])
                .collect();
            query_trials.push(Trial { right, steps, ranked });
        }
        let mut like_trials = Vec::new();
        let mut candidates = Vec::new();
        for ((id, _), &cluster) in sample.likes.iter().zip(&clusters) {
            let history = [HistoryEvent { id: id.clone(), timestamp_ms: 0.0 }];
            let (ranked, steps) = logged(&mut ranker, dir, |r| r.recommend(&history, TOP))?;
            if privacy == Privacy::Strict {
                strict_logs.insert(steps.clone());
            }
            let (guess, consistent) = observer.guess_cluster(&steps);
            candidates.push(consistent);
            like_trials.push(Trial { right: vec![guess == cluster, top_cluster == cluster], steps, ranked });
        }
        if privacy == Privacy::Off {
            off_answers = (
                query_trials.iter().map(|t| t.ranked.clone()).collect(),
                like_trials.iter().map(|t| t.ranked.clone()).collect(),
            );
        }
        candidates.sort_unstable();
        modes.push(ModeLeak {
            mode: privacy.to_string(),
            queries: observer.summarize(&query_trials, &off_answers.0),
            likes: observer.summarize(&like_trials, &off_answers.1),
            like_candidates_median: candidates.get(candidates.len() / 2).copied().unwrap_or(0),
        });
    }
    Ok(PrivacyLeak {
        items: m.model.n_items,
        files: (m.text_shards.len(), m.gnn_shards.len(), m.directory.len()),
        trials: (sample.queries.len(), sample.likes.len()),
        chance: (majority_share(&topics), majority_share(&clusters)),
        modes,
        strict_arrived,
        strict_sequence_identical: strict_logs.len() == 1,
    })
}

/// A request's paths, one list per step.
type Steps = Vec<Vec<String>>;

struct Trial {
    /// Whether each of the observer's rules guessed right.
    right: Vec<bool>,
    steps: Steps,
    ranked: Ranked,
}

/// Runs a request to its answer as the browser does, logging each step's fetches.
fn logged(
    ranker: &mut ShardedRanker,
    dir: &Path,
    mut request: impl FnMut(&mut ShardedRanker) -> Result<Step<Ranked>, RankError>,
) -> Result<(Ranked, Steps), EvalError> {
    ranker.begin_request();
    let mut steps = Vec::new();
    loop {
        match request(ranker)? {
            Step::Done(ranked) => return Ok((ranked, steps)),
            Step::Need(paths) => {
                for path in &paths {
                    ranker.add_file(path, &read_file(dir, path)?)?;
                }
                steps.push(paths);
            }
        }
    }
}

/// How often each of `0..n` occurs in `values`.
fn frequencies(values: &[usize], n: usize) -> Vec<usize> {
    let mut counts = vec![0; n];
    values.iter().filter(|&&v| v < n).for_each(|&v| counts[v] += 1);
    counts
}

/// The share of the most frequent value.
fn majority_share(values: &[usize]) -> f64 {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    values.iter().for_each(|&v| *counts.entry(v).or_default() += 1);
    counts.values().max().copied().unwrap_or(0) as f64 / values.len().max(1) as f64
}

/// What kind of file a path is, and its index.
#[derive(Clone, Copy)]
enum Kind {
    Text(usize),
    Gnn(usize),
    Bucket(usize),
}

/// The observer: everything public about the bundle.
struct Observer {
    manifest: ShardedManifest,
    kinds: HashMap<String, (Kind, u64)>,
    near_text: Vec<Vec<usize>>,
    near_gnn: Vec<Vec<usize>>,
    text_centroids: Vec<f32>,
    /// How often each text shard is a query's topic, and each GNN shard a liked item's.
    priors: (Vec<usize>, Vec<usize>),
    /// Items per (bucket, GNN shard).
    pairs: HashMap<(usize, usize), usize>,
}

impl Observer {
    fn new(dir: &Path, ranker: &ShardedRanker, priors: (Vec<usize>, Vec<usize>)) -> Result<Self, EvalError> {
        let manifest = ranker.manifest().clone();
        let mut kinds = HashMap::new();
        let lists = [&manifest.text_shards, &manifest.gnn_shards, &manifest.directory];
        for (list, make) in lists.into_iter().zip([Kind::Text as fn(usize) -> Kind, Kind::Gnn, Kind::Bucket])
        {
            for (i, e) in list.iter().enumerate() {
                kinds.insert(e.path.clone(), (make(i), e.file.bytes));
            }
        }
        let (near_text, near_gnn) = ranker.neighbourhoods();
        let shard_items: Vec<usize> = manifest.gnn_shards.iter().map(|s| s.items).collect();
        let mut pairs = HashMap::new();
        for (b, entry) in manifest.directory.iter().enumerate() {
            let bytes = verify_file(&entry.path, &entry.file, &read_file(dir, &entry.path)?)?;
            let bucket = DirectoryBucket::from_bytes(
                &bytes,
                b,
                manifest.directory.len(),
                manifest.model.n_items,
                &shard_items,
            )
            .map_err(|e| gnnrec_bundle::BundleError::content(&entry.path, e))?;
            for e in &bucket.entries {
                *pairs.entry((b, e.location.shard as usize)).or_default() += 1;
            }
        }
        let text_centroids = ranker.text_centroids().to_vec();
        Ok(Self { manifest, kinds, near_text, near_gnn, text_centroids, priors, pairs })
    }

    /// The fetched files of `steps` by kind: (text shards, GNN shards per step, buckets).
    fn split(&self, steps: &Steps) -> (BTreeSet<usize>, Vec<BTreeSet<usize>>, BTreeSet<usize>) {
        let (mut text, mut gnn, mut buckets) = (BTreeSet::new(), Vec::new(), BTreeSet::new());
        for step in steps {
            let mut step_gnn = BTreeSet::new();
            for path in step {
                match self.kinds.get(path).map(|k| k.0) {
                    Some(Kind::Text(i)) => {
                        text.insert(i);
                    }
                    Some(Kind::Gnn(i)) => {
                        step_gnn.insert(i);
                    }
                    Some(Kind::Bucket(i)) => {
                        buckets.insert(i);
                    }
                    None => {}
                }
            }
            if !step_gnn.is_empty() {
                gnn.push(step_gnn);
            }
        }
        (text, gnn, buckets)
    }

    /// The candidate of `candidates` with the highest score, ties to the more frequent
    /// answer; without candidates the most frequent answer.
    fn best(
        &self,
        candidates: impl Iterator<Item = usize>,
        score: impl Fn(usize) -> f64,
        text: bool,
    ) -> usize {
        let prior = if text { &self.priors.0 } else { &self.priors.1 };
        let likely = |a: usize, b: usize| prior[a].cmp(&prior[b]).then(b.cmp(&a));
        candidates
            .max_by(|&a, &b| score(a).total_cmp(&score(b)).then(likely(a, b)))
            .unwrap_or_else(|| (0..prior.len()).max_by(|&a, &b| likely(a, b)).unwrap_or(0))
    }

    /// The guesses of the query rules: by groups, by the mean.
    fn guess_topic(&self, steps: &Steps) -> [usize; 2] {
        let (text, _, _) = self.split(steps);
        let covered = |s: usize| {
            let near = &self.near_text[s];
            near.iter().filter(|t| text.contains(t)).count() as f64 / near.len().max(1) as f64
        };
        let top = text.iter().map(|&s| covered(s)).fold(0.0, f64::max);
        let k = self.text_centroids.len() / self.manifest.text_shards.len().max(1);
        let centroid = |s: usize| &self.text_centroids[s * k..(s + 1) * k];
        let central = |s: usize| {
            let mut mean = vec![0.0f32; k];
            for t in self.near_text[s].iter().filter(|t| text.contains(t)) {
                mean.iter_mut().zip(centroid(*t)).for_each(|(m, c)| *m += c);
            }
            f64::from(gnnrec_bundle::dot(centroid(s), &mean))
        };
        let candidates = text.iter().copied().filter(|&s| covered(s) >= top - 0.25);
        let mut mean = vec![0.0f32; k];
        for &t in &text {
            mean.iter_mut().zip(centroid(t)).for_each(|(m, c)| *m += c);
        }
        let near_mean = |s: usize| f64::from(gnnrec_bundle::dot(centroid(s), &mean));
        [self.best(candidates, central, true), self.best(text.iter().copied(), near_mean, true)]
    }

    /// The guessed cluster and the number of items consistent with the fetches.
    fn guess_cluster(&self, steps: &Steps) -> (usize, usize) {
        let (_, gnn, buckets) = self.split(steps);
        let history = gnn.first().cloned().unwrap_or_default();
        let probe = gnn.get(1).cloned().unwrap_or_default();
        let in_buckets =
            |s: usize| buckets.iter().map(|&b| self.pairs.get(&(b, s)).copied().unwrap_or(0)).sum();
        let score = |s: usize| {
            let held: usize = in_buckets(s);
            let near = &self.near_gnn[s];
            let covered = near.iter().filter(|t| probe.contains(t)).count() as f64 / near.len().max(1) as f64;
            f64::from(u8::from(held > 0)) * 2.0 + covered
        };
        let guess = self.best(history.iter().copied(), score, false);
        let consistent = if history.is_empty() {
            self.manifest.model.n_items
        } else {
            history.iter().map(|&s| in_buckets(s)).sum()
        };
        (guess, consistent)
    }

    fn summarize(&self, trials: &[Trial], off: &[Ranked]) -> Guesses {
        let n = trials.len().max(1) as f64;
        let fetched = |t: &Trial| -> u64 {
            t.steps.iter().flatten().map(|p| self.kinds.get(p).map_or(0, |k| k.1)).sum()
        };
        let overlap = |t: &Trial, o: &Ranked| {
            let ids: BTreeSet<&str> = o.results.iter().map(|r| r.id.as_str()).collect();
            t.ranked.results.iter().filter(|r| ids.contains(r.id.as_str())).count() as f64 / TOP as f64
        };
        Guesses {
            accuracy: (0..trials.first().map_or(0, |t| t.right.len()))
                .map(|rule| trials.iter().filter(|t| t.right[rule]).count() as f64 / n)
                .fold(0.0, f64::max),
            files: trials.iter().map(|t| t.steps.iter().map(Vec::len).sum::<usize>() as f64).sum::<f64>() / n,
            bytes: trials.iter().map(|t| fetched(t) as f64).sum::<f64>() / n,
            top10_overlap_with_off: trials.iter().zip(off).map(|(t, o)| overlap(t, o)).sum::<f64>() / n,
        }
    }
}
