//! The stages of an export. Each returns its product together with the tensors and
//! files it adds to the bundle and its lines of the export report; [`write_bundle`]
//! runs them in order.
//!
//! [`write_bundle`]: crate::write_bundle

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use gnnrec_ranking::tensor_names as t;
use gnnrec_ranking::{
    FileEntry, Int8Matrix, Scorer, TensorBytes, TextIndex, TextInfo, f32_bytes, file_names, head_tensors,
    item_degrees, store_file, u32_bytes,
};
use gnnrec_text_encoder::file_names as encoder_files;
use gnnrec_text_features::Pca;
use safetensors::Dtype;
use serde_json::json;

use crate::cluster_labels::label_clusters;
use crate::clusters::{Clusters, kmeans};
use crate::error::ExportError;
use crate::history_map::{FoldInFit, fit_history_map};
use crate::tower::fit_query_tower;
use crate::writer::{ExportConfig, ExportInput, TextInput};

/// A whole bundle file: path, content, and whether it is stored gzip-compressed.
pub(crate) type BundleFile = (String, Vec<u8>, bool);

/// What a stage produced.
pub(crate) struct Stage<T> {
    /// The product later stages (or the manifest) use.
    pub product: T,
    /// Tensors for `tensors.safetensors`, in writing order.
    pub tensors: Vec<TensorBytes>,
    /// Whole files.
    pub files: Vec<BundleFile>,
    /// The stage's part of the export report (`Null`: none).
    pub report: serde_json::Value,
}

impl<T> Stage<T> {
    /// A stage that adds only tensors.
    fn tensors(product: T, tensors: Vec<TensorBytes>) -> Self {
        Self { product, tensors, files: Vec::new(), report: serde_json::Value::Null }
    }
}

fn f32_tensor(name: &str, shape: Vec<usize>, values: &[f32]) -> TensorBytes {
    (name.to_string(), shape, Dtype::F32, f32_bytes(values))
}

fn u32_tensor(name: &str, values: &[u32]) -> TensorBytes {
    (name.to_string(), vec![values.len()], Dtype::U32, u32_bytes(values))
}

/// int8 item embeddings with their per-item scales.
pub(crate) fn quantization_stage(input: &ExportInput<'_>) -> Stage<()> {
    let (n, d) = (input.items.len(), input.dim);
    let quantized = Int8Matrix::quantize(input.item_embeddings, d);
    let values = quantized.values.iter().map(|&v| v as u8).collect();
    Stage::tensors(
        (),
        vec![
            (t::ITEM_VALUES.into(), vec![n, d], Dtype::I8, values),
            f32_tensor(t::ITEM_SCALES, vec![n], &quantized.scales),
        ],
    )
}

/// The mean trained user vector (the MLP models' vector without history).
pub(crate) fn mean_user_stage(input: &ExportInput<'_>) -> Stage<()> {
    let d = input.dim;
    let n_users = input.user_embeddings.len() / d;
    let mut mean_user = vec![0.0f32; d];
    for row in input.user_embeddings.chunks_exact(d) {
        mean_user.iter_mut().zip(row).for_each(|(m, v)| *m += v / n_users as f32);
    }
    Stage::tensors((), vec![f32_tensor(t::MEAN_USER, vec![d], &mean_user)])
}

/// Training interactions per item (popular items without history; fold-in degrees).
pub(crate) fn popularity_stage(input: &ExportInput<'_>) -> Stage<Vec<u32>> {
    let popularity = item_degrees(input.items.len(), input.train);
    let tensors = vec![u32_tensor(t::POPULARITY, &popularity)];
    Stage::tensors(popularity, tensors)
}

/// The fold-in: exact for models whose user vectors are history sums, else fitted.
pub(crate) fn fold_in_stage(input: &ExportInput<'_>) -> Stage<FoldInFit> {
    let (d, started) = (input.dim, Instant::now());
    let fold_in = match &input.exact_fold_in {
        Some(config) => FoldInFit::exact(config.clone()),
        None => fit_history_map(
            input.user_embeddings,
            input.item_embeddings,
            d,
            input.train,
            &Scorer::new(input.head.clone(), input.item_embeddings),
        ),
    };
    let tensors = match &fold_in.map {
        Some(map) => vec![
            f32_tensor(t::FOLD_IN_WEIGHT, vec![d, d], &map.weight),
            f32_tensor(t::FOLD_IN_BIAS, vec![d], &map.bias),
        ],
        None => Vec::new(),
    };
    let report = json!({"fit": fold_in.report, "seconds": started.elapsed().as_secs_f64()});
    Stage { product: fold_in, tensors, files: Vec::new(), report }
}

/// The MLP head of models that score pairs with one.
pub(crate) fn head_stage(input: &ExportInput<'_>) -> Stage<()> {
    Stage::tensors((), input.head.as_ref().map(head_tensors).unwrap_or_default())
}

/// The k-means cluster index over the item embeddings and the clusters' labels.
pub(crate) fn cluster_stage(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    popularity: &[u32],
) -> Stage<Clusters> {
    let (n, d, started) = (input.items.len(), input.dim, Instant::now());
    let titles: Vec<String> = input.items.iter().map(|i| i.title.clone()).collect();
    let k = config.clusters.unwrap_or_else(|| ((n as f64 / 2.0).sqrt().round() as usize).max(2));
    let mut clusters = kmeans(input.item_embeddings, d, k, config.seed, &titles);
    clusters.labels = label_clusters(&input.items, &clusters, popularity);
    let tensors = vec![
        f32_tensor(t::CENTROIDS, vec![clusters.labels.len(), d], &clusters.centroids),
        u32_tensor(t::ASSIGNMENT, &clusters.assignment),
        u32_tensor(t::ORDER, &clusters.order),
    ];
    let mut sizes: Vec<usize> = vec![0; clusters.labels.len()];
    clusters.assignment.iter().for_each(|&c| sizes[c as usize] += 1);
    let report = json!({"count": sizes.len(), "smallest": sizes.iter().min(), "largest": sizes.iter().max(),
                        "seconds": started.elapsed().as_secs_f64()});
    Stage { product: clusters, tensors, files: Vec::new(), report }
}

