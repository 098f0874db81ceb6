//! A bundle written by the exporter and read by the ranking crate: round trip, ranking
//! behaviour, and every kind of bad input named in the bundle issue.

use std::path::Path;

use gnnrec_bundle::{
    BundleError, ContentError, FileEntry, FoldInBlock, FoldInConfig, IndexError, ManifestError, TensorError,
    file_names, parse_manifest, stored, tensor_names,
};
use gnnrec_export::{ExportConfig, ExportError, ExportInput, write_bundle};
use gnnrec_ranking::{LoadedBundle, RankError, Ranker, Why};

mod common;

use common::*;

#[test]
fn round_trip_recommend_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let f = export(&out, None, None);
    let bundle = LoadedBundle::read_dir(&out).unwrap();
    let ranker = &bundle.ranker;
    assert_eq!(ranker.items(), f.items.as_slice(), "metadata (including markup) survives verbatim");
    let encoder = bundle.encoder.as_ref().unwrap();
    assert_eq!(encoder.tokenizer, b"{\"t\": 1}", "gzip files come back decompressed");

    // History of topic-1 items → recommendations from topic 1, none of the history.
    let history = [like("m1", 0.0), like("m5", 1.0), like("m9", 2.0), like("nope", 3.0)];
    let ranked = ranker.recommend(&history, 10).unwrap();
    assert_eq!(ranked.ignored_history, vec!["nope".to_string()]);
    assert_eq!(ranked.results.len(), 10);
    for r in &ranked.results {
        assert!(!["m1", "m5", "m9"].contains(&r.id.as_str()), "{} was already liked", r.id);
        assert_eq!(r.subtitle, "topic 1", "{r:?}");
        assert!(matches!(&r.because, Why::Liked { id, .. } if ["m1", "m5", "m9"].contains(&id.as_str())));
        assert!(r.why.starts_with("because you liked Item "));
    }

    // A topic-2 text query without history finds topic-2 items, cold ones included.
    let query = &f.text[2];
    let ranked = ranker.search(query, &[], 20).unwrap();
    let topic2 = ranked.results.iter().filter(|r| r.subtitle == "topic 2").count();
    assert!(topic2 >= 18, "{topic2} of 20 results from the query's topic");
    let cold: Vec<u32> = (0..ITEMS as u32).filter(|i| !f.train.iter().flatten().any(|t| t == i)).collect();
    assert!(!cold.is_empty());
    let cold_query = &f.text[cold[0] as usize];
    let found = ranker.search(cold_query, &[], 10).unwrap();
    assert!(
        found.results.iter().any(|r| r.index == cold[0]),
        "cold item {} not found: {:?}",
        cold[0],
        found.results
    );
}

#[test]
fn empty_history_unknown_ids_and_bad_queries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let f = export(&out, None, None);
    let ranker = LoadedBundle::read_dir(&out).unwrap().ranker;
    let popular = ranker.recommend(&[], 5).unwrap();
    assert!(popular.results.iter().all(|r| r.because == Why::Popular));
    let only_unknown = ranker.recommend(&[like("x", 0.0), like("y", 0.0)], 5).unwrap();
    assert_eq!(only_unknown.ignored_history, vec!["x".to_string(), "y".to_string()]);
    assert_eq!(only_unknown.results, popular.results, "no known item: popular items");
    assert_eq!(ranker.recommend(&[], 0).unwrap_err(), RankError::ZeroK);

    assert_eq!(Ranker::prepare_query("   \n\t").unwrap_err(), RankError::EmptyQuery);
    let long = "a".repeat(10_000);
    assert_eq!(Ranker::prepare_query(&long).unwrap().len(), gnnrec_ranking::MAX_QUERY_CHARS);
    assert_eq!(
        Ranker::prepare_query(&"é".repeat(3000)).unwrap().chars().count(),
        gnnrec_ranking::MAX_QUERY_CHARS
    );
    assert!(matches!(
        ranker.search(&[0.1; 10], &[], 5),
        Err(RankError::QueryWidth { expected: TEXT, found: 10 })
    ));
    assert!(ranker.search(&f.text[0], &[], 5).is_ok());
    assert_eq!(
        ranker.search(&vec![0.0; TEXT], &[], 5).unwrap().results.len(),
        5,
        "a zero embedding still ranks"
    );
}

#[test]
fn mlp_head_bundles_rank_with_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let head = wave_head();
    export(&out, Some(head), None);
    let bundle = LoadedBundle::read_dir(&out).unwrap();
    assert!(bundle.manifest.model.mlp_head);
    let ranked = bundle.ranker.recommend(&[like("m3", 0.0)], 7).unwrap();
    assert_eq!(ranked.results.len(), 7);
    assert!(ranked.results.iter().all(|r| r.score.is_finite() && r.id != "m3"));
}

