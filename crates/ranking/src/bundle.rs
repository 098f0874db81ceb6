//! Loading a bundle from its files, checking everything before use.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

use gnnrec_text_encoder::{EncoderFiles, NamedBytes};
use sha2::{Digest, Sha256};

use crate::clusters::ClusterIndex;
use crate::error::{BundleError, ContentError, ManifestError, PartsError};
use crate::head_tensors::read_head;
use crate::items::ItemMeta;
use crate::manifest::{FORMAT_NAME, FORMAT_VERSION, FileEntry, Manifest, TextInfo, file_names};
use crate::ranker::{Ranker, RankerParts, TextSide};
use crate::scorer::Scorer;
use crate::tensors::{TensorError, Tensors, tensor_names as t};
use crate::text_index::TextIndex;
use crate::text_space::{AffineMap, TextProjection};

/// Largest size a gzip file may expand to (guards against decompression bombs).
const MAX_INFLATED_BYTES: u64 = 1 << 30;

/// The MiniLM files of a bundle, checked and decompressed, ready for the encoder.
pub struct EncoderBytes {
    /// `config.json`.
    pub config: Vec<u8>,
    /// `tokenizer.json`.
    pub tokenizer: Vec<u8>,
    /// int8 safetensors weights.
    pub weights: Vec<u8>,
}

impl EncoderBytes {
    /// The files as [`TextEncoder::from_files`](gnnrec_text_encoder::TextEncoder::from_files)
    /// reads them, named by their paths in the bundle. The one way from bundle bytes to an
    /// encoder, natively and in the browser.
    pub fn files(&self) -> EncoderFiles<'_> {
        EncoderFiles {
            config: NamedBytes { name: file_names::ENCODER_CONFIG, bytes: &self.config },
            weights: NamedBytes { name: file_names::ENCODER_WEIGHTS, bytes: &self.weights },
            tokenizer: NamedBytes { name: file_names::ENCODER_TOKENIZER, bytes: &self.tokenizer },
        }
    }
}

/// A loaded bundle.
pub struct Bundle {
    /// The manifest.
    pub manifest: Manifest,
    /// The ranker over its items.
    pub ranker: Ranker,
    /// The encoder files (bundles with item text only).
    pub encoder: Option<EncoderBytes>,
}

impl Bundle {
    /// Parses and checks `manifest.json`.
    pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, BundleError> {
        parse_versioned(bytes, FORMAT_VERSION)
    }

    /// The files a manifest requires, in loading order.
    pub fn required_files(manifest: &Manifest) -> Vec<&'static str> {
        let mut files = vec![file_names::ITEMS, file_names::TENSORS];
        if manifest.text.is_some() {
            files.extend([
                file_names::TEXT_INDEX,
                file_names::ENCODER_CONFIG,
                file_names::ENCODER_TOKENIZER,
                file_names::ENCODER_WEIGHTS,
            ]);
        }
        files
    }

    /// Builds the bundle from the manifest and the stored bytes of its files (by path).
    /// Every file is checked against the manifest (size, SHA-256) before it is decoded.
    pub fn from_files(manifest: Manifest, files: &HashMap<String, Vec<u8>>) -> Result<Self, BundleError> {
        let open = |name: &str| Self::open(&manifest, files, name);
        let m = &manifest.model;
        check_fold_in(&manifest.ranking.fold_in, m.dim)?;
        let (n, d) = (m.n_items, m.dim);

        let items_bytes = open(file_names::ITEMS)?;
        let items: Vec<ItemMeta> = serde_json::from_slice(&items_bytes)
            .map_err(|e| BundleError::content(file_names::ITEMS, ContentError::Json(e)))?;
        if items.len() != n {
            return Err(BundleError::content(
                file_names::ITEMS,
                ContentError::ItemCount { found: items.len(), expected: n },
            ));
        }

        /// An error in the tensors file.
        fn content(error: impl Into<ContentError>) -> BundleError {
            BundleError::content(file_names::TENSORS, error)
        }
        let tensor_bytes = open(file_names::TENSORS)?;
        let tensors = Tensors::parse(&tensor_bytes).map_err(content)?;
        let values = tensors.i8(t::ITEM_VALUES, &[n, d]).map_err(content)?;
        let scales = tensors.f32(t::ITEM_SCALES, &[n]).map_err(content)?;
        let embeddings = crate::quantized::Int8Matrix { rows: n, dim: d, values, scales }.dequantize();
        let head = if m.mlp_head { Some(read_head(&tensors, d).map_err(content)?) } else { None };
        let history_map = read_fold_in_map(&tensors, d, m.fold_in_map).map_err(content)?;
        let k = manifest.cluster_labels.len();
        let clusters = ClusterIndex::from_assignment(
            tensors.f32(t::CENTROIDS, &[k, d]).map_err(content)?,
            d,
            &tensors.u32(t::ASSIGNMENT, &[n]).map_err(content)?,
            &tensors.u32(t::ORDER, &[n]).map_err(content)?,
            manifest.cluster_labels.clone(),
        )
        .map_err(content)?;

        let (text, encoder) = match &manifest.text {
            None => (None, None),
            Some(info) => {
                let (projection, tower) = read_text_maps(&tensors, info, d).map_err(content)?;
                let index = TextIndex::from_bytes(&open(file_names::TEXT_INDEX)?, n, info.dim)
                    .map_err(|e| BundleError::content(file_names::TEXT_INDEX, e))?;
                (Some(TextSide { projection, index, tower }), Some(read_encoder(&open)?))
            }
        };
        let parts = RankerParts {
            config: manifest.ranking.clone(),
            scorer: Scorer::new(head, &embeddings),
            items,
            embeddings,
            dim: d,
            mean_user: tensors.f32(t::MEAN_USER, &[d]).map_err(content)?,
            history_map,
            popularity: tensors.u32(t::POPULARITY, &[n]).map_err(content)?,
            clusters,
            text,
        };
        let ranker = Ranker::new(parts).map_err(|e| match e {
            PartsError::DuplicateId { .. } => BundleError::content(file_names::ITEMS, e),
            _ => content(e),
        })?;
        Ok(Self { manifest, ranker, encoder })
    }

    /// The content of file `name` from its stored bytes in `files`, checked against the
    /// manifest (size, SHA-256) and decompressed.
    pub fn open(
        manifest: &Manifest,
        files: &HashMap<String, Vec<u8>>,
        name: &str,
    ) -> Result<Vec<u8>, BundleError> {
        open_listed(&manifest.files, files, name)
    }

    /// Reads a bundle directory.
    pub fn read_dir(dir: &std::path::Path) -> Result<Self, BundleError> {
        let (manifest, files) = Self::read_stored(dir)?;
        Self::from_files(manifest, &files)
    }

    /// Reads a bundle directory's manifest and the stored bytes of its files, unchecked
    /// (for [`Bundle::from_files`] and [`Bundle::open`]).
    pub fn read_stored(dir: &std::path::Path) -> Result<(Manifest, HashMap<String, Vec<u8>>), BundleError> {
        let manifest = Self::parse_manifest(&read_file(dir, file_names::MANIFEST)?)?;
        let mut files = HashMap::new();
        for name in Self::required_files(&manifest) {
            files.insert(name.to_string(), read_file(dir, name)?);
        }
        Ok((manifest, files))
    }
}

