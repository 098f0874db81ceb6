//! The BERT stack on the CPU kernels: embeddings, layers, mean pooling.

use super::attention::{AttentionScratch, attention};
use super::gemm::{BlockDots, Dots, Int8Matrix, QuantizedRows};
use super::layer_norm::{LayerNorm, gelu};
use super::linear::Int8Linear;
use crate::config::BertConfig;
use crate::error::{EncoderError, Result};
use crate::quantize::MATRIX_GROUP;
use crate::weights::Weights;

/// Buffers reused from call to call (no allocation per operation once warm).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    x: Vec<f32>,
    qkv: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    intermediate: Vec<f32>,
    attention: AttentionScratch,
    gemm: (QuantizedRows, Vec<Dots>),
}

/// One transformer layer: fused QKV, attention, output projection, feed-forward.
#[derive(Debug, Clone)]
struct Layer {
    qkv: Int8Linear,
    attention_out: Int8Linear,
    attention_norm: LayerNorm,
    ffn_in: Int8Linear,
    ffn_out: Int8Linear,
    ffn_norm: LayerNorm,
}

/// The encoder after the word lookup.
#[derive(Debug, Clone)]
pub(crate) struct CpuBert {
    positions: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    hidden: usize,
}

impl CpuBert {
    /// Builds the stack from `weights` (int8 matrices as stored; f32 ones quantised here).
    pub fn load(config: &BertConfig, weights: &Weights<'_>) -> Result<Self> {
        let h = config.hidden_size;
        let positions =
            weights.matrix("embeddings.position_embeddings.weight", config.max_position_embeddings, h)?;
        let token_type =
            weights.matrix("embeddings.token_type_embeddings.weight", config.type_vocab_size, h)?[..h]
                .to_vec();
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(config, weights, &format!("encoder.layer.{i}")))
            .collect::<Result<_>>()?;
        Ok(Self {
            positions,
            token_type,
            embedding_norm: layer_norm(config, weights, "embeddings.LayerNorm")?,
            layers,
            heads: config.num_attention_heads,
            hidden: h,
        })
    }

    /// Sentence embeddings (mean-pooled, L2-normalised) of consecutive sequences of `lengths`
    /// tokens whose word embeddings are the rows of `words`; one `hidden`-wide row each.
    pub fn forward(
        &self,
        words: &[f32],
        lengths: &[usize],
        dots: BlockDots,
        scratch: &mut Scratch,
    ) -> Vec<f32> {
        let h = self.hidden;
        scratch.x.clear();
        scratch.x.extend_from_slice(words);
        let mut t = 0;
        for &len in lengths {
            for p in 0..len {
                let row = &mut scratch.x[(t + p) * h..(t + p + 1) * h];
                for ((v, pos), typ) in
                    row.iter_mut().zip(&self.positions[p * h..(p + 1) * h]).zip(&self.token_type)
                {
                    *v += pos + typ;
                }
            }
            t += len;
        }
        self.embedding_norm.forward(&mut scratch.x);
        for layer in &self.layers {
            layer.forward(lengths, self.heads, dots, scratch);
        }
        mean_pool_normalized(&scratch.x, lengths, h)
    }
}

impl Layer {
    fn load(config: &BertConfig, weights: &Weights<'_>, prefix: &str) -> Result<Self> {
        let (h, ff) = (config.hidden_size, config.intermediate_size);
        let attention = format!("{prefix}.attention");
        let qkv = ["query", "key", "value"].map(|p| format!("{attention}.self.{p}"));
        Ok(Self {
            qkv: linear(weights, &qkv.iter().map(String::as_str).collect::<Vec<_>>(), h, h)?,
            attention_out: linear(weights, &[&format!("{attention}.output.dense")], h, h)?,
            attention_norm: layer_norm(config, weights, &format!("{attention}.output.LayerNorm"))?,
            ffn_in: linear(weights, &[&format!("{prefix}.intermediate.dense")], h, ff)?,
            ffn_out: linear(weights, &[&format!("{prefix}.output.dense")], ff, h)?,
            ffn_norm: layer_norm(config, weights, &format!("{prefix}.output.LayerNorm"))?,
        })
    }

