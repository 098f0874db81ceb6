//! `train-cli site` with bad input: each problem is a specific error naming the file (and
//! line and field) or a counted, printed skip — never a panic. The widget package is a
//! scratch folder with the files the command checks for; errors come before any encoding.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A folder that passes for a built widget package.
fn package(dir: &Path) -> PathBuf {
    let package = dir.join("pkg");
    std::fs::create_dir_all(&package).unwrap();
    for name in ["recommender-element.js", "recommender-worker.js", "gnnrec_wasm.js", "gnnrec_wasm_bg.wasm"] {
        std::fs::write(package.join(name), b"").unwrap();
    }
    package
}

/// The real MiniLM folder (for the pre-flight check; nothing is encoded here).
fn encoder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2")
}

/// Runs `site` on `items` (and `interactions`) written into a scratch folder; returns the
/// exit status and stderr.
fn site(items: &[u8], interactions: Option<&[u8]>, package_dir: Option<&Path>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let items_path = dir.path().join("items.csv");
    std::fs::write(&items_path, items).unwrap();
    let mut command = Command::cargo_bin("train-cli").unwrap();
    command.arg("site").arg("--items").arg(&items_path);
    if let Some(text) = interactions {
        let path = dir.path().join("events.csv");
        std::fs::write(&path, text).unwrap();
        command.arg("--interactions").arg(path);
    }
    let package = package_dir.map_or_else(|| package(dir.path()), Path::to_path_buf);
    let output = command
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--package")
        .arg(package)
        .arg("--encoder-dir")
        .arg(encoder())
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.success(), stderr)
}

#[test]
fn a_missing_id_column_is_named_with_the_columns_there_are() {
    let (ok, stderr) = site(b"code,title\n1,A\n2,B\n", None, None);
    assert!(!ok);
    assert!(
        stderr.contains("items.csv: no item id column: expected a column named one of id, itemid"),
        "{stderr}"
    );
    assert!(stderr.contains("(columns: code, title)"), "{stderr}");
}

#[test]
fn a_repeated_id_names_both_lines() {
    let (ok, stderr) = site(b"id,title\n1,A\n2,B\n1,C\n", None, None);
    assert!(!ok);
    assert!(stderr.contains("items.csv:4: field 1: item id \"1\" already defined on line 2"), "{stderr}");
}

#[test]
fn another_encoding_names_the_line_and_the_option() {
    let (ok, stderr) = site(b"id,title\n1,Caf\xe9\n2,B\n", None, None);
    assert!(!ok);
    assert!(
        stderr.contains("items.csv:2: not valid UTF-8 (set the file's encoding, e.g. latin-1)"),
        "{stderr}"
    );
}

#[test]
fn interactions_without_a_user_column_are_named() {
    let (ok, stderr) = site(b"id,title\n1,A\n2,B\n", Some(b"who,item\na,1\n"), None);
    assert!(!ok);
    assert!(stderr.contains("events.csv: no user column"), "{stderr}");
}

#[test]
fn an_unbuilt_package_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stderr) = site(b"id,title\n1,A\n2,B\n", None, Some(dir.path()));
    assert!(!ok);
    assert!(
        stderr.contains("is not a built gnnrec widget package")
            && stderr.contains("node scripts/build-wasm.mjs"),
        "{stderr}"
    );
}
