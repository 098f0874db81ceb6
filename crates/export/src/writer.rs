//! Writing a v1 bundle: the stages' products assembled into the bundle's content, written
//! with the bundle format's writer, the manifest last.

use std::collections::BTreeMap;
use std::path::Path;

use gnnrec_bundle::{
    BundleDir, EncoderBytes, FORMAT_NAME, FORMAT_VERSION, Int8Matrix, Manifest, MlpHead, ModelInfo,
    ModelTensors, RankingConfig, V1Content, file_names,
};
use gnnrec_ranking::item_degrees;
use serde::Serialize;

use crate::error::ExportError;
use crate::input::{ExportConfig, ExportInput};
use crate::stages::{cluster_stage, fold_in_stage, mean_user, text_stage};

/// What was written, for people.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// Stored bytes per file, including the manifest.
    pub file_bytes: BTreeMap<String, u64>,
    /// Sum of `file_bytes`.
    pub total_bytes: u64,
    /// Measurements (text variance kept, tower validation, cluster sizes, timings).
    pub details: serde_json::Value,
}

/// Builds the v1 bundle and writes it to `out` (created if needed; existing bundle files
/// are replaced, the manifest last).
pub fn write_bundle(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    out: &Path,
) -> Result<ExportReport, ExportError> {
    check_input(input)?;
    let mut details = serde_json::Map::new();
    let popularity = item_degrees(input.items.len(), input.train);
    let fold_in = fold_in_stage(input);
    details.insert("fold_in".into(), fold_in.report);
    let clusters = cluster_stage(input, config, &popularity);
    details.insert("clusters".into(), clusters.report);
    let text = match &input.text {
        Some(text) => {
            let stage = text_stage(input, text, config)?;
            details.insert("text".into(), stage.report);
            let encoder =
                EncoderBytes::read_dir(text.encoder_dir).map_err(|e| ExportError::io(text.encoder_dir, e))?;
            Some((stage.product, encoder))
        }
        None => None,
    };
    let fold_in = fold_in.product;
    let content = V1Content {
        items: input.items.clone(),
        embeddings: Int8Matrix::quantize(input.item_embeddings, input.dim),
        popularity,
        clusters: clusters.product,
        model: ModelTensors {
            mean_user: mean_user(input),
            head: input.head.clone(),
            fold_in_map: fold_in.map.clone(),
            text: text.as_ref().map(|(side, _)| side.maps.clone()),
        },
        text_index: None,
    };
    let (text_info, text_index, encoder) = match text {
        Some((side, encoder)) => (Some(side.info), Some(side.index), Some(encoder)),
        None => (None, None, None),
    };
    let content = V1Content { text_index, ..content };
    let mut dir = BundleDir::new(out);
    content.write(encoder.as_ref(), &mut dir)?;
    let details = serde_json::Value::Object(details);
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        created_by: format!("gnnrec-export {}", env!("CARGO_PKG_VERSION")),
        model: ModelInfo {
            kind: input.model_kind.clone(),
            dim: input.dim,
            n_items: input.items.len(),
            n_users_trained: input.user_embeddings.len() / input.dim,
            mlp_head: input.head.is_some(),
            fold_in_map: fold_in.map.is_some(),
        },
        text: text_info,
        cluster_labels: content.clusters.labels.clone(),
        ranking: config.ranking.clone().unwrap_or_else(|| {
            let mut ranking = RankingConfig::for_model(input.head.is_some());
            ranking.fold_in = fold_in.config.clone();
            ranking
        }),
        report: details.clone(),
        files: dir.take_entries(),
    };
    let manifest_bytes = manifest.write(&mut dir)?;
    let mut file_bytes: BTreeMap<String, u64> =
        manifest.files.iter().map(|(name, entry)| (name.clone(), entry.bytes)).collect();
    file_bytes.insert(file_names::MANIFEST.into(), manifest_bytes);
    let total_bytes = file_bytes.values().sum();
    Ok(ExportReport { file_bytes, total_bytes, details })
}

fn check_input(input: &ExportInput<'_>) -> Result<(), ExportError> {
    let (n, d) = (input.items.len(), input.dim);
    let problem = if n == 0 || d == 0 {
        Some("no items or zero embedding width".to_string())
    } else if input.item_embeddings.len() != n * d {
        Some(format!("{} item embedding values for {n} items × {d}", input.item_embeddings.len()))
    } else if input.user_embeddings.is_empty() && (input.exact_fold_in.is_none() || input.tower.is_none()) {
        Some("no trained users: the fold-in and the query tower must then be given".to_string())
    } else if !input.user_embeddings.len().is_multiple_of(d) {
        Some(format!("{} user embedding values are not rows of {d}", input.user_embeddings.len()))
    } else if input.train.len() * d != input.user_embeddings.len() {
        Some(format!("{} training lists for {} users", input.train.len(), input.user_embeddings.len() / d))
    } else if input.train.iter().flatten().any(|&i| i as usize >= n) {
        Some("a training item is out of range".into())
    } else if let Some(text) = input.text.as_ref().filter(|t| t.embeddings.len() != n) {
        Some(format!("{} text embeddings for {n} items", text.embeddings.len()))
    } else if let Some(Err(e)) = input.head.as_ref().map(MlpHead::check) {
        Some(e.to_string())
    } else if input.item_embeddings.iter().chain(input.user_embeddings).any(|v| !v.is_finite()) {
        Some("non-finite embedding values".into())
    } else {
        None
    };
    problem.map_or(Ok(()), |p| Err(ExportError::Input(p)))
}
