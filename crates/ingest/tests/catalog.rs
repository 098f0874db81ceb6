//! Catalogue data sets: the MovieLens preset on the bundled demo data, TOML configs, and
//! bad input.

use std::path::{Path, PathBuf};

use gnnrec_ingest::{DatasetConfig, IngestError};

fn movielens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/movielens-small")
}

#[test]
fn movielens_preset_loads_the_demo_catalogue_with_tags_filters_and_split() {
    let data = DatasetConfig::preset("movielens", &movielens()).unwrap().load().unwrap();
    // Every movie of movies.csv stays in the catalogue, rated or not (cold-start items).
    assert_eq!(data.items.len(), 9125);
    let toy_story = data.items.iter().find(|i| i.id == "1").unwrap();
    assert!(
        toy_story
            .text()
            .starts_with("Toy Story (1995). genres: Adventure, Animation, Children, Comedy, Fantasy"),
        "{}",
        toy_story.text()
    );
    assert!(data.items.iter().any(|i| i.fields.iter().any(|(name, _)| name == "tags")));
    let stages: Vec<(&str, usize)> =
        data.report.stages.iter().map(|s| (s.stage.as_str(), s.interactions)).collect();
    assert_eq!(stages[0], ("input", 100_020));
    let last = data.report.stages.last().unwrap();
    assert!(last.stage.starts_with("5/5-core"));
    let n_kept: usize = (0..data.users.len())
        .map(|u| data.split.train[u].len() + data.split.valid[u].len() + data.split.test[u].len())
        .sum();
    assert_eq!(n_kept, last.interactions);
    assert_eq!(data.users.len(), last.users);
    // Roughly 80/10/10 per user.
    let n_test: usize = data.split.test.iter().map(Vec::len).sum();
    let share = n_test as f64 / n_kept as f64;
    assert!((0.09..0.12).contains(&share), "{share}");
    println!("{}", data.report);
}

#[test]
fn toml_configs_read_tsv_latin1_and_implicit_feedback() {
    let dir = tempfile::tempdir().unwrap();
    let mut ratings = String::from("user\tbook\n");
    for u in 0..6 {
        for b in 0..6 {
            ratings.push_str(&format!("u{u}\tb{b}\n"));
        }
    }
    std::fs::write(dir.path().join("events.tsv"), ratings).unwrap();
    // Write latin-1 by hand: "José" = 4A 6F 73 E9.
    let latin1: Vec<u8> = (0..7)
        .flat_map(|b| {
            format!("b{b};Book {b};Jos")
                .into_bytes()
                .into_iter()
                .chain([0xe9])
                .chain(format!(" {b}\n").into_bytes())
        })
        .collect();
    std::fs::write(dir.path().join("books.csv"), [&b"id;name;author\n"[..], &latin1].concat()).unwrap();
    let config = r#"
        [ratings]
        file = "events.tsv"
        delimiter = "\t"
        user = "user"
        item = "book"

        [items]
        file = "books.csv"
        delimiter = ";"
        encoding = "latin-1"
        id = "id"
        title = "name"
        text = ["author"]

        [filters]
        min_rating = 1.0
        k_core = 5
    "#;
    std::fs::write(dir.path().join("data.toml"), config).unwrap();
    let data = DatasetConfig::from_file(&dir.path().join("data.toml")).unwrap().load().unwrap();
    assert_eq!((data.users.len(), data.items.len()), (6, 7));
    assert!(
        data.warnings.iter().any(|w| w.contains("no rating column, so filters.min_rating is not applied"))
    );
    assert_eq!(data.items[0].text(), "Book 0. author: José 0");
    // b6 has no ratings: it stays in the catalogue but in nobody's lists.
    assert!(data.split.train.iter().flatten().all(|&i| i != 6));
}

fn error(config: &str, dir: &Path) -> String {
    let path = dir.join("data.toml");
    std::fs::write(&path, config).unwrap();
    match DatasetConfig::from_file(&path).and_then(|c| c.load()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_configs_and_files_are_specific_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.csv"), "u,i,score\n1,2,5\n1,3,bad\n").unwrap();
    let err =
        error("[ratings]\nfile = \"r.csv\"\nuser = \"u\"\nitem = \"i\"\nrating = \"score\"\n", dir.path());
    assert!(err.ends_with("r.csv:3: field 3: rating \"bad\" is not a number"), "{err}");
    let err = error("[ratings]\nfile = \"r.csv\"\nuser = \"u\"\nitem = \"item\"\n", dir.path());
    assert!(err.contains("no column \"item\" (columns: u, i, score)"), "{err}");
    let err = error("[ratings]\nfile = \"missing.csv\"\nuser = \"u\"\nitem = \"i\"\n", dir.path());
    assert!(err.contains("missing.csv"), "{err}");
    let err = error("[ratings]\nfile = \"r.csv\"\nuser = \"u\"\nitem = \"i\"\ncolour = 1\n", dir.path());
    assert!(err.contains("data.toml:1") && err.contains("unknown field `colour`"), "{err}");
    // Everything is removed by a 5-core: a clear error with the stage table.
    let err =
        error("[ratings]\nfile = \"r.csv\"\nuser = \"u\"\nitem = \"i\"\n[filters]\nk_core = 5\n", dir.path());
    assert!(err.starts_with("no interactions left after filtering") && err.contains("5/5-core"), "{err}");
    let err = DatasetConfig::preset("netflix", dir.path()).unwrap_err();
    assert!(matches!(err, IngestError::UnknownPreset { .. }));
    assert_eq!(
        err.to_string(),
        "unknown preset \"netflix\" (known: movielens, movielens-100k, movielens-1m, amazon-books)"
    );
}

#[test]
fn amazon_books_preset_joins_on_title_and_counts_anonymous_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let mut ratings = String::from(
        "Id,Title,Price,User_id,profileName,review/helpfulness,review/score,review/time,review/summary,review/text\n",
    );
    for u in 0..5 {
        for b in 0..5 {
            ratings.push_str(&format!(
                "{b},\"Book {b}, Vol. 1\",,U{u},Name,1/1,4.0,9400{u},ok,\"Fine, really\"\n"
            ));
        }
    }
    ratings.push_str("9,\"Book 0, Vol. 1\",,,Anonymous,0/0,5.0,940000000,x,y\n");
    std::fs::write(dir.path().join("Books_rating.csv"), ratings).unwrap();
    let mut books = String::from(
        "Title,description,authors,image,previewLink,publisher,publishedDate,infoLink,categories,ratingsCount\n",
    );
    for b in 0..6 {
        books.push_str(&format!("\"Book {b}, Vol. 1\",A story.,['Author {b}'],,,,1999,,['Fiction'],\n"));
    }
    std::fs::write(dir.path().join("books_data.csv"), books).unwrap();
    let data = DatasetConfig::preset("amazon-books", dir.path()).unwrap().load().unwrap();
    assert_eq!((data.users.len(), data.items.len()), (5, 6));
    assert_eq!(
        data.items[0].text(),
        "Book 0, Vol. 1. authors: ['Author 0']. categories: ['Fiction']. description: A story."
    );
    let skipped = data.report.stages.iter().find(|s| s.stage == "rows without user/item id").unwrap();
    assert_eq!(skipped.removed, 1);
}
