//! Correctly checksummed files with contents that would index out of range (a bundle built
//! wrong, or altered and signed again) are refused by name, and the request goes on without
//! them: nothing panics. And a `k` of any size is clamped.

use std::io::{Read, Write};
use std::path::Path;

use gnnrec_bundle::stored::store;
use gnnrec_bundle::{
    CoreContent, ShardedManifest, core_files, read_file, read_listed, sha256_hex, verify_file,
};
use gnnrec_ranking::{HistoryEvent, ShardedRanker};

/// A copy of the frozen v2 fixture whose first directory bucket's first entry points at GNN
/// shard 99 (there is one), re-signed in the manifest; returns the entry's id.
fn altered(dir: &Path) -> String {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles/v2-lightgcn");
    for entry in walk(&source) {
        let target = dir.join(entry.strip_prefix(&source).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, target).unwrap();
    }
    let mut manifest = ShardedManifest::parse(&read_file(dir, "manifest.json").unwrap()).unwrap();
    let bucket = &mut manifest.directory[0];
    let mut json = String::new();
    flate2::read::GzDecoder::new(&read_file(dir, &bucket.path).unwrap()[..])
        .read_to_string(&mut json)
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id = value["entries"][0][0].as_str().unwrap().to_owned();
    value["entries"][0][2] = 99.into();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&serde_json::to_vec(&value).unwrap()).unwrap();
    let stored = gz.finish().unwrap();
    std::fs::write(dir.join(&bucket.path), &stored).unwrap();
    bucket.file.bytes = stored.len() as u64;
    bucket.file.sha256 = sha256_hex(&stored);
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    id
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
        .collect()
}

#[test]
fn a_directory_entry_outside_the_bundle_is_refused_and_the_request_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let id = altered(dir.path());
    let mut ranker = ShardedRanker::read_dir(dir.path()).unwrap();
    let history = [HistoryEvent { id: id.clone(), timestamp_ms: 0.0 }];
    let (ranked, _) =
        ranker.complete(|r| r.recommend(&history, 5), |path| read_file(dir.path(), path)).unwrap();
    assert!(
        ranked.notices.iter().any(|n| n.contains("which the bundle does not have") && n.contains(&id)),
        "{:?}",
        ranked.notices
    );
}

#[test]
fn a_huge_k_is_clamped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles/v2-lightgcn");
    let mut ranker = ShardedRanker::read_dir(&dir).unwrap();
    let history = [HistoryEvent { id: "m1".into(), timestamp_ms: 0.0 }];
    let (ranked, _) =
        ranker.complete(|r| r.recommend(&history, 1_000_000_000), |path| read_file(&dir, path)).unwrap();
    assert!(!ranked.results.is_empty() && ranked.results.len() < 240, "{}", ranked.results.len());
    let (popular, _) =
        ranker.complete(|r| r.recommend(&[], usize::MAX), |path| read_file(&dir, path)).unwrap();
    assert!(popular.results.len() <= 240);
}

#[test]
fn a_popular_item_outside_the_catalogue_is_refused_by_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles/v2-lightgcn");
    let mut manifest = ShardedManifest::parse(&read_file(&dir, "manifest.json").unwrap()).unwrap();
    let mut files = read_listed(&dir, &manifest.core, CoreContent::required_files(&manifest)).unwrap();
    let entry = manifest.core.get_mut(core_files::POPULAR).unwrap();
    let mut popular: serde_json::Value =
        serde_json::from_slice(&verify_file("popular", entry, &files[core_files::POPULAR]).unwrap()).unwrap();
    popular[0]["index"] = manifest.model.n_items.into();
    let (stored, signed) = store(&serde_json::to_vec(&popular).unwrap(), true);
    *entry = signed;
    files.insert(core_files::POPULAR.into(), stored);
    let error = ShardedRanker::new(manifest, &files).err().expect("an item the catalogue does not have");
    assert!(error.to_string().starts_with("core/popular.json.gz: popular item"), "{error}");
}
