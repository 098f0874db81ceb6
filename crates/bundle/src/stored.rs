//! How bundle files are stored: gzip-compressed or as they are, written into a bundle
//! folder with their manifest entry ([`BundleDir`]), and read back and checked against it
//! ([`verify_file`]).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use serde::{Deserialize, Serialize};

use crate::error::{BundleError, ContentError, ManifestError};
use crate::names::file_names;

/// Size, checksum and encoding of one stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Stored size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// `identity` or `gzip` (then the content is the gunzipped bytes).
    pub encoding: String,
    /// Where the file is stored, relative to the manifest, when not under its name: files a
    /// manifest lists by name are stored under a name made of their content hash
    /// ([`addressed_path`]), so a new version never overwrites a file an older one uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_as: Option<String>,
}

impl FileEntry {
    /// The path of file `name` (its manifest key) in the bundle folder.
    pub fn stored_path<'a>(&'a self, name: &'a str) -> &'a str {
        self.stored_as.as_deref().unwrap_or(name)
    }
}

/// The content-addressed path of file `name` whose stored bytes have the SHA-256 `sha256`:
/// the first 16 hex digits before the file's type extension (and `.gz`):
/// `encoder/config.json` → `encoder/config.0123456789abcdef.json`,
/// `model.int8.safetensors.gz` → `model.int8.0123456789abcdef.safetensors.gz`.
pub fn addressed_path(name: &str, sha256: &str) -> String {
    let hash = &sha256[..16.min(sha256.len())];
    let (base, gz) = name.strip_suffix(".gz").map_or((name, ""), |base| (base, ".gz"));
    let file_start = base.rfind('/').map_or(0, |i| i + 1);
    match base[file_start..].rfind('.') {
        Some(dot) => {
            let (stem, extension) = base.split_at(file_start + dot);
            format!("{stem}.{hash}{extension}{gz}")
        }
        None => format!("{base}.{hash}{gz}"),
    }
}

/// Largest size a gzip file may expand to (guards against decompression bombs).
const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored bytes of `content` (gzip-compressed when `gzip`) and their manifest entry.
pub fn store(content: &[u8], gzip: bool) -> (Vec<u8>, FileEntry) {
    let stored = if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(content).expect("writing to memory");
        encoder.finish().expect("writing to memory")
    } else {
        content.to_vec()
    };
    let entry = FileEntry {
        bytes: stored.len() as u64,
        sha256: sha256_hex(&stored),
        encoding: if gzip { "gzip" } else { "identity" }.to_string(),
        stored_as: None,
    };
    (stored, entry)
}

/// Checks a stored file against its manifest entry (size, then SHA-256) and returns its
/// content, gunzipped when its encoding is gzip; errors name the file.
pub fn verify_file(name: &str, entry: &FileEntry, stored: &[u8]) -> Result<Vec<u8>, BundleError> {
    if stored.len() as u64 != entry.bytes {
        return Err(BundleError::Size {
            file: name.into(),
            expected: entry.bytes,
            found: stored.len() as u64,
        });
    }
    let digest = sha256_hex(stored);
    if digest != entry.sha256.to_ascii_lowercase() {
        return Err(BundleError::Checksum {
            file: name.into(),
            expected: entry.sha256.clone(),
            found: digest,
        });
    }
    match entry.encoding.as_str() {
        "identity" => Ok(stored.to_vec()),
        "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(stored)
                .take(MAX_INFLATED_BYTES)
                .read_to_end(&mut out)
                .map_err(|e| BundleError::content(name, ContentError::Gzip(e)))?;
            Ok(out)
        }
        other => Err(BundleError::content(name, ContentError::Encoding(other.into()))),
    }
}

/// The content of file `name` listed in `listed` (a manifest's file entries), from its
/// stored bytes in `files` (by path), checked (size, SHA-256) and decompressed.
pub fn open_listed(
    listed: &BTreeMap<String, FileEntry>,
    files: &HashMap<String, Vec<u8>>,
    name: &str,
) -> Result<Vec<u8>, BundleError> {
    let entry = listed.get(name).ok_or_else(|| BundleError::Manifest {
        file: file_names::MANIFEST.into(),
        error: ManifestError::Unlisted { file: name.into() },
    })?;
    let stored = files.get(name).ok_or_else(|| BundleError::Missing { file: name.into() })?;
    verify_file(name, entry, stored)
}

/// The stored bytes of the files `names` of the bundle folder `dir`, by name, unchecked;
/// each is read from where `listed` (a manifest's file entries) says it is stored, and a name
/// it does not list is an error.
pub fn read_listed<'a>(
    dir: &Path,
    listed: &BTreeMap<String, FileEntry>,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, Vec<u8>>, BundleError> {
    let mut files = HashMap::new();
    for name in names {
        let entry = listed.get(name).ok_or_else(|| BundleError::Manifest {
            file: file_names::MANIFEST.into(),
            error: ManifestError::Unlisted { file: name.into() },
        })?;
        files.insert(name.to_string(), read_file(dir, entry.stored_path(name))?);
    }
    Ok(files)
}

/// Reads file `name` of the bundle folder `dir`; errors name the path.
pub fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, BundleError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BundleError::Missing { file: path.display().to_string() },
        _ => BundleError::Read { file: path.display().to_string(), error: e },
    })
}

