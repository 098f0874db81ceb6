//! `tensors.safetensors`: every numeric array of a bundle, by name.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors};

/// Tensor names inside `tensors.safetensors`.
pub mod tensor_names {
    /// int8 item embeddings `[n_items, dim]`.
    pub const ITEM_VALUES: &str = "gnn.items.values";
    /// Per-item scales `[n_items]`.
    pub const ITEM_SCALES: &str = "gnn.items.scales";
    /// Mean trained user vector `[dim]` (fold-in start).
    pub const MEAN_USER: &str = "gnn.mean_user";
    /// Training interactions per item `[n_items]` (u32).
    pub const POPULARITY: &str = "items.popularity";
    /// MLP head, user half of layer 1 `[dim, h1]`.
    pub const HEAD_W1_USER: &str = "head.w1_user";
    /// MLP head, item half of layer 1 `[dim, h1]`.
    pub const HEAD_W1_ITEM: &str = "head.w1_item";
    /// `[h1]`.
    pub const HEAD_B1: &str = "head.b1";
    /// `[h1, h2]`.
    pub const HEAD_W2: &str = "head.w2";
    /// `[h2]`.
    pub const HEAD_B2: &str = "head.b2";
    /// `[h2]`.
    pub const HEAD_W3: &str = "head.w3";
    /// `[1]`.
    pub const HEAD_B3: &str = "head.b3";
    /// Text projection mean `[encoder_dim]`.
    pub const TEXT_MEAN: &str = "text.projection.mean";
    /// Text projection axes `[text_dim, encoder_dim]`.
    pub const TEXT_COMPONENTS: &str = "text.projection.components";
    /// Query tower weight `[text_dim, dim]`.
    pub const TOWER_WEIGHT: &str = "tower.weight";
    /// Query tower bias `[dim]`.
    pub const TOWER_BIAS: &str = "tower.bias";
    /// Fold-in map of MLP models, weight `[dim, dim]`.
    pub const FOLD_IN_WEIGHT: &str = "fold_in.weight";
    /// Fold-in map bias `[dim]`.
    pub const FOLD_IN_BIAS: &str = "fold_in.bias";
    /// Cluster centroids `[n_clusters, dim]`.
    pub const CENTROIDS: &str = "clusters.centroids";
    /// Cluster of each item `[n_items]` (u32).
    pub const ASSIGNMENT: &str = "clusters.assignment";
    /// Items by cluster, closest to the centroid first `[n_items]` (u32).
    pub const ORDER: &str = "clusters.order";
}

/// A parsed tensors file with shape-checked accessors; errors name the file and tensor.
pub struct Tensors<'a> {
    file: &'a str,
    inner: SafeTensors<'a>,
}

/// A tensor to write: name, shape, dtype and little-endian bytes.
pub type TensorBytes = (String, Vec<usize>, Dtype, Vec<u8>);

impl<'a> Tensors<'a> {
    /// Parses the file.
    pub fn parse(file: &'a str, bytes: &'a [u8]) -> Result<Self, String> {
        Ok(Self { file, inner: SafeTensors::deserialize(bytes).map_err(|e| e.to_string())? })
    }

    /// Shape of a tensor.
    pub fn shape(&self, name: &str) -> Result<Vec<usize>, String> {
        let view = self.inner.tensor(name).map_err(|_| format!("{}: tensor {name} is missing", self.file))?;
        Ok(view.shape().to_vec())
    }

    fn raw(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<&'a [u8], String> {
        let view = self.inner.tensor(name).map_err(|_| format!("{}: tensor {name} is missing", self.file))?;
        if view.dtype() != dtype || view.shape() != shape {
            return Err(format!(
                "{}: tensor {name} is {:?} {:?}, expected {dtype:?} {shape:?}",
                self.file,
                view.dtype(),
                view.shape()
            ));
        }
        Ok(view.data())
    }

    /// An f32 tensor of exactly `shape`.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, String> {
        let data = self.raw(name, Dtype::F32, shape)?;
        let values: Vec<f32> =
            data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        match values.iter().position(|v| !v.is_finite()) {
            Some(at) => Err(format!("{}: tensor {name} has a non-finite value at {at}", self.file)),
            None => Ok(values),
        }
    }

    /// A u32 tensor of exactly `shape`.
    pub fn u32(&self, name: &str, shape: &[usize]) -> Result<Vec<u32>, String> {
        let data = self.raw(name, Dtype::U32, shape)?;
        Ok(data.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// An i8 tensor of exactly `shape`.
    pub fn i8(&self, name: &str, shape: &[usize]) -> Result<Vec<i8>, String> {
        Ok(self.raw(name, Dtype::I8, shape)?.iter().map(|&b| b as i8).collect())
    }

    /// Serializes tensors into a safetensors file.
    pub fn write(tensors: Vec<TensorBytes>) -> Result<Vec<u8>, String> {
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
            .iter()
            .map(|(name, shape, dtype, bytes)| {
                safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes).map(|v| (name.clone(), v))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        safetensors::serialize(views, None::<HashMap<String, String>>).map_err(|e| e.to_string())
    }
}

/// Little-endian bytes of f32 values.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian bytes of u32 values.
pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
