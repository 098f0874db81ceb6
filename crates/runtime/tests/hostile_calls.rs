//! The browser runtime's calls with what a hostile or broken page can pass: garbage bundle
//! bytes, files that are not bytes, a `k` of zero or of any size (JavaScript's `-1` arrives as
//! `u32::MAX`, `NaN` as 0), query vectors of the wrong width or full of NaN, histories of
//! unknown, empty, repeated or huge ids with any timestamps, steps before their files arrived
//! and files handed over under any path. Every failure is a typed error, and a failed call
//! leaves the recommender usable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gnnrec_bundle::{BundleError, CoreContent, V1Content, read_file, read_listed};
use gnnrec_ranking::{HistoryEvent, RankError, Ranked, Step};
use gnnrec_runtime::v2::Sharded;
use gnnrec_runtime::{CallError, named_files, v1, v2};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles").join(name)
}

fn v1_files() -> (Vec<u8>, HashMap<String, Vec<u8>>) {
    let dir = fixture("v1-sage");
    let manifest = read_file(&dir, "manifest.json").unwrap();
    let files = V1Content::read_stored(&dir).unwrap().1;
    (manifest, files)
}

fn v2_loaded() -> Sharded {
    let dir = fixture("v2-lightgcn");
    let manifest = read_file(&dir, "manifest.json").unwrap();
    let names = v2::required_files(&manifest).unwrap();
    let parsed = gnnrec_bundle::ShardedManifest::parse(&manifest).unwrap();
    assert_eq!(names, CoreContent::required_files(&parsed));
    let files = read_listed(&dir, &parsed.core, names.iter().map(String::as_str)).unwrap();
    Sharded::from(v2::load(&manifest, &files).unwrap())
}

/// Hands a step what it needs from the fixture until it answers.
fn complete(sharded: &Sharded, mut step: impl FnMut(&Sharded) -> Result<Step<Ranked>, CallError>) -> Ranked {
    sharded.begin_request();
    loop {
        match step(sharded).unwrap() {
            Step::Done(ranked) => return ranked,
            Step::Need(paths) => {
                for path in paths {
                    sharded.add_file(&path, &read_file(&fixture("v2-lightgcn"), &path).unwrap()).unwrap();
                }
            }
        }
    }
}

fn event(id: &str, timestamp_ms: f64) -> HistoryEvent {
    HistoryEvent { id: id.into(), timestamp_ms }
}

#[test]
fn garbage_bundle_bytes_are_typed_errors() {
    for garbage in [
        &b""[..],
        b"{",
        b"null",
        b"[]",
        &[0xff; 64],
        br#"{"format":"gnnrec-bundle","version":1e300}"#,
        br#"{"format":"gnnrec-bundle","version":4294967297}"#,
    ] {
        for files in [v1::required_files(garbage), v2::required_files(garbage)] {
            let error = files.unwrap_err();
            assert!(
                matches!(
                    error,
                    CallError::Bundle(BundleError::Manifest { .. } | BundleError::Version { .. })
                ),
                "{error}"
            );
        }
        assert!(v1::load(garbage, &HashMap::new()).is_err());
        assert!(v2::load(garbage, &HashMap::new()).is_err());
    }
    let (manifest, mut files) = v1_files();
    assert!(matches!(
        v1::load(&manifest, &HashMap::new()),
        Err(CallError::Bundle(BundleError::Missing { .. }))
    ));
    let tensors = files.get_mut("tensors.safetensors.gz").unwrap();
    tensors.iter_mut().for_each(|b| *b = !*b);
    let error = v1::load(&manifest, &files).err().unwrap().to_string();
    assert!(error.contains("tensors.safetensors.gz"), "{error}");
    // A v2 manifest is not a v1 one, nor the reverse.
    let v2_manifest = read_file(&fixture("v2-lightgcn"), "manifest.json").unwrap();
    assert!(v1::required_files(&v2_manifest).is_err() && v2::required_files(&manifest).is_err());
}

#[test]
fn files_that_are_not_bytes_or_do_not_pair_up_are_named() {
    let names = vec!["a".to_string(), "b".to_string()];
    let error = named_files(names.clone(), vec![Some(vec![1])]).unwrap_err();
    assert_eq!(error.to_string(), "2 file names but 1 file contents");
    let error = named_files(names.clone(), vec![Some(vec![1]), None]).unwrap_err();
    assert!(matches!(&error, CallError::NotBytes { file } if file == "b"), "{error}");
    assert_eq!(named_files(names, vec![Some(vec![1]), Some(vec![])]).unwrap()["b"], Vec::<u8>::new());
}

