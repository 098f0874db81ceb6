//! What the host can learn from the shard files a visitor's browser fetches, and the fetch
//! policy of each privacy mode (`docs/design/privacy-modes.md`).
//!
//! - [`Privacy::Strict`]: requests never fetch. The reader fetches every shard and
//!   directory file in one fixed order ([`ShardedRanker::fetch_order`]) whatever the visitor
//!   does, and each request answers from the files that have arrived plus the core.
//! - [`Privacy::Balanced`]: each request has [`DECOYS`] decoy visitors, drawn independently of
//!   the real one: a decoy likes a random item (a random entry of a uniformly random directory
//!   bucket) and searches near a text shard drawn by item count, at the same angle from that
//!   shard's centroid as the real query from its nearest one, in a random direction. A step
//!   that needs files fetches, in a random order, its own and what each decoy would need at
//!   that step, found the way the real visitor's are: the decoy's bucket, then its item's GNN
//!   shard, then the shards probed for its query or its folded-in vector. Each decoy is
//!   consistent across the steps of a request, and answers are the same as with `Off`.
//! - [`Privacy::Off`]: a request fetches exactly what it needs (fewest bytes).

use gnnrec_bundle::Location;

use super::cache::Resident;
use super::privacy_mode::{DECOYS, Decoy, DecoyDraws, Privacy};
use super::ranker::{FileKind, ShardedRanker};

