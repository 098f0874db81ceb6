//! Shared helpers for the encoder's integration tests: the real model files and the fixture.

#![allow(dead_code)]

use std::path::PathBuf;

use serde::Deserialize;

/// Workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Directory with the real all-MiniLM-L6-v2 files (`GNNREC_MINILM_DIR` overrides it).
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("GNNREC_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("models/all-MiniLM-L6-v2"));
    assert!(
        dir.join("model.safetensors").is_file(),
        "MiniLM weights not found in {}: run scripts/fetch-minilm.sh",
        dir.display()
    );
    dir
}

/// Reads one file of the model directory.
pub fn model_file(name: &str) -> Vec<u8> {
    let path = model_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One sentence of `tests/fixtures/minilm_reference.json`.
#[derive(Deserialize)]
pub struct ReferenceItem {
    pub text: String,
    pub input_ids: Vec<u32>,
    pub embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct Reference {
    items: Vec<ReferenceItem>,
}

/// The sentence-transformers reference outputs.
pub fn reference() -> Vec<ReferenceItem> {
    let path = workspace_root().join("tests/fixtures/minilm_reference.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice::<Reference>(&bytes).expect("fixture parses").items
}

/// Cosine similarity of two vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}
