//! WordPiece tokenisation with the settings of sentence-transformers (truncate at 256, no padding).

use tokenizers::{
    Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer, Tokenizer, TruncationParams,
};

use crate::error::{EncoderError, Result};

/// Maximum sequence length, `[CLS]` and `[SEP]` included (sentence-transformers' `max_seq_length`).
pub const MAX_TOKENS: usize = 256;

/// Token ids of several texts, right-padded to the longest, with the attention mask.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Batch {
    /// Number of texts.
    pub size: usize,
    /// Padded length of every row.
    pub len: usize,
    /// `size × len` token ids, row-major; padding uses id 0.
    pub ids: Vec<u32>,
    /// `size × len` mask: 1.0 for real tokens, 0.0 for padding.
    pub mask: Vec<f32>,
}

impl Batch {
    /// Pads `sequences` to a common length.
    pub fn pad(sequences: &[Vec<u32>]) -> Self {
        let len = sequences.iter().map(Vec::len).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(sequences.len() * len);
        let mut mask = Vec::with_capacity(sequences.len() * len);
        for seq in sequences {
            ids.extend_from_slice(seq);
            ids.resize(ids.len() + len - seq.len(), 0);
            mask.extend(std::iter::repeat_n(1.0, seq.len()));
            mask.extend(std::iter::repeat_n(0.0, len - seq.len()));
        }
        Self { size: sequences.len(), len, ids, mask }
    }
}

/// The model's tokenizer, configured like sentence-transformers.
#[derive(Clone)]
pub(crate) struct SentenceTokenizer {
    file: String,
    inner: Tokenizer,
}

impl SentenceTokenizer {
    /// Parses `tokenizer.json`; its own padding (fixed 128) and truncation (128) are replaced.
    pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<Self> {
        let error = |message: String| EncoderError::Tokenizer { file: file.to_string(), message };
        crate::tokenizer_file::check(file, bytes)?;
        let mut inner = Tokenizer::from_bytes(bytes).map_err(|e| error(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| error(e.to_string()))?;
        Ok(Self { file: file.to_string(), inner })
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Token ids of each text, with `[CLS]` … `[SEP]`.
    pub fn tokenize(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        texts
            .iter()
            .map(|text| {
                self.inner
                    .encode(*text, true)
                    .map(|enc| enc.get_ids().to_vec())
                    .map_err(|e| EncoderError::Tokenizer { file: self.file.clone(), message: e.to_string() })
            })
            .collect()
    }

    /// Ids of vocabulary entries that no text can produce, so their embedding rows are never
    /// read: entries that normalising and pre-tokenising do not keep as one unchanged word
    /// (`[unused0]`: brackets always stand alone), and continuation pieces `##x` whose `x`
    /// always starts a word of its own (punctuation, CJK characters). Decided by this
    /// tokenizer's own normalizer and pre-tokenizer: `##x` counts as reachable when `"a" + x`
    /// stays one unchanged word.
    /// Special tokens are never listed.
    pub fn unreachable_ids(&self) -> Result<Vec<u32>> {
        let special = self.inner.get_added_tokens_decoder();
        let mut ids = Vec::new();
        for (token, id) in self.inner.get_vocab(false) {
            if special.contains_key(&id) {
                continue;
            }
            let word = match token.strip_prefix("##").filter(|rest| !rest.is_empty()) {
                Some(rest) => format!("a{rest}"),
                None => token,
            };
            if !self.is_one_unchanged_word(&word)? {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Whether normalising and pre-tokenising `word` yields exactly one piece, `word` itself.
    fn is_one_unchanged_word(&self, word: &str) -> Result<bool> {
        let error = |e: tokenizers::Error| EncoderError::Tokenizer {
            file: self.file.clone(),
            message: e.to_string(),
        };
        let mut text = tokenizers::NormalizedString::from(word);
        if let Some(normalizer) = self.inner.get_normalizer() {
            normalizer.normalize(&mut text).map_err(error)?;
        }
        let mut pieces = PreTokenizedString::from(text);
        if let Some(pre_tokenizer) = self.inner.get_pre_tokenizer() {
            pre_tokenizer.pre_tokenize(&mut pieces).map_err(error)?;
        }
        let splits = pieces.get_splits(OffsetReferential::Normalized, OffsetType::Byte);
        Ok(matches!(splits[..], [(piece, _, _)] if piece == word))
    }
}
