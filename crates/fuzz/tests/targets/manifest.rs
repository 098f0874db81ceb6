//! The manifest readers (format v1 and v2) on edited manifests of the frozen bundles, and
//! what a reader derives from a manifest before any other file: the files to fetch, the
//! fold-in's column blocks, the shards within the probe budget (of any shards, nearest first).

use bolero::check;
use gnnrec_bundle::{CoreContent, ShardedManifest, V1Content, parse_manifest};
use gnnrec_fuzz::{Edit, Tally, fixture};

#[test]
fn manifest() {
    let seeds =
        [fixture::stored("v1-sage", "manifest.json"), fixture::stored("v2-lightgcn", "manifest.json")];
    let tally = Tally::new("manifest");
    check!().with_type::<(u8, Edit, Vec<u16>)>().with_test_time(super::CI_TIME).for_each(
        |(seed, edit, nearest)| {
            let bytes = edit.apply(&seeds[usize::from(*seed) % seeds.len()]);
            let (v1, v2) = (parse_manifest(&bytes), ShardedManifest::parse(&bytes));
            tally.count(v1.is_ok() || v2.is_ok());
            if let Ok(manifest) = v1 {
                V1Content::required_files(&manifest);
                let _ = manifest.ranking.fold_in.column_blocks(manifest.model.dim);
            }
            if let Ok(manifest) = v2 {
                CoreContent::required_files(&manifest);
                for shards in
                    [&manifest.gnn_shards, &manifest.text_shards].into_iter().filter(|s| !s.is_empty())
                {
                    let nearest: Vec<usize> =
                        nearest.iter().map(|&s| usize::from(s) % shards.len()).collect();
                    let kept = manifest.probe.within_budget(nearest.clone(), shards);
                    assert!(
                        kept.len() <= nearest.len() && nearest.starts_with(&kept),
                        "{kept:?} of {nearest:?}"
                    );
                }
            }
        },
    );
}
