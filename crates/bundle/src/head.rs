//! The GraphSAGE MLP head's parameters and their tensors: one writer and one reader, used
//! by bundles (`tensors.safetensors`) and by training runs (`embeddings.safetensors`).
//!
//! Names and shapes are the bundle's (see [`tensor_names`](crate::tensor_names) and
//! `docs/bundle-format.md`): `head.w1_user`, `head.w1_item` `[d, h1]`, `head.b1` `[h1]`,
//! `head.w2` `[h1, h2]`, `head.b2` `[h2]`, `head.w3` `[h2]`, `head.b3` `[1]`. Runs written
//! before this module stored burn's three dense layers instead, `head.{0,1,2}.weight`
//! (`[in, out]`) and `head.{0,1,2}.bias`; [`read_head`] reads both.

use thiserror::Error;

use crate::tensors::{TensorData, TensorError, Tensors, tensor_names as t};

/// An MLP head whose parameter shapes disagree with each other.
#[derive(Debug, Error, PartialEq)]
#[error("head.{name} has {found} values, expected {expected}")]
pub struct HeadError {
    /// The parameter (`w1_user`, `w1_item`, `w2` or `w3`).
    pub name: &'static str,
    /// Its number of values.
    pub found: usize,
    /// The number the other shapes imply.
    pub expected: usize,
}

/// The GraphSAGE link predictor `[u; i] → h1 → h2 → 1` with ReLUs, its first layer split
/// into a user half and an item half (so the item half is computed once per item).
#[derive(Debug, Clone, PartialEq)]
pub struct MlpHead {
    /// Embedding width `d`.
    pub dim: usize,
    /// First layer, user half: row-major `[d, h1]` (burn's `[in, out]` layout).
    pub w1_user: Vec<f32>,
    /// First layer, item half: `[d, h1]`.
    pub w1_item: Vec<f32>,
    /// `[h1]`.
    pub b1: Vec<f32>,
    /// `[h1, h2]`.
    pub w2: Vec<f32>,
    /// `[h2]`.
    pub b2: Vec<f32>,
    /// `[h2]` (the output layer's single column).
    pub w3: Vec<f32>,
    /// Output bias.
    pub b3: f32,
}

impl MlpHead {
    /// Width of the first hidden layer.
    pub fn h1(&self) -> usize {
        self.b1.len()
    }

    /// Width of the second hidden layer.
    pub fn h2(&self) -> usize {
        self.b2.len()
    }

    /// Checks that the parameter shapes agree; the error names the first mismatch.
    pub fn check(&self) -> Result<(), HeadError> {
        let (d, h1, h2) = (self.dim, self.h1(), self.h2());
        for (name, len, want) in [
            ("w1_user", self.w1_user.len(), d * h1),
            ("w1_item", self.w1_item.len(), d * h1),
            ("w2", self.w2.len(), h1 * h2),
            ("w3", self.w3.len(), h2),
        ] {
            if len != want {
                return Err(HeadError { name, found: len, expected: want });
            }
        }
        Ok(())
    }

    /// The head as tensors to write, under the bundle's names.
    pub fn tensors(&self) -> Vec<TensorData> {
        let (d, h1, h2) = (self.dim, self.h1(), self.h2());
        vec![
            TensorData::f32(t::HEAD_W1_USER, vec![d, h1], &self.w1_user),
            TensorData::f32(t::HEAD_W1_ITEM, vec![d, h1], &self.w1_item),
            TensorData::f32(t::HEAD_B1, vec![h1], &self.b1),
            TensorData::f32(t::HEAD_W2, vec![h1, h2], &self.w2),
            TensorData::f32(t::HEAD_B2, vec![h2], &self.b2),
            TensorData::f32(t::HEAD_W3, vec![h2], &self.w3),
            TensorData::f32(t::HEAD_B3, vec![1], &[self.b3]),
        ]
    }

    /// Whether a tensors file holds a head, under either naming.
    pub fn is_in(tensors: &Tensors<'_>) -> bool {
        tensors.shape(t::HEAD_B1).is_ok() || tensors.shape(&legacy_bias(0)).is_ok()
    }

    /// Reads the head of a model with embedding width `dim`, under the bundle's names or,
    /// when those are absent, the legacy layer names.
    pub fn read(tensors: &Tensors<'_>, dim: usize) -> Result<Self, HeadReadError> {
        if tensors.shape(t::HEAD_B1).is_err() && tensors.shape(&legacy_bias(0)).is_ok() {
            return read_legacy(tensors, dim);
        }
        let d = dim;
        let h1 = tensors.vector_len(t::HEAD_B1)?;
        let h2 = tensors.vector_len(t::HEAD_B2)?;
        let head = Self {
            dim: d,
            w1_user: tensors.f32(t::HEAD_W1_USER, &[d, h1])?,
            w1_item: tensors.f32(t::HEAD_W1_ITEM, &[d, h1])?,
            b1: tensors.f32(t::HEAD_B1, &[h1])?,
            w2: tensors.f32(t::HEAD_W2, &[h1, h2])?,
            b2: tensors.f32(t::HEAD_B2, &[h2])?,
            w3: tensors.f32(t::HEAD_W3, &[h2])?,
            b3: tensors.f32(t::HEAD_B3, &[1])?[0],
        };
        head.check()?;
        Ok(head)
    }

