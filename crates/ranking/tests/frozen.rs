//! Bundles written by earlier versions of the exporter, kept as they were written
//! (tests/fixtures/bundles, see tests/fixtures/README.md), still load and answer as they did:
//! a v1 bundle with an MLP head and text, the same with a manifest from before the fold-in's
//! gradient fields were removed, and a sharded v2 bundle.

use std::path::{Path, PathBuf};

use gnnrec_bundle::read_file;
use gnnrec_ranking::{HistoryEvent, LoadedBundle, Ranked, ShardedRanker};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles").join(name)
}

fn history() -> Vec<HistoryEvent> {
    ["m1", "m5", "m9"].iter().map(|id| HistoryEvent { id: (*id).into(), timestamp_ms: 0.0 }).collect()
}

fn ids(ranked: &Ranked) -> Vec<&str> {
    ranked.results.iter().map(|r| r.id.as_str()).collect()
}

/// A query embedding pointing at topic 2 of the fixture's text (every fourth dimension).
fn topic_two() -> Vec<f32> {
    (0..384).map(|j| if j % 4 == 2 { 1.0 } else { 0.0 }).collect()
}

#[test]
fn a_v1_bundle_and_one_with_the_old_fold_in_fields_answer_as_written() {
    for name in ["v1-sage", "v1-sage-old-fold-in"] {
        let bundle = LoadedBundle::read_dir(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(bundle.manifest.model.kind, "sage");
        let ranked = bundle.ranker.recommend(&history(), 5).unwrap();
        assert_eq!(ids(&ranked), ["m12", "m109", "m216", "m200", "m24"], "{name}");
        let found = bundle.ranker.search(&topic_two(), &[], 5).unwrap();
        assert!(found.results.iter().all(|r| r.subtitle == "topic 2"), "{name}: {:?}", ids(&found));
    }
}

#[test]
fn a_sharded_bundle_answers_as_written() {
    let dir = fixture("v2-lightgcn");
    let mut ranker = ShardedRanker::read_dir(&dir).unwrap();
    let (ranked, fetched) =
        ranker.complete(|r| r.recommend(&history(), 5), |path| read_file(&dir, path)).unwrap();
    assert_eq!(ids(&ranked), ["m153", "m117", "m37", "m161", "m45"]);
    assert!(!fetched.is_empty() && ranked.notices.is_empty(), "{fetched:?} {:?}", ranked.notices);
    let (found, _) =
        ranker.complete(|r| r.search(&topic_two(), &[], 5), |path| read_file(&dir, path)).unwrap();
    assert!(found.results.iter().all(|r| r.subtitle == "topic 2"), "{:?}", ids(&found));
}
