//! `versions.json`: the versions a bundle folder has published, newest first, each with the
//! files its manifest lists. Every listed file is content-addressed, so a re-export into the
//! same folder never overwrites a file an older version uses; [`Versions::publish`] then
//! keeps the files of the newest versions (a tab opened before the update, or a host that
//! serves a stale cached manifest for a while, still finds them) and removes the rest.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::BundleError;
use crate::manifest::parse_manifest;
use crate::names::file_names;
use crate::sharded_manifest::{SHARDED_VERSION, ShardedManifest};
use crate::stored::{read_file, sha256_hex, with_path};

/// The file that lists the versions.
pub const VERSIONS_FILE: &str = "versions.json";

/// Versions a re-export keeps by default (the new one included).
pub const DEFAULT_KEEP_VERSIONS: usize = 3;

/// The published versions of a bundle folder, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    /// Newest first.
    pub versions: Vec<Version>,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// SHA-256 of its `manifest.json`.
    pub manifest_sha256: String,
    /// The files its manifest lists, by stored path.
    pub files: Vec<String>,
}

/// What [`Versions::publish`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// Versions whose files are kept, the new one included.
    pub kept_versions: usize,
    /// Files removed (listed only by older versions, or by no version).
    pub removed_files: usize,
}

impl Versions {
    /// The versions of the bundle folder `dir` before an export writes into it: its
    /// `versions.json`, with the manifest now in the folder recorded first when the list
    /// does not have it yet (a folder written before versions were recorded). An empty list
    /// for a folder without a bundle; a manifest that does not parse is not recorded (an
    /// export must be able to replace a broken bundle).
    pub fn read(dir: &Path) -> Result<Self, BundleError> {
        let mut versions = match read_file(dir, VERSIONS_FILE) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| BundleError::Versions { file: VERSIONS_FILE.into(), error })?,
            Err(BundleError::Missing { .. }) => Versions::default(),
            Err(e) => return Err(e),
        };
        if let Ok(Some(live)) = live_version(dir)
            && versions.versions.first().map(|v| &v.manifest_sha256) != Some(&live.manifest_sha256)
        {
            versions.versions.retain(|v| v.manifest_sha256 != live.manifest_sha256);
            versions.versions.insert(0, live);
        }
        Ok(versions)
    }

    /// Records the manifest now in `dir` as the newest version, keeps the files of the
    /// `keep` newest versions (at least the new one), removes every other bundle file of
    /// the folder and writes `versions.json`. Only files the bundle format names are
    /// removed: content-addressed files, the fixed names of older bundles, and anything
    /// under `shards/`, `directory/`, `core/` and `encoder/`.
    pub fn publish(mut self, dir: &Path, keep: usize) -> Result<Published, BundleError> {
        let Some(new) = live_version(dir)? else {
            return Err(BundleError::Missing { file: dir.join(file_names::MANIFEST).display().to_string() });
        };
        self.versions.retain(|v| v.manifest_sha256 != new.manifest_sha256);
        self.versions.insert(0, new);
        self.versions.truncate(keep.max(1));
        let kept: BTreeSet<&str> =
            self.versions.iter().flat_map(|v| v.files.iter().map(String::as_str)).collect();
        let mut removed_files = 0;
        for path in bundle_files(dir)? {
            if !kept.contains(path.as_str()) {
                let full = dir.join(&path);
                std::fs::remove_file(&full).map_err(|e| BundleError::write(with_path(&full, e)))?;
                removed_files += 1;
            }
        }
        let bytes = serde_json::to_vec_pretty(&self).expect("the versions serialize");
        let path = dir.join(VERSIONS_FILE);
        std::fs::write(&path, bytes).map_err(|e| BundleError::write(with_path(&path, e)))?;
        Ok(Published { kept_versions: self.versions.len(), removed_files })
    }
}

/// The version of the manifest now in `dir` (`None` without one).
fn live_version(dir: &Path) -> Result<Option<Version>, BundleError> {
    let bytes = match read_file(dir, file_names::MANIFEST) {
        Ok(bytes) => bytes,
        Err(BundleError::Missing { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Version { manifest_sha256: sha256_hex(&bytes), files: listed_files(&bytes)? }))
}

/// The stored paths of every file a v1 or v2 manifest lists.
pub fn listed_files(manifest: &[u8]) -> Result<Vec<String>, BundleError> {
    let version = serde_json::from_slice::<serde_json::Value>(manifest)
        .ok()
        .and_then(|m| m.get("version").and_then(serde_json::Value::as_u64));
    if version == Some(u64::from(SHARDED_VERSION)) {
        let m = ShardedManifest::parse(manifest)?;
        let core = m.core.iter().map(|(name, entry)| entry.stored_path(name).to_string());
        let shards = m.gnn_shards.iter().chain(&m.text_shards).chain(&m.directory).map(|s| s.path.clone());
        Ok(core.chain(shards).collect())
    } else {
        let m = parse_manifest(manifest)?;
        Ok(m.files.iter().map(|(name, entry)| entry.stored_path(name).to_string()).collect())
    }
}

/// Sub-folders whose every file belongs to the bundle.
const BUNDLE_FOLDERS: [&str; 4] = ["shards", "directory", "core", "encoder"];

/// The files of `dir` the bundle format names (see [`Versions::publish`]), by path.
fn bundle_files(dir: &Path) -> Result<Vec<String>, BundleError> {
    let list = |folder: &Path| -> Result<Vec<String>, BundleError> {
        let listing = match std::fs::read_dir(folder) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BundleError::Read { file: folder.display().to_string(), error: e }),
        };
        Ok(listing
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect())
    };
    let legacy = [file_names::ITEMS, file_names::TENSORS, file_names::TEXT_INDEX];
    let mut files: Vec<String> =
        list(dir)?.into_iter().filter(|name| legacy.contains(&name.as_str()) || is_addressed(name)).collect();
    for folder in BUNDLE_FOLDERS {
        files.extend(list(&dir.join(folder))?.into_iter().map(|name| format!("{folder}/{name}")));
    }
    Ok(files)
}

