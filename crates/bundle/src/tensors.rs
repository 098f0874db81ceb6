//! `tensors.safetensors`: every numeric array of a bundle, by name.

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensorError, SafeTensors};
use thiserror::Error;

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

/// Why a tensors file cannot be read or written. Messages name the tensor; the caller
/// names the file.
#[derive(Debug, Error)]
pub enum TensorError {
    /// The bytes are not a safetensors file.
    #[error("not a safetensors file: {0}")]
    Parse(SafeTensorError),
    /// A tensor the reader needs is absent.
    #[error("tensor {name} is missing")]
    Missing {
        /// Tensor name.
        name: String,
    },
    /// A tensor has another dtype or shape than expected.
    #[error("tensor {name} is {found_dtype:?} {found_shape:?}, expected {dtype:?} {shape:?}")]
    Shape {
        /// Tensor name.
        name: String,
        /// Dtype in the file.
        found_dtype: Dtype,
        /// Shape in the file.
        found_shape: Vec<usize>,
        /// Dtype expected.
        dtype: Dtype,
        /// Shape expected.
        shape: Vec<usize>,
    },
    /// A 1-d tensor was expected, the file holds a scalar.
    #[error("tensor {name} is a scalar")]
    Scalar {
        /// Tensor name.
        name: String,
    },
    /// An f32 tensor holds NaN or an infinity.
    #[error("tensor {name} has a non-finite value at {at}")]
    NonFinite {
        /// Tensor name.
        name: String,
        /// Flat index of the first such value.
        at: usize,
    },
    /// Tensors could not be serialized (a shape disagrees with its bytes).
    #[error("cannot serialize the tensors: {0}")]
    Write(SafeTensorError),
}

/// A parsed tensors file with shape-checked accessors; errors name the tensor.
pub struct Tensors<'a> {
    inner: SafeTensors<'a>,
}

/// One tensor as stored: name, shape, dtype and little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData {
    /// Name in the file.
    pub name: String,
    /// Shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: Dtype,
    /// Little-endian element bytes, row-major.
    pub bytes: Vec<u8>,
}

impl TensorData {
    /// An f32 tensor.
    pub fn f32(name: &str, shape: Vec<usize>, values: &[f32]) -> Self {
        Self { name: name.into(), shape, dtype: Dtype::F32, bytes: f32_bytes(values) }
    }

    /// A 1-d u32 tensor.
    pub fn u32(name: &str, values: &[u32]) -> Self {
        Self { name: name.into(), shape: vec![values.len()], dtype: Dtype::U32, bytes: u32_bytes(values) }
    }

    /// An i8 tensor.
    pub fn i8(name: &str, shape: Vec<usize>, values: &[i8]) -> Self {
        Self { name: name.into(), shape, dtype: Dtype::I8, bytes: values.iter().map(|&v| v as u8).collect() }
    }

    /// A 1-d u8 tensor.
    pub fn u8(name: &str, values: Vec<u8>) -> Self {
        Self { name: name.into(), shape: vec![values.len()], dtype: Dtype::U8, bytes: values }
    }
}

