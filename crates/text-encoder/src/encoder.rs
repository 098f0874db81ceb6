//! The public encoder: tokenizer + word table + BERT stack on a burn backend.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

use crate::config::BertConfig;
use crate::error::{EncoderError, Result};
use crate::model::Bert;
use crate::token_table::TokenTable;
use crate::tokenize::{Batch, SentenceTokenizer};
use crate::weights::{WeightFormat, Weights};

/// Width of the sentence embeddings of all-MiniLM-L6-v2.
pub const EMBEDDING_DIM: usize = 384;

/// File names inside a model directory.
pub mod file_names {
    /// HuggingFace BERT config.
    pub const CONFIG: &str = "config.json";
    /// HuggingFace fast-tokenizer definition.
    pub const TOKENIZER: &str = "tokenizer.json";
    /// Original f32 weights.
    pub const F32_WEIGHTS: &str = "model.safetensors";
    /// int8 weights written by [`crate::quantize::quantize_safetensors`].
    pub const INT8_WEIGHTS: &str = "model.int8.safetensors";
}

/// File contents together with the name used in error messages.
#[derive(Debug, Clone, Copy)]
pub struct NamedBytes<'a> {
    /// Name shown in errors (a path or URL).
    pub name: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
}

/// The three files an encoder is made from.
#[derive(Debug, Clone, Copy)]
pub struct EncoderFiles<'a> {
    /// `config.json`.
    pub config: NamedBytes<'a>,
    /// `model.safetensors` or `model.int8.safetensors`.
    pub weights: NamedBytes<'a>,
    /// `tokenizer.json`.
    pub tokenizer: NamedBytes<'a>,
}

/// What every encoder is built from: the parsed config, tokenizer and weights, and the
/// word table, checked against each other.
pub(crate) struct Parts<'a> {
    pub config: BertConfig,
    pub tokenizer: SentenceTokenizer,
    pub weights: Weights<'a>,
    pub words: TokenTable,
}

impl<'a> Parts<'a> {
    /// Parses `files`; a tokenizer whose vocabulary differs from the word table is an error.
    pub fn parse(files: &EncoderFiles<'a>) -> Result<Self> {
        let config = BertConfig::from_json(files.config.name, files.config.bytes)?;
        let tokenizer = SentenceTokenizer::from_bytes(files.tokenizer.name, files.tokenizer.bytes)?;
        let weights = Weights::parse(files.weights.name, files.weights.bytes)?;
        let words =
            weights.table("embeddings.word_embeddings.weight", config.vocab_size, config.hidden_size)?;
        if tokenizer.vocab_size() != words.rows() {
            return Err(EncoderError::TokenizerMismatch {
                tokenizer_file: files.tokenizer.name.to_string(),
                weights_file: files.weights.name.to_string(),
                message: format!(
                    "the tokenizer has {} tokens but embeddings.word_embeddings.weight has {} rows",
                    tokenizer.vocab_size(),
                    words.rows()
                ),
            });
        }
        Ok(Self { config, tokenizer, weights, words })
    }
}

/// Reads `config.json`, `tokenizer.json` and the weights of `format` from a model directory
/// and hands them to `build`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn read_dir<T>(
    dir: &std::path::Path,
    format: WeightFormat,
    build: impl FnOnce(&EncoderFiles<'_>) -> Result<T>,
) -> Result<T> {
    let weights_file = match format {
        WeightFormat::F32 => file_names::F32_WEIGHTS,
        WeightFormat::Int8 => file_names::INT8_WEIGHTS,
    };
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path)
            .map(|bytes| (path.display().to_string(), bytes))
            .map_err(|source| EncoderError::Io { path: path.display().to_string(), source })
    };
    let (config, tokenizer, weights) =
        (read(file_names::CONFIG)?, read(file_names::TOKENIZER)?, read(weights_file)?);
    build(&EncoderFiles {
        config: NamedBytes { name: &config.0, bytes: &config.1 },
        weights: NamedBytes { name: &weights.0, bytes: &weights.1 },
        tokenizer: NamedBytes { name: &tokenizer.0, bytes: &tokenizer.1 },
    })
}

