//! The id directory of a v2 bundle and the core's popular items, gathered while the GNN
//! shards are planned.

use std::collections::HashMap;

use gnnrec_bundle::{
    BundleDir, DirectoryBucket, DirectoryEntry, Int8Matrix, Location, PopularItem, ShardEntry, bucket_of,
};

use super::catalogue::Catalogue;
use super::shards::put_hashed;
use crate::error::ExportError;

/// Ids per directory bucket (a history lookup fetches one bucket per id, a few KB each).
const IDS_PER_BUCKET: usize = 1024;

/// What the GNN shards tell the core: where each id is, and the popular items' vectors.
pub(super) struct Lookup {
    /// Directory buckets: `[id, index, gnn shard, row]`.
    pub directory: Vec<Vec<DirectoryEntry>>,
    /// Rank of each popular item, by catalogue-wide index.
    popular_rank: HashMap<u32, usize>,
    /// The popular items, by rank (filled as their parts are sharded).
    pub popular: Vec<Option<PopularItem>>,
    /// Their GNN vectors, by rank.
    pub popular_gnn: Int8Matrix,
}

impl Lookup {
    pub fn new(n: usize, dim: usize, popularity: &[u32], count: usize) -> Self {
        let popular_rank = popular_items(popularity, count);
        let m = popular_rank.len();
        Self {
            directory: vec![Vec::new(); n.div_ceil(IDS_PER_BUCKET).max(1)],
            popular_rank,
            popular: vec![None; m],
            popular_gnn: Int8Matrix { rows: m, dim, values: vec![0; m * dim], scales: vec![0.0; m] },
        }
    }

    /// Records the GNN shards `groups` of one part, numbered from `first`.
    pub fn record(&mut self, catalogue: &Catalogue, groups: &[Vec<u32>], first: u32) {
        let (buckets, d) = (self.directory.len(), catalogue.gnn.dim);
        for (s, rows) in groups.iter().enumerate() {
            for (row, &r) in rows.iter().enumerate() {
                let item = catalogue.row(r as usize);
                let index = catalogue.index[r as usize];
                let location = Location { index, shard: first + s as u32, row: row as u32 };
                let entry = DirectoryEntry { id: item.meta.id.clone(), location };
                self.directory[bucket_of(&item.meta.id, buckets)].push(entry);
                if let Some(&rank) = self.popular_rank.get(&index) {
                    self.popular_gnn.values[rank * d..(rank + 1) * d].copy_from_slice(item.gnn);
                    self.popular_gnn.scales[rank] = item.scale;
                    self.popular[rank] =
                        Some(PopularItem { index, popularity: item.popularity, meta: item.meta.clone() });
                }
            }
        }
    }
}

/// Writes the id directory: bucket `b` lists `[id, index, gnn shard, row]` for its ids; an id
/// given to two items is refused.
pub(super) fn write_directory(
    out: &mut BundleDir,
    buckets: Vec<Vec<DirectoryEntry>>,
) -> Result<Vec<ShardEntry>, ExportError> {
    buckets
        .into_iter()
        .enumerate()
        .map(|(b, mut list)| {
            // Equal ids share a bucket: sorted by id, a repeat is adjacent.
            list.sort_by(|x, y| x.id.cmp(&y.id).then(x.location.index.cmp(&y.location.index)));
            if let Some(pair) = list.windows(2).find(|w| w[0].id == w[1].id) {
                let (id, first, second) = (&pair[0].id, pair[0].location.index, pair[1].location.index);
                return Err(ExportError::Input(format!(
                    "item id {id:?} appears twice (items {first} and {second})"
                )));
            }
            list.sort_by_key(|e| e.location.index);
            let count = list.len();
            let bytes = DirectoryBucket { bucket: b as u32, entries: list }.to_bytes();
            let (path, file) = put_hashed(out, "directory/", ".json.gz", &bytes)?;
            Ok(ShardEntry { path, items: count, label: String::new(), file })
        })
        .collect()
}

/// The `count` most popular items' indices (ties: lower index first), mapped to their rank.
fn popular_items(popularity: &[u32], count: usize) -> HashMap<u32, usize> {
    let mut order: Vec<u32> = (0..popularity.len() as u32).collect();
    let count = count.min(order.len());
    if count > 0 {
        order.select_nth_unstable_by(count - 1, |&a, &b| {
            popularity[b as usize].cmp(&popularity[a as usize]).then(a.cmp(&b))
        });
    }
    order.truncate(count);
    order.sort_by(|&a, &b| popularity[b as usize].cmp(&popularity[a as usize]).then(a.cmp(&b)));
    order.into_iter().enumerate().map(|(rank, i)| (i, rank)).collect()
}