/// Scales `v` to unit length (a zero vector stays zero).
fn normalize(v: &mut [f32]) {
    let norm = gnnrec_bundle::dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// A group of files a request step wants, by what chose them.
pub(super) enum Want {
    /// Directory buckets of the history's ids.
    Buckets(Vec<usize>),
    /// GNN shards holding the history's items.
    HistoryShards(Vec<usize>),
    /// GNN shards nearest the visitor's vector.
    NearestGnn(Vec<usize>),
    /// Text shards nearest the query, and the cosine between the query and the nearest
    /// shard's centroid (decoy queries keep it).
    NearestText(Vec<usize>, f32),
}

impl Want {
    fn kinds(&self) -> Vec<FileKind> {
        match self {
            Want::Buckets(b) => b.iter().map(|&i| FileKind::Bucket(i)).collect(),
            Want::HistoryShards(s) | Want::NearestGnn(s) => s.iter().map(|&i| FileKind::Gnn(i)).collect(),
            Want::NearestText(s, _) => s.iter().map(|&i| FileKind::Text(i)).collect(),
        }
    }
}

impl ShardedRanker {
    /// The privacy mode in force.
    pub fn privacy(&self) -> Privacy {
        self.privacy
    }

    /// Sets the privacy mode; `seed` (random bytes from the browser) drives the decoys.
    /// Strict keeps every file that arrives (it is never fetched again).
    pub fn set_privacy(&mut self, privacy: Privacy, seed: &[u8]) {
        self.privacy = privacy;
        self.draws = DecoyDraws::new(seed);
        if privacy == Privacy::Strict {
            self.cache.set_cap(usize::MAX);
        }
    }

    /// Stored bytes of all shard and directory files (what strict mode downloads).
    pub fn shard_bytes(&self) -> u64 {
        let m = &self.manifest;
        m.directory.iter().chain(&m.text_shards).chain(&m.gnn_shards).map(|e| e.file.bytes).sum()
    }

    /// Every shard and directory file in the fixed order strict mode fetches them: the
    /// directory (small; likes need it), then text and GNN shards alternately.
    pub fn fetch_order(&self) -> Vec<String> {
        let m = &self.manifest;
        let mut order: Vec<String> = m.directory.iter().map(|e| e.path.clone()).collect();
        for i in 0..m.text_shards.len().max(m.gnn_shards.len()) {
            order.extend(m.text_shards.get(i).map(|e| e.path.clone()));
            order.extend(m.gnn_shards.get(i).map(|e| e.path.clone()));
        }
        order
    }

    /// The indices `0..n` of files of one kind (`kind`) that may not be probed now: in strict
    /// mode those that have not arrived; none otherwise.
    pub(super) fn not_probeable(&self, n: usize, kind: fn(usize) -> FileKind) -> Vec<u32> {
        if self.privacy != Privacy::Strict {
            return Vec::new();
        }
        (0..n).filter(|&i| !self.cache.contains(&self.entry(kind(i)).path)).map(|i| i as u32).collect()
    }

    /// Shard and directory files that have arrived and are held (strict mode keeps all).
    pub fn arrived_files(&self) -> usize {
        self.fetch_order().iter().filter(|p| self.cache.contains(p)).count()
    }

    /// The text shard nearest a query (its MiniLM embedding): the query's topic, as the
    /// manifest labels it. `None` without text or for an embedding of another width.
    pub fn query_topic(&self, embedding: &[f32]) -> Option<usize> {
        let text = self.core.text.as_ref()?;
        if embedding.len() != text.maps.projection.mean.len() {
            return None;
        }
        let query = text.maps.projection.project(embedding);
        let k = query.len().max(1);
        let scores: Vec<f32> =
            text.centroids.chunks_exact(k).map(|c| gnnrec_bundle::dot(c, &query)).collect();
        crate::top_k::top_k_excluding(&scores, &[], 1).first().map(|&s| s as usize)
    }

    /// The text shards a query at text shard `s`'s centroid probes, and the GNN shards a
    /// visitor whose vector is GNN shard `s`'s centroid probes: what anyone with the manifest
    /// and the core can compute (an observer's model of a request).
    pub fn neighbourhoods(&self) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
        let text = (0..self.manifest.text_shards.len()).map(|s| self.text_shards_near_centroid(s)).collect();
        let gnn = (0..self.manifest.gnn_shards.len()).map(|s| self.gnn_shards_near_centroid(s)).collect();
        (text, gnn)
    }

    /// The text shards' centroids, row-major (the core has them; empty without text).
    pub fn text_centroids(&self) -> &[f32] {
        self.core.text.as_ref().map_or(&[], |t| &t.centroids)
    }

    /// In strict mode while files are still arriving, a notice that says how many have.
    pub(super) fn note_arriving(&self, notices: &mut Vec<String>) {
        if self.privacy != Privacy::Strict {
            return;
        }
        let total = self.fetch_order().len();
        let arrived = self.arrived_files();
        if arrived < total {
            notices.push(format!(
                "privacy=strict: {arrived} of {total} shard files have arrived; the answer comes from those"
            ));
        }
    }

    /// The paths to fetch for `want` before the step can answer: none in strict mode (the
    /// step answers from what has arrived), the missing ones with decoys in balanced mode.
    pub(super) fn files_to_fetch(&mut self, want: Want) -> Vec<String> {
        let mut fetch = self.missing(want.kinds().into_iter());
        if fetch.is_empty() || self.privacy == Privacy::Off {
            return fetch;
        }
        if self.privacy == Privacy::Strict {
            return Vec::new();
        }
        for decoy in self.decoys.clone() {
            let group = self.decoy_wants(&want, decoy);
            for path in self.missing(group.kinds().into_iter()) {
                if !fetch.contains(&path) {
                    fetch.push(path);
                }
            }
        }
        self.draws.shuffle(&mut fetch);
        fetch
    }

    /// Draws the decoy visitors of a new request (balanced mode).
    pub(super) fn draw_decoys(&mut self) {
        if self.privacy != Privacy::Balanced {
            return;
        }
        let m = &self.manifest;
        let text_items: Vec<u64> = m.text_shards.iter().map(|s| s.items as u64).collect();
        let buckets = m.directory.len() as u64;
        self.decoys = (0..DECOYS)
            .map(|_| Decoy {
                bucket: self.draws.below(buckets.max(1)) as usize,
                entry: self.draws.below(u64::MAX),
                text_shard: if text_items.is_empty() { 0 } else { self.draws.weighted(&text_items) },
            })
            .collect();
    }

    /// What `decoy` wants at the step where the real visitor wants `want` (a group of the
    /// same shape: as many buckets or history shards, the first of them the decoy's own).
    fn decoy_wants(&mut self, want: &Want, decoy: Decoy) -> Want {
        let m = &self.manifest;
        let gnn_items: Vec<u64> = m.gnn_shards.iter().map(|s| s.items as u64).collect();
        let location = self.decoy_item(decoy);
        match want {
            Want::Buckets(b) => {
                let n = m.directory.len() as u64;
                let more = (1..b.len()).map(|_| self.draws.below(n) as usize).collect::<Vec<_>>();
                Want::Buckets([decoy.bucket].into_iter().chain(more).collect())
            }
            Want::HistoryShards(s) => {
                let own = location.map_or_else(|| self.draws.weighted(&gnn_items), |l| l.shard as usize);
                let more = (1..s.len()).map(|_| self.draws.weighted(&gnn_items)).collect::<Vec<_>>();
                Want::HistoryShards([own].into_iter().chain(more).collect())
            }
            Want::NearestGnn(_) => {
                let user = location.and_then(|l| self.single_item_user(l));
                let centre = match user {
                    Some(user) => self.nearest_gnn_shards(&user).first().copied().unwrap_or(0),
                    None => self.draws.weighted(&gnn_items),
                };
                Want::NearestGnn(self.gnn_shards_near_centroid(centre))
            }
            &Want::NearestText(_, cosine) => {
                let query = self.decoy_query(decoy.text_shard, cosine);
                Want::NearestText(self.nearest_text_shards(&query), cosine)
            }
        }
    }

    /// A decoy query: a unit vector at `cosine` from text shard `centre`'s centroid, in a
    /// uniformly random direction.
    fn decoy_query(&mut self, centre: usize, cosine: f32) -> Vec<f32> {
        let centroids = self.text_centroids();
        let k = centroids.len() / self.manifest.text_shards.len().max(1);
        let mut axis = centroids[centre * k..(centre + 1) * k].to_vec();
        normalize(&mut axis);
        let mut side: Vec<f32> = (0..k).map(|_| self.draws.normal()).collect();
        let along = gnnrec_bundle::dot(&side, &axis);
        side.iter_mut().zip(&axis).for_each(|(s, a)| *s -= along * a);
        normalize(&mut side);
        let (c, s) = (cosine.clamp(-1.0, 1.0), (1.0 - cosine * cosine).max(0.0).sqrt());
        axis.iter().zip(&side).map(|(a, b)| c * a + s * b).collect()
    }

    /// The cosine between a text-space query and its nearest shard's centroid.
    pub(super) fn centre_cosine(&self, query: &[f32], nearest: &[usize]) -> f32 {
        let centroids = self.text_centroids();
        let k = query.len().max(1);
        let Some(&centre) = nearest.first() else { return 1.0 };
        let mut centroid = centroids[centre * k..(centre + 1) * k].to_vec();
        normalize(&mut centroid);
        let norm = gnnrec_bundle::dot(query, query).sqrt().max(f32::MIN_POSITIVE);
        gnnrec_bundle::dot(query, &centroid) / norm
    }

    /// Where `decoy`'s liked item lives, once its directory bucket is resident.
    fn decoy_item(&self, decoy: Decoy) -> Option<Location> {
        let path = &self.manifest.directory.get(decoy.bucket)?.path;
        match self.cache.peek(path) {
            Some(Resident::Bucket(bucket)) if !bucket.entries.is_empty() => {
                Some(bucket.entries[(decoy.entry % bucket.entries.len() as u64) as usize].location)
            }
            _ => None,
        }
    }

    /// The folded-in vector of a visitor who liked the item at `location` alone, once its
    /// shard is resident.
    fn single_item_user(&self, location: Location) -> Option<Vec<f32>> {
        let shard = self.shard(location.shard as usize)?;
        let row = location.row as usize;
        Some(self.fold_in_rows(shard.row(row), &[shard.popularity[row]], &[1.0]))
    }
}
