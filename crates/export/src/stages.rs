//! The stages of a v1 export, each returning its product together with its lines of the
//! export report; [`write_bundle`] runs them in order and writes what they made.
//!
//! [`write_bundle`]: crate::write_bundle

use std::time::Instant;

use gnnrec_bundle::{ClusterTensors, TextIndex, TextInfo, TextMaps, TextProjection};
use gnnrec_ranking::Scorer;
use gnnrec_text_features::Pca;
use serde_json::json;

use crate::cluster_labels::label_clusters;
use crate::clusters::kmeans;
use crate::error::ExportError;
use crate::history_map::{FoldInFit, fit_history_map};
use crate::input::{ExportConfig, ExportInput, TextInput};
use crate::tower::fit_query_tower;

/// What a stage produced.
pub(crate) struct Stage<T> {
    /// The product later stages (or the writer) use.
    pub product: T,
    /// The stage's part of the export report.
    pub report: serde_json::Value,
}

/// The mean trained user vector (the MLP models' vector without history; zeros without
/// trained users).
pub(crate) fn mean_user(input: &ExportInput<'_>) -> Vec<f32> {
    let d = input.dim;
    let n_users = (input.user_embeddings.len() / d).max(1);
    let mut mean_user = vec![0.0f32; d];
    for row in input.user_embeddings.chunks_exact(d) {
        mean_user.iter_mut().zip(row).for_each(|(m, v)| *m += v / n_users as f32);
    }
    mean_user
}

/// The fold-in: exact for models whose user vectors are history sums, else fitted.
pub(crate) fn fold_in_stage(input: &ExportInput<'_>) -> Stage<FoldInFit> {
    let started = Instant::now();
    let fold_in = match &input.exact_fold_in {
        Some(config) => FoldInFit::exact(config.clone()),
        None => fit_history_map(
            input.user_embeddings,
            input.item_embeddings,
            input.dim,
            input.train,
            &Scorer::new(input.head.clone(), input.item_embeddings),
        ),
    };
    let report = json!({"fit": fold_in.report, "seconds": started.elapsed().as_secs_f64()});
    Stage { product: fold_in, report }
}

/// The k-means cluster index over the item embeddings and the clusters' labels.
pub(crate) fn cluster_stage(
    input: &ExportInput<'_>,
    config: &ExportConfig,
    popularity: &[u32],
) -> Stage<ClusterTensors> {
    let (n, d, started) = (input.items.len(), input.dim, Instant::now());
    let titles: Vec<String> = input.items.iter().map(|i| i.title.clone()).collect();
    let k = config.clusters.unwrap_or_else(|| ((n as f64 / 2.0).sqrt().round() as usize).max(2));
    let mut clusters = kmeans(input.item_embeddings, d, k, config.seed, &titles);
    clusters.labels = label_clusters(&input.items, &clusters, popularity);
    let mut sizes: Vec<usize> = vec![0; clusters.labels.len()];
    clusters.assignment.iter().for_each(|&c| sizes[c as usize] += 1);
    let report = json!({"count": sizes.len(), "smallest": sizes.iter().min(), "largest": sizes.iter().max(),
                        "seconds": started.elapsed().as_secs_f64()});
    Stage { product: clusters, report }
}

/// The text side of a bundle: its description, maps and HNSW index.
pub(crate) struct TextSide {
    /// Widths for the manifest.
    pub info: TextInfo,
    /// The projection and the query tower.
    pub maps: TextMaps,
    /// The HNSW index over the projected item texts.
    pub index: TextIndex,
}

/// The text side: PCA projection, HNSW index and query tower.
pub(crate) fn text_stage(
    input: &ExportInput<'_>,
    text: &TextInput<'_>,
    config: &ExportConfig,
) -> Result<Stage<TextSide>, ExportError> {
    let encoder_dim = text.embeddings.first().map_or(0, Vec::len);
    let (projection, explained) = match text.projection {
        Some(projection) => (projection.clone(), serde_json::Value::Null),
        None => {
            let pca = Pca::fit(text.embeddings, config.text_dim.min(encoder_dim))?;
            let projection = TextProjection { mean: pca.mean().to_vec(), components: pca.axes().concat() };
            (projection, json!(pca.explained_variance()))
        }
    };
    let text_dim = projection.dim();
    let projected: Vec<f32> = text.embeddings.iter().flat_map(|e| projection.project(e)).collect();

    let started = Instant::now();
    let index = TextIndex::build(&projected, text_dim, config.ef_construction, config.ef_search, config.seed);
    let hnsw = json!({"ef_construction": config.ef_construction, "ef_search": config.ef_search,
                      "build_seconds": started.elapsed().as_secs_f64()});

    let started = Instant::now();
    let (tower, tower_report) = match &input.tower {
        Some(tower) => (tower.clone(), json!({"given": true})),
        None => {
            let scorer = Scorer::new(input.head.clone(), input.item_embeddings);
            let (users, items, d) = (input.user_embeddings, input.item_embeddings, input.dim);
            let fit = fit_query_tower(&projected, text_dim, users, items, d, input.train, &scorer);
            (fit.tower, fit.report)
        }
    };
    let report = json!({
        "pca_explained_variance": explained,
        "hnsw": hnsw,
        "query_tower": tower_report,
        "query_tower_seconds": started.elapsed().as_secs_f64(),
    });
    let product = TextSide {
        info: TextInfo { encoder_dim, dim: text_dim },
        maps: TextMaps { projection, tower },
        index,
    };
    Ok(Stage { product, report })
}
