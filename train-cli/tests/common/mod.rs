//! Helpers shared by the `train-cli` integration tests.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// 60 users in 3 taste groups; group g likes items 20g..20g+20; 140 more items nobody
/// touches. Each user has 12 of its group's items in train, 4 in valid, 4 in test.
pub fn write_split(dir: &Path) {
    let mut files = [String::new(), String::new(), String::new()];
    for user in 0..60u32 {
        let group = user % 3;
        let items: Vec<u32> = (0..20).map(|k| group * 20 + (k + user * 7) % 20).collect();
        for (file, part) in files.iter_mut().zip([&items[..12], &items[12..16], &items[16..]]) {
            let ids: Vec<String> = part.iter().map(u32::to_string).collect();
            file.push_str(&format!("{user} {}\n", ids.join(" ")));
        }
    }
    // Item 199 appears once so that the catalogue has 200 items.
    files[0].push_str("60 199\n");
    for (name, text) in ["train.txt", "valid.txt", "test.txt"].iter().zip(files) {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// `OUT/metrics.json` of a run.
pub fn metrics(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap()
}

/// A temporary folder holding the synthetic split in `split/`.
pub fn split_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let split = dir.path().join("split");
    std::fs::create_dir(&split).unwrap();
    write_split(&split);
    (dir, split)
}
