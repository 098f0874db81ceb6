//! `train-cli encode`: one text per stdin line → one JSON line with its embedding.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gnnrec_text_encoder::{CpuEncoder, EncoderError, TextEncoder, WeightFormat};
use serde::Serialize;

use crate::backend::BackendChoice;

/// Lines read and encoded at a time (bounded memory on long inputs).
const CHUNK_LINES: usize = 1024;
/// Texts per forward pass.
const BATCH_SIZE: usize = 32;

/// Arguments of `train-cli encode`.
#[derive(Args)]
pub struct EncodeArgs {
    /// Directory with config.json, tokenizer.json and model.safetensors (or model.int8.safetensors).
    #[arg(long)]
    model_dir: PathBuf,
    /// Use the int8 weights (model.int8.safetensors, see `train-cli quantize-encoder`).
    #[arg(long)]
    quantized: bool,
    /// On the CPU, compute exactly in f32 on burn-ndarray (the reference WebGPU is checked
    /// against) instead of the browser's CPU path (`CpuEncoder`: int8 weights, f32 ones
    /// quantised at load, int16 activations).
    #[arg(long)]
    exact: bool,
    /// Compute backend: `cpu` (see `--quantized`) or `wgpu` (burn-wgpu).
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendChoice,
}

#[derive(Serialize)]
struct Line<'a> {
    text: &'a str,
    embedding: &'a [f32],
}

/// Runs the command on stdin/stdout.
pub fn run(args: &EncodeArgs) -> anyhow::Result<()> {
    let format = if args.quantized { WeightFormat::Int8 } else { WeightFormat::F32 };
    match args.backend {
        BackendChoice::Cpu if !args.exact => {
            let encoder = CpuEncoder::load_dir(&args.model_dir, format)?;
            encode_stdin(|texts| encoder.encode_many(texts, BATCH_SIZE))
        }
        BackendChoice::Cpu => {
            let encoder = TextEncoder::<burn::backend::NdArray>::load_dir(
                &args.model_dir,
                format,
                &Default::default(),
            )?;
            encode_stdin(|texts| encoder.encode_many(texts, BATCH_SIZE))
        }
        #[cfg(feature = "wgpu")]
        BackendChoice::Wgpu => {
            let device = crate::backend::wgpu_device()?;
            let encoder = TextEncoder::<burn::backend::Wgpu>::load_dir(&args.model_dir, format, &device)?;
            encode_stdin(|texts| encoder.encode_many(texts, BATCH_SIZE))
        }
    }
}

fn encode_stdin(encode: impl Fn(&[&str]) -> Result<Vec<Vec<f32>>, EncoderError>) -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut lines = stdin.lines().enumerate().peekable();
    while lines.peek().is_some() {
        let chunk = lines
            .by_ref()
            .take(CHUNK_LINES)
            .map(|(i, line)| line.with_context(|| format!("stdin line {}: not valid UTF-8", i + 1)))
            .collect::<anyhow::Result<Vec<String>>>()?;
        let chunk: Vec<&str> = chunk.iter().map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        for (text, embedding) in chunk.iter().zip(encode(&chunk)?) {
            serde_json::to_writer(&mut out, &Line { text, embedding: &embedding })?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
