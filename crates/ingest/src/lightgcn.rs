//! The LightGCN split format: `train.txt`, `valid.txt`, `test.txt`, one line per
//! user, `user_id item_id item_id …`, space-separated, 0-based ids.

use std::path::Path;

use thiserror::Error;

use crate::error::{Field, IngestError};

/// The three files of a split directory, in the order train, valid, test.
pub const SPLIT_FILES: [&str; 3] = ["train.txt", "valid.txt", "test.txt"];

/// A data set with a given train/valid/test split; `train[u]` lists user `u`'s items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitDataset {
    /// Users (largest user id + 1 over all files).
    pub n_users: usize,
    /// Items (largest item id + 1 over all files).
    pub n_items: usize,
    /// Training items per user, in file order, duplicates removed.
    pub train: Vec<Vec<u32>>,
    /// Validation items per user.
    pub valid: Vec<Vec<u32>>,
    /// Test items per user.
    pub test: Vec<Vec<u32>>,
    /// Repeated (user, item) pairs within one file that were removed.
    pub duplicates_removed: usize,
}

impl SplitDataset {
    /// Number of (user, item) pairs in each of train, valid, test.
    pub fn interaction_counts(&self) -> [usize; 3] {
        [&self.train, &self.valid, &self.test].map(|lists| lists.iter().map(Vec::len).sum())
    }
}

/// Reads `train.txt`, `valid.txt` and `test.txt` from `dir`.
pub fn read_lightgcn_split(dir: &Path) -> Result<SplitDataset, IngestError> {
    let mut files = Vec::with_capacity(3);
    let mut duplicates_removed = 0;
    for name in SPLIT_FILES {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|source| IngestError::Io { path: path.clone(), source })?;
        let (lists, duplicates) = parse_split_file(&path, &text)?;
        duplicates_removed += duplicates;
        files.push(lists);
    }
    let n_users = files.iter().map(Vec::len).max().unwrap_or(0);
    let n_items = files
        .iter()
        .flatten()
        .flat_map(|items| items.iter())
        .map(|&item| item as usize + 1)
        .max()
        .unwrap_or(0);
    if n_items == 0 {
        return Err(IngestError::Empty(dir.display().to_string()));
    }
    let [mut train, mut valid, mut test]: [Vec<Vec<u32>>; 3] = files.try_into().expect("three split files");
    for lists in [&mut train, &mut valid, &mut test] {
        lists.resize(n_users, Vec::new());
    }
    Ok(SplitDataset { n_users, n_items, train, valid, test, duplicates_removed })
}

/// Parses one split file into per-user item lists (indexed by user id) and the
/// number of repeated pairs dropped.
fn parse_split_file(path: &Path, text: &str) -> Result<(Vec<Vec<u32>>, usize), IngestError> {
    let mut lists: Vec<Option<Vec<u32>>> = Vec::new();
    let mut duplicates = 0;
    for (index, line) in text.lines().enumerate() {
        let fail = |field: usize, message: String| IngestError::Parse {
            path: path.to_path_buf(),
            line: index + 1,
            field: Field::Number(field),
            message,
        };
        let mut fields = line.split_whitespace();
        let Some(user) = fields.next() else { continue };
        let user = parse_id(user).map_err(|m| fail(1, format!("user id {m}")))? as usize;
        let mut items = Vec::new();
        for (position, field) in fields.enumerate() {
            let item = parse_id(field).map_err(|m| fail(position + 2, format!("item id {m}")))?;
            if items.contains(&item) {
                duplicates += 1;
            } else {
                items.push(item);
            }
        }
        if lists.len() <= user {
            lists.resize(user + 1, None);
        }
        if lists[user].replace(items).is_some() {
            return Err(fail(1, format!("user {user} already has a line in this file")));
        }
    }
    Ok((lists.into_iter().map(Option::unwrap_or_default).collect(), duplicates))
}

/// A split-file field that is not a non-negative integer id.
#[derive(Debug, Error)]
#[error("`{0}` is not a non-negative integer")]
struct BadId(String);

fn parse_id(field: &str) -> Result<u32, BadId> {
    field.parse::<u32>().map_err(|_| BadId(field.to_string()))
}
