//! Sharded (v2) bundles: written from a v1 bundle, read shard by shard, and every kind of
//! bad input the sharded-bundle issue names.

use std::path::Path;

use gnnrec_bundle::{
    BundleError, ContentError, ManifestError, ProbeConfig, ShardedManifest, V1Content, Versions, file_names,
    listed_files, parse_manifest, read_file, sha256_hex,
};
use gnnrec_export::{ShardConfig, write_sharded};
use gnnrec_ranking::{HistoryEvent, LoadedBundle, Ranked, ShardedRanker};

mod common;

use common::*;

fn recommend(
    ranker: &mut ShardedRanker,
    dir: &Path,
    history: &[HistoryEvent],
    k: usize,
) -> (Ranked, Vec<String>) {
    ranker.complete(|r| r.recommend(history, k), |path| read_file(dir, path)).unwrap()
}

fn manifest(dir: &Path) -> ShardedManifest {
    ShardedManifest::parse(&std::fs::read(dir.join(file_names::MANIFEST)).unwrap()).unwrap()
}

fn histories() -> Vec<Vec<HistoryEvent>> {
    vec![
        vec![like("m1", 0.0), like("m5", 1.0), like("m9", 2.0)],
        vec![like("m2", 3.0), like("m40", 1.0), like("nope", 0.0)],
        vec![like("m7", 0.0)],
        vec![like("m0", 0.0), like("m1", 0.0), like("m2", 0.0), like("m3", 5.0)],
    ]
}

#[test]
fn probing_every_shard_gives_the_unsharded_answer() {
    for head in [None, Some(wave_head())] {
        let dir = tempfile::tempdir().unwrap();
        let v2 = sharded(dir.path(), head.clone(), 600);
        let v1 = LoadedBundle::read_dir(&dir.path().join("v1")).unwrap().ranker;
        let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
        let shards = ranker.manifest().gnn_shards.len();
        assert!(shards >= 4, "{shards} shards");
        ranker.set_gnn_probe(shards);
        ranker.set_probe_budget(None);
        for history in histories() {
            let expected = v1.recommend(&history, 10).unwrap();
            let (got, _) = recommend(&mut ranker, &v2, &history, 10);
            let ids = |r: &Ranked| r.results.iter().map(|x| (x.id.clone(), x.score)).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&expected), "head {:?}", head.is_some());
            assert_eq!(got.ignored_history, expected.ignored_history);
            assert!(got.notices.is_empty(), "{:?}", got.notices);
        }
    }
}

#[test]
fn probing_a_few_shards_stays_in_the_history_topic_and_fetches_a_few_shards() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    // The fixture is tiny (a dozen shards): probe fewer than the default 12.
    ranker.set_gnn_probe(4);
    let m = ranker.manifest().clone();
    assert!(m.gnn_shards.len() > 2 * m.probe.gnn, "{} shards", m.gnn_shards.len());
    let history = [like("m1", 0.0), like("m5", 1.0), like("m9", 2.0)];
    let (ranked, fetched) = recommend(&mut ranker, &v2, &history, 10);
    assert_eq!(ranked.results.len(), 10);
    assert!(ranked.results.iter().all(|r| r.subtitle == "topic 1"), "{:?}", ranked.results);
    let shards = fetched.iter().filter(|p| p.starts_with("shards/")).count();
    assert!(shards <= m.probe.gnn + 3, "{fetched:?}");
    // Asked again, everything is resident: nothing is fetched.
    let (again, fetched) = recommend(&mut ranker, &v2, &history, 10);
    assert_eq!((again, fetched.len()), (ranked, 0));
}

#[test]
fn without_a_known_history_the_core_answers_alone() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let v1 = LoadedBundle::read_dir(&dir.path().join("v1")).unwrap().ranker;
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    for history in [vec![], vec![like("unknown", 0.0)]] {
        let (ranked, fetched) = recommend(&mut ranker, &v2, &history, 5);
        assert_eq!(ranked, v1.recommend(&history, 5).unwrap());
        assert!(fetched.iter().all(|p| p.starts_with("directory/")), "{fetched:?}");
    }
    assert_eq!(ranker.recommend(&[], 0), Err(gnnrec_ranking::RankError::ZeroK));
}

