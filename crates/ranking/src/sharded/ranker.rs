//! Recommendations over a sharded bundle whose shards arrive on demand.
//!
//! A request is answered in steps: each call either returns the answer or the paths of the
//! files it still needs ([`Step::Need`]). The caller fetches them (in parallel, from a
//! cache, or from disk), hands them over with [`ShardedRanker::add_file`] or reports them
//! unavailable with [`ShardedRanker::mark_unavailable`], and calls again. Files that
//! cannot be had are left out and named in the answer's notices; nothing else fails.

use std::collections::{BTreeMap, HashMap};

use gnnrec_bundle::{
    BundleError, ContentError, CoreContent, DirectoryBucket, ManifestError, RankingConfig, ShardContent,
    ShardEntry, ShardedManifest, file_names, read_file, read_listed, verify_file,
};

use super::cache::{Resident, ShardCache};
use super::core::Core;
use super::privacy_mode::{Decoy, DecoyDraws, Privacy};
use super::shard::Shard;
use crate::error::RankError;

/// Either the answer, or the files still needed to give it.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// The answer.
    Done(T),
    /// Fetch these paths (relative to the manifest), then ask again.
    Need(Vec<String>),
}

/// What a path of the manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileKind {
    Gnn(usize),
    Text(usize),
    Bucket(usize),
}

/// A sharded (v2) bundle being read: its core, and the shards fetched so far.
pub struct ShardedRanker {
    pub(super) manifest: ShardedManifest,
    pub(super) core: Core,
    pub(super) cache: ShardCache,
    kinds: HashMap<String, FileKind>,
    unavailable: BTreeMap<String, String>,
    pub(super) privacy: Privacy,
    pub(super) draws: DecoyDraws,
    pub(super) decoys: Vec<Decoy>,
}

impl ShardedRanker {
    /// The ranker over a manifest and its core files (stored bytes by path), fetching what
    /// each request needs ([`Privacy::Off`]; see [`ShardedRanker::set_privacy`]).
    pub fn new(
        manifest: ShardedManifest,
        core_files: &HashMap<String, Vec<u8>>,
    ) -> Result<Self, BundleError> {
        let core = Core::from_files(&manifest, core_files)?;
        let mut kinds = HashMap::new();
        let lists = [(&manifest.gnn_shards, 0), (&manifest.text_shards, 1), (&manifest.directory, 2)];
        for (list, kind) in lists {
            for (i, entry) in list.iter().enumerate() {
                let kind = [FileKind::Gnn(i), FileKind::Text(i), FileKind::Bucket(i)][kind];
                if kinds.insert(entry.path.clone(), kind).is_some() {
                    let error = ManifestError::Duplicate { file: entry.path.clone() };
                    return Err(BundleError::Manifest { file: file_names::MANIFEST.into(), error });
                }
            }
        }
        let cache = ShardCache::new(manifest.probe.memory_bytes);
        let (privacy, draws) = (Privacy::Off, DecoyDraws::new(&[]));
        let decoys = Vec::new();
        Ok(Self { manifest, core, cache, kinds, unavailable: BTreeMap::new(), privacy, draws, decoys })
    }

    /// The manifest.
    pub fn manifest(&self) -> &ShardedManifest {
        &self.manifest
    }

    /// The encoder's files (bundles with text).
    pub fn encoder(&self) -> Option<&gnnrec_bundle::EncoderBytes> {
        self.core.encoder.as_ref()
    }

    /// Bytes of decoded shards held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Sets the probing width of recommendations (evaluation; the manifest has the default).
    pub fn set_gnn_probe(&mut self, probe: usize) {
        self.manifest.probe.gnn = probe.max(1);
    }

    /// Sets the byte budget of a request's probed shards (evaluation; `None`: no bound, so
    /// probing every shard gives the unsharded answer).
    pub fn set_probe_budget(&mut self, max_bytes: Option<u64>) {
        self.manifest.probe.max_bytes = max_bytes;
    }

    /// The blend of text and GNN scores, to adjust (evaluation; the manifest has the default).
    pub fn ranking_mut(&mut self) -> &mut RankingConfig {
        &mut self.manifest.ranking
    }

    /// Sets how many bytes of decoded files are kept between requests.
    pub fn set_memory_cap(&mut self, bytes: usize) {
        self.cache.set_cap(bytes);
    }

