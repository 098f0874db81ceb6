//! One shard file of a v2 bundle: a group of items with their metadata, int8 GNN vectors,
//! popularity and (text shards) int8 text vectors, as one safetensors file.

use crate::error::ContentError;
use crate::int8::Int8Matrix;
use crate::items::ItemMeta;
use crate::tensors::{TensorData, Tensors};

/// Tensor names inside a shard file.
mod shard_tensors {
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
        let mut tensors = vec![
            TensorData::u32(s::INDEX, &self.index),
            TensorData::u8(s::META, ItemMeta::list_to_bytes(&self.items)),
            TensorData::u32(s::POPULARITY, &self.popularity),
            TensorData::i8(s::GNN_VALUES, vec![m, self.gnn.dim], &self.gnn.values),
            TensorData::f32(s::GNN_SCALES, vec![m], &self.gnn.scales),
        ];
        if let Some(text) = &self.text {
            let k = text.len() / m.max(1);
            tensors.push(TensorData::i8(s::TEXT_VALUES, vec![m, k], text));
        }
        Tensors::write(&tensors).expect("shapes match their bytes")
    }

    /// Reads a shard of a catalogue of `n_items` items, of GNN width `dim` and, for text
    /// shards, text width `text_dim`.
    pub fn from_bytes(
        bytes: &[u8],
        n_items: usize,
        dim: usize,
        text_dim: Option<usize>,
    ) -> Result<Self, ContentError> {
        let tensors = Tensors::parse(bytes)?;
        let m = tensors.vector_len(s::INDEX)?;
        let index = tensors.u32(s::INDEX, &[m])?;
        let below = index.last().is_none_or(|&last| (last as usize) < n_items);
        if !below || !index.windows(2).all(|w| w[0] < w[1]) {
            return Err(ContentError::ShardIndex { n_items });
        }
        let meta_len = tensors.vector_len(s::META)?;
        let items = ItemMeta::list_from_bytes(&tensors.u8(s::META, &[meta_len])?, m)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_indices_must_ascend_within_the_catalogue() {
        let item = |i: u32| ItemMeta {
            id: format!("i{i}"),
            title: String::new(),
            subtitle: String::new(),
            url: None,
        };
        let shard = |index: Vec<u32>| {
            let m = index.len();
            ShardContent {
                items: index.iter().map(|&i| item(i)).collect(),
                index,
                popularity: vec![1; m],
                gnn: Int8Matrix { rows: m, dim: 1, values: vec![1; m], scales: vec![1.0; m] },
                text: None,
            }
            .to_bytes()
        };
        assert!(ShardContent::from_bytes(&shard(vec![0, 4]), 5, 1, None).is_ok());
        for (index, n_items) in [(vec![0, 5], 5), (vec![3, 1], 5), (vec![u32::MAX], usize::MAX >> 40)] {
            let error = ShardContent::from_bytes(&shard(index.clone()), n_items, 1, None).unwrap_err();
            assert!(matches!(error, ContentError::ShardIndex { .. }), "{index:?}: {error}");
        }
    }
}
