//! `train-cli encode` end to end on the real MiniLM weights: the interface other checks use.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2")
}

fn encode(args: &[&str], stdin: &str) -> Vec<Value> {
    let output = Command::cargo_bin("train-cli")
        .unwrap()
        .arg("encode")
        .arg("--model-dir")
        .arg(model_dir())
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn one_json_line_per_input_line_with_the_text_and_384_floats() {
    let lines = encode(&[], "A history of the Middle East\n\nemoji 🎬\r\n");
    let texts: Vec<&str> = lines.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["A history of the Middle East", "", "emoji 🎬"]);
    for line in &lines {
        assert_eq!(line["embedding"].as_array().unwrap().len(), 384);
    }
    let quantized = encode(&["--quantized"], "A history of the Middle East\n");
    let (a, b) = (&lines[0]["embedding"], &quantized[0]["embedding"]);
    let dot: f64 = a
        .as_array()
        .unwrap()
        .iter()
        .zip(b.as_array().unwrap())
        .map(|(x, y)| x.as_f64().unwrap() * y.as_f64().unwrap())
        .sum();
    assert!(dot > 0.995 && dot < 0.99999, "int8 is close to but not the same as f32: {dot}");
}

#[test]
fn a_missing_model_directory_is_a_clear_error() {
    let output = Command::cargo_bin("train-cli")
        .unwrap()
        .args(["encode", "--model-dir", "/nonexistent/minilm"])
        .write_stdin("x\n")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read /nonexistent/minilm/config.json"), "{stderr}");
}

#[test]
fn native_wgpu_matches_the_exact_cpu_reference() {
    let text = "space opera with rebels and an evil empire\n";
    let (cpu, gpu) = (encode(&["--exact"], text), encode(&["--backend", "wgpu"], text));
    let dot: f64 = cpu[0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .zip(gpu[0]["embedding"].as_array().unwrap())
        .map(|(x, y)| x.as_f64().unwrap() * y.as_f64().unwrap())
        .sum();
    assert!(dot >= 0.9999, "wgpu vs cpu cosine {dot}");
}