    /// The head from its three dense layers `(weight, bias)`, weights row-major `[in, out]`
    /// as burn stores them: `[2·dim, h1]` reading `[user; item]`, `[h1, h2]`, `[h2, 1]`.
    pub fn from_layers(dim: usize, layers: [(Vec<f32>, Vec<f32>); 3]) -> Result<Self, HeadError> {
        let [(w1, b1), (w2, b2), (w3, b3)] = layers;
        let h1 = b1.len();
        if w1.len() != 2 * dim * h1 {
            return Err(HeadError { name: "w1", found: w1.len(), expected: 2 * dim * h1 });
        }
        if b3.len() != 1 {
            return Err(HeadError { name: "b3", found: b3.len(), expected: 1 });
        }
        let split = dim * h1;
        let head = Self {
            dim,
            w1_user: w1[..split].to_vec(),
            w1_item: w1[split..].to_vec(),
            b1,
            w2,
            b2,
            w3,
            b3: b3[0],
        };
        head.check()?;
        Ok(head)
    }
}

/// Legacy name of layer `l`'s weight (`[in, out]`).
fn legacy_weight(l: usize) -> String {
    format!("head.{l}.weight")
}

/// Legacy name of layer `l`'s bias.
fn legacy_bias(l: usize) -> String {
    format!("head.{l}.bias")
}

/// Why a file's MLP head cannot be read.
#[derive(Debug, Error)]
pub enum HeadReadError {
    /// A head tensor is missing, misshapen or not finite.
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// The head's shapes disagree with each other.
    #[error(transparent)]
    Head(#[from] HeadError),
}

/// Reads `head.{0,1,2}.{weight,bias}`: `[2d, h1]`, `[h1]`, `[h1, h2]`, `[h2]`, `[h2, 1]`, `[1]`.
fn read_legacy(tensors: &Tensors<'_>, dim: usize) -> Result<MlpHead, HeadReadError> {
    let h1 = tensors.vector_len(&legacy_bias(0))?;
    let h2 = tensors.vector_len(&legacy_bias(1))?;
    let layers = [
        (tensors.f32(&legacy_weight(0), &[2 * dim, h1])?, tensors.f32(&legacy_bias(0), &[h1])?),
        (tensors.f32(&legacy_weight(1), &[h1, h2])?, tensors.f32(&legacy_bias(1), &[h2])?),
        (tensors.f32(&legacy_weight(2), &[h2, 1])?, tensors.f32(&legacy_bias(2), &[1])?),
    ];
    Ok(MlpHead::from_layers(dim, layers)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> MlpHead {
        let wave = |n: usize, s: f32| (0..n).map(|i| (i as f32 * 0.37 + s).sin()).collect::<Vec<_>>();
        MlpHead {
            dim: 2,
            w1_user: wave(2 * 3, 0.1),
            w1_item: wave(2 * 3, 0.7),
            b1: wave(3, 1.3),
            w2: wave(3 * 2, 2.1),
            b2: wave(2, 0.2),
            w3: vec![0.8, -0.6],
            b3: 0.05,
        }
    }

    #[test]
    fn a_written_head_reads_back() {
        let bytes = Tensors::write(&head().tensors()).unwrap();
        let tensors = Tensors::parse(&bytes).unwrap();
        assert!(MlpHead::is_in(&tensors));
        assert_eq!(MlpHead::read(&tensors, 2).unwrap(), head());
        assert!(matches!(MlpHead::read(&tensors, 3), Err(HeadReadError::Tensor(TensorError::Shape { .. }))));
    }

    #[test]
    fn the_legacy_layer_names_still_read() {
        let h = head();
        let mut w1 = h.w1_user.clone();
        w1.extend_from_slice(&h.w1_item);
        let layer = |l: usize, weight: &[f32], shape: Vec<usize>, bias: &[f32]| {
            [
                TensorData::f32(&legacy_weight(l), shape, weight),
                TensorData::f32(&legacy_bias(l), vec![bias.len()], bias),
            ]
        };
        let mut tensors = vec![TensorData::f32("users", vec![1, 2], &[0.0, 1.0])];
        tensors.extend(layer(0, &w1, vec![4, 3], &h.b1));
        tensors.extend(layer(1, &h.w2, vec![3, 2], &h.b2));
        tensors.extend(layer(2, &h.w3, vec![2, 1], &[h.b3]));
        let bytes = Tensors::write(&tensors).unwrap();
        let parsed = Tensors::parse(&bytes).unwrap();
        assert!(MlpHead::is_in(&parsed));
        assert_eq!(MlpHead::read(&parsed, 2).unwrap(), h);
        let none = Tensors::write(&[TensorData::f32("users", vec![1], &[0.0])]).unwrap();
        assert!(!MlpHead::is_in(&Tensors::parse(&none).unwrap()));
    }

    #[test]
    fn layers_that_do_not_read_pairs_are_named() {
        let layers = [(vec![0.0; 6], vec![0.0; 3]), (vec![0.0; 6], vec![0.0; 2]), (vec![0.0; 2], vec![0.0])];
        assert_eq!(
            MlpHead::from_layers(2, layers).unwrap_err(),
            HeadError { name: "w1", found: 6, expected: 12 }
        );
    }
}
