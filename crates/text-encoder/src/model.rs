//! The BERT encoder stack as burn modules (embeddings after the word lookup, layers, pooling).

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

use crate::config::BertConfig;
use crate::error::Result;
use crate::weights::Weights;

/// Additive attention bias for padded key positions.
const MASKED_SCORE: f64 = -1.0e9;

/// One transformer layer: self-attention and feed-forward, each with residual + LayerNorm.
#[derive(Module, Debug)]
pub(crate) struct BertLayer<B: Backend> {
    /// Query, key and value projections fused into one `[hidden, 3·hidden]` matrix.
    qkv: Linear<B>,
    attention_out: Linear<B>,
    attention_norm: LayerNorm<B>,
    ffn_in: Linear<B>,
    ffn_out: Linear<B>,
    ffn_norm: LayerNorm<B>,
}

/// The encoder: position/type embeddings, embedding LayerNorm, layers and pooling.
#[derive(Module, Debug)]
pub(crate) struct Bert<B: Backend> {
    positions: Param<Tensor<B, 2>>,
    token_type: Param<Tensor<B, 1>>,
    embedding_norm: LayerNorm<B>,
    layers: Vec<BertLayer<B>>,
    heads: usize,
}

impl<B: Backend> Bert<B> {
    /// Builds the encoder from `weights`, checking every tensor against `config`.
    pub fn load(config: &BertConfig, weights: &Weights<'_>, device: &B::Device) -> Result<Self> {
        let h = config.hidden_size;
        let loader = Loader { weights, config, device };
        let positions =
            loader.matrix("embeddings.position_embeddings.weight", config.max_position_embeddings, h)?;
        let token_types =
            weights.matrix("embeddings.token_type_embeddings.weight", config.type_vocab_size, h)?;
        let token_type = Tensor::from_data(TensorData::new(token_types[..h].to_vec(), [h]), device);
        let layers = (0..config.num_hidden_layers)
            .map(|i| loader.layer(&format!("encoder.layer.{i}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            positions: Param::from_tensor(positions),
            token_type: Param::from_tensor(token_type),
            embedding_norm: loader.layer_norm("embeddings.LayerNorm")?,
            layers,
            heads: config.num_attention_heads,
        })
    }

    /// Encodes word embeddings `[batch, len, hidden]` under `mask` `[batch, len]`
    /// into L2-normalised mean-pooled sentence embeddings `[batch, hidden]`.
    pub fn forward(&self, words: Tensor<B, 3>, mask: Tensor<B, 2>) -> Tensor<B, 2> {
        let [batch, len, hidden] = words.dims();
        let positions = self.positions.val().narrow(0, 0, len).unsqueeze::<3>();
        let token_type = self.token_type.val().reshape([1, 1, hidden]);
        let mut x = self.embedding_norm.forward(words + positions + token_type);
        let bias = (mask.clone() - 1.0).mul_scalar(-MASKED_SCORE).reshape([batch, 1, 1, len]);
        for layer in &self.layers {
            x = layer.forward(x, bias.clone(), self.heads);
        }
        mean_pool_normalized(x, mask)
    }
}

impl<B: Backend> BertLayer<B> {
    fn forward(&self, x: Tensor<B, 3>, bias: Tensor<B, 4>, heads: usize) -> Tensor<B, 3> {
        let [batch, len, hidden] = x.dims();
        let head_dim = hidden / heads;
        let split_heads = |t: Tensor<B, 3>| t.reshape([batch, len, heads, head_dim]).swap_dims(1, 2);
        let mut qkv = self.qkv.forward(x.clone()).chunk(3, 2).into_iter().map(split_heads);
        let (q, k, v) = (qkv.next().unwrap(), qkv.next().unwrap(), qkv.next().unwrap());
        let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(1.0 / (head_dim as f64).sqrt()) + bias;
        let context = softmax(scores, 3).matmul(v).swap_dims(1, 2).reshape([batch, len, hidden]);
        let attended = self.attention_norm.forward(self.attention_out.forward(context) + x);
        let ffn = self.ffn_out.forward(gelu(self.ffn_in.forward(attended.clone())));
        self.ffn_norm.forward(ffn + attended)
    }
}

/// Mean over the unmasked positions, then L2 normalisation (as sentence-transformers).
fn mean_pool_normalized<B: Backend>(x: Tensor<B, 3>, mask: Tensor<B, 2>) -> Tensor<B, 2> {
    let [batch, _, hidden] = x.dims();
    let mask = mask.unsqueeze_dim::<3>(2);
    let summed = (x * mask.clone()).sum_dim(1).reshape([batch, hidden]);
    let counts = mask.sum_dim(1).reshape([batch, 1]).clamp_min(1e-9);
    let mean = summed / counts;
    let norm = mean.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    mean / norm
}

/// Turns named tensors of the HuggingFace layout into burn modules.
struct Loader<'w, 'a, B: Backend> {
    weights: &'w Weights<'a>,
    config: &'w BertConfig,
    device: &'w B::Device,
}

impl<B: Backend> Loader<'_, '_, B> {
    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Tensor<B, 2>> {
        let values = self.weights.matrix(name, rows, cols)?;
        Ok(Tensor::from_data(TensorData::new(values, [rows, cols]), self.device))
    }

