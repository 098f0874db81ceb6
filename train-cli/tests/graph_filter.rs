//! `train-cli train --model graph-filter`: on a synthetic split, through export into the
//! bundle, and on the real lastfm split shipped in `data/`.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{metrics, split_dir};

fn cli(args: &[&str], paths: &[(&str, &Path)]) -> std::process::Output {
    let mut command = Command::cargo_bin("train-cli").unwrap();
    command.args(args);
    for (flag, path) in paths {
        command.arg(flag).arg(path);
    }
    command.output().unwrap()
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn fits_reports_metrics_and_exports_an_exact_fold_in() {
    let (dir, split) = split_dir();
    let (run, bundle) = (dir.path().join("run"), dir.path().join("bundle"));
    let out = cli(
        &["train", "--model", "graph-filter", "--filter-rank", "16"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = metrics(&run);
    assert_eq!(m["model"], "graph-filter");
    assert!(m["test"]["recall@20"].as_f64().unwrap() > 0.5, "{}", m["test"]);
    assert!(m["fit_seconds"].as_f64().unwrap() > 0.0 && m["peak_rss_bytes"].as_u64().unwrap() > 0);
    let exponent = json_file(&run.join("fold-in.json"))["degree_exponent"].as_f64().unwrap();
    let settings = &m["graph_filter"]["settings"];
    let (g, c) =
        (settings["history_exponent"].as_f64().unwrap(), settings["output_exponent"].as_f64().unwrap());
    assert!((exponent + g + c).abs() < 1e-6, "fold-in exponent {exponent} is not −(g + c) = {}", -(g + c));

    let out = cli(&["export"], &[("--run", &run), ("--out", &bundle)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = json_file(&bundle.join("manifest.json"));
    assert_eq!(manifest["model"]["kind"], "graph-filter");
    assert_eq!(manifest["model"]["fold_in_map"], false);
    assert!((manifest["ranking"]["fold_in"]["degree_exponent"].as_f64().unwrap() - exponent).abs() < 1e-6);

    // A learned model trained into the same folder must not inherit the fold-in file.
    let out = cli(
        &["train", "--model", "lightgcn", "--epochs", "1", "--dim", "8"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!run.join("fold-in.json").exists());
}

#[test]
fn the_blend_trains_both_parts_and_exports_a_fold_in_per_block() {
    let (dir, split) = split_dir();
    let (run, bundle, report) =
        (dir.path().join("run"), dir.path().join("bundle"), dir.path().join("eval.json"));
    let out = cli(
        &["train", "--model", "graph-filter-blend", "--filter-rank", "16", "--epochs", "3", "--dim", "8"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = metrics(&run);
    assert_eq!(m["model"], "graph-filter-blend");
    assert_eq!(metrics(&run.join("lightgcnpp"))["model"], "lightgcnpp");
    assert_eq!(m["lightgcnpp"]["epochs"], 3);
    let chosen = &m["blend"]["report"]["chosen"];
    assert!(chosen["valid_ndcg"].as_f64() >= m["blend"]["report"]["filter_valid_ndcg"].as_f64());
    assert!(m["test"]["recall@20"].as_f64().unwrap() > 0.5, "{}", m["test"]);

    let fold_in = json_file(&run.join("fold-in.json"));
    let rank = m["graph_filter"]["settings"]["rank"].as_u64().unwrap();
    let settings = &m["graph_filter"]["settings"];
    let filter_exponent =
        -(settings["history_exponent"].as_f64().unwrap() + settings["output_exponent"].as_f64().unwrap());
    let blocks = fold_in["blocks"].as_array().unwrap();
    assert_eq!((blocks[0]["width"].as_u64(), blocks[1]["width"].as_u64()), (Some(rank), Some(8)));
    assert!((blocks[0]["degree_exponent"].as_f64().unwrap() - filter_exponent).abs() < 1e-6);
    assert_eq!(blocks[1]["degree_exponent"], chosen["exponent"]);

    assert!(cli(&["export", "--format", "v1"], &[("--run", &run), ("--out", &bundle)]).status.success());
    let manifest = json_file(&bundle.join("manifest.json"));
    assert_eq!(manifest["model"]["kind"], "graph-filter-blend");
    assert_eq!(manifest["ranking"]["fold_in"], fold_in);
    let out =
        cli(&["evaluate-bundle"], &[("--run", &run), ("--bundle", &bundle), ("--metrics-out", &report)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ratio = json_file(&report)["fold_in_ndcg_ratio"].as_f64().unwrap();
    assert!(ratio >= 0.98, "fold-in keeps {ratio} of the offline NDCG@20");
}

#[test]
fn impossible_settings_are_reported_with_the_alternative() {
    let (dir, split) = split_dir();
    let run = dir.path().join("run");
    let out = cli(
        &["train", "--model", "graph-filter", "--filter-rank", "500"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rank 500 is larger") && stderr.contains("ask for 61 or less"), "{stderr}");
    let out = cli(
        &["train", "--model", "graph-filter", "--cold-start-items", "0.1"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cold-start-items needs"));
    let out = cli(
        &["train", "--model", "graph-filter-blend", "--cold-start-items", "0.1"],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cold-start-items needs"));
}

/// The real lastfm split (LightGCN++ release, in `data/`): the blend of the graph filter
/// with 60 epochs of LightGCN++ against the published LightGCN++ figure, and the bundle's
/// fold-in against the offline model.
#[test]
#[ignore = "quality: 60 epochs of LightGCN++ on lastfm (minutes); scripts/test.sh runs it after the unit tests"]
fn lastfm_quality_offline_and_through_the_bundle() {
    let split = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/lightgcnpp/lastfm");
    let dir = tempfile::tempdir().unwrap();
    let (run, bundle, report) =
        (dir.path().join("run"), dir.path().join("bundle"), dir.path().join("eval.json"));
    // Rank 512 is what the default search (up to 1,024) picks on lastfm; capping it there keeps
    // the model and quarters the cost of the final SVD.
    let out = cli(
        &[
            "train",
            "--model",
            "graph-filter-blend",
            "--filter-rank",
            "512",
            "--epochs",
            "60",
            "--eval-every",
            "5",
        ],
        &[("--split-dir", &split), ("--out", &run)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = json_file(&run.join("metrics.json"));
    let offline = m["test"]["ndcg@20"].as_f64().unwrap();
    // The filter alone reaches 0.2612, LightGCN++ alone 0.2599 after 373 epochs, the
    // published LightGCN++ 0.2624; the blend measured 0.2634 (README).
    assert!(offline > 0.262, "test NDCG@20 {offline}");
    assert!(m["blend"]["report"]["chosen"]["weight"].as_f64().unwrap() > 0.0);
    // Format v1: its evaluation measures the fold-in against the offline model (a v2 bundle
    // probing every shard answers as v1, crates/export/tests/sharded.rs).
    assert!(cli(&["export", "--format", "v1"], &[("--run", &run), ("--out", &bundle)]).status.success());
    let out =
        cli(&["evaluate-bundle"], &[("--run", &run), ("--bundle", &bundle), ("--metrics-out", &report)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ratio = json_file(&report)["fold_in_ndcg_ratio"].as_f64().unwrap();
    assert!(ratio >= 0.98, "fold-in keeps {ratio} of the offline NDCG@20");
}
