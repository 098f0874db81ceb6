//! `train-cli train --model graph-filter-blend`: the graph filter, LightGCN++ trained as a
//! run of its own in `OUT/lightgcnpp`, and their blend (see `gnnrec_graph_filter::blend`),
//! reported and written like the filter: user vectors are history sums, block by block.

use std::time::Instant;

use anyhow::Context;
use gnnrec_bundle::{FoldInBlock, FoldInConfig};
use gnnrec_graph_filter::{BlendConfig, blend};
use gnnrec_train::{metric_map, peak_rss_bytes};
use ndarray::Array2;
use serde_json::json;

use super::graph_filter::{evaluate, fit_filter, write_history_model};
use super::{TrainArgs, data_summary, train_learned, write_json};
use crate::dataset::Prepared;
use crate::run_files;

/// Fits the filter, trains LightGCN++, blends them, evaluates on valid and test, and
/// writes the run files and `metrics.json`.
pub fn run(args: &TrainArgs, prepared: &Prepared, started: Instant) -> anyhow::Result<()> {
    let data = &prepared.data;
    let (fitted, fit_seconds) = fit_filter(args, prepared)?;

    let part = args.blend_part();
    let learned_started = Instant::now();
    train_learned(&part, prepared, started).context("training the blend's LightGCN++")?;
    let learned_seconds = learned_started.elapsed().as_secs_f64();
    let learned = run_files::read(&part.out)?;
    let learned_items = Array2::from_shape_vec((data.n_items, learned.dim), learned.items)
        .context("the LightGCN++ item vectors")?;

    let config = BlendConfig { validation_users: args.filter_validation_users, ..BlendConfig::default() };
    let blended = blend(
        fitted.items.view(),
        fitted.settings.fold_in_exponent(),
        learned_items.view(),
        &data.train,
        &data.valid,
        &config,
    )
    .context("blending the graph filter with LightGCN++")?;
    let report = &blended.report;
    eprintln!(
        "blend: LightGCN++ weight {} with history exponent {}: validation NDCG@20 {:.4} (filter alone {:.4}) on {} users; {:.1} s",
        report.chosen.weight,
        report.chosen.exponent,
        report.chosen.valid_ndcg,
        report.filter_valid_ndcg,
        report.validation_users,
        report.seconds
    );

    let evaluation_started = Instant::now();
    let valid = metric_map(&evaluate(&blended.users, &blended.items, &data.train, &data.valid));
    let test = metric_map(&evaluate(&blended.users, &blended.items, &data.train, &data.test));
    let evaluation_seconds = evaluation_started.elapsed().as_secs_f64();
    eprintln!(
        "test recall@20 {:.4} ndcg@20 {:.4} (valid ndcg@20 {:.4}; evaluation {:.1} s)",
        test["recall@20"], test["ndcg@20"], valid["ndcg@20"], evaluation_seconds
    );
    let blocks = blended.blocks.map(|(width, degree_exponent)| FoldInBlock { width, degree_exponent });
    let fold_in = FoldInConfig { degree_exponent: blocks[0].degree_exponent, blocks: blocks.to_vec() };
    write_history_model(args, &blended.users, &blended.items, &fold_in)?;

    let learned_metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(part.out.join("metrics.json"))
            .context("the LightGCN++ part's metrics.json")?,
    )?;
    let metrics = json!({
        "model": args.model.name(),
        "data_source": prepared.description,
        "ingest": prepared.filter_report,
        "graph_filter": {"config": args.graph_filter_config(), "settings": fitted.settings, "fit": fitted.report},
        "lightgcnpp": {
            "run": part.out,
            "valid": learned_metrics["valid"],
            "test": learned_metrics["test"],
            "best_epoch": learned_metrics["best_epoch"],
            "epochs": learned_metrics["epochs"],
            "seconds_per_epoch": learned_metrics["seconds_per_epoch"],
        },
        "blend": {"config": config, "report": report},
        "data": data_summary(data),
        "protocol": "full ranking over all items, training items excluded, averaged over users with held-out items; filter settings, LightGCN++ epoch and blend chosen on validation items",
        "valid": valid,
        "test": test,
        "fit_seconds": fit_seconds,
        "learned_seconds": learned_seconds,
        "evaluation_seconds": evaluation_seconds,
        "wall_seconds": started.elapsed().as_secs_f64(),
        "peak_rss_bytes": peak_rss_bytes(),
    });
    let path = args.metrics_out.clone().unwrap_or_else(|| args.out.join("metrics.json"));
    write_json(&path, &metrics)
}
