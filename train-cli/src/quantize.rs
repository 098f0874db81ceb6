//! `train-cli quantize-encoder`: write the quantised weights browsers download (int8, the
//! word table at 5 bits; docs/int8-weights.md).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gnnrec_text_encoder::file_names::{F32_WEIGHTS, INT8_WEIGHTS, TOKENIZER};
use gnnrec_text_encoder::quantize::{quantize_safetensors, unreachable_token_ids};

/// Arguments of `train-cli quantize-encoder`.
#[derive(Args)]
pub struct QuantizeArgs {
    /// Directory with model.safetensors; model.int8.safetensors is written beside it.
    #[arg(long)]
    model_dir: PathBuf,
}

/// Runs the command.
pub fn run(args: &QuantizeArgs) -> anyhow::Result<()> {
    quantize_dir(&args.model_dir)
}

/// Writes `model.int8.safetensors` beside the f32 weights in `model_dir`.
pub fn quantize_dir(model_dir: &std::path::Path) -> anyhow::Result<()> {
    let source = model_dir.join(F32_WEIGHTS);
    let bytes = std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
    let tokenizer = model_dir.join(TOKENIZER);
    let tokenizer_json =
        std::fs::read(&tokenizer).with_context(|| format!("cannot read {}", tokenizer.display()))?;
    let unreachable = unreachable_token_ids(&tokenizer.display().to_string(), &tokenizer_json)?;
    let quantized = quantize_safetensors(&source.display().to_string(), &bytes, &unreachable)?;
    let target = model_dir.join(INT8_WEIGHTS);
    std::fs::write(&target, &quantized).with_context(|| format!("cannot write {}", target.display()))?;
    eprintln!(
        "{}: {} bytes (from {} bytes; {} word-table rows of tokens no text produces written as zeros)",
        target.display(),
        quantized.len(),
        bytes.len(),
        unreachable.len()
    );
    Ok(())
}