    /// Runs the layer on `scratch.x` in place.
    fn forward(&self, lengths: &[usize], heads: usize, dots: BlockDots, s: &mut Scratch) {
        self.qkv.forward(&s.x, &mut s.gemm, dots, &mut s.qkv);
        attention(&s.qkv, lengths, heads, &mut s.attention, &mut s.context);
        self.attention_out.forward(&s.context, &mut s.gemm, dots, &mut s.projected);
        add_then_norm(&mut s.x, &s.projected, &self.attention_norm);
        self.ffn_in.forward(&s.x, &mut s.gemm, dots, &mut s.intermediate);
        gelu(&mut s.intermediate);
        self.ffn_out.forward(&s.intermediate, &mut s.gemm, dots, &mut s.projected);
        add_then_norm(&mut s.x, &s.projected, &self.ffn_norm);
    }
}

/// `x = norm(x + y)`.
fn add_then_norm(x: &mut [f32], y: &[f32], norm: &LayerNorm) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
    norm.forward(x);
}

/// Several PyTorch `Linear`s (`[out, in]`) with the same input, stacked into one layer.
fn linear(weights: &Weights<'_>, names: &[&str], d_in: usize, d_out: usize) -> Result<Int8Linear> {
    let (mut values, mut scales, mut bias, mut group) = (Vec::new(), Vec::new(), Vec::new(), None);
    for name in names {
        let weight = format!("{name}.weight");
        let table = weights.table(&weight, d_out, d_in)?;
        let (v, s, g) = table.into_int8(MATRIX_GROUP).ok_or_else(|| EncoderError::DType {
            file: weights.file().to_string(),
            tensor: weight.clone(),
            expected: "F32 or I8".into(),
            found: "U8 (packed)".into(),
        })?;
        if group.is_some_and(|known| known != g) {
            return Err(EncoderError::DType {
                file: weights.file().to_string(),
                tensor: format!("{weight}.scale"),
                expected: format!("groups of {} columns, as {}", group.unwrap_or(g), names[0]),
                found: format!("groups of {g} columns"),
            });
        }
        group = Some(g);
        values.extend(v);
        scales.extend(s);
        bias.extend(weights.vector(&format!("{name}.bias"), d_out)?);
    }
    let matrix = Int8Matrix::new(d_out * names.len(), d_in, group.unwrap_or(d_in), values, scales);
    Ok(Int8Linear::new(matrix, bias))
}

fn layer_norm(config: &BertConfig, weights: &Weights<'_>, prefix: &str) -> Result<LayerNorm> {
    let h = config.hidden_size;
    Ok(LayerNorm::new(
        weights.vector(&format!("{prefix}.weight"), h)?,
        weights.vector(&format!("{prefix}.bias"), h)?,
        config.layer_norm_eps,
    ))
}

/// Mean over each sequence's tokens, then L2 normalisation (as sentence-transformers).
fn mean_pool_normalized(x: &[f32], lengths: &[usize], hidden: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; lengths.len() * hidden];
    let mut start = 0;
    for (pooled, &len) in out.chunks_exact_mut(hidden).zip(lengths) {
        for row in x[start * hidden..(start + len) * hidden].chunks_exact(hidden) {
            pooled.iter_mut().zip(row).for_each(|(p, v)| *p += v);
        }
        let count = len.max(1) as f32;
        pooled.iter_mut().for_each(|p| *p /= count);
        let norm = pooled.iter().map(|p| p * p).sum::<f32>().sqrt().max(1e-12);
        pooled.iter_mut().for_each(|p| *p /= norm);
        start += len;
    }
    out
}