/// The content of file `name` listed in `listed` (a manifest's file entries), from its
/// stored bytes in `files`, checked (size, SHA-256) and decompressed.
pub(crate) fn open_listed(
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

/// The fold-in map (`fold_in.*`), when the model has one (`present`).
pub(crate) fn read_fold_in_map(
    tensors: &Tensors<'_>,
    d: usize,
    present: bool,
) -> Result<Option<AffineMap>, TensorError> {
    if !present {
        return Ok(None);
    }
    Ok(Some(AffineMap {
        weight: tensors.f32(t::FOLD_IN_WEIGHT, &[d, d])?,
        bias: tensors.f32(t::FOLD_IN_BIAS, &[d])?,
    }))
}

/// The text projection (MiniLM → text space) and the query tower (text space → users).
pub(crate) fn read_text_maps(
    tensors: &Tensors<'_>,
    info: &TextInfo,
    d: usize,
) -> Result<(TextProjection, AffineMap), TensorError> {
    let projection = TextProjection {
        mean: tensors.f32(t::TEXT_MEAN, &[info.encoder_dim])?,
        components: tensors.f32(t::TEXT_COMPONENTS, &[info.dim, info.encoder_dim])?,
    };
    let tower = AffineMap {
        weight: tensors.f32(t::TOWER_WEIGHT, &[info.dim, d])?,
        bias: tensors.f32(t::TOWER_BIAS, &[d])?,
    };
    Ok((projection, tower))
}

/// The encoder's three files, through `open` (which checks them).
pub(crate) fn read_encoder(
    open: &dyn Fn(&str) -> Result<Vec<u8>, BundleError>,
) -> Result<EncoderBytes, BundleError> {
    Ok(EncoderBytes {
        config: open(file_names::ENCODER_CONFIG)?,
        tokenizer: open(file_names::ENCODER_TOKENIZER)?,
        weights: open(file_names::ENCODER_WEIGHTS)?,
    })
}

/// Refuses fold-in blocks that do not cover the model's `dim` columns.
pub(crate) fn check_fold_in(fold_in: &crate::FoldInConfig, dim: usize) -> Result<(), BundleError> {
    match fold_in.column_blocks(dim) {
        Ok(_) => Ok(()),
        Err(error) => Err(BundleError::Manifest { file: file_names::MANIFEST.into(), error }),
    }
}

/// Parses a `manifest.json` of format version `supported`: the `format` name is checked
/// first, then the version (refused by number), then the fields.
pub(crate) fn parse_versioned<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    supported: u32,
) -> Result<T, BundleError> {
    let file = file_names::MANIFEST;
    let json = |e| BundleError::Manifest { file: file.into(), error: ManifestError::Json(e) };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json)?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(BundleError::Manifest { file: file.into(), error: ManifestError::Format });
    }
    let found = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    if found != supported {
        return Err(BundleError::Version { file: file.into(), found, supported });
    }
    serde_json::from_value(value).map_err(json)
}

/// Reads file `name` of the bundle directory `dir`; errors name the path.
pub fn read_file(dir: &std::path::Path, name: &str) -> Result<Vec<u8>, BundleError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BundleError::Missing { file: path.display().to_string() },
        _ => BundleError::Read { file: path.display().to_string(), error: e },
    })
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores `content` as a bundle file: gzip-compressed when `gzip`, with its manifest entry.
pub fn store_file(content: &[u8], gzip: bool) -> (Vec<u8>, FileEntry) {
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