#[test]
fn missing_truncated_and_corrupt_shards_are_named_and_the_rest_answers() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let history = [like("m1", 0.0), like("m5", 1.0), like("m9", 2.0)];
    // Which shards this request reads, from an undamaged copy.
    let (_, fetched) = recommend(&mut ShardedRanker::read_dir(&v2).unwrap(), &v2, &history, 10);
    let shards: Vec<&String> = fetched.iter().filter(|p| p.starts_with("shards/")).collect();
    assert!(shards.len() >= 4, "{fetched:?}");
    std::fs::remove_file(v2.join(shards[1])).unwrap();
    let bytes = std::fs::read(v2.join(shards[2])).unwrap();
    std::fs::write(v2.join(shards[2]), &bytes[..bytes.len() / 2]).unwrap();
    let mut corrupt = std::fs::read(v2.join(shards[3])).unwrap();
    corrupt[10] ^= 0xff;
    std::fs::write(v2.join(shards[3]), corrupt).unwrap();

    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    let (ranked, _) = recommend(&mut ranker, &v2, &history, 10);
    assert!(!ranked.results.is_empty(), "the other shards still answer");
    let notice = |path: &str, why: &str| ranked.notices.iter().any(|n| n.contains(path) && n.contains(why));
    assert!(notice(shards[1], "missing"), "{:?}", ranked.notices);
    assert!(notice(shards[2], "truncated"), "{:?}", ranked.notices);
    assert!(notice(shards[3], "corrupted"), "{:?}", ranked.notices);
    // Offline with an uncached shard: the same, with the caller's reason.
    let mut offline = ShardedRanker::read_dir(&v2).unwrap();
    let (ranked, _) = offline
        .complete(
            |r| r.recommend(&history, 10),
            |path| match path == shards[0] {
                true => Err(BundleError::Missing { file: format!("{path} (offline, not cached)") }),
                false => read_file(&v2, path),
            },
        )
        .unwrap();
    assert!(
        ranked.notices.iter().any(|n| n.contains(shards[0]) && n.contains("offline")),
        "{:?}",
        ranked.notices
    );
    // Back online (or the shard stored since): the next request asks for it again.
    let (ranked, fetched) = recommend(&mut offline, &v2, &history, 10);
    assert!(fetched.contains(shards[0]), "{fetched:?}");
    assert!(!ranked.notices.iter().any(|n| n.contains(shards[0])), "{:?}", ranked.notices);
}

#[test]
fn versions_listings_and_foreign_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let path = v2.join(file_names::MANIFEST);
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = original.clone();
        edit(&mut value);
        serde_json::to_vec(&value).unwrap()
    };
    let v3 = with(&|m| m["version"] = 3.into());
    assert!(matches!(ShardedManifest::parse(&v3), Err(BundleError::Version { found: 3, supported: 2, .. })));
    let v2_bytes = std::fs::read(&path).unwrap();
    assert!(matches!(parse_manifest(&v2_bytes), Err(BundleError::Version { found: 2, supported: 1, .. })));

    // Shards that do not add up to the catalogue, then a shard listed with another item count
    // than its file holds (one more, and one less in the next shard).
    let too_many = with(&|m| m["gnn_shards"][0]["items"] = 999.into());
    let error = ShardedManifest::parse(&too_many).unwrap_err();
    assert!(matches!(error, BundleError::Manifest { error: ManifestError::ItemTotal { .. }, .. }), "{error}");
    let shard = original["gnn_shards"][0]["path"].as_str().unwrap().to_string();
    let items = |s: usize| original["gnn_shards"][s]["items"].as_u64().unwrap();
    std::fs::write(
        &path,
        with(&|m| {
            m["gnn_shards"][0]["items"] = (items(0) + 1).into();
            m["gnn_shards"][1]["items"] = (items(1) - 1).into();
        }),
    )
    .unwrap();
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    let stored = std::fs::read(v2.join(&shard)).unwrap();
    let error = ranker.add_file(&shard, &stored).unwrap_err();
    let expected = items(0) as usize + 1;
    assert!(
        matches!(&error, BundleError::Content { file, error: ContentError::ItemCount { expected: e, .. } } if *file == shard && *e == expected),
        "{error}"
    );
    // A file the manifest does not list, and a path listed twice.
    let error = ranker.add_file("shards/g-0000.st.gz", &stored).unwrap_err();
    assert!(matches!(error, BundleError::Manifest { error: ManifestError::Unlisted { .. }, .. }), "{error}");
    std::fs::write(&path, with(&|m| m["gnn_shards"][1]["path"] = shard.clone().into())).unwrap();
    let error = ShardedRanker::read_dir(&v2).err().unwrap();
    assert!(matches!(error, BundleError::Manifest { error: ManifestError::Duplicate { .. }, .. }), "{error}");
}

