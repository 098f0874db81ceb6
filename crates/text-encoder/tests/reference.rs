//! Fidelity against the official sentence-transformers output (real weights, real fixture).

mod common;

use burn::backend::NdArray;
use burn::backend::ndarray::NdArrayDevice;
use common::{cosine, model_dir, model_file, reference};
use gnnrec_text_encoder::quantize::{quantize_safetensors, unreachable_token_ids};
use gnnrec_text_encoder::{EncoderFiles, NamedBytes, TextEncoder, WeightFormat, file_names};

type Cpu = NdArray;

fn f32_encoder() -> TextEncoder<Cpu> {
    TextEncoder::load_dir(&model_dir(), WeightFormat::F32, &NdArrayDevice::Cpu).expect("f32 model loads")
}

#[test]
fn token_ids_match_sentence_transformers_for_every_sentence() {
    let encoder = f32_encoder();
    for item in reference() {
        assert_eq!(encoder.token_ids(&item.text).unwrap(), item.input_ids, "text {:?}", item.text);
    }
}

#[test]
fn f32_embeddings_match_the_reference_batched_and_one_by_one() {
    let encoder = f32_encoder();
    let items = reference();
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    let batched = encoder.encode_many(&texts, 8).unwrap();
    for (item, embedding) in items.iter().zip(&batched) {
        let single = encoder.encode(&[&item.text]).unwrap().remove(0);
        let (cos_batched, cos_single) =
            (cosine(embedding, &item.embedding), cosine(&single, &item.embedding));
        assert!(cos_batched >= 0.9999, "batched {:?}: cosine {cos_batched}", item.text);
        assert!(cos_single >= 0.9999, "single {:?}: cosine {cos_single}", item.text);
        let norm: f32 = single.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "embedding is L2-normalised");
    }
}

#[test]
fn int8_weights_stay_close_to_the_reference_and_fit_the_size_budget() {
    let unreachable = unreachable_token_ids("tokenizer.json", &model_file(file_names::TOKENIZER)).unwrap();
    let quantized =
        quantize_safetensors("model.safetensors", &model_file(file_names::F32_WEIGHTS), &unreachable)
            .unwrap();
    assert!(quantized.len() <= 24_000_000, "int8 weights are {} bytes", quantized.len());
    let (config, tokenizer) = (model_file(file_names::CONFIG), model_file(file_names::TOKENIZER));
    let files = EncoderFiles {
        config: NamedBytes { name: "config.json", bytes: &config },
        weights: NamedBytes { name: "model.int8.safetensors", bytes: &quantized },
        tokenizer: NamedBytes { name: "tokenizer.json", bytes: &tokenizer },
    };
    let encoder = TextEncoder::<Cpu>::from_files(&files, &NdArrayDevice::Cpu).expect("int8 model loads");
    assert_eq!(encoder.format(), WeightFormat::Int8);
    let items = reference();
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    let cosines: Vec<f32> = encoder
        .encode_many(&texts, 8)
        .unwrap()
        .iter()
        .zip(&items)
        .map(|(e, item)| cosine(e, &item.embedding))
        .collect();
    let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
    let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
    eprintln!("int8: {} bytes, mean cosine {mean:.5}, min {min:.5}", quantized.len());
    assert!(mean >= 0.999, "mean cosine {mean}");
    assert!(min >= 0.995, "min cosine {min}");
}
