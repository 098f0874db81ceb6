//! `train-cli train --backend wgpu` against the CPU backend on the real lastfm split
//! (`data/`). The wgpu run propagates with the CubeCL sparse kernel on the device (Mesa
//! lavapipe where the machine has no GPU), so this checks the kernel inside a whole
//! training run: forward, backward, Adam, evaluation and checkpoints.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{metrics, split_dir};

fn lastfm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/lightgcnpp/lastfm")
}

/// LightGCN++ with its authors' lastfm settings, two epochs; batch 16,384 keeps the
/// lavapipe run short (the batch size does not matter for parity).
fn train(out: &Path, backend: &str) -> std::process::Output {
    Command::cargo_bin("train-cli")
        .unwrap()
        .args(["train", "--model", "lightgcnpp", "--alpha", "0.6", "--beta", "-0.1", "--gamma", "0.2"])
        .args(["--layers", "3", "--epochs", "2", "--eval-every", "1", "--batch-size", "16384", "--seed", "3"])
        .args(["--propagation", "sparse", "--backend", backend, "--split-dir"])
        .arg(lastfm())
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn losses(m: &Value) -> Vec<f64> {
    m["history"].as_array().unwrap().iter().map(|e| e["loss"].as_f64().unwrap()).collect()
}

#[test]
fn wgpu_training_matches_the_cpu_run_with_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<Value> = ["cpu", "wgpu"]
        .iter()
        .map(|backend| {
            let out = dir.path().join(backend);
            let output = train(&out, backend);
            assert!(output.status.success(), "{backend}: {}", String::from_utf8_lossy(&output.stderr));
            assert!(out.join("best/model.mpk").exists(), "{backend}: no checkpoint");
            metrics(&out)
        })
        .collect();
    let (cpu, wgpu) = (&runs[0], &runs[1]);
    assert_eq!(wgpu["backend"], "wgpu");
    assert_eq!(wgpu["propagation"], serde_json::json!(["sparse"]));
    let (a, b) = (losses(cpu), losses(wgpu));
    assert_eq!(a.len(), 2);
    for (epoch, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= 1e-3 * x.abs(), "epoch {}: loss cpu {x}, wgpu {y}", epoch + 1);
    }
    let ndcg = |m: &Value| m["test"]["ndcg@20"].as_f64().unwrap();
    let (x, y) = (ndcg(cpu), ndcg(wgpu));
    assert!((x - y).abs() <= 0.02 * x, "test NDCG@20 cpu {x}, wgpu {y}");
}

#[test]
fn every_model_trains_on_wgpu_and_exports_like_a_cpu_run() {
    let (dir, split) = split_dir();
    for model in ["lightgcn", "lightgcnpp", "ngcf", "sage"] {
        let out = dir.path().join(model);
        let output = Command::cargo_bin("train-cli")
            .unwrap()
            .args(["train", "--model", model, "--backend", "wgpu", "--epochs", "2", "--dim", "16"])
            .args(["--batch-size", "256", "--split-dir"])
            .arg(&split)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{model}: {}", String::from_utf8_lossy(&output.stderr));
        let m = metrics(&out);
        assert_eq!(m["backend"], "wgpu", "{model}");
        assert!(m["test"]["ndcg@20"].as_f64().unwrap() > 0.0, "{model}: {}", m["test"]);
        // The checkpoint is backend-neutral: the CPU exporter reads it.
        let bundle = dir.path().join(format!("{model}-bundle"));
        let output = Command::cargo_bin("train-cli")
            .unwrap()
            .arg("export")
            .arg("--run")
            .arg(&out)
            .arg("--out")
            .arg(&bundle)
            .output()
            .unwrap();
        assert!(output.status.success(), "{model} export: {}", String::from_utf8_lossy(&output.stderr));
        assert!(bundle.join("manifest.json").exists(), "{model}: no manifest");
    }
}

#[test]
fn a_missing_gpu_driver_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("train-cli")
        .unwrap()
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .args(["train", "--model", "lightgcn", "--epochs", "1", "--backend", "wgpu", "--split-dir"])
        .arg(lastfm())
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no usable wgpu adapter"), "{stderr}");
    assert!(stderr.contains("--backend cpu"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_path_the_device_cannot_hold_is_refused_with_the_alternative() {
    // lastfm's dense adjacency is 19,273² floats (1.4 GiB), more than lavapipe (and
    // most GPUs) allocate in one buffer.
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("train-cli")
        .unwrap()
        .args([
            "train",
            "--model",
            "lightgcn",
            "--epochs",
            "1",
            "--backend",
            "wgpu",
            "--propagation",
            "dense",
        ])
        .arg("--split-dir")
        .arg(lastfm())
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("dense adjacency matrix needs 1417 MiB"), "{stderr}");
    assert!(stderr.contains("use --propagation sparse"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
