//! What a training run leaves for `export` and `evaluate-bundle`: `run.json` (the
//! training arguments, so the same data can be loaded again) and `embeddings.safetensors`
//! (the best model's final user and item embeddings, and its MLP head if it has one).

use std::path::Path;

use anyhow::{Context, bail};
use gnnrec_ranking::{MlpHead, Tensors, f32_bytes};
use safetensors::Dtype;

use crate::train::TrainArgs;

/// Arguments file name.
pub const RUN_ARGS: &str = "run.json";
/// Embeddings file name.
pub const EMBEDDINGS: &str = "embeddings.safetensors";
/// Fold-in file of models whose user vectors are degree-weighted history sums.
pub const FOLD_IN: &str = "fold-in.json";

/// A finished run, read back.
pub struct TrainedRun {
    /// The arguments it was trained with.
    pub args: TrainArgs,
    /// Embedding width.
    pub dim: usize,
    /// Row-major `[n_users, dim]`.
    pub users: Vec<f32>,
    /// Row-major `[n_items, dim]`.
    pub items: Vec<f32>,
    /// The pair-scoring head of MLP models.
    pub head: Option<MlpHead>,
    /// `e` when a user's vector is `Σ_h d_h^e · item_h` by definition (graph filter).
    pub fold_in_exponent: Option<f32>,
}

/// Records that the run's user vectors are `Σ_h d_h^exponent · item_h` (see [`FOLD_IN`]).
pub fn write_fold_in_exponent(out: &Path, exponent: f32) -> anyhow::Result<()> {
    let path = out.join(FOLD_IN);
    let text = serde_json::to_string_pretty(&serde_json::json!({ "degree_exponent": exponent }))?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// The exponent written by [`write_fold_in_exponent`], if the run has one.
fn read_fold_in_exponent(dir: &Path) -> anyhow::Result<Option<f32>> {
    let path = dir.join(FOLD_IN);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let exponent = value["degree_exponent"]
        .as_f64()
        .with_context(|| format!("{}: field `degree_exponent` must be a number", path.display()))?;
    Ok(Some(exponent as f32))
}

/// One dense layer: row-major weight `[in, out]` and bias `[out]`.
pub struct Layer {
    /// Weight values.
    pub weight: Vec<f32>,
    /// Input width.
    pub inputs: usize,
    /// Bias values (output width).
    pub bias: Vec<f32>,
}

/// Writes both files into `out`.
pub fn write(
    out: &Path,
    args: &TrainArgs,
    users: &[f32],
    items: &[f32],
    dim: usize,
    head: &[Layer],
) -> anyhow::Result<()> {
    let mut tensors = vec![
        ("users".to_string(), vec![users.len() / dim, dim], Dtype::F32, f32_bytes(users)),
        ("items".to_string(), vec![items.len() / dim, dim], Dtype::F32, f32_bytes(items)),
    ];
    for (l, layer) in head.iter().enumerate() {
        let out_width = layer.bias.len();
        tensors.push((
            format!("head.{l}.weight"),
            vec![layer.inputs, out_width],
            Dtype::F32,
            f32_bytes(&layer.weight),
        ));
        tensors.push((format!("head.{l}.bias"), vec![out_width], Dtype::F32, f32_bytes(&layer.bias)));
    }
    let bytes = Tensors::write(tensors).context(EMBEDDINGS)?;
    let path = out.join(EMBEDDINGS);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    // A fold-in file left by an earlier run in the same folder would not describe this one.
    let stale = out.join(FOLD_IN);
    if stale.exists() {
        std::fs::remove_file(&stale).with_context(|| format!("removing {}", stale.display()))?;
    }
    let path = out.join(RUN_ARGS);
    std::fs::write(&path, serde_json::to_string_pretty(args)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a run directory written by `train`.
pub fn read(dir: &Path) -> anyhow::Result<TrainedRun> {
    let path = dir.join(RUN_ARGS);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("reading {} (is {} a finished `train-cli train` run?)", path.display(), dir.display())
    })?;
    let args: TrainArgs =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let path = dir.join(EMBEDDINGS);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.display().to_string();
    let tensors = Tensors::parse(&bytes).with_context(|| name.clone())?;
    let shape = |t: &str| tensors.shape(t).with_context(|| name.clone());
    let (users_shape, items_shape) = (shape("users")?, shape("items")?);
    let (Some(&dim), Some(&n_items)) = (users_shape.get(1), items_shape.first()) else {
        bail!("{name}: users and items must be matrices");
    };
    let f32s = |t: &str, s: &[usize]| tensors.f32(t, s).with_context(|| name.clone());
    let users = f32s("users", &users_shape)?;
    let items = f32s("items", &[n_items, dim])?;
    let head = if shape("head.0.weight").is_ok() {
        let layer = |l: usize| -> anyhow::Result<(Vec<f32>, Vec<usize>, Vec<f32>)> {
            let s = shape(&format!("head.{l}.weight"))?;
            let bias = f32s(&format!("head.{l}.bias"), &[s[1]])?;
            Ok((f32s(&format!("head.{l}.weight"), &s)?, s, bias))
        };
        let ((w1, s1, b1), (w2, _, b2), (w3, _, b3)) = (layer(0)?, layer(1)?, layer(2)?);
        if s1[0] != 2 * dim || b3.len() != 1 {
            bail!("{name}: the head does not read [user; item] pairs of width {dim} into one score");
        }
        let split = dim * s1[1];
        let head = MlpHead {
            dim,
            w1_user: w1[..split].to_vec(),
            w1_item: w1[split..].to_vec(),
            b1,
            w2,
            b2,
            w3,
            b3: b3[0],
        };
        head.check().with_context(|| name.clone())?;
        Some(head)
    } else {
        None
    };
    let fold_in_exponent = read_fold_in_exponent(dir)?;
    Ok(TrainedRun { args, dim, users, items, head, fold_in_exponent })
}
