//! Decoded shards and directory buckets kept in memory, least recently used first out.

use gnnrec_bundle::DirectoryBucket;
use lru::LruCache;

use super::shard::Shard;

/// A decoded file.
pub enum Resident {
    /// A shard.
    Shard(Box<Shard>),
    /// A directory bucket.
    Bucket(DirectoryBucket),
}

impl Resident {
    fn memory_bytes(&self) -> usize {
        match self {
            Resident::Shard(shard) => shard.memory_bytes,
            Resident::Bucket(bucket) => bucket.entries.iter().map(|e| e.id.len() + 40).sum(),
        }
    }
}

/// Decoded files by path with a byte cap. Nothing is evicted while a request is being
/// answered (its files must all be resident); [`ShardCache::trim`] runs after it.
pub struct ShardCache {
    entries: LruCache<String, (Resident, usize)>,
    bytes: usize,
    cap: usize,
}

impl ShardCache {
    /// An empty cache that trims to `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self { entries: LruCache::unbounded(), bytes: 0, cap }
    }

    /// Changes the cap (applied at the next trim).
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap;
    }

    /// Adds (or replaces) a decoded file.
    pub fn insert(&mut self, path: String, resident: Resident) {
        let size = resident.memory_bytes();
        self.bytes += size;
        if let Some((_, old)) = self.entries.put(path, (resident, size)) {
            self.bytes -= old;
        }
    }

    /// Whether `path` is resident (does not count as a use).
    pub fn contains(&self, path: &str) -> bool {
        self.entries.contains(path)
    }

    /// The file at `path`, marked as just used.
    pub fn get(&mut self, path: &str) -> Option<&Resident> {
        self.entries.get(path).map(|(r, _)| r)
    }

    /// The file at `path`, without marking it used.
    pub fn peek(&self, path: &str) -> Option<&Resident> {
        self.entries.peek(path).map(|(r, _)| r)
    }

    /// Evicts least recently used files until the cache is within its cap.
    pub fn trim(&mut self) {
        while self.bytes > self.cap {
            match self.entries.pop_lru() {
                Some((_, (_, size))) => self.bytes -= size,
                None => break,
            }
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}
