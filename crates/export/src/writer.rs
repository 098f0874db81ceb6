//! Assembling and writing a bundle directory.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use gnnrec_ranking::tensor_names as t;
use gnnrec_ranking::{
    FORMAT_NAME, FORMAT_VERSION, Int8Matrix, ItemMeta, Manifest, MlpHead, ModelInfo, RankingConfig, Scorer,
    TensorBytes, Tensors, TextIndex, TextInfo, f32_bytes, file_names, store_file, u32_bytes,
};
use gnnrec_text_encoder::file_names as encoder_files;
use gnnrec_text_features::Pca;
use safetensors::Dtype;
use serde::Serialize;
use serde_json::json;

use crate::cluster_labels::label_clusters;
use crate::clusters::kmeans;
use crate::error::ExportError;
use crate::history_map::{FoldInFit, fit_history_map};
use crate::tower::fit_query_tower;

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
    /// `Σ_h d_h^e · item_h` (the graph filter): `e`. The fold-in is then exact and is not
    /// fitted. `None`: fit it (see [`crate::history_map`]).
    pub exact_fold_in: Option<f32>,
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
/// are replaced, the manifest last).
pub fn write_bundle(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    out: &Path,
) -> Result<ExportReport, ExportError> {
    let (n, d) = (input.items.len(), input.dim);
    check_input(input)?;
    let mut files: Vec<(String, Vec<u8>, bool)> = Vec::new();
    let mut tensors: Vec<TensorBytes> = Vec::new();
    let f32_tensor = |name: &str, shape: Vec<usize>, values: &[f32]| {
        (name.to_string(), shape, Dtype::F32, f32_bytes(values))
    };
    let u32_tensor =
        |name: &str, values: &[u32]| (name.to_string(), vec![values.len()], Dtype::U32, u32_bytes(values));

    let quantized = Int8Matrix::quantize(input.item_embeddings, d);
    tensors.push((
        t::ITEM_VALUES.into(),
        vec![n, d],
        Dtype::I8,
        quantized.values.iter().map(|&v| v as u8).collect(),
    ));
    tensors.push(f32_tensor(t::ITEM_SCALES, vec![n], &quantized.scales));
    let n_users = input.user_embeddings.len() / d;
    let mut mean_user = vec![0.0f32; d];
    for row in input.user_embeddings.chunks_exact(d) {
        mean_user.iter_mut().zip(row).for_each(|(m, v)| *m += v / n_users as f32);
    }
    tensors.push(f32_tensor(t::MEAN_USER, vec![d], &mean_user));
    let mut popularity = vec![0u32; n];
    input.train.iter().flatten().for_each(|&i| popularity[i as usize] += 1);
    tensors.push(u32_tensor(t::POPULARITY, &popularity));
    let started = Instant::now();
    let fold_in = match input.exact_fold_in {
        Some(exponent) => FoldInFit::exact(exponent),
        None => fit_history_map(
            input.user_embeddings,
            input.item_embeddings,
            d,
            input.train,
            &Scorer::new(input.head.clone(), input.item_embeddings),
        ),
    };
    if let Some(map) = &fold_in.map {
        tensors.push(f32_tensor(t::FOLD_IN_WEIGHT, vec![d, d], &map.weight));
        tensors.push(f32_tensor(t::FOLD_IN_BIAS, vec![d], &map.bias));
    }
    let fold_in_report = json!({"fit": fold_in.report, "seconds": started.elapsed().as_secs_f64()});
    if let Some(head) = &input.head {
        let (h1, h2) = (head.b1.len(), head.b2.len());
        tensors.push(f32_tensor(t::HEAD_W1_USER, vec![d, h1], &head.w1_user));
        tensors.push(f32_tensor(t::HEAD_W1_ITEM, vec![d, h1], &head.w1_item));
        tensors.push(f32_tensor(t::HEAD_B1, vec![h1], &head.b1));
        tensors.push(f32_tensor(t::HEAD_W2, vec![h1, h2], &head.w2));
        tensors.push(f32_tensor(t::HEAD_B2, vec![h2], &head.b2));
        tensors.push(f32_tensor(t::HEAD_W3, vec![h2], &head.w3));
        tensors.push(f32_tensor(t::HEAD_B3, vec![1], &[head.b3]));
    }

    let started = Instant::now();
    let titles: Vec<String> = input.items.iter().map(|i| i.title.clone()).collect();
    let k = config.clusters.unwrap_or_else(|| ((n as f64 / 2.0).sqrt().round() as usize).max(2));
    let mut clusters = kmeans(input.item_embeddings, d, k, config.seed, &titles);
    clusters.labels = label_clusters(&input.items, &clusters, &popularity);
    tensors.push(f32_tensor(t::CENTROIDS, vec![clusters.labels.len(), d], &clusters.centroids));
    tensors.push(u32_tensor(t::ASSIGNMENT, &clusters.assignment));
    tensors.push(u32_tensor(t::ORDER, &clusters.order));
    let mut sizes: Vec<usize> = vec![0; clusters.labels.len()];
    clusters.assignment.iter().for_each(|&c| sizes[c as usize] += 1);
    let mut details = json!({
        "fold_in": fold_in_report,
        "clusters": {"count": sizes.len(), "smallest": sizes.iter().min(), "largest": sizes.iter().max(),
                     "seconds": started.elapsed().as_secs_f64()},
    });

    let text_info = match &input.text {
        None => None,
        Some(text) => {
            let encoder_dim = text.embeddings.first().map_or(0, Vec::len);
            let pca = Pca::fit(text.embeddings, config.text_dim.min(encoder_dim))?;
            let text_dim = pca.components();
            let projected: Vec<f32> = text.embeddings.iter().flat_map(|e| unit(pca.transform(e))).collect();
            tensors.push(f32_tensor(t::TEXT_MEAN, vec![encoder_dim], pca.mean()));
            tensors.push(f32_tensor(t::TEXT_COMPONENTS, vec![text_dim, encoder_dim], &pca.axes().concat()));

            let started = Instant::now();
            let index =
                TextIndex::build(&projected, text_dim, config.ef_construction, config.ef_search, config.seed);
            files.push((file_names::TEXT_INDEX.into(), index.to_bytes(), true));
            let hnsw_seconds = started.elapsed().as_secs_f64();

            let started = Instant::now();
            let scorer = Scorer::new(input.head.clone(), input.item_embeddings);
            let fit = fit_query_tower(
                &projected,
                text_dim,
                input.user_embeddings,
                input.item_embeddings,
                d,
                input.train,
                &scorer,
            );
            tensors.push(f32_tensor(t::TOWER_WEIGHT, vec![text_dim, d], &fit.tower.weight));
            tensors.push(f32_tensor(t::TOWER_BIAS, vec![d], &fit.tower.bias));
            details["text"] = json!({
                "pca_explained_variance": pca.explained_variance(),
                "hnsw": {"ef_construction": config.ef_construction, "ef_search": config.ef_search, "build_seconds": hnsw_seconds},
                "query_tower": fit.report,
                "query_tower_seconds": started.elapsed().as_secs_f64(),
            });
            let read = |name: &str| {
                let path = text.encoder_dir.join(name);
                std::fs::read(&path).map_err(|e| ExportError::io(path, e))
            };
            files.push((file_names::ENCODER_CONFIG.into(), read(encoder_files::CONFIG)?, false));
            files.push((file_names::ENCODER_TOKENIZER.into(), read(encoder_files::TOKENIZER)?, true));
            files.push((file_names::ENCODER_WEIGHTS.into(), read(encoder_files::INT8_WEIGHTS)?, true));
            Some(TextInfo { encoder_dim, dim: text_dim })
        }
    };

    let items_json = serde_json::to_vec(&input.items)
        .map_err(|error| ExportError::Serialize { file: file_names::ITEMS, error })?;
    files.push((file_names::ITEMS.into(), items_json, true));
    let tensors =
        Tensors::write(tensors).map_err(|error| ExportError::Tensors { file: file_names::TENSORS, error })?;
    files.push((file_names::TENSORS.into(), tensors, true));

    let mut entries = BTreeMap::new();
    let mut file_bytes = BTreeMap::new();
    for (name, content, gzip) in files {
        let (stored, entry) = store_file(&content, gzip);
        let path = out.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ExportError::io(parent, e))?;
        }
        std::fs::write(&path, &stored).map_err(|e| ExportError::io(&path, e))?;
        file_bytes.insert(name.clone(), entry.bytes);
        entries.insert(name, entry);
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        created_by: format!("gnnrec-export {}", env!("CARGO_PKG_VERSION")),
        model: ModelInfo {
            kind: input.model_kind.clone(),
            dim: d,
            n_items: n,
            n_users_trained: n_users,
            mlp_head: input.head.is_some(),
            fold_in_map: fold_in.map.is_some(),
        },
        text: text_info,
        cluster_labels: clusters.labels,
        ranking: config.ranking.clone().unwrap_or_else(|| {
            let mut ranking = RankingConfig::for_model(input.head.is_some());
            ranking.fold_in.degree_exponent = fold_in.degree_exponent;
            ranking
        }),
        report: details.clone(),
        files: entries,
    };
    let manifest_path = out.join(file_names::MANIFEST);
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| ExportError::Serialize { file: file_names::MANIFEST, error })?;
    std::fs::write(&manifest_path, &manifest_bytes).map_err(|e| ExportError::io(&manifest_path, e))?;
    file_bytes.insert(file_names::MANIFEST.into(), manifest_bytes.len() as u64);
    let total_bytes = file_bytes.values().sum();
    Ok(ExportReport { file_bytes, total_bytes, details })
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

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}
