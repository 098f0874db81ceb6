//! `train-cli encode`: one text per stdin line → one JSON line with its embedding.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use burn::tensor::backend::Backend;
use clap::Args;
use gnnrec_text_encoder::{TextEncoder, WeightFormat};
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
    /// Compute backend.
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
    match args.backend {
        BackendChoice::Cpu => encode_stdin::<burn::backend::NdArray>(args, &Default::default()),
        #[cfg(feature = "wgpu")]
        BackendChoice::Wgpu => encode_stdin::<burn::backend::Wgpu>(args, &crate::backend::wgpu_device()?),
    }
}

fn encode_stdin<B: Backend>(args: &EncodeArgs, device: &B::Device) -> anyhow::Result<()> {
    let format = if args.quantized { WeightFormat::Int8 } else { WeightFormat::F32 };
    let encoder = TextEncoder::<B>::load_dir(&args.model_dir, format, device)?;
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
        for (text, embedding) in chunk.iter().zip(encoder.encode_many(&chunk, BATCH_SIZE)?) {
            serde_json::to_writer(&mut out, &Line { text, embedding: &embedding })?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
