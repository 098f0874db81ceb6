//! The frozen bundles of `tests/fixtures/bundles` (written by the exporter, never rewritten),
//! whose files the targets edit, and re-signing an edited file so that it passes the
//! manifest's size and SHA-256 checks: the input of a bundle built wrong, or altered and
//! signed again.

use std::path::PathBuf;

use gnnrec_bundle::stored::store;
use gnnrec_bundle::{FileEntry, read_file, verify_file};

/// The folder of frozen bundle `name` (`v1-sage`, `v2-lightgcn`).
pub fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bundles").join(name)
}

/// The stored bytes of file `path` of frozen bundle `bundle`.
pub fn stored(bundle: &str, path: &str) -> Vec<u8> {
    read_file(&dir(bundle), path).unwrap_or_else(|e| panic!("fixture: {e}"))
}

/// The content (checked and gunzipped) of file `path` of frozen bundle `bundle`, stored as
/// `entry` says.
pub fn content(bundle: &str, path: &str, entry: &FileEntry) -> Vec<u8> {
    verify_file(path, entry, &stored(bundle, path)).unwrap_or_else(|e| panic!("fixture: {e}"))
}

/// Stores `content` with `entry`'s encoding, updates `entry` (size, SHA-256) to match, and
/// returns the stored bytes.
pub fn resign(entry: &mut FileEntry, content: &[u8]) -> Vec<u8> {
    let (stored, signed) = store(content, entry.encoding == "gzip");
    *entry = FileEntry { stored_as: entry.stored_as.take(), ..signed };
    stored
}
