//! The encoder's CPU path without burn: int8 weights prepacked once at load, activations
//! quantised to int16 per token, i32 products by SIMD kernels picked for the machine
//! (AVX-512 VNNI, AVX2, wasm SIMD128; a scalar reference elsewhere), fused attention over
//! unpadded sequences, and buffers reused from call to call.
//!
//! One module per layer type: [`gemm`] (the int8 product), [`simd`] (its kernels),
//! [`linear`], [`layer_norm`] (and GELU), [`attention`], [`bert`] (the stack); [`lanes`] holds
//! the vectorisable scalar helpers the product and the attention share.

mod attention;
mod bert;
mod gemm;
mod lanes;
mod layer_norm;
mod linear;
pub mod simd;

use std::sync::Mutex;

use bert::{CpuBert, Scratch};
use gemm::BlockDots;

use crate::encoder::{EncoderFiles, Parts};
use crate::error::{EncoderError, Result};
use crate::token_table::TokenTable;
use crate::tokenize::SentenceTokenizer;
#[cfg(not(target_arch = "wasm32"))]
use crate::weights::WeightFormat;

/// all-MiniLM-L6-v2 on the CPU kernels; the same embeddings as [`crate::TextEncoder`] up to
/// the int16 rounding of activations.
pub struct CpuEncoder {
    tokenizer: SentenceTokenizer,
    words: TokenTable,
    model: CpuBert,
    hidden: usize,
    dots: BlockDots,
    kernel: &'static str,
    /// Buffers of finished calls, taken by the next ones.
    scratch: Mutex<Vec<Scratch>>,
}

impl CpuEncoder {
    /// Builds the encoder from file contents (int8 or f32 weights; f32 matrices are quantised
    /// at load), validating every tensor and the tokenizer. Uses the fastest kernel here.
    pub fn from_files(files: &EncoderFiles<'_>) -> Result<Self> {
        let (dots, kernel) = simd::best_block_dots();
        Self::with_kernel(files, dots, kernel)
    }

    /// As [`Self::from_files`], with the kernel called `name` (one of
    /// [`simd::available_kernels`]; another name is an [`EncoderError::Kernel`]).
    pub fn from_files_with_kernel(files: &EncoderFiles<'_>, name: &str) -> Result<Self> {
        match simd::kernel(name) {
            Some((dots, name)) => Self::with_kernel(files, dots, name),
            None => {
                Err(EncoderError::Kernel { name: name.to_string(), available: simd::available_kernels() })
            }
        }
    }

    fn with_kernel(files: &EncoderFiles<'_>, dots: BlockDots, kernel: &'static str) -> Result<Self> {
        let Parts { config, tokenizer, weights, words } = Parts::parse(files)?;
        let model = CpuBert::load(&config, &weights)?;
        Ok(Self {
            tokenizer,
            words,
            model,
            hidden: config.hidden_size,
            dots,
            kernel,
            scratch: Mutex::default(),
        })
    }

    /// Loads `config.json`, `tokenizer.json` and the weights of `format` from a model directory.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(dir: &std::path::Path, format: WeightFormat) -> Result<Self> {
        crate::encoder::read_dir(dir, format, Self::from_files)
    }

    /// As [`Self::load_dir`], with the kernel called `name` (see [`Self::from_files_with_kernel`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir_with_kernel(dir: &std::path::Path, format: WeightFormat, name: &str) -> Result<Self> {
        crate::encoder::read_dir(dir, format, |files| Self::from_files_with_kernel(files, name))
    }

    /// The name of the product kernel in use (`avx512-vnni`, `avx2`, `wasm-simd128`, `scalar`).
    pub fn kernel(&self) -> &'static str {
        self.kernel
    }

    /// Token ids of `text` as the model sees them (`[CLS]` … `[SEP]`, at most 256).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.tokenize(&[text])?.remove(0))
    }

    /// The embeddings of `texts`, computed together (no padding: every text keeps its length).
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let sequences = self.tokenizer.tokenize(texts)?;
        Ok(self.encode_tokens(&sequences))
    }

    /// Encodes many texts in batches of `batch_size` on every core (natively); results come
    /// back in input order.
    pub fn encode_many<S: AsRef<str> + Sync>(&self, texts: &[S], batch_size: usize) -> Result<Vec<Vec<f32>>> {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let sequences = self.tokenizer.tokenize(&texts)?;
        let batches: Vec<&[Vec<u32>]> = sequences.chunks(batch_size.max(1)).collect();
        #[cfg(not(target_arch = "wasm32"))]
        {
            let threads =
                std::thread::available_parallelism().map_or(1, |n| n.get()).min(batches.len().max(1));
            let next = std::sync::atomic::AtomicUsize::new(0);
            let mut done: Vec<(usize, Vec<Vec<f32>>)> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut mine = Vec::new();
                            loop {
                                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(batch) = batches.get(b) else { break mine };
                                mine.push((b, self.encode_tokens(batch)));
                            }
                        })
                    })
                    .collect();
                workers.into_iter().flat_map(|w| w.join().expect("an encoder thread panicked")).collect()
            });
            done.sort_by_key(|(b, _)| *b);
            Ok(done.into_iter().flat_map(|(_, rows)| rows).collect())
        }
        #[cfg(target_arch = "wasm32")]
        Ok(batches.into_iter().flat_map(|batch| self.encode_tokens(batch)).collect())
    }

    fn encode_tokens(&self, sequences: &[Vec<u32>]) -> Vec<Vec<f32>> {
        if sequences.is_empty() {
            return Vec::new();
        }
        let lengths: Vec<usize> = sequences.iter().map(Vec::len).collect();
        let mut words = Vec::with_capacity(lengths.iter().sum::<usize>() * self.hidden);
        for &id in sequences.iter().flatten() {
            self.words.push_row(id as usize, &mut words);
        }
        let mut scratch = self.scratch.lock().map(|mut pool| pool.pop()).ok().flatten().unwrap_or_default();
        let pooled = self.model.forward(&words, &lengths, self.dots, &mut scratch);
        if let Ok(mut pool) = self.scratch.lock() {
            pool.push(scratch);
        }
        pooled.chunks_exact(self.hidden).map(<[f32]>::to_vec).collect()
    }
}
