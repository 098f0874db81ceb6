//! all-MiniLM-L6-v2 sentence encoder in [burn], generic over the backend.
//!
//! The encoder turns text into the 384-d, L2-normalised sentence embedding that
//! `sentence-transformers` produces for `all-MiniLM-L6-v2`: WordPiece
//! tokenisation (HuggingFace `tokenizers`, truncation at 256 tokens), a 6-layer
//! BERT, mean pooling over the attention mask and L2 normalisation.
//!
//! Weights load from the original f32 `model.safetensors` or from the int8
//! form written by [`quantize::quantize_safetensors`] (see `docs/int8-weights.md`).
//! The same code runs natively (ndarray, wgpu, cuda) and in the browser
//! (wasm32 ndarray, WebGPU); [`TextEncoder::encode_async`] is the read-back
//! path that works on WebGPU, where blocking reads are not allowed.

mod config;
pub mod cpu;
mod encoder;
mod error;
mod model;
pub mod quantize;
mod quantized_values;
mod token_table;
mod tokenize;
mod tokenizer_file;
mod weights;

pub use config::BertConfig;
pub use cpu::CpuEncoder;
pub use encoder::{EMBEDDING_DIM, EncoderFiles, NamedBytes, TextEncoder, file_names};
pub use error::EncoderError;
pub use tokenize::MAX_TOKENS;
pub use weights::WeightFormat;
