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

    /// Token ids of each text, with `[CLS]` … `[SEP]`: 1 to [`MAX_TOKENS`] of them, as the
    /// model reads (a tokenizer whose template adds no token, or more than the model reads, is
    /// an error rather than an empty or overlong sequence).
    pub fn tokenize(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        let error = |message: String| EncoderError::Tokenizer { file: self.file.clone(), message };
        texts
            .iter()
            .map(|text| {
                let ids =
                    self.inner.encode(*text, true).map_err(|e| error(e.to_string()))?.get_ids().to_vec();
                if !(1..=MAX_TOKENS).contains(&ids.len()) {
                    return Err(error(format!(
                        "gives {} tokens for a text; the model reads 1 to {MAX_TOKENS}",
                        ids.len()
                    )));
                }
                Ok(ids)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A WordPiece tokenizer whose single-sequence template is `single`.
    fn tokenizer(single: serde_json::Value) -> SentenceTokenizer {
        let json = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
            "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "decoder": null,
            "post_processor": {"type": "TemplateProcessing", "single": single, "pair": [],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]}}},
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "[CLS]": 1, "a": 2}}
        });
        SentenceTokenizer::from_bytes("tokenizer.json", &serde_json::to_vec(&json).unwrap()).unwrap()
    }

    #[test]
    fn a_template_giving_no_tokens_or_too_many_is_an_error() {
        let cls = serde_json::json!({"SpecialToken": {"id": "[CLS]", "type_id": 0}});
        let text = serde_json::json!({"Sequence": {"id": "A", "type_id": 0}});
        assert_eq!(tokenizer(serde_json::json!([cls, text])).tokenize(&["a"]).unwrap(), [vec![1, 2]]);
        let empty = tokenizer(serde_json::json!([])).tokenize(&["a a"]).unwrap_err().to_string();
        assert_eq!(empty, "tokenizer.json: gives 0 tokens for a text; the model reads 1 to 256");
        let long = tokenizer(serde_json::Value::Array(vec![cls; MAX_TOKENS + 1])).tokenize(&[""]);
        assert!(long.unwrap_err().to_string().contains("gives 257 tokens"));
    }
}
