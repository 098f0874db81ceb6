//! The site's model, chosen on validation users (every user's items but a tenth, the tenth
//! held out): the item text alone, the graph filter, or the filter with the item text as a
//! second block (items without interactions then still score through their text). The
//! winner is refitted on every interaction. All three are functions of a visitor's
//! history, so the browser's fold-in is exact.

use std::time::Instant;

use anyhow::Context;
use gnnrec_bundle::{FoldInBlock, FoldInConfig};
use gnnrec_graph_filter::{BlendConfig, GraphFilterConfig, blend, compose, evaluate_rows, fit, refit};
use gnnrec_ingest::CatalogDataset;
use ndarray::{Array2, ArrayView2};

use crate::progress::spinning;

/// The cut-off the candidates are compared at.
const CUTOFF: usize = 20;

/// The model a site's bundle is written from.
pub struct SiteModel {
    /// `text`, `graph-filter` or `graph-filter+text` (the bundle's `model.kind`).
    pub kind: String,
    /// Item vectors, row-major `[n_items, dim]`.
    pub items: Vec<f32>,
    /// Every user's vector (their history sum), row-major `[n_users, dim]`.
    pub users: Vec<f32>,
    /// Vector width.
    pub dim: usize,
    /// Every user's items (all interactions).
    pub train: Vec<Vec<u32>>,
    /// How a history becomes a user vector.
    pub fold_in: FoldInConfig,
    /// Whether the item vectors are the projected texts themselves (the query tower is then
    /// the identity).
    pub tower_is_identity: bool,
}

/// Chooses and fits the model of `data` whose item texts, projected, are `text`
/// (`[n_items, k]`).
pub fn model(data: &CatalogDataset, text: &[f32], k: usize, seed: u64) -> anyhow::Result<SiteModel> {
    let n = data.items.len();
    let split = &data.split;
    let all: Vec<Vec<u32>> = (0..data.users.len())
        .map(|u| [&split.train[u][..], &split.valid[u][..], &split.test[u][..]].concat())
        .collect();
    let text_items = Array2::from_shape_vec((n, k), text.to_vec()).context("text vectors")?;
    if all.is_empty() {
        eprintln!(
            "model: text (the catalogue has no interactions: recommendations come from the visitor's likes, by text)"
        );
        return Ok(text_model(&text_items, all));
    }
    let validation_users = split.valid.iter().filter(|v| !v.is_empty()).count();
    if validation_users == 0 {
        eprintln!(
            "model: text (no user has 3 or more interactions, so no model can be validated; {} interactions are used as popularity)",
            all.iter().map(Vec::len).sum::<usize>()
        );
        return Ok(text_model(&text_items, all));
    }
    let train: Vec<&[u32]> = split.train.iter().map(Vec::as_slice).collect();
    let valid: Vec<&[u32]> = split.valid.iter().map(Vec::as_slice).collect();
    let ndcg = |users: ArrayView2<'_, f32>, items: ArrayView2<'_, f32>| {
        evaluate_rows(users, items, &train, &valid, &[CUTOFF]).at(CUTOFF).map_or(0.0, |m| m.ndcg)
    };
    let text_users = history_sums(&text_items, &split.train);
    let text_ndcg = ndcg(text_users.view(), text_items.view());

    let started = Instant::now();
    let config = GraphFilterConfig { seed, ..GraphFilterConfig::default() };
    let fitted = match spinning("fitting the graph filter", || fit(&split.train, &split.valid, n, &config)) {
        Ok(fitted) => fitted,
        Err(error) => {
            eprintln!("model: text (the graph filter could not be fitted: {error})");
            return Ok(text_model(&text_items, all));
        }
    };
    let exponent = fitted.settings.fold_in_exponent();
    let blend_config = BlendConfig { validation_users: config.validation_users, ..BlendConfig::default() };
    let blended = spinning("weighing the item text against it", || {
        blend(fitted.items.view(), exponent, text_items.view(), &split.train, &split.valid, &blend_config)
    })
    .context("blending the graph filter with the item text")?;
    let filter_ndcg = ndcg(fitted.users.view(), fitted.items.view());
    let blend_ndcg = ndcg(blended.users.view(), blended.items.view());
    let chosen = blended.report.chosen;
    eprintln!(
        "validation NDCG@{CUTOFF} on {validation_users} users (a tenth of each user's items held out):\n  \
         text alone {text_ndcg:.4}\n  graph filter {filter_ndcg:.4}\n  graph filter + text (weight {}, exponent {}) {blend_ndcg:.4}\n  \
         fit {:.1} s",
        chosen.weight,
        chosen.exponent,
        started.elapsed().as_secs_f64()
    );
    let text_wins = text_ndcg > filter_ndcg.max(blend_ndcg);
    if text_wins {
        eprintln!("model: text (best on validation), refitted on every interaction");
        return Ok(text_model(&text_items, all));
    }
    let (items_f, users_f) = spinning("refitting on every interaction", || {
        refit(&all, n, fitted.settings, fitted.report.rank, &config)
    })?;
    if chosen.weight == 0.0 || filter_ndcg >= blend_ndcg {
        eprintln!(
            "model: graph-filter (best on validation; the item text did not help), refitted on every interaction"
        );
        let dim = items_f.ncols();
        return Ok(SiteModel {
            kind: "graph-filter".into(),
            items: rows(&items_f),
            users: rows(&users_f),
            dim,
            train: all,
            fold_in: FoldInConfig::uniform(exponent),
            tower_is_identity: false,
        });
    }
    let report = &blended.report;
    let (items, users, blocks) = compose(
        items_f.view(),
        exponent,
        text_items.view(),
        &all,
        chosen,
        report.filter_scale,
        report.learned_scale,
    )?;
    eprintln!(
        "model: graph-filter+text (best on validation: interactions and item text, so items nobody chose yet still come up), refitted on every interaction"
    );
    let blocks = blocks.map(|(width, degree_exponent)| FoldInBlock { width, degree_exponent });
    let dim = items.ncols();
    Ok(SiteModel {
        kind: "graph-filter+text".into(),
        items: rows(&items),
        users: rows(&users),
        dim,
        train: all,
        fold_in: FoldInConfig { degree_exponent: blocks[0].degree_exponent, blocks: blocks.to_vec() },
        tower_is_identity: false,
    })
}

/// The text model: items are their projected texts; a user is the sum of their items'.
fn text_model(text: &Array2<f32>, all: Vec<Vec<u32>>) -> SiteModel {
    let users = history_sums(text, &all);
    SiteModel {
        kind: "text".into(),
        items: rows(text),
        users: rows(&users),
        dim: text.ncols(),
        train: all,
        fold_in: FoldInConfig::uniform(0.0),
        tower_is_identity: true,
    }
}

/// The values of `m` row by row (whatever its memory layout: a concatenation may be
/// column-major).
fn rows(m: &Array2<f32>) -> Vec<f32> {
    m.iter().copied().collect()
}

/// `Σ_{i∈lists[u]} items_i` for every user.
fn history_sums(items: &Array2<f32>, lists: &[Vec<u32>]) -> Array2<f32> {
    let mut sums = Array2::<f32>::zeros((lists.len(), items.ncols()));
    for (mut row, list) in sums.rows_mut().into_iter().zip(lists) {
        for &i in list {
            row += &items.row(i as usize);
        }
    }
    sums
}
