//! Bad model files give errors that name the file and the tensor; nothing panics.

mod common;

use std::collections::HashMap;

use burn::backend::NdArray;
use burn::backend::ndarray::NdArrayDevice;
use common::model_file;
use gnnrec_text_encoder::{EncoderError, EncoderFiles, NamedBytes, TextEncoder, WeightFormat, file_names};
use safetensors::{Dtype, tensor::TensorView};

fn load(config: &[u8], weights: &[u8], tokenizer: &[u8]) -> Result<TextEncoder<NdArray>, EncoderError> {
    let files = EncoderFiles {
        config: NamedBytes { name: "config.json", bytes: config },
        weights: NamedBytes { name: "model.safetensors", bytes: weights },
        tokenizer: NamedBytes { name: "tokenizer.json", bytes: tokenizer },
    };
    TextEncoder::from_files(&files, &NdArrayDevice::Cpu)
}

fn real() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    (model_file(file_names::CONFIG), model_file(file_names::F32_WEIGHTS), model_file(file_names::TOKENIZER))
}

fn message(result: Result<TextEncoder<NdArray>, EncoderError>) -> String {
    match result {
        Ok(_) => panic!("bad input was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_missing_file_is_named_with_its_path() {
    let dir = std::env::temp_dir().join("gnnrec-empty-model-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let error =
        TextEncoder::<NdArray>::load_dir(&dir, WeightFormat::Int8, &NdArrayDevice::Cpu).err().unwrap();
    assert!(matches!(error, EncoderError::Io { .. }));
    assert!(error.to_string().contains("gnnrec-empty-model-dir/config.json"), "{error}");
}

#[test]
fn truncated_or_corrupt_weights_are_rejected() {
    let (config, weights, tokenizer) = real();
    let truncated = message(load(&config, &weights[..weights.len() / 2], &tokenizer));
    assert!(truncated.starts_with("model.safetensors: not a valid safetensors file"), "{truncated}");
    let mut flipped = weights.clone();
    flipped[3] ^= 0xff; // the header length
    let corrupt = message(load(&config, &flipped, &tokenizer));
    assert!(corrupt.starts_with("model.safetensors: not a valid safetensors file"), "{corrupt}");
}

#[test]
fn a_missing_tensor_and_a_wrong_shape_name_the_tensor() {
    let (config, _, tokenizer) = real();
    let one = vec![0u8; 4 * 384 * 10];
    let view = TensorView::new(Dtype::F32, vec![10, 384], &one).unwrap();
    let only_words =
        safetensors::serialize([("embeddings.word_embeddings.weight", view)], None::<HashMap<_, _>>).unwrap();
    let shape = message(load(&config, &only_words, &tokenizer));
    assert_eq!(
        shape,
        "model.safetensors: tensor `embeddings.word_embeddings.weight` has shape [10, 384], expected [30522, 384]"
    );
    let (_, weights, _) = real();
    let wider = String::from_utf8(config.clone())
        .unwrap()
        .replace("\"intermediate_size\": 1536", "\"intermediate_size\": 1024");
    let wrong = message(load(wider.as_bytes(), &weights, &tokenizer));
    assert!(
        wrong.contains(
            "`encoder.layer.0.intermediate.dense.weight` has shape [1536, 384], expected [1024, 384]"
        ),
        "{wrong}"
    );
    let view = TensorView::new(Dtype::F32, vec![30522, 384], &[]).err();
    assert!(view.is_some(), "safetensors itself refuses inconsistent views");
}

#[test]
fn a_tokenizer_of_another_model_is_a_mismatch() {
    let (config, weights, _) = real();
    let small = br###"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
        "pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
        "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
        "max_input_chars_per_word":100,"vocab":{"[UNK]":0,"hello":1}}}"###;
    let error = message(load(&config, &weights, small));
    assert_eq!(
        error,
        "tokenizer.json does not match model.safetensors: the tokenizer has 2 tokens but \
         embeddings.word_embeddings.weight has 30522 rows"
    );
    let garbage = message(load(&config, &weights, b"{ not json"));
    assert!(garbage.starts_with("tokenizer.json: "), "{garbage}");
}

#[test]
fn an_unsupported_config_is_explained() {
    let (config, weights, tokenizer) = real();
    let relu = String::from_utf8(config).unwrap().replace("\"gelu\"", "\"relu\"");
    assert_eq!(
        message(load(relu.as_bytes(), &weights, &tokenizer)),
        "config.json: hidden_act `relu` is not supported (only `gelu`)"
    );
    let missing = message(load(b"{\"hidden_size\": 384}", &weights, &tokenizer));
    assert!(missing.starts_with("config.json: missing field"), "{missing}");
}
