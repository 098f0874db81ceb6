//! The burn-free CPU path (`CpuEncoder`: int8 weights × int16 activations on SIMD kernels)
//! against the sentence-transformers fixture, real weights.

mod common;

use common::{cosine, model_dir, reference};
use gnnrec_text_encoder::cpu::simd::available_kernels;
use gnnrec_text_encoder::{CpuEncoder, WeightFormat};

/// Mean and minimum cosine of `embeddings` against the fixture.
fn fidelity(embeddings: &[Vec<f32>]) -> (f32, f32) {
    let cosines: Vec<f32> =
        embeddings.iter().zip(reference()).map(|(e, item)| cosine(e, &item.embedding)).collect();
    let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
    (mean, cosines.iter().copied().fold(f32::INFINITY, f32::min))
}

#[test]
fn int8_cpu_path_keeps_the_fidelity_of_the_int8_weights() {
    let encoder = CpuEncoder::load_dir(&model_dir(), WeightFormat::Int8).expect("int8 model loads");
    let items = reference();
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    for item in &items {
        assert_eq!(encoder.token_ids(&item.text).unwrap(), item.input_ids, "text {:?}", item.text);
    }
    let batched = encoder.encode_many(&texts, 3).unwrap();
    let (mean, min) = fidelity(&batched);
    eprintln!("cpu path ({}): mean cosine {mean:.5}, min {min:.5}", encoder.kernel());
    assert!(mean >= 0.999, "mean cosine {mean}");
    assert!(min >= 0.995, "min cosine {min}");
    // One text at a time gives the same vectors: sequences are never padded together.
    for (text, together) in texts.iter().zip(&batched) {
        let alone = encoder.encode(&[text]).unwrap().remove(0);
        assert!(cosine(&alone, together) > 0.99999, "{text:?} alone and in a batch");
        let norm: f32 = alone.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "embedding is L2-normalised");
    }
}

#[test]
fn f32_weights_are_quantised_at_load_with_the_same_fidelity() {
    let encoder = CpuEncoder::load_dir(&model_dir(), WeightFormat::F32).expect("f32 model loads");
    let texts: Vec<String> = reference().into_iter().map(|i| i.text).collect();
    let (mean, min) = fidelity(&encoder.encode_many(&texts, 8).unwrap());
    assert!(mean >= 0.999 && min >= 0.995, "mean {mean}, min {min}");
}

#[test]
fn every_kernel_gives_the_same_embeddings() {
    let texts = ["a", "a quiet romantic comedy set in Paris tonight", &"word ".repeat(300)];
    let load = |name: &str| CpuEncoder::load_dir_with_kernel(&model_dir(), WeightFormat::Int8, name);
    let scalar = load("scalar").unwrap().encode(&texts).unwrap();
    let kernels = available_kernels();
    for name in &kernels {
        assert_eq!(load(name).unwrap().encode(&texts).unwrap(), scalar, "kernel {name}");
    }
    let error = load("no-such-kernel").err().expect("an unknown kernel is an error").to_string();
    assert!(
        error.starts_with("no CPU kernel `no-such-kernel` on this machine (available: scalar"),
        "{error}"
    );
    eprintln!("kernels: {kernels:?}");
}
