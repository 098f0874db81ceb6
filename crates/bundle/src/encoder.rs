//! The MiniLM files of a bundle with text.

use std::collections::{BTreeMap, HashMap};

use gnnrec_text_encoder::{EncoderFiles, NamedBytes};

use crate::error::BundleError;
use crate::names::file_names;
use crate::stored::FileEntry;
use crate::stored::{BundleDir, open_listed};

/// The encoder's three files, checked and decompressed, ready for the encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderBytes {
    /// `config.json`.
    pub config: Vec<u8>,
    /// `tokenizer.json`.
    pub tokenizer: Vec<u8>,
    /// int8 safetensors weights (`docs/int8-weights.md`).
    pub weights: Vec<u8>,
}

/// Their paths in a bundle, in loading order.
pub const ENCODER_FILES: [&str; 3] =
    [file_names::ENCODER_CONFIG, file_names::ENCODER_TOKENIZER, file_names::ENCODER_WEIGHTS];

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

    /// Reads the files of an encoder folder (`config.json`, `tokenizer.json`,
    /// `model.int8.safetensors`).
    pub fn read_dir(dir: &std::path::Path) -> std::io::Result<Self> {
        use gnnrec_text_encoder::file_names as f;
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        };
        Ok(Self { config: read(f::CONFIG)?, tokenizer: read(f::TOKENIZER)?, weights: read(f::INT8_WEIGHTS)? })
    }

    /// Opens the three files of a manifest's list (`listed`: a v1 manifest's `files` or a
    /// v2 manifest's `core`) from their stored bytes (by path), each checked.
    pub fn from_listed(
        listed: &BTreeMap<String, FileEntry>,
        files: &HashMap<String, Vec<u8>>,
    ) -> Result<Self, BundleError> {
        let open = |name: &str| open_listed(listed, files, name);
        Ok(Self {
            config: open(file_names::ENCODER_CONFIG)?,
            tokenizer: open(file_names::ENCODER_TOKENIZER)?,
            weights: open(file_names::ENCODER_WEIGHTS)?,
        })
    }

    /// The encoder files of `listed` when `files` holds them, or `None` when it holds none
    /// of them: a reader that loads the encoder later, on the first query. Some but not all
    /// of them is an error naming a missing one.
    pub fn from_listed_if_given(
        listed: &BTreeMap<String, FileEntry>,
        files: &HashMap<String, Vec<u8>>,
    ) -> Result<Option<Self>, BundleError> {
        if ENCODER_FILES.iter().all(|name| !files.contains_key(*name)) {
            return Ok(None);
        }
        Self::from_listed(listed, files).map(Some)
    }

    /// Writes the three files (the config as it is, the others gzip-compressed).
    pub(crate) fn write(&self, out: &mut BundleDir) -> std::io::Result<()> {
        out.put(file_names::ENCODER_CONFIG, &self.config, false)?;
        out.put(file_names::ENCODER_TOKENIZER, &self.tokenizer, true)?;
        out.put(file_names::ENCODER_WEIGHTS, &self.weights, true)?;
        Ok(())
    }
}
