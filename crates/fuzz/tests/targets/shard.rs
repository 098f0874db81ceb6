//! The shard reader on edited GNN and text shards of the frozen v2 bundle: a shard it
//! accepts has one row of every tensor per item.

use bolero::check;
use gnnrec_bundle::{ShardContent, ShardedManifest};
use gnnrec_fuzz::{Edit, Tally, fixture};

#[test]
fn shard() {
    let bundle = "v2-lightgcn";
    let manifest = ShardedManifest::parse(&fixture::stored(bundle, "manifest.json")).unwrap();
    let (n, d, k) = (manifest.model.n_items, manifest.model.dim, manifest.text.as_ref().map(|t| t.dim));
    let gnn = manifest.gnn_shards.iter().map(|s| (s, None));
    let text = manifest.text_shards.iter().map(|s| (s, k));
    let seeds: Vec<(Vec<u8>, Option<usize>)> =
        gnn.chain(text).map(|(s, k)| (fixture::content(bundle, &s.path, &s.file), k)).collect();
    let tally = Tally::new("shard");
    check!().with_type::<(u8, Edit)>().with_test_time(super::CI_TIME).for_each(|(seed, edit)| {
        let (content, text_dim) = &seeds[usize::from(*seed) % seeds.len()];
        let shard = ShardContent::from_bytes(&edit.apply(content), n, d, *text_dim);
        tally.count(shard.is_ok());
        let Ok(shard) = shard else { return };
        let m = shard.index.len();
        assert!(shard.index.windows(2).all(|w| w[0] < w[1]) && shard.index.iter().all(|&i| (i as usize) < n));
        assert_eq!((shard.items.len(), shard.popularity.len(), shard.gnn.scales.len()), (m, m, m));
        assert_eq!(shard.gnn.values.len(), m * d);
        assert_eq!(shard.text.map(|t| t.len()), text_dim.map(|k| m * k));
    });
}