#[test]
fn exact_fold_in_is_written_as_given_and_not_fitted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let block = |width, degree_exponent| FoldInBlock { width, degree_exponent };
    let exact = FoldInConfig { degree_exponent: -0.45, blocks: vec![block(DIM - 2, -0.45), block(2, -1.0)] };
    export(&out, None, Some(exact.clone()));
    let bundle = LoadedBundle::read_dir(&out).unwrap();
    assert!(!bundle.manifest.model.fold_in_map);
    assert_eq!(bundle.manifest.ranking.fold_in, exact);
    assert_eq!(bundle.manifest.report["fold_in"]["fit"]["exact"], true);
    let ranked = bundle.ranker.recommend(&[like("m3", 0.0)], 5).unwrap();
    assert_eq!(ranked.results.len(), 5);

    // Blocks that do not cover the model's columns are refused when the bundle loads.
    let manifest_path = out.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["ranking"]["fold_in"]["blocks"][1]["width"] = serde_json::json!(3);
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let error = LoadedBundle::read_dir(&out).err().expect("refused").to_string();
    assert!(
        error.contains("manifest.json") && error.contains(&format!("cover {} columns", DIM + 1)),
        "{error}"
    );
}

#[test]
fn inconsistent_input_and_unwritable_output_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let mut input = ExportInput {
        model_kind: "lightgcn".into(),
        items: f.items.clone(),
        item_embeddings: &f.item_embeddings[1..],
        user_embeddings: &f.user_embeddings,
        dim: DIM,
        head: None,
        train: &f.train,
        text: None,
        exact_fold_in: None,
        tower: None,
    };
    let config = ExportConfig { clusters: Some(6), ..Default::default() };
    let inconsistent = write_bundle(&input, &config, &dir.path().join("bundle")).unwrap_err();
    assert!(matches!(inconsistent, ExportError::Input(_)), "{inconsistent}");

    input.item_embeddings = &f.item_embeddings;
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let unwritable = write_bundle(&input, &config, &file).unwrap_err();
    assert!(
        matches!(&unwritable, ExportError::Bundle(BundleError::Write(_)))
            && unwritable.to_string().contains("a-file"),
        "{unwritable}"
    );
}

/// Writes a bundle, damages it with `damage`, and returns the load error.
fn load_error(damage: impl FnOnce(&Path)) -> BundleError {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    export(&out, None, None);
    damage(&out);
    LoadedBundle::read_dir(&out).err().expect("the damaged bundle must not load")
}

/// Where the bundle file `name` is stored (its content-addressed path).
fn stored_at(out: &Path, name: &str) -> std::path::PathBuf {
    let manifest = parse_manifest(&std::fs::read(out.join(file_names::MANIFEST)).unwrap()).unwrap();
    out.join(manifest.files[name].stored_path(name))
}