#[test]
fn any_k_any_vector_any_history_gives_a_typed_error_or_at_most_k_items() {
    let (manifest, files) = v1_files();
    let bundle = v1::load(&manifest, &files).unwrap();
    let ranker = &bundle.ranker;
    let n = ranker.items().len();
    let width = bundle.manifest.text.as_ref().unwrap().encoder_dim;
    let known = ranker.items()[0].id.clone();
    let huge = "x".repeat(1 << 20);
    let histories = [
        vec![],
        vec![event(&known, f64::NAN), event(&known, f64::INFINITY), event(&known, -1e308)],
        vec![event("", 0.0), event(&huge, 0.0), event("\u{0}", f64::NEG_INFINITY)],
        (0..2000).map(|i| event(&ranker.items()[i % n].id, i as f64)).collect(),
    ];
    let vectors =
        [vec![0.0; width], vec![f32::NAN; width], vec![f32::MAX; width], vec![f32::INFINITY; width]];
    for history in &histories {
        for k in [1, 7, u32::MAX as usize, usize::MAX] {
            let ranked = ranker.recommend(history, k).unwrap();
            assert!(ranked.results.len() <= k.min(n));
            for vector in &vectors {
                let ranked = ranker.search(vector, history, k).unwrap();
                assert!(
                    ranked.results.len() <= k.min(n) && ranked.results.iter().all(|r| (r.index as usize) < n)
                );
            }
        }
        assert_eq!(ranker.recommend(history, 0).unwrap_err(), RankError::ZeroK);
        for wrong in [vec![], vec![0.0; width - 1], vec![0.0; width + 1]] {
            let error = ranker.search(&wrong, history, 5).unwrap_err();
            assert!(matches!(error, RankError::QueryWidth { .. }), "{error}");
        }
    }
    let unknown = ranker.recommend(&[event("", 0.0), event(&huge, 0.0)], 3).unwrap();
    assert_eq!(unknown.ignored_history.len(), 2);
}

#[test]
fn steps_before_their_files_ask_for_them_and_foreign_files_are_refused() {
    let sharded = v2_loaded();
    let history = [event("m1", f64::NAN), event("m1", 0.0), event("nope", 1.0)];
    let Step::Need(paths) = sharded.recommend_step(&history, 5).unwrap() else {
        panic!("nothing fetched yet")
    };
    assert!(!paths.is_empty());
    let unlisted = sharded.add_file("../manifest.json", b"{}").unwrap_err();
    assert!(matches!(unlisted, CallError::Bundle(BundleError::Manifest { .. })), "{unlisted}");
    let wrong = sharded.add_file(&paths[0], b"not the file").unwrap_err();
    assert!(matches!(wrong, CallError::Bundle(BundleError::Size { .. })), "{wrong}");
    sharded.mark_unavailable("not a path", String::new());
    let ranked = complete(&sharded, |s| s.recommend_step(&history, u32::MAX as usize));
    assert!(ranked.results.len() <= sharded.item_count());
    assert_eq!(ranked.ignored_history, ["nope"]);
}

#[test]
fn a_failed_call_leaves_the_recommender_usable() {
    let sharded = v2_loaded();
    let width = 384;
    for _ in 0..3 {
        assert!(matches!(sharded.recommend_step(&[], 0), Err(CallError::Rank(RankError::ZeroK))));
        assert!(sharded.search_step(&[f32::NAN; 3], &[], 5).is_err());
        assert!(sharded.add_file("nowhere", &[]).is_err());
        let ranked = complete(&sharded, |s| s.search_step(&vec![f32::NAN; width], &[], usize::MAX));
        assert!(ranked.results.len() <= sharded.item_count());
        let ranked = complete(&sharded, |s| s.recommend_step(&[event("m1", 0.0)], 3));
        assert!(!ranked.results.is_empty() && ranked.results.len() <= 3);
    }
    assert!(sharded.resident_bytes() > 0);
    assert!(sharded.shard_files().iter().all(|path| read_file(&fixture("v2-lightgcn"), path).is_ok()));
}

#[test]
fn any_privacy_mode_name_and_seed_gives_a_mode_or_a_typed_error() {
    let sharded = v2_loaded();
    for (name, expected) in [("", "strict"), ("auto", "strict"), ("off", "off"), ("balanced", "balanced")] {
        assert_eq!(sharded.set_privacy(name, &[]).unwrap(), expected, "{name:?}");
    }
    for name in ["Strict", "none", "strict ", "\u{0}", &"x".repeat(100_000)] {
        let error = sharded.set_privacy(name, b"seed").unwrap_err().to_string();
        assert!(error.contains("expected strict, balanced or off"), "{error}");
    }
    // The last good mode is still in force and the recommender answers.
    let huge_seed = vec![7u8; 1 << 20];
    assert_eq!(sharded.set_privacy("balanced", &huge_seed).unwrap(), "balanced");
    assert!(!complete(&sharded, |s| s.recommend_step(&[event("m1", 0.0)], 5)).results.is_empty());
    assert_eq!(sharded.shard_files().len(), {
        let (t, g, d) = (3, 1, 1); // the frozen v2 fixture: 3 text shards, 1 GNN shard, 1 bucket
        t + g + d
    });
}
