//! Assembling and writing a bundle directory.

use std::collections::BTreeMap;
use std::path::Path;

use gnnrec_ranking::{
    FORMAT_NAME, FORMAT_VERSION, FileEntry, FoldInConfig, ItemMeta, Manifest, MlpHead, ModelInfo,
    RankingConfig, TensorBytes, Tensors, TextInfo, file_names,
};
use serde::Serialize;

use crate::error::ExportError;
use crate::history_map::FoldInFit;
use crate::stages::{
    BundleFile, Stage, cluster_stage, fold_in_stage, head_stage, mean_user_stage, popularity_stage,
    quantization_stage, text_stage, write_files,
};

/// The item text side of an export.
pub struct TextInput<'a> {
    /// MiniLM embedding of every item's text, in item order.
    pub embeddings: &'a [Vec<f32>],
    /// Directory with `config.json`, `tokenizer.json` and `model.int8.safetensors`.
    pub encoder_dir: &'a Path,
}

/// What a bundle is made from.
pub struct ExportInput<'a> {
    /// Model family name (`sage`, `lightgcnpp`, …).
    pub model_kind: String,
    /// Display metadata, in item order.
    pub items: Vec<ItemMeta>,
    /// Final item embeddings, row-major `[n_items, dim]`.
    pub item_embeddings: &'a [f32],
    /// Final user embeddings, row-major `[n_users, dim]`.
    pub user_embeddings: &'a [f32],
    /// Embedding width.
    pub dim: usize,
    /// The MLP head for models that score pairs with one.
    pub head: Option<MlpHead>,
    /// Training items per user.
    pub train: &'a [Vec<u32>],
    /// Item text, if the catalogue has any.
    pub text: Option<TextInput<'a>>,
    /// For models whose user vectors *are* degree-weighted history sums
    /// `Σ_h d_h^e · item_h` (the graph filter and its blend): `e`, per block of columns
    /// for the blend. The fold-in is then exact and is not fitted. `None`: fit it (see
    /// [`crate::history_map`]).
    pub exact_fold_in: Option<FoldInConfig>,
}

/// Export settings.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Width of the projected text space (PCA of MiniLM).
    pub text_dim: usize,
    /// Number of clusters; `None` = √(n_items / 2), at least 2.
    pub clusters: Option<usize>,
    /// HNSW `ef_construction`.
    pub ef_construction: usize,
    /// HNSW `ef_search` (= text candidates per query).
    pub ef_search: usize,
    /// Seed of k-means and of the HNSW levels.
    pub seed: u64,
    /// Ranking settings written to the manifest (`None`: the defaults for the model).
    pub ranking: Option<RankingConfig>,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self { text_dim: 64, clusters: None, ef_construction: 200, ef_search: 100, seed: 2024, ranking: None }
    }
}

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

/// Builds the bundle and writes it to `out` (created if needed; existing bundle files
/// are replaced, the manifest last). The work is done by the stages of
/// [`crate::stages`], in order.
pub fn write_bundle(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    out: &Path,
) -> Result<ExportReport, ExportError> {
    check_input(input)?;
    let mut parts = Parts::default();
    parts.add(quantization_stage(input), None);
    parts.add(mean_user_stage(input), None);
    let popularity = parts.add(popularity_stage(input), None);
    let fold_in = parts.add(fold_in_stage(input), Some("fold_in"));
    parts.add(head_stage(input), None);
    let clusters = parts.add(cluster_stage(input, config, &popularity), Some("clusters"));
    let text = match &input.text {
        Some(text) => Some(parts.add(text_stage(input, text, config)?, Some("text"))),
        None => None,
    };
    let Parts { tensors, mut files, details } = parts;
    let details = serde_json::Value::Object(details);
    let items_json = serde_json::to_vec(&input.items)
        .map_err(|error| ExportError::Serialize { file: file_names::ITEMS, error })?;
    files.push((file_names::ITEMS.into(), items_json, true));
    let tensors =
        Tensors::write(tensors).map_err(|error| ExportError::Tensors { file: file_names::TENSORS, error })?;
    files.push((file_names::TENSORS.into(), tensors, true));
    let entries = write_files(out, files)?;
    let manifest = manifest(input, config, &fold_in, clusters.labels, text, details.clone(), entries);
    let manifest_bytes = write_manifest(out, &manifest)?;
    let mut file_bytes: BTreeMap<String, u64> =
        manifest.files.iter().map(|(name, entry)| (name.clone(), entry.bytes)).collect();
    file_bytes.insert(file_names::MANIFEST.into(), manifest_bytes);
    let total_bytes = file_bytes.values().sum();
    Ok(ExportReport { file_bytes, total_bytes, details })
}

/// The tensors, files and report collected from the stages so far.
#[derive(Default)]
struct Parts {
    tensors: Vec<TensorBytes>,
    files: Vec<BundleFile>,
    details: serde_json::Map<String, serde_json::Value>,
}

impl Parts {
    /// Takes a stage's tensors, files and report (under `key`) and returns its product.
    fn add<T>(&mut self, stage: Stage<T>, key: Option<&str>) -> T {
        self.tensors.extend(stage.tensors);
        self.files.extend(stage.files);
        if let Some(key) = key {
            self.details.insert(key.into(), stage.report);
        }
        stage.product
    }
}

/// The manifest of the bundle the stages made.
fn manifest(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    fold_in: &FoldInFit,
    cluster_labels: Vec<String>,
    text: Option<TextInfo>,
    report: serde_json::Value,
    files: BTreeMap<String, FileEntry>,
) -> Manifest {
    Manifest {
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
        text,
        cluster_labels,
        ranking: config.ranking.clone().unwrap_or_else(|| {
            let mut ranking = RankingConfig::for_model(input.head.is_some());
            ranking.fold_in = fold_in.config.clone();
            ranking
        }),
        report,
        files,
    }
}

/// Writes `manifest.json` (after every other file); returns its size.
fn write_manifest(out: &Path, manifest: &Manifest) -> Result<u64, ExportError> {
    let path = out.join(file_names::MANIFEST);
    let bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|error| ExportError::Serialize { file: file_names::MANIFEST, error })?;
    std::fs::write(&path, &bytes).map_err(|e| ExportError::io(&path, e))?;
    // A sharded export's gzip copy would now be stale.
    let gz = out.join(crate::sharded::MANIFEST_GZ);
    if gz.exists() {
        std::fs::remove_file(&gz).map_err(|e| ExportError::io(&gz, e))?;
    }
    Ok(bytes.len() as u64)
}

fn check_input(input: &ExportInput<'_>) -> Result<(), ExportError> {
    let (n, d) = (input.items.len(), input.dim);
    let problem = if n == 0 || d == 0 {
        Some("no items or zero embedding width".to_string())
    } else if input.item_embeddings.len() != n * d {
        Some(format!("{} item embedding values for {n} items × {d}", input.item_embeddings.len()))
    } else if input.user_embeddings.is_empty() || !input.user_embeddings.len().is_multiple_of(d) {
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