/// A bundle folder being written: each file is stored and written under its path, and its
/// manifest entry is kept for the manifest, which is written last.
pub struct BundleDir {
    root: PathBuf,
    entries: BTreeMap<String, FileEntry>,
}

impl BundleDir {
    /// Writes into `root` (created when needed).
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf(), entries: BTreeMap::new() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `content` as file `name` (gzip-compressed when `gzip`), under its
    /// content-addressed path ([`addressed_path`]); returns its entry.
    pub fn put(&mut self, name: &str, content: &[u8], gzip: bool) -> std::io::Result<FileEntry> {
        let (stored, entry) = store(content, gzip);
        self.put_stored(name, &stored, entry)
    }

    /// Writes already-stored bytes as file `name` with their entry (files copied from
    /// another bundle as they are), under their content-addressed path; returns the entry.
    pub fn put_stored(&mut self, name: &str, stored: &[u8], entry: FileEntry) -> std::io::Result<FileEntry> {
        let path = addressed_path(name, &entry.sha256);
        self.write(&path, stored)?;
        let entry = FileEntry { stored_as: Some(path), ..entry };
        self.entries.insert(name.to_string(), entry.clone());
        Ok(entry)
    }

    /// Stores `content` (gzip-compressed when `gzip`) under a name made of its SHA-256,
    /// `{prefix}{first 16 hex digits}{suffix}`, and returns that path and its entry; the
    /// caller lists it (a v2 manifest's shard and directory lists).
    pub fn put_addressed(
        &mut self,
        prefix: &str,
        suffix: &str,
        content: &[u8],
        gzip: bool,
    ) -> std::io::Result<(String, FileEntry)> {
        let (stored, entry) = store(content, gzip);
        let path = format!("{prefix}{}{suffix}", &entry.sha256[..16]);
        self.write(&path, &stored)?;
        Ok((path, entry))
    }

    /// Writes `bytes` as file `name` without listing it (the manifest and its gzip copy).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| with_path(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| with_path(&path, e))?;
        Ok(())
    }

    /// The entries of the files put so far, by path, and forgets them (one manifest's list).
    pub fn take_entries(&mut self) -> BTreeMap<String, FileEntry> {
        std::mem::take(&mut self.entries)
    }

    /// Removes file `name` if it exists (a file of another format version).
    pub fn remove(&self, name: &str) -> std::io::Result<()> {
        let path = self.root.join(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(with_path(&path, e)),
            _ => Ok(()),
        }
    }
}

/// An I/O error whose message names `path`.
pub(crate) fn with_path(path: &Path, error: std::io::Error) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_file_verifies_and_every_damage_is_named() {
        let (stored, entry) = store(b"hello hello hello", true);
        assert_eq!(verify_file("a.gz", &entry, &stored).unwrap(), b"hello hello hello");
        let short = verify_file("a.gz", &entry, &stored[1..]).unwrap_err();
        assert!(matches!(short, BundleError::Size { ref file, .. } if file == "a.gz"), "{short}");
        let mut flipped = stored.clone();
        flipped[3] ^= 1;
        let error = verify_file("a.gz", &entry, &flipped).unwrap_err();
        assert!(matches!(error, BundleError::Checksum { .. }), "{error}");
        let (plain, plain_entry) = store(b"not gzip", false);
        let gzip_entry = FileEntry { encoding: "gzip".into(), ..plain_entry.clone() };
        let error = verify_file("b", &gzip_entry, &plain).unwrap_err();
        assert!(matches!(error, BundleError::Content { error: ContentError::Gzip(_), .. }), "{error}");
        let brotli = FileEntry { encoding: "br".into(), ..plain_entry };
        let error = verify_file("b", &brotli, &plain).unwrap_err();
        assert!(
            matches!(error, BundleError::Content { error: ContentError::Encoding(ref e), .. } if e == "br")
        );
    }

    #[test]
    fn a_folder_lists_what_was_put_under_content_addressed_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = BundleDir::new(dir.path());
        let entry = out.put("core/popular.json.gz", b"new", true).unwrap();
        let path = entry.stored_as.clone().unwrap();
        assert_eq!(path, format!("core/popular.{}.json.gz", &entry.sha256[..16]));
        assert_eq!(entry.stored_path("core/popular.json.gz"), path);
        assert_eq!(read_file(dir.path(), &path).unwrap().len() as u64, entry.bytes);
        assert!(!dir.path().join("core/popular.json.gz").exists());
        assert_eq!(out.take_entries().keys().collect::<Vec<_>>(), ["core/popular.json.gz"]);
        let h = "0123456789abcdef00";
        assert_eq!(addressed_path("tokenizer", h), "tokenizer.0123456789abcdef");
        assert_eq!(
            addressed_path("a.b/model.int8.safetensors.gz", h),
            "a.b/model.int8.0123456789abcdef.safetensors.gz"
        );
        assert_eq!(addressed_path("encoder/config.json", h), "encoder/config.0123456789abcdef.json");
        assert_eq!(addressed_path("data.gz", h), "data.0123456789abcdef.gz");
        let missing = read_file(dir.path(), "nothing").unwrap_err();
        assert!(matches!(missing, BundleError::Missing { ref file } if file.ends_with("nothing")));
    }
}