#[test]
fn every_name_is_a_content_hash_and_a_re_export_keeps_the_versions_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let first = manifest(&v2);
    for entry in first.gnn_shards.iter().chain(&first.text_shards).chain(&first.directory) {
        let stored = std::fs::read(v2.join(&entry.path)).unwrap();
        assert_eq!(sha256_hex(&stored), entry.file.sha256);
        assert!(entry.path.contains(&entry.file.sha256[..16]), "{}", entry.path);
    }
    for (name, entry) in &first.core {
        let path = entry.stored_path(name);
        assert!(path.contains(&entry.sha256[..16]), "{path}");
        assert_eq!(sha256_hex(&std::fs::read(v2.join(path)).unwrap()), entry.sha256);
    }
    assert!(!first.text_shards.is_empty(), "the fixture has text: text shards are written");
    let files_of = |m: &ShardedManifest| -> std::collections::BTreeSet<String> {
        listed_files(&serde_json::to_vec(m).unwrap()).unwrap().into_iter().collect()
    };
    let on_disk = || -> std::collections::BTreeSet<String> {
        ["shards", "directory", "core", "encoder"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(v2.join(d))
                    .into_iter()
                    .flatten()
                    .map(move |f| format!("{d}/{}", f.unwrap().file_name().to_string_lossy()))
            })
            .collect()
    };
    // Re-exported with larger shards into the same folder: the first version's files stay
    // while it is among the versions kept, and go after.
    let (manifest_v1, files) = V1Content::read_stored(&dir.path().join("v1")).unwrap();
    let reexport = |shard_bytes, keep| {
        let versions = Versions::read(&v2).unwrap();
        let config = ShardConfig { shard_bytes: Some(shard_bytes), ..Default::default() };
        write_sharded(&manifest_v1, &files, &config, &v2).unwrap();
        versions.publish(&v2, keep).unwrap()
    };
    reexport(8_000, 2);
    let second = manifest(&v2);
    assert!(second.gnn_shards.len() < first.gnn_shards.len());
    let both: std::collections::BTreeSet<String> =
        files_of(&first).union(&files_of(&second)).cloned().collect();
    assert_eq!(on_disk(), both, "both versions' files, nothing else");
    reexport(8_000, 1);
    assert_eq!(on_disk(), files_of(&second), "the older version's files are gone");
    // The manifest's gzip copy (for hosts) is the manifest; a v1 export over it removes it.
    let gunzip = |path: &Path| {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()),
            &mut text,
        )
        .unwrap();
        text
    };
    let copy = v2.join("manifest.json.gz");
    assert_eq!(gunzip(&copy), std::fs::read_to_string(v2.join(file_names::MANIFEST)).unwrap());
    export(&v2, None, None);
    assert!(!copy.exists(), "a v1 export leaves no stale manifest copy");
}

#[test]
fn memory_stays_within_the_cap_between_requests() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    export(&v1, None, None);
    let (manifest_v1, files) = V1Content::read_stored(&v1).unwrap();
    let probe = ProbeConfig { gnn: 2, text: 2, memory_bytes: 6_000, max_bytes: None };
    let config = ShardConfig { shard_bytes: Some(600), probe, ..Default::default() };
    write_sharded(&manifest_v1, &files, &config, &v2).unwrap();
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    for history in histories() {
        let (ranked, _) = recommend(&mut ranker, &v2, &history, 5);
        assert_eq!(ranked.results.len(), 5);
        assert!(ranker.resident_bytes() <= 6_000, "{} bytes resident", ranker.resident_bytes());
    }
    // A request answers even when its shards alone exceed the cap (they are trimmed after).
    let mut tiny = ShardedRanker::read_dir(&v2).unwrap();
    let mut roomy = ShardedRanker::read_dir(&v2).unwrap();
    roomy.set_memory_cap(usize::MAX);
    tiny.set_memory_cap(1);
    for history in histories() {
        assert_eq!(recommend(&mut tiny, &v2, &history, 5).0, recommend(&mut roomy, &v2, &history, 5).0);
        assert_eq!(tiny.resident_bytes(), 0);
    }
}

#[test]
fn sharded_search_finds_the_query_topic_and_exact_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let v1 = LoadedBundle::read_dir(&dir.path().join("v1")).unwrap().ranker;
    let f = fixture();
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    let text_shards = ranker.manifest().text_shards.len();
    assert!(text_shards > ranker.manifest().probe.text, "{text_shards} text shards");

    // A topic-2 text query without history finds topic-2 items, cold ones included.
    let (ranked, _) = ranker.complete(|r| r.search(&f.text[2], &[], 20), |p| read_file(&v2, p)).unwrap();
    let topic2 = ranked.results.iter().filter(|r| r.subtitle == "topic 2").count();
    assert!(topic2 >= 18, "{topic2} of 20 results from the query's topic");
    let cold: Vec<u32> = (0..ITEMS as u32).filter(|i| !f.train.iter().flatten().any(|t| t == i)).collect();
    let (found, _) =
        ranker.complete(|r| r.search(&f.text[cold[0] as usize], &[], 10), |p| read_file(&v2, p)).unwrap();
    assert!(found.results.iter().any(|r| r.index == cold[0]), "cold item {} not found", cold[0]);
    // With history, liked items are not suggested again.
    let history = [like("m2", 0.0), like("m6", 1.0)];
    let (ranked, _) = ranker.complete(|r| r.search(&f.text[2], &history, 10), |p| read_file(&v2, p)).unwrap();
    assert!(ranked.results.iter().all(|r| r.id != "m2" && r.id != "m6"));

    // Probing every text shard, the text neighbours are exact search over the whole catalogue.
    ranker.set_text_probe(text_shards);
    ranker.set_probe_budget(None);
    let index = v1.text_index().unwrap();
    for item in [0u32, 17, 101, 239] {
        let point = index.point(item);
        let query: Vec<f32> = point.values().iter().map(|&v| f32::from(v)).collect();
        let (got, _) = ranker.complete(|r| Ok(r.text_neighbours(&query, 10)), |p| read_file(&v2, p)).unwrap();
        let exact: Vec<u32> = index.exact_search(point, 10).into_iter().map(|(i, _)| i).collect();
        assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), exact, "query item {item}");
    }
}
