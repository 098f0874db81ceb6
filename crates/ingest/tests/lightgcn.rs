//! The LightGCN split reader on hand-made files and on the real lastfm split.

use std::path::{Path, PathBuf};

use gnnrec_ingest::{IngestError, SplitDataset, read_lightgcn_split};

fn write_split(train: &str, valid: &str, test: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("train.txt", train), ("valid.txt", valid), ("test.txt", test)] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn error(dir: &Path) -> String {
    read_lightgcn_split(dir).expect_err("bad input is rejected").to_string()
}

#[test]
fn reads_users_items_and_counts_dropped_duplicates() {
    let dir = write_split("0 1 2 2\n2 0\n", "0 3\n\n", "1 4\n");
    let data = read_lightgcn_split(dir.path()).unwrap();
    assert_eq!(
        data,
        SplitDataset {
            n_users: 3,
            n_items: 5,
            train: vec![vec![1, 2], vec![], vec![0]],
            valid: vec![vec![3], vec![], vec![]],
            test: vec![vec![], vec![4], vec![]],
            duplicates_removed: 1,
        }
    );
    assert_eq!(data.interaction_counts(), [3, 1, 1]);
}

#[test]
fn malformed_lines_name_file_line_and_field() {
    let dir = write_split("0 1 2\n1 3 x7\n", "", "");
    let message = error(dir.path());
    assert!(
        message.ends_with("train.txt:2: field 3: item id `x7` is not a non-negative integer"),
        "{message}"
    );
    let dir = write_split("0 1\n", "-1 2\n", "");
    assert!(error(dir.path()).ends_with("valid.txt:1: field 1: user id `-1` is not a non-negative integer"));
    let dir = write_split("0 1\n0 2\n", "", "");
    assert!(error(dir.path()).ends_with("train.txt:2: field 1: user 0 already has a line in this file"));
}

#[test]
fn missing_files_and_empty_data_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let read = read_lightgcn_split(dir.path()).err().unwrap();
    assert!(matches!(read, IngestError::Io { .. }));
    assert!(read.to_string().contains("train.txt"), "{read}");
    let dir = write_split("0\n1\n", "", "");
    assert!(error(dir.path()).ends_with(": no interactions"));
}

#[test]
fn the_published_lastfm_split_has_the_documented_size() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lightgcnpp/lastfm");
    let data = read_lightgcn_split(&dir).unwrap();
    assert_eq!(data.n_users, 1885);
    assert!(data.n_items <= 17_388);
    assert_eq!(data.interaction_counts().iter().sum::<usize>() + data.duplicates_removed, 91_779);
}
