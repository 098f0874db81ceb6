//! `train-cli train --model graph-filter`: fit the closed-form graph filter (no epochs)
//! and report it like a trained model.

use std::time::Instant;

use anyhow::{Context, bail};
use gnnrec_bundle::FoldInConfig;
use gnnrec_eval::Evaluation;
use gnnrec_graph_filter::{FittedFilter, evaluate_rows, fit};
use gnnrec_train::{metric_map, peak_rss_bytes};
use ndarray::{Array2, Axis};
use serde_json::json;

use super::{TrainArgs, data_summary, write_json};
use crate::dataset::Prepared;
use crate::run_files;

/// The cut-offs reported, as for the learned models.
const KS: [usize; 3] = [10, 20, 40];

/// Fits, evaluates on valid and test, and writes the run files and `metrics.json`.
pub fn run(args: &TrainArgs, prepared: &Prepared, started: Instant) -> anyhow::Result<()> {
    let data = &prepared.data;
    let config = args.graph_filter_config();
    let (fitted, fit_seconds) = fit_filter(args, prepared)?;
    let evaluation_started = Instant::now();
    let valid = metric_map(&evaluate(&fitted.users, &fitted.items, &data.train, &data.valid));
    let test = metric_map(&evaluate(&fitted.users, &fitted.items, &data.train, &data.test));
    let evaluation_seconds = evaluation_started.elapsed().as_secs_f64();
    eprintln!(
        "test recall@20 {:.4} ndcg@20 {:.4} (valid ndcg@20 {:.4}; evaluation {:.1} s)",
        test["recall@20"], test["ndcg@20"], valid["ndcg@20"], evaluation_seconds
    );
    write_history_model(
        args,
        &fitted.users,
        &fitted.items,
        &FoldInConfig::uniform(fitted.settings.fold_in_exponent()),
    )?;
    let metrics = json!({
        "model": args.model.name(),
        "data_source": prepared.description,
        "ingest": prepared.filter_report,
        "graph_filter": {"config": config, "settings": fitted.settings, "fit": fitted.report},
        "data": data_summary(data),
        "protocol": "full ranking over all items, training items excluded, averaged over users with held-out items; settings chosen on validation items",
        "valid": valid,
        "test": test,
        "fit_seconds": fit_seconds,
        "evaluation_seconds": evaluation_seconds,
        "wall_seconds": started.elapsed().as_secs_f64(),
        "peak_rss_bytes": peak_rss_bytes(),
    });
    let path = args.metrics_out.clone().unwrap_or_else(|| args.out.join("metrics.json"));
    write_json(&path, &metrics)
}

/// Fits the filter to the prepared data (refusing `--cold-start-items`) and says what it
/// chose; returns it with the seconds the fit took.
pub(super) fn fit_filter(args: &TrainArgs, prepared: &Prepared) -> anyhow::Result<(FittedFilter, f64)> {
    if args.cold_start_items > 0.0 {
        bail!("--cold-start-items needs a model that embeds items from their text (--model sage)");
    }
    let data = &prepared.data;
    let fit_started = Instant::now();
    let fitted = fit(&data.train, &data.valid, data.n_items, &args.graph_filter_config())
        .context("fitting the graph filter")?;
    let fit_seconds = fit_started.elapsed().as_secs_f64();
    let chosen = &fitted.report.chosen;
    eprintln!(
        "graph filter: {:?}\n  validation NDCG@20 {:.4} on {} users; fit {:.1} s (SVDs {:?} s, search {:.1} s)",
        chosen.settings,
        chosen.valid_ndcg,
        fitted.report.validation_users,
        fit_seconds,
        fitted.report.svd_seconds.iter().map(|s| (s * 10.0).round() / 10.0).collect::<Vec<_>>(),
        fitted.report.search_seconds
    );
    Ok((fitted, fit_seconds))
}

/// Writes the run files of a model whose user vectors are history sums of its item
/// vectors: `run.json`, the vectors and `fold-in.json`.
pub(super) fn write_history_model(
    args: &TrainArgs,
    users: &Array2<f32>,
    items: &Array2<f32>,
    fold_in: &FoldInConfig,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let as_slice = |m: &Array2<f32>| m.as_standard_layout().iter().copied().collect::<Vec<f32>>();
    run_files::write(&args.out, &args.spec(), &as_slice(users), &as_slice(items), items.ncols(), None)?;
    run_files::write_fold_in(&args.out, fold_in)
}

/// Full-ranking metrics of every user with `truth` items, users scored by the rows of
/// `users` against `items`.
pub(super) fn evaluate(
    users: &Array2<f32>,
    items: &Array2<f32>,
    train: &[Vec<u32>],
    truth: &[Vec<u32>],
) -> Evaluation {
    let selected: Vec<usize> = (0..truth.len()).filter(|&u| !truth[u].is_empty()).collect();
    let rows = users.select(Axis(0), &selected);
    let train: Vec<&[u32]> = selected.iter().map(|&u| train[u].as_slice()).collect();
    let truth: Vec<&[u32]> = selected.iter().map(|&u| truth[u].as_slice()).collect();
    evaluate_rows(rows.view(), items.view(), &train, &truth, &KS)
}
