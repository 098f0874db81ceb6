//! One shard file of a v2 bundle: a group of items with their metadata, int8 GNN vectors,
//! popularity and (text shards) int8 text vectors, as one safetensors file.

use safetensors::Dtype;

use crate::error::ContentError;
use crate::items::ItemMeta;
use crate::quantized::Int8Matrix;
use crate::scorer::{MlpHead, Scorer};
use crate::tensors::{TensorBytes, Tensors, f32_bytes, u32_bytes};
use crate::text_index::TextPoint;

/// Tensor names inside a shard file.
pub mod shard_tensors {
    /// Catalogue-wide index of each item `[m]` (u32, ascending).
    pub const INDEX: &str = "items.index";
    /// The items' metadata: UTF-8 JSON array of `{id, title, subtitle, url}` (u8 bytes).
    pub const META: &str = "items.meta";
    /// Training interactions per item `[m]` (u32).
    pub const POPULARITY: &str = "items.popularity";
    /// int8 GNN vectors `[m, d]`.
    pub const GNN_VALUES: &str = "gnn.items.values";
    /// Their per-item scales `[m]` (f32).
    pub const GNN_SCALES: &str = "gnn.items.scales";
    /// int8 unit text vectors `[m, k]` (text shards only; scale dropped, cosine only).
    pub const TEXT_VALUES: &str = "text.values";
}
use shard_tensors as s;

/// A shard's items, as written and as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardContent {
    /// Catalogue-wide item indices, ascending.
    pub index: Vec<u32>,
    /// Display metadata, one per item.
    pub items: Vec<ItemMeta>,
    /// Training interactions per item.
    pub popularity: Vec<u32>,
    /// int8 GNN vectors.
    pub gnn: Int8Matrix,
    /// int8 text vectors `[m, k]`, row-major (text shards).
    pub text: Option<Vec<i8>>,
}

impl ShardContent {
    /// The safetensors bytes of the shard.
    pub fn to_bytes(&self) -> Vec<u8> {
        let m = self.index.len();
        let meta = serde_json::to_vec(&self.items).expect("item metadata serializes");
        let mut tensors: Vec<TensorBytes> = vec![
            (s::INDEX.into(), vec![m], Dtype::U32, u32_bytes(&self.index)),
            (s::META.into(), vec![meta.len()], Dtype::U8, meta),
            (s::POPULARITY.into(), vec![m], Dtype::U32, u32_bytes(&self.popularity)),
            (s::GNN_VALUES.into(), vec![m, self.gnn.dim], Dtype::I8, i8_bytes(&self.gnn.values)),
            (s::GNN_SCALES.into(), vec![m], Dtype::F32, f32_bytes(&self.gnn.scales)),
        ];
        if let Some(text) = &self.text {
            let k = text.len() / m.max(1);
            tensors.push((s::TEXT_VALUES.into(), vec![m, k], Dtype::I8, i8_bytes(text)));
        }
        Tensors::write(tensors).expect("shapes match their bytes")
    }

    /// Reads a shard of GNN width `dim` and, for text shards, text width `text_dim`.
    pub fn from_bytes(bytes: &[u8], dim: usize, text_dim: Option<usize>) -> Result<Self, ContentError> {
        let tensors = Tensors::parse(bytes)?;
        let m = tensors.vector_len(s::INDEX)?;
        let index = tensors.u32(s::INDEX, &[m])?;
        if !index.windows(2).all(|w| w[0] < w[1]) {
            return Err(ContentError::ShardIndex);
        }
        let meta_len = tensors.vector_len(s::META)?;
        let items: Vec<ItemMeta> =
            serde_json::from_slice(&tensors.u8(s::META, &[meta_len])?).map_err(ContentError::Json)?;
        if items.len() != m {
            return Err(ContentError::ItemCount { found: items.len(), expected: m });
        }
        let gnn = Int8Matrix {
            rows: m,
            dim,
            values: tensors.i8(s::GNN_VALUES, &[m, dim])?,
            scales: tensors.f32(s::GNN_SCALES, &[m])?,
        };
        let text = match text_dim {
            Some(k) => Some(tensors.i8(s::TEXT_VALUES, &[m, k])?),
            None => None,
        };
        Ok(Self { index, items, popularity: tensors.u32(s::POPULARITY, &[m])?, gnn, text })
    }
}

/// A shard ready for ranking: its content plus the dequantised vectors and their scorer.
pub struct Shard {
    /// Catalogue-wide item indices.
    pub index: Vec<u32>,
    /// Display metadata.
    pub items: Vec<ItemMeta>,
    /// Training interactions per item.
    pub popularity: Vec<u32>,
    /// GNN vectors, row-major `[m, d]`.
    pub embeddings: Vec<f32>,
    /// Scores the shard's items for a user vector.
    pub scorer: Scorer,
    /// Text points (text shards).
    pub text: Vec<TextPoint>,
    /// Approximate bytes held in memory.
    pub memory_bytes: usize,
}

impl Shard {
    /// Prepares a shard's content for scoring with the bundle's head (if any).
    pub fn new(content: ShardContent, head: Option<&MlpHead>) -> Self {
        let embeddings = content.gnn.dequantize();
        let scorer = Scorer::new(head.cloned(), &embeddings);
        let text: Vec<TextPoint> = match &content.text {
            Some(values) => {
                let k = values.len() / content.index.len().max(1);
                values.chunks_exact(k.max(1)).map(|row| TextPoint::from_int8(row.to_vec())).collect()
            }
            None => Vec::new(),
        };
        let meta: usize =
            content.items.iter().map(|i| i.id.len() + i.title.len() + i.subtitle.len() + 64).sum();
        let text_bytes = content.text.as_ref().map_or(0, |t| t.len() + 32 * content.index.len());
        let memory_bytes =
            embeddings.len() * 4 + scorer.memory_bytes() + meta + text_bytes + content.index.len() * 8;
        Self {
            index: content.index,
            items: content.items,
            popularity: content.popularity,
            embeddings,
            scorer,
            text,
            memory_bytes,
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the shard has no items.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The GNN vector of the item in row `row`.
    pub fn row(&self, row: usize) -> &[f32] {
        let d = self.embeddings.len() / self.len().max(1);
        &self.embeddings[row * d..(row + 1) * d]
    }
}

fn i8_bytes(values: &[i8]) -> Vec<u8> {
    values.iter().map(|&v| v as u8).collect()
}