/// The text side: PCA projection, HNSW index, query tower and the encoder files.
pub(crate) fn text_stage(
    input: &ExportInput<'_>,
    text: &TextInput<'_>,
    config: &ExportConfig,
) -> Result<Stage<TextInfo>, ExportError> {
    let pca = pca_stage(text, config)?;
    let (encoder_dim, text_dim, projected) = pca.product;
    let hnsw = hnsw_stage(&projected, text_dim, config);
    let tower = tower_stage(input, &projected, text_dim);
    let encoder = encoder_stage(text)?;
    let report = json!({
        "pca_explained_variance": pca.report,
        "hnsw": hnsw.report,
        "query_tower": tower.report["fit"],
        "query_tower_seconds": tower.report["seconds"],
    });
    Ok(Stage {
        product: TextInfo { encoder_dim, dim: text_dim },
        tensors: [pca.tensors, tower.tensors].concat(),
        files: [hnsw.files, encoder.files].concat(),
        report,
    })
}

/// PCA of the MiniLM item embeddings; the product is `(encoder_dim, text_dim, unit-norm
/// projected items [n, text_dim])`, the report the variance kept.
fn pca_stage(
    text: &TextInput<'_>,
    config: &ExportConfig,
) -> Result<Stage<(usize, usize, Vec<f32>)>, ExportError> {
    let encoder_dim = text.embeddings.first().map_or(0, Vec::len);
    let pca = Pca::fit(text.embeddings, config.text_dim.min(encoder_dim))?;
    let text_dim = pca.components();
    let projected: Vec<f32> = text.embeddings.iter().flat_map(|e| unit(pca.transform(e))).collect();
    let tensors = vec![
        f32_tensor(t::TEXT_MEAN, vec![encoder_dim], pca.mean()),
        f32_tensor(t::TEXT_COMPONENTS, vec![text_dim, encoder_dim], &pca.axes().concat()),
    ];
    let report = json!(pca.explained_variance());
    Ok(Stage { product: (encoder_dim, text_dim, projected), tensors, files: Vec::new(), report })
}

/// The HNSW index over the projected item text vectors.
fn hnsw_stage(projected: &[f32], text_dim: usize, config: &ExportConfig) -> Stage<()> {
    let started = Instant::now();
    let index = TextIndex::build(projected, text_dim, config.ef_construction, config.ef_search, config.seed);
    let files = vec![(file_names::TEXT_INDEX.into(), index.to_bytes(), true)];
    let report = json!({"ef_construction": config.ef_construction, "ef_search": config.ef_search,
                        "build_seconds": started.elapsed().as_secs_f64()});
    Stage { product: (), tensors: Vec::new(), files, report }
}

/// The query tower from projected text to the GNN user space.
fn tower_stage(input: &ExportInput<'_>, projected: &[f32], text_dim: usize) -> Stage<()> {
    let (d, started) = (input.dim, Instant::now());
    let scorer = Scorer::new(input.head.clone(), input.item_embeddings);
    let fit = fit_query_tower(
        projected,
        text_dim,
        input.user_embeddings,
        input.item_embeddings,
        d,
        input.train,
        &scorer,
    );
    let tensors = vec![
        f32_tensor(t::TOWER_WEIGHT, vec![text_dim, d], &fit.tower.weight),
        f32_tensor(t::TOWER_BIAS, vec![d], &fit.tower.bias),
    ];
    let report = json!({"fit": fit.report, "seconds": started.elapsed().as_secs_f64()});
    Stage { product: (), tensors, files: Vec::new(), report }
}

/// Copies of the int8 MiniLM encoder's files.
fn encoder_stage(text: &TextInput<'_>) -> Result<Stage<()>, ExportError> {
    let read = |name: &str| {
        let path = text.encoder_dir.join(name);
        std::fs::read(&path).map_err(|e| ExportError::io(path, e))
    };
    let files = vec![
        (file_names::ENCODER_CONFIG.into(), read(encoder_files::CONFIG)?, false),
        (file_names::ENCODER_TOKENIZER.into(), read(encoder_files::TOKENIZER)?, true),
        (file_names::ENCODER_WEIGHTS.into(), read(encoder_files::INT8_WEIGHTS)?, true),
    ];
    Ok(Stage { product: (), tensors: Vec::new(), files, report: serde_json::Value::Null })
}

/// Stores `files` under `out` (compressed where asked); returns their manifest entries.
pub(crate) fn write_files(
    out: &Path,
    files: Vec<BundleFile>,
) -> Result<BTreeMap<String, FileEntry>, ExportError> {
    let mut entries = BTreeMap::new();
    for (name, content, gzip) in files {
        let (stored, entry) = store_file(&content, gzip);
        write_stored(out, &name, &stored)?;
        entries.insert(name, entry);
    }
    Ok(entries)
}

/// Writes the stored bytes of bundle file `name` under `out`, creating its folder.
pub(crate) fn write_stored(out: &Path, name: &str, stored: &[u8]) -> Result<(), ExportError> {
    let path = out.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ExportError::io(parent, e))?;
    }
    std::fs::write(&path, stored).map_err(|e| ExportError::io(&path, e))
}

/// `v` scaled to unit length (unchanged when zero).
pub(crate) fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}
