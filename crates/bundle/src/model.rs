//! The model tensors every bundle carries besides its per-item arrays: the mean trained
//! user, the MLP head, the fold-in map and the text maps. A v1 bundle stores them in
//! `tensors.safetensors` with the items' arrays, a v2 bundle in its core.

use crate::error::ContentError;
use crate::head::MlpHead;
use crate::manifest::{ModelInfo, TextInfo};
use crate::tensors::{TensorData, Tensors, tensor_names as t};
use crate::text_space::{AffineMap, TextProjection};

/// The text side's maps.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMaps {
    /// MiniLM → the bundle's text space.
    pub projection: TextProjection,
    /// Text space → GNN user space (the query tower).
    pub tower: AffineMap,
}

/// The tensors of the model that are not per item.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTensors {
    /// Mean trained user vector `[dim]` (the MLP models' vector without history).
    pub mean_user: Vec<f32>,
    /// The MLP head of models that score pairs with one.
    pub head: Option<MlpHead>,
    /// The fold-in map (history sum → user space), when the model has one.
    pub fold_in_map: Option<AffineMap>,
    /// The text maps, for catalogues with item text.
    pub text: Option<TextMaps>,
}

impl ModelTensors {
    /// The tensors to store.
    pub(crate) fn tensors(&self) -> Vec<TensorData> {
        let d = self.mean_user.len();
        let mut tensors = vec![TensorData::f32(t::MEAN_USER, vec![d], &self.mean_user)];
        if let Some(map) = &self.fold_in_map {
            tensors.push(TensorData::f32(t::FOLD_IN_WEIGHT, vec![d, d], &map.weight));
            tensors.push(TensorData::f32(t::FOLD_IN_BIAS, vec![d], &map.bias));
        }
        if let Some(head) = &self.head {
            tensors.extend(head.tensors());
        }
        if let Some(text) = &self.text {
            let (encoder_dim, k) = (text.projection.mean.len(), text.projection.dim());
            tensors.push(TensorData::f32(t::TEXT_MEAN, vec![encoder_dim], &text.projection.mean));
            tensors.push(TensorData::f32(
                t::TEXT_COMPONENTS,
                vec![k, encoder_dim],
                &text.projection.components,
            ));
            tensors.push(TensorData::f32(t::TOWER_WEIGHT, vec![k, d], &text.tower.weight));
            tensors.push(TensorData::f32(t::TOWER_BIAS, vec![d], &text.tower.bias));
        }
        tensors
    }

    /// Reads them for a model and text side as the manifest describes them.
    pub(crate) fn read(
        tensors: &Tensors<'_>,
        model: &ModelInfo,
        text: Option<&TextInfo>,
    ) -> Result<Self, ContentError> {
        let d = model.dim;
        let head = if model.mlp_head { Some(MlpHead::read(tensors, d)?) } else { None };
        let fold_in_map = if model.fold_in_map {
            Some(AffineMap {
                weight: tensors.f32(t::FOLD_IN_WEIGHT, &[d, d])?,
                bias: tensors.f32(t::FOLD_IN_BIAS, &[d])?,
            })
        } else {
            None
        };
        let text = match text {
            None => None,
            Some(info) => Some(TextMaps {
                projection: TextProjection {
                    mean: tensors.f32(t::TEXT_MEAN, &[info.encoder_dim])?,
                    components: tensors.f32(t::TEXT_COMPONENTS, &[info.dim, info.encoder_dim])?,
                },
                tower: AffineMap {
                    weight: tensors.f32(t::TOWER_WEIGHT, &[info.dim, d])?,
                    bias: tensors.f32(t::TOWER_BIAS, &[d])?,
                },
            }),
        };
        Ok(Self { mean_user: tensors.f32(t::MEAN_USER, &[d])?, head, fold_in_map, text })
    }
}
