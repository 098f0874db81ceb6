//! The classic data formats: MovieLens 100K and 1M as distributed (headerless, `::`
//! separators, genre flag columns; excerpts in tests/fixtures, see its README) and JSON
//! Lines, with bad input naming the error variant, file, line and field.

use std::path::{Path, PathBuf};

use gnnrec_ingest::{CatalogDataset, DatasetConfig, Field, IngestError};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A preset over `dir` with every rating and every user and item kept.
fn load_all(preset: &str, dir: &Path) -> Result<CatalogDataset, IngestError> {
    let mut config = DatasetConfig::preset(preset, dir)?;
    config.set_min_rating(None);
    config.set_k_core(0);
    config.load()
}

/// A copy of a fixture folder with one line of one file replaced.
fn with_line(fixture_dir: &str, file: &str, line: usize, text: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(fixture_dir)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let bytes = std::fs::read(dir.path().join(file)).unwrap();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    lines[line - 1] = text;
    std::fs::write(dir.path().join(file), lines.join(&b'\n')).unwrap();
    dir
}

fn text_of(data: &CatalogDataset, id: &str) -> String {
    data.items.iter().find(|item| item.id == id).unwrap().text()
}

#[test]
fn movielens_100k_preset_reads_u_data_and_u_item_as_distributed() {
    let data = load_all("movielens-100k", &fixture("ml-100k")).unwrap();
    assert_eq!(data.items.len(), 100);
    assert_eq!(data.report.stages[0].interactions, 164);
    assert_eq!(data.users.len(), 7);
    assert_eq!(
        text_of(&data, "1"),
        "Toy Story (1995). genres: Adventure, Animation, Children's, Comedy, Fantasy"
    );
    // latin-1 titles.
    assert_eq!(
        text_of(&data, "293"),
        "Léon: The Professional (a.k.a. The Professional) (Léon) (1994). genres: Action, Crime, Drama, Thriller"
    );
}

#[test]
fn movielens_1m_preset_reads_double_colon_files_as_distributed() {
    let data = load_all("movielens-1m", &fixture("ml-1m")).unwrap();
    assert_eq!(data.items.len(), 100);
    assert_eq!(data.report.stages[0].interactions, 172);
    assert_eq!(data.users.len(), 9);
    assert_eq!(
        text_of(&data, "4973"),
        "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001). genres: Comedy, Romance"
    );
}

#[test]
fn genre_flags_and_genre_lists_give_the_same_item_text() {
    // Both excerpts hold the same movies: u.item as 0/1 columns, movies.dat as a list.
    let flags = load_all("movielens-100k", &fixture("ml-100k")).unwrap();
    let lists = load_all("movielens-1m", &fixture("ml-1m")).unwrap();
    assert_eq!(flags.items, lists.items);
}

#[test]
fn a_ragged_row_names_file_line_and_field_counts() {
    let dir = with_line("ml-100k", "u.data", 3, b"2\t47\t4");
    let err = load_all("movielens-100k", dir.path()).unwrap_err();
    assert!(
        matches!(&err, IngestError::FieldCount { path, line: 3, expected: 4, found: 3 } if path.ends_with("u.data")),
        "{err:?}"
    );
    let dir = with_line("ml-1m", "movies.dat", 2, b"10::GoldenEye (1995)::Action::Thriller");
    let err = load_all("movielens-1m", dir.path()).unwrap_err();
    assert!(
        matches!(&err, IngestError::FieldCount { path, line: 2, expected: 3, found: 4 } if path.ends_with("movies.dat")),
        "{err:?}"
    );
}

#[test]
fn a_bad_flag_value_names_file_line_and_field() {
    let bad =
        b"10|GoldenEye (1995)|||http://www.imdb.com/title/tt0113189/|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|yes|0|0";
    let dir = with_line("ml-100k", "u.item", 2, bad);
    let err = load_all("movielens-100k", dir.path()).unwrap_err();
    let IngestError::Parse { path, line, field, message } = &err else { panic!("{err:?}") };
    assert!(path.ends_with("u.item"), "{path:?}");
    assert_eq!((*line, field, message.as_str()), (2, &Field::Number(22), "flag \"yes\" is not 0 or 1"));
    assert!(err.to_string().ends_with("u.item:2: field 22: flag \"yes\" is not 0 or 1"), "{err}");
}

fn write_config(dir: &Path, config: &str) -> Result<CatalogDataset, IngestError> {
    std::fs::write(dir.join("data.toml"), config).unwrap();
    let mut config = DatasetConfig::from_file(&dir.join("data.toml"))?;
    config.set_min_rating(None);
    config.set_k_core(0);
    config.load()
}

