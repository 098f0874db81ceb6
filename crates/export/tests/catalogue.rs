//! Catalogue files (`shard-bundle --catalogue`): written and read back, sharded in parts
//! with the answers of the whole, and every malformed file named with what is wrong.

use std::path::Path;

use gnnrec_bundle::{ShardContent, V1Content, read_file, verify_file};
use gnnrec_export::{
    Catalogue, CatalogueFiles, CatalogueWriter, ItemSource, ShardConfig, catalogue_names,
    write_sharded_catalogue,
};
use gnnrec_ranking::{LoadedBundle, Ranked, ShardedRanker};

mod common;

use common::*;

/// Exports the fixture as v1 into `dir/v1` and writes its items as catalogue files in `dir/catalogue`.
fn catalogue(dir: &Path) -> CatalogueFiles {
    export(&dir.join("v1"), Some(wave_head()), None);
    let (manifest, files) = V1Content::read_stored(&dir.join("v1")).unwrap();
    let whole = Catalogue::from_v1(&manifest, &V1Content::decode(&manifest, &files).unwrap());
    let mut writer =
        CatalogueWriter::create(&dir.join("catalogue"), whole.dim(), whole.text_dim(), false).unwrap();
    whole.scan(&mut |index, row| writer.push(index, row)).unwrap();
    writer.finish("the export tests' fixture").unwrap()
}

fn shard(dir: &Path, catalogue: &CatalogueFiles, part_items: usize) -> serde_json::Value {
    let (manifest, files) = V1Content::read_stored(&dir.join("v1")).unwrap();
    let config = ShardConfig { shard_bytes: Some(600), part_items, ..Default::default() };
    write_sharded_catalogue(&manifest, &files, catalogue, &config, &dir.join("v2")).unwrap()
}

#[test]
fn files_read_back_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let files = catalogue(dir.path());
    let (manifest, stored) = V1Content::read_stored(&dir.path().join("v1")).unwrap();
    let whole = Catalogue::from_v1(&manifest, &V1Content::decode(&manifest, &stored).unwrap());
    let back = Catalogue::load(&files).unwrap();
    assert_eq!((back.index, back.items, back.popularity), (whole.index, whole.items, whole.popularity));
    assert_eq!((back.gnn, back.text), (whole.gnn, whole.text));
    assert_eq!(files.header().source, "the export tests' fixture");
}

#[test]
fn a_catalogue_sharded_in_parts_answers_as_the_whole_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let files = catalogue(dir.path());
    let report = shard(dir.path(), &files, 60);
    assert!(report["parts"].as_u64().unwrap() >= 3, "{report}");
    let v2 = dir.path().join("v2");
    assert!(!v2.join(".sharding").exists(), "the work folder is removed");
    let v1 = LoadedBundle::read_dir(&dir.path().join("v1")).unwrap().ranker;
    let mut ranker = ShardedRanker::read_dir(&v2).unwrap();
    let manifest = ranker.manifest().clone();
    assert_eq!(manifest.model.n_items, ITEMS);

    // Every item is in exactly one GNN shard and one text shard.
    for (list, text) in [(&manifest.gnn_shards, None), (&manifest.text_shards, Some(32))] {
        let mut seen: Vec<u32> = Vec::new();
        for entry in list {
            let bytes = verify_file(&entry.path, &entry.file, &read_file(&v2, &entry.path).unwrap()).unwrap();
            seen.extend(ShardContent::from_bytes(&bytes, ITEMS, DIM, text).unwrap().index);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..ITEMS as u32).collect::<Vec<_>>());
    }

    // Probing every shard gives the whole bundle's answers.
    ranker.set_gnn_probe(manifest.gnn_shards.len());
    ranker.set_probe_budget(None);
    let ids = |r: &Ranked| r.results.iter().map(|x| (x.id.clone(), x.score)).collect::<Vec<_>>();
    for history in [vec![like("m1", 0.0), like("m5", 1.0)], vec![like("m7", 0.0), like("m40", 2.0)]] {
        let expected = v1.recommend(&history, 10).unwrap();
        let (got, _) = ranker.complete(|r| r.recommend(&history, 10), |p| read_file(&v2, p)).unwrap();
        assert_eq!(ids(&got), ids(&expected));
    }
    ranker.set_text_probe(manifest.text_shards.len());
    ranker.set_probe_budget(None);
    let index = v1.text_index().unwrap();
    for item in [3u32, 77, 200] {
        let query: Vec<f32> = index.point(item).values().iter().map(|&v| f32::from(v)).collect();
        let (got, _) = ranker.complete(|r| Ok(r.text_neighbours(&query, 10)), |p| read_file(&v2, p)).unwrap();
        let exact: Vec<u32> = index.exact_search(index.point(item), 10).into_iter().map(|(i, _)| i).collect();
        assert_eq!(got.iter().map(|(i, _)| *i).collect::<Vec<_>>(), exact);
    }
}

