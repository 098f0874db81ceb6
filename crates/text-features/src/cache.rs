//! An append-only on-disk cache of sentence embeddings.
//!
//! File `embeddings-<model key>.bin` in the cache folder: a sequence of records, each
//! the 32-byte SHA-256 of a text followed by its embedding as little-endian `f32`s. The
//! model key is a SHA-256 over the encoder variant's name and the encoder's config,
//! tokenizer and weight files, so a different model, or the same model computed another
//! way, never reads another's vectors. A torn last record (a crash
//! while appending) is ignored and recomputed.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use gnnrec_text_encoder::EncoderError;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::FeatureError;

type TextHash = [u8; 32];

/// Embeddings by text hash, backed by one file per model.
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    dim: usize,
    entries: HashMap<TextHash, Vec<f32>>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FeatureError + '_ {
    move |source| FeatureError::Io { path: path.to_owned(), source }
}

impl EmbeddingCache {
    /// Opens (or starts) the cache for the model whose files are `model_files`, computed by
    /// the encoder `variant` (e.g. `"cpu-int8"`).
    pub fn open(
        dir: &Path,
        model_files: &[PathBuf],
        variant: &str,
        dim: usize,
    ) -> Result<Self, FeatureError> {
        let mut hasher = Sha256::new();
        hasher.update(variant.as_bytes());
        for file in model_files {
            hasher.update(std::fs::read(file).map_err(io(file))?);
        }
        let key: String = hasher.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect();
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(format!("embeddings-{key}.bin"));
        let mut entries = HashMap::new();
        match std::fs::read(&path) {
            Ok(bytes) => {
                for record in bytes.chunks_exact(32 + 4 * dim) {
                    let hash: TextHash = record[..32].try_into().expect("32 bytes");
                    let vector = record[32..]
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                        .collect();
                    entries.insert(hash, vector);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
        Ok(Self { path, dim, entries })
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of cached texts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn hash(text: &str) -> TextHash {
        Sha256::digest(text.as_bytes()).into()
    }

    /// The cached embedding of `text`.
    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.entries.get(&Self::hash(text)).map(Vec::as_slice)
    }

    /// Adds embeddings and appends them to the file.
    pub fn insert_all(&mut self, texts: &[&str], vectors: Vec<Vec<f32>>) -> Result<(), FeatureError> {
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(io(&self.path))?;
        let mut buffer = Vec::with_capacity(texts.len() * (32 + 4 * self.dim));
        for (text, vector) in texts.iter().zip(vectors) {
            assert_eq!(vector.len(), self.dim, "embedding width");
            let hash = Self::hash(text);
            buffer.extend_from_slice(&hash);
            buffer.extend(vector.iter().flat_map(|v| v.to_le_bytes()));
            self.entries.insert(hash, vector);
        }
        file.write_all(&buffer).map_err(io(&self.path))
    }
}

/// Embeds every text, encoding (in batches, with a progress bar) only those the cache
/// lacks and adding them to it. Returns one vector per text, in order.
pub fn encode_with_cache(
    encode_many: impl Fn(&[&str], usize) -> Result<Vec<Vec<f32>>, EncoderError>,
    cache: &mut EmbeddingCache,
    texts: &[String],
    batch_size: usize,
) -> Result<Vec<Vec<f32>>, FeatureError> {
    let mut missing: Vec<&str> =
        texts.iter().map(String::as_str).filter(|t| cache.get(t).is_none()).collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let bar = ProgressBar::new(missing.len() as u64).with_style(
            ProgressStyle::with_template("encoding item texts {bar:30} {pos}/{len} {elapsed}<{eta}")
                .expect("valid template"),
        );
        for chunk in missing.chunks(512) {
            let vectors = encode_many(chunk, batch_size)?;
            cache.insert_all(chunk, vectors)?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
    }
    Ok(texts.iter().map(|t| cache.get(t).expect("just encoded").to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_reopening_and_models_are_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let model_a = dir.path().join("a.bin");
        let model_b = dir.path().join("b.bin");
        std::fs::write(&model_a, b"weights a").unwrap();
        std::fs::write(&model_b, b"weights b").unwrap();
        let cache_dir = dir.path().join("cache");
        let mut cache = EmbeddingCache::open(&cache_dir, std::slice::from_ref(&model_a), "v", 2).unwrap();
        cache.insert_all(&["x", "y"], vec![vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        let reopened = EmbeddingCache::open(&cache_dir, std::slice::from_ref(&model_a), "v", 2).unwrap();
        assert_eq!(reopened.get("y"), Some(&[3.0, 4.0][..]));
        assert_eq!(reopened.len(), 2);
        let other = EmbeddingCache::open(&cache_dir, &[model_b], "v", 2).unwrap();
        assert!(other.is_empty());
    }

    #[test]
    fn a_torn_last_record_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.bin");
        std::fs::write(&model, b"m").unwrap();
        let mut cache = EmbeddingCache::open(dir.path(), std::slice::from_ref(&model), "v", 2).unwrap();
        cache.insert_all(&["x", "y"], vec![vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        let len = std::fs::metadata(cache.path()).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(cache.path()).unwrap();
        file.set_len(len - 3).unwrap();
        let reopened = EmbeddingCache::open(dir.path(), &[model], "v", 2).unwrap();
        assert_eq!((reopened.get("x"), reopened.get("y")), (Some(&[1.0, 2.0][..]), None));
    }
}