impl<'a> Tensors<'a> {
    /// Parses the file.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, TensorError> {
        Ok(Self { inner: SafeTensors::deserialize(bytes).map_err(TensorError::Parse)? })
    }

    /// Shape of a tensor.
    pub fn shape(&self, name: &str) -> Result<Vec<usize>, TensorError> {
        Ok(self.view(name)?.shape().to_vec())
    }

    /// Length of a 1-d tensor (the first axis of any non-scalar).
    pub fn vector_len(&self, name: &str) -> Result<usize, TensorError> {
        self.shape(name)?.first().copied().ok_or_else(|| TensorError::Scalar { name: name.into() })
    }

    fn view(&self, name: &str) -> Result<TensorView<'a>, TensorError> {
        self.inner.tensor(name).map_err(|_| TensorError::Missing { name: name.into() })
    }

    fn raw(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<&'a [u8], TensorError> {
        let view = self.view(name)?;
        if view.dtype() != dtype || view.shape() != shape {
            return Err(TensorError::Shape {
                name: name.into(),
                found_dtype: view.dtype(),
                found_shape: view.shape().to_vec(),
                dtype,
                shape: shape.to_vec(),
            });
        }
        Ok(view.data())
    }

    /// An f32 tensor of exactly `shape`.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, TensorError> {
        let data = self.raw(name, Dtype::F32, shape)?;
        let values: Vec<f32> =
            data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        match values.iter().position(|v| !v.is_finite()) {
            Some(at) => Err(TensorError::NonFinite { name: name.into(), at }),
            None => Ok(values),
        }
    }

    /// A u32 tensor of exactly `shape`.
    pub fn u32(&self, name: &str, shape: &[usize]) -> Result<Vec<u32>, TensorError> {
        let data = self.raw(name, Dtype::U32, shape)?;
        Ok(data.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// A u8 tensor of exactly `shape`.
    pub fn u8(&self, name: &str, shape: &[usize]) -> Result<Vec<u8>, TensorError> {
        Ok(self.raw(name, Dtype::U8, shape)?.to_vec())
    }

    /// An i8 tensor of exactly `shape`.
    pub fn i8(&self, name: &str, shape: &[usize]) -> Result<Vec<i8>, TensorError> {
        Ok(self.raw(name, Dtype::I8, shape)?.iter().map(|&b| b as i8).collect())
    }

    /// Every tensor of the file, copied, in name order.
    pub fn entries(&self) -> Vec<TensorData> {
        let mut entries: Vec<TensorData> = self
            .inner
            .tensors()
            .into_iter()
            .map(|(name, view)| TensorData {
                name,
                shape: view.shape().to_vec(),
                dtype: view.dtype(),
                bytes: view.data().to_vec(),
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    }

    /// Serializes tensors into a safetensors file.
    pub fn write(tensors: &[TensorData]) -> Result<Vec<u8>, TensorError> {
        let views: Vec<(String, TensorView<'_>)> = tensors
            .iter()
            .map(|t| TensorView::new(t.dtype, t.shape.clone(), &t.bytes).map(|v| (t.name.clone(), v)))
            .collect::<Result<_, _>>()
            .map_err(TensorError::Write)?;
        safetensors::serialize(views, None::<HashMap<String, String>>).map_err(TensorError::Write)
    }
}

/// Little-endian bytes of f32 values.
pub(crate) fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian bytes of u32 values.
pub(crate) fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Vec<u8> {
        Tensors::write(&[
            TensorData::f32("a", vec![2], &[1.0, f32::NAN]),
            TensorData::u32("b", &[1, 2, 3]),
            TensorData::f32("s", vec![], &[1.0]),
        ])
        .unwrap()
    }

    #[test]
    fn each_error_names_the_tensor() {
        assert!(matches!(Tensors::parse(b"not safetensors"), Err(TensorError::Parse(_))));
        let bytes = file();
        let tensors = Tensors::parse(&bytes).unwrap();
        assert_eq!(tensors.u32("b", &[3]).unwrap(), vec![1, 2, 3]);
        assert_eq!(tensors.vector_len("b").unwrap(), 3);
        assert!(matches!(tensors.u32("c", &[3]), Err(TensorError::Missing { name }) if name == "c"));
        let shape = tensors.u32("b", &[4]).unwrap_err();
        assert!(
            matches!(&shape, TensorError::Shape { name, found_shape, shape, found_dtype: Dtype::U32, dtype: Dtype::U32 }
                if name == "b" && found_shape == &[3] && shape == &[4]),
            "{shape}"
        );
        assert!(matches!(tensors.f32("b", &[3]), Err(TensorError::Shape { dtype: Dtype::F32, .. })));
        assert!(matches!(tensors.f32("a", &[2]), Err(TensorError::NonFinite { name, at: 1 }) if name == "a"));
        assert!(matches!(tensors.vector_len("s"), Err(TensorError::Scalar { name }) if name == "s"));
        let short = Tensors::write(&[TensorData::f32("x", vec![2], &[1.0])]);
        assert!(matches!(short, Err(TensorError::Write(_))));
    }
}