/// The error of opening, or else of reading, the catalogue in `dir` after `break_it`.
fn error_after(break_it: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    catalogue(dir.path());
    let path = dir.path().join("catalogue");
    break_it(&path);
    match CatalogueFiles::open(&path) {
        Err(error) => error.to_string(),
        Ok(files) => Catalogue::load(&files).err().expect("a broken catalogue is refused").to_string(),
    }
}

#[test]
fn malformed_files_are_named_with_the_line() {
    let edit = |name: &'static str, change: fn(String) -> String| {
        move |dir: &Path| {
            let path = dir.join(name);
            std::fs::write(&path, change(std::fs::read_to_string(&path).unwrap())).unwrap();
        }
    };
    let error = error_after(edit(catalogue_names::ITEMS, |s| {
        s.lines()
            .enumerate()
            .map(|(i, l)| if i == 2 { l.replace("popularity", "popularty") } else { l.into() } + "\n")
            .collect()
    }));
    assert!(error.contains("items.jsonl line 3") && error.contains("popularity"), "{error}");
    let error = error_after(edit(catalogue_names::ITEMS, |s| {
        s.lines().take(100).map(|l| format!("{l}\n")).collect()
    }));
    assert!(error.contains("items.jsonl line 101") && error.contains("ends after 100 of 240"), "{error}");
    let error = error_after(edit(catalogue_names::ITEMS, |s| s + "{}\n"));
    assert!(error.contains("line 241") && error.contains("more lines"), "{error}");
    let error = error_after(|dir| {
        let path = dir.join(catalogue_names::GNN);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    });
    assert!(error.contains("gnn.i8") && error.contains("expected 1920"), "{error}");
    let error = error_after(|dir| {
        let path = dir.join(catalogue_names::GNN_SCALES);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
    });
    assert!(error.contains("gnn-scales.f32 line 3") && error.contains("NaN"), "{error}");
    let error = error_after(edit(catalogue_names::HEADER, |s| s.replace("\"version\": 1", "\"version\": 2")));
    assert!(error.contains("catalogue.json") && error.contains("version 2"), "{error}");
    let error = error_after(|dir| std::fs::remove_file(dir.join(catalogue_names::HEADER)).unwrap());
    assert!(error.contains("catalogue.json"), "{error}");
}

#[test]
fn a_catalogue_of_other_widths_than_the_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    catalogue(dir.path());
    let other = dir.path().join("other");
    let meta =
        gnnrec_bundle::ItemMeta { id: "x".into(), title: "X".into(), subtitle: String::new(), url: None };
    let mut writer = CatalogueWriter::create(&other, DIM + 1, Some(32), false).unwrap();
    let row = gnnrec_export::ItemRow {
        meta: &meta,
        popularity: 1,
        gnn: &[1; DIM + 1],
        scale: 1.0,
        text: Some(&[1; 32]),
    };
    writer.push(0, row).unwrap();
    let files = writer.finish("test").unwrap();
    let (manifest, stored) = V1Content::read_stored(&dir.path().join("v1")).unwrap();
    let error =
        write_sharded_catalogue(&manifest, &stored, &files, &ShardConfig::default(), &dir.path().join("v2"))
            .err()
            .unwrap()
            .to_string();
    assert!(error.contains("widths 9 (GNN)") && error.contains("model 8"), "{error}");
    // A row of the wrong width is refused as it is written.
    let mut writer = CatalogueWriter::create(&dir.path().join("third"), DIM, None, false).unwrap();
    assert!(writer.push(0, row).unwrap_err().to_string().contains("item x"));
}

#[test]
fn an_id_given_to_two_items_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = catalogue(dir.path());
    let mut writer = CatalogueWriter::create(&dir.path().join("twice"), DIM, Some(32), false).unwrap();
    files
        .scan(&mut |index, row| {
            let renamed = gnnrec_bundle::ItemMeta { id: "m3".into(), ..row.meta.clone() };
            let meta = if index == 200 { &renamed } else { row.meta };
            writer.push(index, gnnrec_export::ItemRow { meta, ..row })
        })
        .unwrap();
    let twice = writer.finish("test").unwrap();
    let (manifest, stored) = V1Content::read_stored(&dir.path().join("v1")).unwrap();
    let config = ShardConfig { part_items: 100, ..Default::default() };
    let error = write_sharded_catalogue(&manifest, &stored, &twice, &config, &dir.path().join("v2"))
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("\"m3\" appears twice (items 3 and 200)"), "{error}");
    assert!(!dir.path().join("v2/manifest.json").exists(), "no manifest for a refused catalogue");
    assert!(!dir.path().join("v2/.sharding").exists(), "the work folder is removed after a failure too");
}