#[test]
fn column_indexes_must_exist_and_names_need_a_header() {
    let dir = with_line("ml-100k", "u.data", 1, b"2\t10\t4\t835355493");
    let ratings = "[ratings]\nfile = \"u.data\"\ndelimiter = \"\\t\"\nheader = false\nuser = 0\nitem = 1\n";
    let err = write_config(dir.path(), &format!("{ratings}rating = 4\n")).unwrap_err();
    assert!(
        matches!(&err, IngestError::ColumnOutOfRange { path, line: 1, index: 4, fields: 4 } if path.ends_with("u.data")),
        "{err:?}"
    );
    let err = write_config(dir.path(), &format!("{ratings}rating = \"rating\"\n")).unwrap_err();
    assert!(matches!(&err, IngestError::NoHeader { column, .. } if column == "rating"), "{err:?}");
    // A text column of a headerless file needs a name for the item text.
    let items = "[items]\nfile = \"u.item\"\ndelimiter = \"|\"\nheader = false\nencoding = \"latin-1\"\nid = 0\ntitle = 1\n";
    let err = write_config(dir.path(), &format!("{ratings}{items}text = [4]\n")).unwrap_err();
    assert!(matches!(&err, IngestError::UnnamedColumn { index: 4, .. }), "{err:?}");
    let data =
        write_config(dir.path(), &format!("{ratings}{items}text = [{{ column = 4, name = \"imdb\" }}]\n"))
            .unwrap();
    assert_eq!(data.items[0].text(), "Toy Story (1995). imdb: http://www.imdb.com/title/tt0114709/");
}

/// Amazon-style review and metadata dumps (made-up rows in the dumps' field names).
fn amazon(dir: &Path, reviews: &str) -> Result<CatalogDataset, IngestError> {
    std::fs::write(dir.join("reviews.json"), reviews).unwrap();
    std::fs::write(
        dir.join("meta.json"),
        concat!(
            r#"{"asin": "B01", "title": "Dune", "categories": [["Books"], ["Books", "Science Fiction"]]}"#,
            "\n",
            r#"{"asin": "B02", "title": "Emma", "category": ["Books", "Classics"]}"#,
            "\n",
        ),
    )
    .unwrap();
    write_config(
        dir,
        r#"
        [ratings]
        file = "reviews.json"
        format = "jsonl"
        user = "reviewerID"
        item = "asin"
        rating = "overall"
        timestamp = "unixReviewTime"

        [items]
        file = "meta.json"
        format = "jsonl"
        id = "asin"
        title = "title"
        text = ["categories", "category"]
        "#,
    )
}

const REVIEWS: &str = concat!(
    r#"{"reviewerID": "A1", "asin": "B01", "overall": 5.0, "unixReviewTime": 1382140800, "reviewText": "Great"}"#,
    "\n",
    r#"{"reviewerID": "A1", "asin": "B02", "overall": 3.0, "unixReviewTime": 1382140900}"#,
    "\n",
    r#"{"reviewerID": "A2", "asin": "B01", "overall": 4.0, "unixReviewTime": 1382141000}"#,
    "\n",
);

#[test]
fn json_lines_reviews_and_metadata_load_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = amazon(dir.path(), REVIEWS).unwrap();
    assert_eq!((data.users.len(), data.items.len(), data.report.stages[0].interactions), (2, 2, 3));
    assert_eq!(data.items[0].text(), "Dune. categories: Books, Science Fiction");
    assert_eq!(data.items[1].text(), "Emma. category: Books, Classics");
}

#[test]
fn a_broken_json_line_and_a_missing_key_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let broken = REVIEWS.replacen(r#""asin": "B02","#, r#""asin": "B02""#, 1);
    let err = amazon(dir.path(), &broken).unwrap_err();
    assert!(
        matches!(&err, IngestError::Json { path, line: 2, column: 36, .. } if path.ends_with("reviews.json")),
        "{err:?}"
    );
    assert!(err.to_string().ends_with("reviews.json:2:36: not a JSON object: expected `,` or `}`"), "{err}");
    let missing = REVIEWS.replacen(r#""asin": "B02", "#, "", 1);
    let err = amazon(dir.path(), &missing).unwrap_err();
    let IngestError::Parse { path, line, field, message } = &err else { panic!("{err:?}") };
    assert!(path.ends_with("reviews.json"), "{path:?}");
    assert_eq!((*line, field, message.as_str()), (2, &Field::Key("asin".into()), "empty id"));
    assert!(err.to_string().ends_with("reviews.json:2: field \"asin\": empty id"), "{err}");
}

#[test]
fn json_lines_take_no_delimiter_or_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), REVIEWS).unwrap();
    let err = write_config(
        dir.path(),
        "[ratings]\nfile = \"r.json\"\nformat = \"jsonl\"\nheader = false\nuser = \"reviewerID\"\nitem = \"asin\"\n",
    )
    .unwrap_err();
    assert!(matches!(&err, IngestError::InvalidSettings { path, .. } if path.ends_with("r.json")), "{err:?}");
}