/// Whether a file name carries a content hash (`stem.0123456789abcdef.ext`).
fn is_addressed(name: &str) -> bool {
    name.split('.').any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::stored::{BundleDir, FileEntry, store};

    /// Writes a v1 manifest listing `files` into `dir`.
    fn write_manifest(dir: &Path, files: &BTreeMap<String, FileEntry>) {
        let manifest = serde_json::json!({
            "format": "gnnrec-bundle", "version": 1, "created_by": "test",
            "model": {"kind": "sage", "dim": 1, "n_items": 1, "n_users_trained": 0, "mlp_head": false, "fold_in_map": false},
            "text": null, "cluster_labels": [],
            "ranking": {"text_weight": 1.0, "gnn_weight": 1.0, "cluster_probe": 1, "cluster_members": 1,
                "history_half_life_days": 1.0, "history_floor": 0.1,
                "fold_in": {"degree_exponent": 0.0}},
            "files": files,
        });
        std::fs::write(dir.join(file_names::MANIFEST), serde_json::to_vec(&manifest).unwrap()).unwrap();
    }

    /// Exports `files` (content-addressed) and their manifest into `dir`; their stored paths.
    fn export(dir: &Path, files: &[(&str, &[u8])]) -> Vec<String> {
        let mut out = BundleDir::new(dir);
        for (name, content) in files {
            out.put(name, content, false).unwrap();
        }
        let entries = out.take_entries();
        write_manifest(dir, &entries);
        entries.iter().map(|(name, e)| e.stored_path(name).to_string()).collect()
    }

    #[test]
    fn a_re_export_keeps_the_newest_versions_files_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("notes.txt"), b"the owner's").unwrap();
        let mut written = Vec::new();
        for round in 0..4u8 {
            let versions = Versions::read(d).unwrap();
            assert_eq!(versions.versions.len(), usize::from(round.min(2)));
            written.push(export(d, &[("items.json.gz", &[round; 8]), ("encoder/config.json", b"same")]));
            let published = versions.publish(d, 2).unwrap();
            assert_eq!(published.kept_versions, usize::from(round.min(1) + 1));
            assert_eq!(published.removed_files, usize::from(round >= 2));
        }
        for (round, files) in written.iter().enumerate() {
            for file in files {
                let shared = file.starts_with("encoder/");
                assert_eq!(d.join(file).exists(), round >= 2 || shared, "round {round}: {file}");
            }
        }
        assert!(d.join("notes.txt").exists(), "files the format does not name are left alone");
    }

    #[test]
    fn a_folder_from_before_versions_has_its_live_manifest_recorded_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // An older export: a fixed name, no `stored_as`, no versions.json.
        let (stored, entry) = store(b"old items", false);
        std::fs::write(d.join(file_names::ITEMS), stored).unwrap();
        write_manifest(d, &BTreeMap::from([(file_names::ITEMS.to_string(), entry)]));
        let versions = Versions::read(d).unwrap();
        assert_eq!(versions.versions.len(), 1);
        assert_eq!(versions.versions[0].files, [file_names::ITEMS]);
        export(d, &[(file_names::ITEMS, b"new items")]);
        versions.publish(d, 3).unwrap();
        assert!(
            d.join(file_names::ITEMS).exists(),
            "the older export's files are kept while it is among the newest"
        );
        let listed: Versions =
            serde_json::from_slice(&std::fs::read(d.join(VERSIONS_FILE)).unwrap()).unwrap();
        assert_eq!(listed.versions.len(), 2);
        Versions::read(d).unwrap().publish(d, 1).unwrap();
        assert!(!d.join(file_names::ITEMS).exists(), "and removed once it is not");
    }

    #[test]
    fn damaged_version_lists_and_manifests_are_errors_that_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(VERSIONS_FILE), b"{not json").unwrap();
        let error = Versions::read(dir.path()).unwrap_err();
        assert!(error.to_string().contains(VERSIONS_FILE), "{error}");
        std::fs::remove_file(dir.path().join(VERSIONS_FILE)).unwrap();
        std::fs::write(
            dir.path().join(file_names::MANIFEST),
            br#"{"format": "gnnrec-bundle", "version": 1}"#,
        )
        .unwrap();
        let versions = Versions::read(dir.path()).unwrap();
        assert_eq!(versions, Versions::default(), "a broken bundle can be replaced");
        let error = versions.publish(dir.path(), 3).unwrap_err();
        assert!(error.to_string().contains(file_names::MANIFEST), "but not published: {error}");
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(Versions::read(empty.path()).unwrap(), Versions::default());
        assert!(
            Versions::default().publish(empty.path(), 3).is_err(),
            "nothing to publish without a manifest"
        );
    }

    #[test]
    fn addressed_names_are_recognised() {
        assert!(is_addressed("items.0123456789abcdef.json.gz"));
        assert!(!is_addressed("items.json.gz"));
        assert!(!is_addressed("notes.txt"));
    }
}
