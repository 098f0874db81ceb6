//! A format v1 bundle: the whole catalogue in a few files (`items.json.gz`,
//! `tensors.safetensors.gz`, `text-index.bin.gz`, the encoder), downloaded at once.

use std::collections::HashMap;
use std::path::Path;

use crate::clusters::ClusterTensors;
use crate::encoder::{ENCODER_FILES, EncoderBytes};
use crate::error::{BundleError, ContentError};
use crate::int8::Int8Matrix;
use crate::items::ItemMeta;
use crate::manifest::{Manifest, parse_manifest};
use crate::model::ModelTensors;
use crate::names::file_names;
use crate::stored::{BundleDir, open_listed, read_file, read_listed};
use crate::tensors::{TensorData, Tensors, tensor_names as t};
use crate::text_index::TextIndex;

/// The content of a v1 bundle's files, except the encoder's ([`EncoderBytes`]).
pub struct V1Content {
    /// Display metadata, in item order.
    pub items: Vec<ItemMeta>,
    /// int8 item GNN vectors `[n_items, dim]`.
    pub embeddings: Int8Matrix,
    /// Training interactions per item.
    pub popularity: Vec<u32>,
    /// The k-means clusters of the item vectors (labels as in the manifest).
    pub clusters: ClusterTensors,
    /// The model tensors that are not per item.
    pub model: ModelTensors,
    /// The HNSW index over the items' text vectors (catalogues with text).
    pub text_index: Option<TextIndex>,
}

impl V1Content {
    /// The files a manifest requires, in loading order.
    pub fn required_files(manifest: &Manifest) -> Vec<&'static str> {
        let mut files = vec![file_names::ITEMS, file_names::TENSORS];
        if manifest.text.is_some() {
            files.push(file_names::TEXT_INDEX);
            files.extend(ENCODER_FILES);
        }
        files
    }

    /// Decodes the bundle of `manifest` from the stored bytes of its files (by path). Every
    /// file is checked against the manifest (size, SHA-256) before it is decoded, and every
    /// array against the manifest's dimensions.
    pub fn decode(manifest: &Manifest, files: &HashMap<String, Vec<u8>>) -> Result<Self, BundleError> {
        let open = |name: &str| open_listed(&manifest.files, files, name);
        let m = &manifest.model;
        manifest.ranking.fold_in.check(m.dim)?;
        let (n, d) = (m.n_items, m.dim);
        let items = ItemMeta::list_from_bytes(&open(file_names::ITEMS)?, n)
            .map_err(|e| BundleError::content(file_names::ITEMS, e))?;

        /// An error in the tensors file.
        fn content(error: impl Into<ContentError>) -> BundleError {
            BundleError::content(file_names::TENSORS, error)
        }
        let tensor_bytes = open(file_names::TENSORS)?;
        let tensors = Tensors::parse(&tensor_bytes).map_err(content)?;
        let embeddings = Int8Matrix {
            rows: n,
            dim: d,
            values: tensors.i8(t::ITEM_VALUES, &[n, d]).map_err(content)?,
            scales: tensors.f32(t::ITEM_SCALES, &[n]).map_err(content)?,
        };
        let model = ModelTensors::read(&tensors, m, manifest.text.as_ref()).map_err(content)?;
        let k = manifest.cluster_labels.len();
        let clusters = ClusterTensors {
            centroids: tensors.f32(t::CENTROIDS, &[k, d]).map_err(content)?,
            assignment: tensors.u32(t::ASSIGNMENT, &[n]).map_err(content)?,
            order: tensors.u32(t::ORDER, &[n]).map_err(content)?,
            labels: manifest.cluster_labels.clone(),
        };
        clusters.index(d).map_err(content)?;
        let text_index = match &manifest.text {
            None => None,
            Some(info) => Some(
                TextIndex::from_bytes(&open(file_names::TEXT_INDEX)?, n, info.dim)
                    .map_err(|e| BundleError::content(file_names::TEXT_INDEX, e))?,
            ),
        };
        let popularity = tensors.u32(t::POPULARITY, &[n]).map_err(content)?;
        Ok(Self { items, embeddings, popularity, clusters, model, text_index })
    }

    /// Reads a bundle folder's manifest and the stored bytes of the files it requires,
    /// unchecked (for [`V1Content::decode`] and [`EncoderBytes`]).
    pub fn read_stored(dir: &Path) -> Result<(Manifest, HashMap<String, Vec<u8>>), BundleError> {
        let manifest = parse_manifest(&read_file(dir, file_names::MANIFEST)?)?;
        let files = read_listed(dir, &manifest.files, Self::required_files(&manifest))?;
        Ok((manifest, files))
    }

    /// The tensors of `tensors.safetensors`.
    fn tensors(&self) -> Vec<TensorData> {
        let (n, d) = (self.embeddings.rows, self.embeddings.dim);
        let c = &self.clusters;
        let mut tensors = vec![
            TensorData::i8(t::ITEM_VALUES, vec![n, d], &self.embeddings.values),
            TensorData::f32(t::ITEM_SCALES, vec![n], &self.embeddings.scales),
            TensorData::u32(t::POPULARITY, &self.popularity),
            TensorData::f32(t::CENTROIDS, vec![c.labels.len(), d], &c.centroids),
            TensorData::u32(t::ASSIGNMENT, &c.assignment),
            TensorData::u32(t::ORDER, &c.order),
        ];
        tensors.extend(self.model.tensors());
        tensors
    }

    /// Writes the items, tensors and text index files (gzip-compressed) and, for bundles
    /// with text, the encoder's; the manifest lists them ([`BundleDir::take_entries`]).
    pub fn write(&self, encoder: Option<&EncoderBytes>, out: &mut BundleDir) -> Result<(), BundleError> {
        let io = BundleError::write;
        out.put(file_names::ITEMS, &ItemMeta::list_to_bytes(&self.items), true).map_err(io)?;
        let tensors =
            Tensors::write(&self.tensors()).map_err(|e| BundleError::content(file_names::TENSORS, e))?;
        out.put(file_names::TENSORS, &tensors, true).map_err(io)?;
        if let Some(index) = &self.text_index {
            out.put(file_names::TEXT_INDEX, &index.to_bytes(), true).map_err(io)?;
        }
        if let Some(encoder) = encoder {
            encoder.write(out).map_err(io)?;
        }
        Ok(())
    }
}