/// A loaded sentence encoder on backend `B`.
pub struct TextEncoder<B: Backend> {
    tokenizer: SentenceTokenizer,
    words: TokenTable,
    model: Bert<B>,
    format: WeightFormat,
    hidden: usize,
    device: B::Device,
}

impl<B: Backend> TextEncoder<B> {
    /// Builds an encoder from file contents, validating every tensor and the tokenizer.
    pub fn from_files(files: &EncoderFiles<'_>, device: &B::Device) -> Result<Self> {
        let Parts { config, tokenizer, weights, words } = Parts::parse(files)?;
        let model = Bert::load(&config, &weights, device)?;
        Ok(Self {
            tokenizer,
            words,
            model,
            format: weights.format(),
            hidden: config.hidden_size,
            device: device.clone(),
        })
    }

    /// Loads `config.json`, `tokenizer.json` and the weights of `format` from a model directory.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(dir: &std::path::Path, format: WeightFormat, device: &B::Device) -> Result<Self> {
        read_dir(dir, format, |files| Self::from_files(files, device))
    }

    /// How the loaded weights were stored.
    pub fn format(&self) -> WeightFormat {
        self.format
    }

    /// Token ids of `text` as the model sees them (`[CLS]` … `[SEP]`, at most 256).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.tokenize(&[text])?.remove(0))
    }

    /// Encodes `texts` as one padded batch, reading the result back synchronously.
    ///
    /// Not for WebGPU on wasm, where blocking reads are impossible: use [`Self::encode_async`].
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let Some(output) = self.forward(texts)? else { return Ok(Vec::new()) };
        let data = output.try_into_data().map_err(|e| EncoderError::Readback(format!("{e:?}")))?;
        self.rows(data)
    }

    /// Encodes `texts` as one padded batch, reading the result back asynchronously.
    pub async fn encode_async(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let Some(output) = self.forward(texts)? else { return Ok(Vec::new()) };
        let data = output.into_data_async().await.map_err(|e| EncoderError::Readback(format!("{e:?}")))?;
        self.rows(data)
    }

    /// Encodes many texts in batches of `batch_size`, grouping texts of similar
    /// length to limit padding; results come back in input order.
    pub fn encode_many<S: AsRef<str>>(&self, texts: &[S], batch_size: usize) -> Result<Vec<Vec<f32>>> {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let sequences = self.tokenizer.tokenize(&texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| sequences[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(batch_size.max(1)) {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| sequences[i].clone()).collect();
            let Some(output) = self.forward_tokens(&batch) else { continue };
            let data = output.try_into_data().map_err(|e| EncoderError::Readback(format!("{e:?}")))?;
            for (&i, embedding) in chunk.iter().zip(self.rows(data)?) {
                out[i] = embedding;
            }
        }
        Ok(out)
    }

    fn forward(&self, texts: &[&str]) -> Result<Option<Tensor<B, 2>>> {
        Ok(self.forward_tokens(&self.tokenizer.tokenize(texts)?))
    }

    fn forward_tokens(&self, sequences: &[Vec<u32>]) -> Option<Tensor<B, 2>> {
        if sequences.is_empty() {
            return None;
        }
        let batch = Batch::pad(sequences);
        let mut words = Vec::with_capacity(batch.ids.len() * self.hidden);
        for &id in &batch.ids {
            self.words.push_row(id as usize, &mut words);
        }
        let words =
            Tensor::from_data(TensorData::new(words, [batch.size, batch.len, self.hidden]), &self.device);
        let mask = Tensor::from_data(TensorData::new(batch.mask, [batch.size, batch.len]), &self.device);
        Some(self.model.forward(words, mask))
    }

    fn rows(&self, data: TensorData) -> Result<Vec<Vec<f32>>> {
        let values = data.into_vec::<f32>().map_err(|e| EncoderError::Readback(format!("{e:?}")))?;
        Ok(values.chunks_exact(self.hidden).map(<[f32]>::to_vec).collect())
    }
}
