//! The id directory of a v2 bundle: which GNN shard and row hold a catalogue id.
//!
//! Ids are spread over buckets by the FNV-1a 64-bit hash of their UTF-8 bytes
//! (`bucket = hash % buckets`), so a reader fetches only the buckets of the ids it looks
//! up and the directory costs nothing before the first result.

use std::hash::Hasher;

use serde::{Deserialize, Serialize};

use crate::error::ContentError;

/// Where one item lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Catalogue-wide item index.
    pub index: u32,
    /// Position of its GNN shard in the manifest's `gnn_shards`.
    pub shard: u32,
    /// Its row in that shard.
    pub row: u32,
}

/// One id and where it lives; stored as the array `[id, index, shard, row]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(String, u32, u32, u32)", into = "(String, u32, u32, u32)")]
pub struct DirectoryEntry {
    /// Catalogue id.
    pub id: String,
    /// Where it lives.
    pub location: Location,
}

impl From<(String, u32, u32, u32)> for DirectoryEntry {
    fn from((id, index, shard, row): (String, u32, u32, u32)) -> Self {
        Self { id, location: Location { index, shard, row } }
    }
}

impl From<DirectoryEntry> for (String, u32, u32, u32) {
    fn from(entry: DirectoryEntry) -> Self {
        let Location { index, shard, row } = entry.location;
        (entry.id, index, shard, row)
    }
}

/// One bucket file: `{"bucket": b, "entries": [[id, index, shard, row], …]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryBucket {
    /// The bucket number.
    pub bucket: u32,
    /// Its ids and where they live.
    pub entries: Vec<DirectoryEntry>,
}

/// The bucket of `id` among `buckets` (FNV-1a 64 of the UTF-8 bytes, modulo).
pub fn bucket_of(id: &str, buckets: usize) -> usize {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(id.as_bytes());
    (hasher.finish() % buckets.max(1) as u64) as usize
}

impl DirectoryBucket {
    /// The JSON bytes of the bucket.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a bucket serializes")
    }

    /// Reads bucket `bucket` of `buckets`, checking that each id belongs to it and that each
    /// location exists: an item index below `n_items`, a GNN shard of the manifest and a row
    /// within it (`shard_items[s]` items in shard `s`).
    pub fn from_bytes(
        bytes: &[u8],
        bucket: usize,
        buckets: usize,
        n_items: usize,
        shard_items: &[usize],
    ) -> Result<Self, ContentError> {
        let parsed: Self = serde_json::from_slice(bytes).map_err(ContentError::Json)?;
        if parsed.bucket as usize != bucket {
            return Err(ContentError::Directory(format!(
                "holds bucket {}, expected {bucket}",
                parsed.bucket
            )));
        }
        if let Some(entry) = parsed.entries.iter().find(|e| bucket_of(&e.id, buckets) != bucket) {
            return Err(ContentError::Directory(format!("id {:?} belongs to another bucket", entry.id)));
        }
        let outside = |l: &Location| {
            l.index as usize >= n_items
                || shard_items.get(l.shard as usize).is_none_or(|&rows| l.row as usize >= rows)
        };
        if let Some(entry) = parsed.entries.iter().find(|e| outside(&e.location)) {
            let Location { index, shard, row } = entry.location;
            return Err(ContentError::Directory(format!(
                "id {:?} points at item {index}, shard {shard}, row {row}, which the bundle does not have",
                entry.id
            )));
        }
        Ok(parsed)
    }

    /// Where `id` lives, if it is in this bucket.
    pub fn find(&self, id: &str) -> Option<Location> {
        self.entries.iter().find(|entry| entry.id == id).map(|entry| entry.location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_outside_the_bundle_are_refused() {
        let bucket = |location: (u32, u32, u32)| {
            let entries = vec![DirectoryEntry::from(("a".to_string(), location.0, location.1, location.2))];
            DirectoryBucket { bucket: 0, entries }.to_bytes()
        };
        // Two shards of 3 and 2 rows, 5 items.
        let read = |bytes: &[u8]| DirectoryBucket::from_bytes(bytes, 0, 1, 5, &[3, 2]);
        assert!(read(&bucket((4, 1, 1))).is_ok());
        for bad in [(5, 0, 0), (0, 2, 0), (0, 1, 2), (0, u32::MAX, 0)] {
            let error = read(&bucket(bad)).unwrap_err();
            assert!(
                matches!(&error, ContentError::Directory(m) if m.contains("does not have")),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn buckets_follow_fnv1a_and_reject_foreign_ids() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        assert_eq!(bucket_of("a", usize::MAX), (0xaf63dc4c8601ec8c_u64 % usize::MAX as u64) as usize);
        let buckets = 7;
        let ids: Vec<String> = (0..50).map(|i| format!("item-{i}")).collect();
        let bucket = bucket_of(&ids[0], buckets);
        let mine: Vec<_> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| bucket_of(id, buckets) == bucket)
            .map(|(i, id)| DirectoryEntry::from((id.clone(), i as u32, 0, i as u32)))
            .collect();
        let file = DirectoryBucket { bucket: bucket as u32, entries: mine }.to_bytes();
        assert!(String::from_utf8_lossy(&file).contains(r#"["item-0",0,0,0]"#), "entries are arrays");
        let read = DirectoryBucket::from_bytes(&file, bucket, buckets, 50, &[50]).unwrap();
        assert_eq!(read.find(&ids[0]), Some(Location { index: 0, shard: 0, row: 0 }));
        assert!(matches!(
            DirectoryBucket::from_bytes(&file, (bucket + 1) % buckets, buckets, 50, &[50]),
            Err(ContentError::Directory(_))
        ));
        let foreign = ids.iter().find(|id| bucket_of(id, buckets) != bucket).unwrap();
        let entries = vec![DirectoryEntry::from((foreign.clone(), 1, 0, 1))];
        let bad = DirectoryBucket { bucket: bucket as u32, entries }.to_bytes();
        assert!(
            matches!(DirectoryBucket::from_bytes(&bad, bucket, buckets, 50, &[50]), Err(ContentError::Directory(m)) if m.contains(foreign))
        );
    }
}
