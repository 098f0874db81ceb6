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

/// One bucket file: `{"bucket": b, "entries": [[id, index, shard, row], …]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryBucket {
    /// The bucket number.
    pub bucket: u32,
    /// Its ids and where they live.
    pub entries: Vec<(String, u32, u32, u32)>,
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

    /// Reads bucket `bucket` of `buckets`, checking that each id belongs to it.
    pub fn from_bytes(bytes: &[u8], bucket: usize, buckets: usize) -> Result<Self, ContentError> {
        let parsed: Self = serde_json::from_slice(bytes).map_err(ContentError::Json)?;
        if parsed.bucket as usize != bucket {
            return Err(ContentError::Directory(format!(
                "holds bucket {}, expected {bucket}",
                parsed.bucket
            )));
        }
        if let Some((id, ..)) = parsed.entries.iter().find(|(id, ..)| bucket_of(id, buckets) != bucket) {
            return Err(ContentError::Directory(format!("id {id:?} belongs to another bucket")));
        }
        Ok(parsed)
    }

    /// Where `id` lives, if it is in this bucket.
    pub fn find(&self, id: &str) -> Option<Location> {
        self.entries.iter().find(|(entry, ..)| entry == id).map(|&(_, index, shard, row)| Location {
            index,
            shard,
            row,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            .map(|(i, id)| (id.clone(), i as u32, 0, i as u32))
            .collect();
        let file = DirectoryBucket { bucket: bucket as u32, entries: mine }.to_bytes();
        let read = DirectoryBucket::from_bytes(&file, bucket, buckets).unwrap();
        assert_eq!(read.find(&ids[0]), Some(Location { index: 0, shard: 0, row: 0 }));
        assert!(matches!(
            DirectoryBucket::from_bytes(&file, (bucket + 1) % buckets, buckets),
            Err(ContentError::Directory(_))
        ));
        let foreign = ids.iter().find(|id| bucket_of(id, buckets) != bucket).unwrap();
        let bad =
            DirectoryBucket { bucket: bucket as u32, entries: vec![(foreign.clone(), 1, 0, 1)] }.to_bytes();
        assert!(
            matches!(DirectoryBucket::from_bytes(&bad, bucket, buckets), Err(ContentError::Directory(m)) if m.contains(foreign))
        );
    }
}