fn edit_manifest(out: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = out.join(file_names::MANIFEST);
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

/// Writes `stored` as the bundle file `name` with its manifest `entry`.
fn put_file(out: &Path, name: &str, stored: &[u8], entry: &FileEntry) {
    std::fs::write(out.join(name), stored).unwrap();
    edit_manifest(out, |m| m["files"][name] = serde_json::to_value(entry).unwrap());
}

/// Replaces the (gzip) bundle file `name` with `content`, checksum and size updated, so
/// that only its content is wrong.
fn replace_content(out: &Path, name: &str, content: &[u8]) {
    let (stored, entry) = stored::store(content, true);
    put_file(out, name, &stored, &entry);
}

#[test]
fn damaged_bundles_are_refused_with_the_file_named() {
    let truncated = load_error(|out| {
        let path = stored_at(out, file_names::TENSORS);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    });
    assert!(
        matches!(&truncated, BundleError::Size { file, .. } if file == file_names::TENSORS),
        "{truncated}"
    );

    let flipped = load_error(|out| {
        let path = stored_at(out, file_names::TEXT_INDEX);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
    });
    assert!(
        matches!(&flipped, BundleError::Checksum { file, .. } if file == file_names::TEXT_INDEX),
        "{flipped}"
    );
    assert!(flipped.to_string().contains("corrupted"));

    let missing = load_error(|out| std::fs::remove_file(stored_at(out, file_names::ITEMS)).unwrap());
    assert!(
        matches!(&missing, BundleError::Missing { file } if file.contains("items.") && file.ends_with(".json.gz")),
        "{missing}"
    );

    let version = load_error(|out| edit_manifest(out, |m| m["version"] = 99.into()));
    assert!(matches!(version, BundleError::Version { found: 99, supported: 1, .. }), "{version}");

    let not_a_manifest =
        load_error(|out| std::fs::write(out.join(file_names::MANIFEST), "<html>404</html>").unwrap());
    assert!(matches!(not_a_manifest, BundleError::Manifest { .. }), "{not_a_manifest}");

    let format = load_error(|out| edit_manifest(out, |m| m["format"] = "other".into()));
    assert!(matches!(format, BundleError::Manifest { error: ManifestError::Format, .. }), "{format}");

    let unlisted = load_error(|out| {
        edit_manifest(out, |m| {
            m["files"].as_object_mut().unwrap().remove(file_names::TENSORS);
        })
    });
    assert!(
        matches!(&unlisted, BundleError::Manifest { file, error: ManifestError::Unlisted { file: unlisted } }
            if file == file_names::MANIFEST && unlisted == file_names::TENSORS),
        "{unlisted}"
    );

    let unreadable = load_error(|out| {
        let path = stored_at(out, file_names::ITEMS);
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
    });
    assert!(
        matches!(&unreadable, BundleError::Read { file, .. } if file.contains("items.") && file.ends_with(".json.gz")),
        "{unreadable}"
    );
}

/// The file and the problem of a [`BundleError::Content`].
fn content(error: &BundleError) -> (&str, &ContentError) {
    match error {
        BundleError::Content { file, error } => (file, error),
        other => panic!("not a content error: {other}"),
    }
}

#[test]
fn bad_contents_are_refused_with_the_file_and_the_problem_named() {
    let dims = load_error(|out| edit_manifest(out, |m| m["model"]["dim"] = 9.into()));
    let (file, error) = content(&dims);
    assert_eq!(file, file_names::TENSORS);
    assert!(
        matches!(error, ContentError::Tensor(TensorError::Shape { name, .. }) if name == tensor_names::ITEM_VALUES),
        "{dims}"
    );
    assert_eq!(
        dims.to_string(),
        "tensors.safetensors.gz: tensor gnn.items.values is I8 [240, 8], expected I8 [240, 9]",
        "the file is named once"
    );

    let not_tensors = load_error(|out| replace_content(out, file_names::TENSORS, b"not safetensors"));
    let (file, error) = content(&not_tensors);
    assert_eq!(file, file_names::TENSORS);
    assert!(matches!(error, ContentError::Tensor(TensorError::Parse(_))), "{not_tensors}");
    assert!(not_tensors.to_string().starts_with("tensors.safetensors.gz: not a safetensors file: "));

    let counts = load_error(|out| edit_manifest(out, |m| m["model"]["n_items"] = 241.into()));
    let (file, error) = content(&counts);
    assert_eq!(file, file_names::ITEMS);
    assert!(matches!(error, ContentError::ItemCount { found: 240, expected: 241 }), "{counts}");

    let not_json = load_error(|out| replace_content(out, file_names::ITEMS, b"[{"));
    let (file, error) = content(&not_json);
    assert_eq!(file, file_names::ITEMS);
    assert!(matches!(error, ContentError::Json(_)), "{not_json}");

    let duplicate = load_error(|out| {
        let mut items = fixture().items;
        items[1].id = "m0".into();
        replace_content(out, file_names::ITEMS, &serde_json::to_vec(&items).unwrap());
    });
    let (file, error) = content(&duplicate);
    assert_eq!(file, file_names::ITEMS);
    assert!(matches!(error, ContentError::DuplicateId { id } if id == "m0"), "{duplicate}");

    let index = load_error(|out| replace_content(out, file_names::TEXT_INDEX, b"not an index"));
    let (file, error) = content(&index);
    assert_eq!(file, file_names::TEXT_INDEX);
    assert!(matches!(error, ContentError::TextIndex(IndexError::Decode(_))), "{index}");

    let not_gzip = load_error(|out| {
        let (stored, entry) = stored::store(b"[]", false);
        put_file(out, file_names::ITEMS, &stored, &FileEntry { encoding: "gzip".into(), ..entry });
    });
    let (file, error) = content(&not_gzip);
    assert_eq!(file, file_names::ITEMS);
    assert!(matches!(error, ContentError::Gzip(_)), "{not_gzip}");

    let encoding =
        load_error(|out| edit_manifest(out, |m| m["files"][file_names::ITEMS]["encoding"] = "br".into()));
    let (file, error) = content(&encoding);
    assert_eq!(file, file_names::ITEMS);
    assert!(matches!(error, ContentError::Encoding(e) if e == "br"), "{encoding}");
}
