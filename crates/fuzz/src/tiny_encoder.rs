//! A one-layer BERT of width 8 that any tokenizer can be paired with: the encoder checks that
//! the tokenizer's ids fit the word table, so the tokenizer target builds the model for the
//! vocabulary the edited tokenizer declares, and the ids it produces reach the table.

use gnnrec_bundle::{TensorData, Tensors};

/// Width of the hidden states.
const HIDDEN: usize = 8;
/// Width of the feed-forward block.
const FEED_FORWARD: usize = 16;
/// Rows of the position table (the encoder feeds up to 256 tokens).
const POSITIONS: usize = 256;

/// A small WordPiece `tokenizer.json` in all-MiniLM-L6-v2's form (BERT normalizer and
/// pre-tokenizer, `[CLS] … [SEP]` template): the tokenizer target's seed.
pub const TOKENIZER: &[u8] = include_bytes!("../seeds/tokenizer.json");

/// `config.json` of the model over `vocab` tokens.
pub fn config(vocab: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "vocab_size": vocab, "hidden_size": HIDDEN, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": FEED_FORWARD,
        "max_position_embeddings": POSITIONS, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "hidden_act": "gelu"
    }))
    .expect("a JSON value serializes")
}

/// f32 weights (`model.safetensors`) of the model over `vocab` tokens: small varied values.
pub fn weights(vocab: usize) -> Vec<u8> {
    let (h, ff) = (HIDDEN, FEED_FORWARD);
    let mut shapes = vec![
        ("embeddings.word_embeddings.weight".to_string(), vec![vocab, h]),
        ("embeddings.position_embeddings.weight".into(), vec![POSITIONS, h]),
        ("embeddings.token_type_embeddings.weight".into(), vec![2, h]),
    ];
    let layer = "encoder.layer.0";
    let mut linear = |name: String, d_in: usize, d_out: usize| {
        shapes.push((format!("{name}.weight"), vec![d_out, d_in]));
        shapes.push((format!("{name}.bias"), vec![d_out]));
    };
    for part in ["query", "key", "value"] {
        linear(format!("{layer}.attention.self.{part}"), h, h);
    }
    linear(format!("{layer}.attention.output.dense"), h, h);
    linear(format!("{layer}.intermediate.dense"), h, ff);
    linear(format!("{layer}.output.dense"), ff, h);
    for norm in [
        "embeddings.LayerNorm".to_string(),
        format!("{layer}.attention.output.LayerNorm"),
        format!("{layer}.output.LayerNorm"),
    ] {
        shapes.push((format!("{norm}.weight"), vec![h]));
        shapes.push((format!("{norm}.bias"), vec![h]));
    }
    let tensors: Vec<TensorData> = shapes
        .into_iter()
        .map(|(name, shape)| {
            let values: Vec<f32> = (0..shape.iter().product::<usize>())
                .map(|i| ((i * 7919 % 97) as f32 - 48.0) / 64.0)
                .collect();
            TensorData::f32(&name, shape, &values)
        })
        .collect();
    Tensors::write(&tensors).expect("shapes match their values")
}

/// The number of ids a `tokenizer.json` declares: its vocabulary, plus the added tokens that
/// are not in it (`None` when that cannot be read).
pub fn vocab_size(tokenizer: &[u8]) -> Option<usize> {
    let json: serde_json::Value = serde_json::from_slice(tokenizer).ok()?;
    let vocab = json.get("model")?.get("vocab")?.as_object()?;
    let added = json.get("added_tokens").and_then(|a| a.as_array()).map_or(0, |added| {
        added
            .iter()
            .filter_map(|token| token.get("content")?.as_str())
            .filter(|content| !vocab.contains_key(*content))
            .count()
    });
    Some(vocab.len() + added)
}