    /// Checks a fetched file against the manifest and keeps it decoded. A file that was
    /// reported unavailable before becomes available again.
    pub fn add_file(&mut self, path: &str, stored: &[u8]) -> Result<(), BundleError> {
        let kind = *self.kinds.get(path).ok_or_else(|| BundleError::Manifest {
            file: file_names::MANIFEST.into(),
            error: ManifestError::Unlisted { file: path.into() },
        })?;
        let entry = self.entry(kind);
        let bytes = verify_file(path, &entry.file, stored)?;
        let (n, d, k) = (
            self.manifest.model.n_items,
            self.manifest.model.dim,
            self.manifest.text.as_ref().map(|t| t.dim),
        );
        let resident = match kind {
            FileKind::Gnn(_) | FileKind::Text(_) => {
                let text_dim = if matches!(kind, FileKind::Text(_)) { k } else { None };
                let content = ShardContent::from_bytes(&bytes, n, d, text_dim)
                    .map_err(|e| BundleError::content(path, e))?;
                if content.index.len() != entry.items {
                    let error = ContentError::ItemCount { found: content.index.len(), expected: entry.items };
                    return Err(BundleError::content(path, error));
                }
                Resident::Shard(Box::new(Shard::new(content, self.core.head.as_ref())))
            }
            FileKind::Bucket(b) => {
                let shard_items: Vec<usize> = self.manifest.gnn_shards.iter().map(|s| s.items).collect();
                let (buckets, n) = (self.manifest.directory.len(), self.manifest.model.n_items);
                Resident::Bucket(
                    DirectoryBucket::from_bytes(&bytes, b, buckets, n, &shard_items)
                        .map_err(|e| BundleError::content(path, e))?,
                )
            }
        };
        self.unavailable.remove(path);
        self.cache.insert(path.to_string(), resident);
        Ok(())
    }

    /// Records that `path` cannot be had now (offline, 404, corrupt: `reason` says which);
    /// the request under way then answers from the other files and says so.
    pub fn mark_unavailable(&mut self, path: &str, reason: String) {
        self.unavailable.insert(path.to_string(), reason);
    }

    /// Starts a new request: files that could not be had before are asked for again (the
    /// network may be back, or the file stored for offline use since); in balanced mode, the
    /// request's decoy visitors are drawn.
    pub fn begin_request(&mut self) {
        // Strict requests fetch nothing: what the background download could not have stays
        // named with its reason until it arrives.
        if self.privacy != Privacy::Strict {
            self.unavailable.clear();
        }
        self.draw_decoys();
    }

    /// The paths of `kinds` that are neither resident nor known to be unavailable.
    pub(super) fn missing(&self, kinds: impl Iterator<Item = FileKind>) -> Vec<String> {
        kinds
            .map(|kind| self.entry(kind).path.clone())
            .filter(|p| !self.cache.contains(p) && !self.unavailable.contains_key(p))
            .collect()
    }

    /// Adds a notice for each unavailable file among `kinds`.
    pub(super) fn note_unavailable(
        &self,
        kinds: impl Iterator<Item = FileKind>,
        role: &str,
        notices: &mut Vec<String>,
    ) {
        for kind in kinds {
            let path = &self.entry(kind).path;
            if !self.cache.contains(path) {
                notices.push(format!("{role} shard {path} was left out: {}", self.reason(path)));
            }
        }
    }

    pub(super) fn reason(&self, path: &str) -> &str {
        self.unavailable.get(path).map_or("not loaded", String::as_str)
    }

    pub(super) fn entry(&self, kind: FileKind) -> &ShardEntry {
        match kind {
            FileKind::Gnn(i) => &self.manifest.gnn_shards[i],
            FileKind::Text(i) => &self.manifest.text_shards[i],
            FileKind::Bucket(i) => &self.manifest.directory[i],
        }
    }

    /// GNN shard `s`, if resident.
    pub(super) fn shard(&self, s: usize) -> Option<&Shard> {
        self.resident_shard(FileKind::Gnn(s))
    }

    /// The shard of `kind`, if resident.
    pub(super) fn resident_shard(&self, kind: FileKind) -> Option<&Shard> {
        match self.cache.peek(&self.entry(kind).path) {
            Some(Resident::Shard(shard)) => Some(shard),
            _ => None,
        }
    }

    /// Marks the files of `kinds` as just used (least recently used files are evicted first).
    pub(super) fn touch(&mut self, kinds: impl Iterator<Item = FileKind>) {
        for kind in kinds {
            let path = self.entry(kind).path.clone();
            self.cache.get(&path);
        }
    }
}

impl ShardedRanker {
    /// Reads a v2 bundle directory's manifest and core files.
    pub fn read_dir(dir: &std::path::Path) -> Result<Self, BundleError> {
        let manifest = ShardedManifest::parse(&read_file(dir, file_names::MANIFEST)?)?;
        let files = read_listed(dir, &manifest.core, CoreContent::required_files(&manifest))?;
        Self::new(manifest, &files)
    }

    /// Runs `request` to its answer, handing it the files it asks for from `fetch`. A file
    /// that cannot be fetched or does not check out is reported unavailable (with the error
    /// naming it), and the request goes on without it. Returns the answer and the paths fetched.
    pub fn complete<T>(
        &mut self,
        mut request: impl FnMut(&mut Self) -> Result<Step<T>, RankError>,
        mut fetch: impl FnMut(&str) -> Result<Vec<u8>, BundleError>,
    ) -> Result<(T, Vec<String>), RankError> {
        let mut fetched = Vec::new();
        self.begin_request();
        loop {
            match request(self)? {
                Step::Done(answer) => return Ok((answer, fetched)),
                Step::Need(paths) => {
                    for path in paths {
                        let added = fetch(&path).and_then(|bytes| self.add_file(&path, &bytes));
                        if let Err(error) = added {
                            self.mark_unavailable(&path, error.to_string());
                        }
                        fetched.push(path);
                    }
                }
            }
        }
    }
}
