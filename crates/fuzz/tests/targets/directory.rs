//! The directory bucket reader on edited buckets of the frozen v2 bundle: a bucket it
//! accepts only points at items, shards and rows the bundle has.

use bolero::check;
use gnnrec_bundle::{DirectoryBucket, ShardedManifest};
use gnnrec_fuzz::{Edit, Tally, fixture};

#[test]
fn directory() {
    let bundle = "v2-lightgcn";
    let manifest = ShardedManifest::parse(&fixture::stored(bundle, "manifest.json")).unwrap();
    let entry = &manifest.directory[0];
    let seed = fixture::content(bundle, &entry.path, &entry.file);
    let shard_items: Vec<usize> = manifest.gnn_shards.iter().map(|s| s.items).collect();
    let (buckets, n_items) = (manifest.directory.len(), manifest.model.n_items);
    let tally = Tally::new("directory");
    check!().with_type::<(Edit, String)>().with_test_time(super::CI_TIME).for_each(|(edit, id)| {
        let read = DirectoryBucket::from_bytes(&edit.apply(&seed), 0, buckets, n_items, &shard_items);
        tally.count(read.is_ok());
        let Ok(read) = read else { return };
        for entry in &read.entries {
            let location = entry.location;
            assert!((location.index as usize) < n_items, "{entry:?}");
            assert!((location.row as usize) < shard_items[location.shard as usize], "{entry:?}");
        }
        read.find(id);
    });
}
