//! The subset of HuggingFace's BERT `config.json` the encoder needs, validated.

use serde::Deserialize;

use crate::error::{EncoderError, Result};

/// BERT hyper-parameters, read from `config.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size (rows of the word-embedding table).
    pub vocab_size: usize,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Rows of the position-embedding table.
    pub max_position_embeddings: usize,
    /// Rows of the token-type table.
    pub type_vocab_size: usize,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f64,
    /// Activation of the feed-forward block; only `gelu` (exact, erf-based) is supported.
    pub hidden_act: String,
}

impl BertConfig {
    /// Parses and validates `config.json`; `file` names it in errors.
    pub fn from_json(file: &str, bytes: &[u8]) -> Result<Self> {
        let config: BertConfig = serde_json::from_slice(bytes)
            .map_err(|e| EncoderError::Config { file: file.to_string(), message: e.to_string() })?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &str) -> Result<()> {
        let fail = |message: String| Err(EncoderError::Config { file: file.to_string(), message });
        if self.hidden_act != "gelu" {
            return fail(format!("hidden_act `{}` is not supported (only `gelu`)", self.hidden_act));
        }
        let sizes = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ];
        if let Some((name, _)) = sizes.iter().find(|(_, v)| *v == 0) {
            return fail(format!("`{name}` must be positive"));
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return fail(format!(
                "hidden_size {} is not divisible by num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.max_position_embeddings < crate::tokenize::MAX_TOKENS {
            return fail(format!(
                "max_position_embeddings {} is below the {} tokens the encoder feeds",
                self.max_position_embeddings,
                crate::tokenize::MAX_TOKENS
            ));
        }
        if !(self.layer_norm_eps > 0.0 && self.layer_norm_eps.is_finite()) {
            return fail(format!("layer_norm_eps {} must be a positive number", self.layer_norm_eps));
        }
        Ok(())
    }
}