    /// Several PyTorch `Linear`s (`[out, in]` weights) with the same input, fused side by side.
    fn linear(&self, names: &[&str], d_in: usize, d_out: usize) -> Result<Linear<B>> {
        let mut weight = vec![0.0f32; d_in * d_out * names.len()];
        let mut bias = Vec::with_capacity(d_out * names.len());
        let width = d_out * names.len();
        for (part, name) in names.iter().enumerate() {
            let w = self.weights.matrix(&format!("{name}.weight"), d_out, d_in)?;
            for (o, row) in w.chunks_exact(d_in).enumerate() {
                for (i, value) in row.iter().enumerate() {
                    weight[i * width + part * d_out + o] = *value;
                }
            }
            bias.extend(self.weights.vector(&format!("{name}.bias"), d_out)?);
        }
        Ok(Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(weight, [d_in, width]),
                self.device,
            )),
            bias: Some(Param::from_tensor(Tensor::from_data(TensorData::new(bias, [width]), self.device))),
        })
    }

    fn layer_norm(&self, prefix: &str) -> Result<LayerNorm<B>> {
        let h = self.config.hidden_size;
        let mut norm = LayerNormConfig::new(h).with_epsilon(self.config.layer_norm_eps).init(self.device);
        let vector = |name: &str| -> Result<Tensor<B, 1>> {
            let values = self.weights.vector(&format!("{prefix}.{name}"), h)?;
            Ok(Tensor::from_data(TensorData::new(values, [h]), self.device))
        };
        norm.gamma = Param::from_tensor(vector("weight")?);
        norm.beta = Some(Param::from_tensor(vector("bias")?));
        Ok(norm)
    }

    fn layer(&self, prefix: &str) -> Result<BertLayer<B>> {
        let (h, ff) = (self.config.hidden_size, self.config.intermediate_size);
        let attention = format!("{prefix}.attention");
        let qkv_names = ["query", "key", "value"].map(|p| format!("{attention}.self.{p}"));
        let qkv_refs: Vec<&str> = qkv_names.iter().map(String::as_str).collect();
        Ok(BertLayer {
            qkv: self.linear(&qkv_refs, h, h)?,
            attention_out: self.linear(&[&format!("{attention}.output.dense")], h, h)?,
            attention_norm: self.layer_norm(&format!("{attention}.output.LayerNorm"))?,
            ffn_in: self.linear(&[&format!("{prefix}.intermediate.dense")], h, ff)?,
            ffn_out: self.linear(&[&format!("{prefix}.output.dense")], ff, h)?,
            ffn_norm: self.layer_norm(&format!("{prefix}.output.LayerNorm"))?,
        })
    }
}
