//! What a training run leaves for `export` and `evaluate-bundle`: `run.json` (the
//! [`RunSpec`], so the same data can be loaded again) and `embeddings.safetensors`
//! (the best model's final user and item embeddings, and its MLP head if it has one, under
//! the bundle's tensor names; see `gnnrec_bundle::MlpHead`).

use std::path::Path;

use anyhow::{Context, bail};
use gnnrec_bundle::{FoldInConfig, MlpHead, TensorData, Tensors};

use crate::run_spec::RunSpec;

/// Run spec file name.
pub const RUN_ARGS: &str = "run.json";
/// Embeddings file name.
pub const EMBEDDINGS: &str = "embeddings.safetensors";
/// Fold-in file of models whose user vectors are degree-weighted history sums.
pub const FOLD_IN: &str = "fold-in.json";

/// A finished run, read back.
pub struct TrainedRun {
    /// The configuration it was trained with.
    pub spec: RunSpec,
    /// Embedding width.
    pub dim: usize,
    /// Row-major `[n_users, dim]`.
    pub users: Vec<f32>,
    /// Row-major `[n_items, dim]`.
    pub items: Vec<f32>,
    /// The pair-scoring head of MLP models.
    pub head: Option<MlpHead>,
    /// The exponents when a user's vector is `Σ_h d_h^e · item_h` by definition (graph
    /// filter, and per block of columns its blend).
    pub fold_in: Option<FoldInConfig>,
}

/// Records that the run's user vectors are history sums `Σ_h d_h^e · item_h` (per block of
/// columns for a blend; see [`FOLD_IN`]).
pub fn write_fold_in(out: &Path, fold_in: &FoldInConfig) -> anyhow::Result<()> {
    let path = out.join(FOLD_IN);
    let text = serde_json::to_string_pretty(fold_in)?;
    std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// The fold-in written by [`write_fold_in`], if the run has one (files holding only
/// `degree_exponent`, from before blocks, read as one block).
fn read_fold_in(dir: &Path) -> anyhow::Result<Option<FoldInConfig>> {
    let path = dir.join(FOLD_IN);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let fold_in = serde_json::from_str(&text).with_context(|| {
        format!("parsing {}: expected {{\"degree_exponent\": number, \"blocks\": [{{\"width\", \"degree_exponent\"}}]}}", path.display())
    })?;
    Ok(Some(fold_in))
}

/// Writes both files into `out`.
pub fn write(
    out: &Path,
    spec: &RunSpec,
    users: &[f32],
    items: &[f32],
    dim: usize,
    head: Option<&MlpHead>,
) -> anyhow::Result<()> {
    let mut tensors = vec![
        TensorData::f32("users", vec![users.len() / dim, dim], users),
        TensorData::f32("items", vec![items.len() / dim, dim], items),
    ];
    tensors.extend(head.map(MlpHead::tensors).unwrap_or_default());
    let bytes = Tensors::write(&tensors).context(EMBEDDINGS)?;
    let path = out.join(EMBEDDINGS);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    // A fold-in file left by an earlier run in the same folder would not describe this one.
    let stale = out.join(FOLD_IN);
    if stale.exists() {
        std::fs::remove_file(&stale).with_context(|| format!("removing {}", stale.display()))?;
    }
    let path = out.join(RUN_ARGS);
    std::fs::write(&path, serde_json::to_string_pretty(spec)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a run directory written by `train`.
pub fn read(dir: &Path) -> anyhow::Result<TrainedRun> {
    let path = dir.join(RUN_ARGS);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("reading {} (is {} a finished `train-cli train` run?)", path.display(), dir.display())
    })?;
    let spec: RunSpec = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
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
    let head = if MlpHead::is_in(&tensors) {
        Some(MlpHead::read(&tensors, dim).with_context(|| name.clone())?)
    } else {
        None
    };
    let fold_in = read_fold_in(dir)?;
    Ok(TrainedRun { spec, dim, users, items, head, fold_in })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_spec::tests::OLD_RUN_JSON;

    #[test]
    fn a_run_written_before_run_specs_and_head_tensors_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RUN_ARGS), OLD_RUN_JSON).unwrap();
        // dim 1, h1 2, h2 1, under the old layer names.
        let f32s = |name: &str, shape: Vec<usize>, values: &[f32]| TensorData::f32(name, shape, values);
        let tensors = vec![
            f32s("users", vec![3, 1], &[1.0, 2.0, 3.0]),
            f32s("items", vec![2, 1], &[0.5, -0.5]),
            f32s("head.0.weight", vec![2, 2], &[0.1, 0.2, 0.3, 0.4]),
            f32s("head.0.bias", vec![2], &[0.0, 0.1]),
            f32s("head.1.weight", vec![2, 1], &[1.0, -1.0]),
            f32s("head.1.bias", vec![1], &[0.2]),
            f32s("head.2.weight", vec![1, 1], &[0.7]),
            f32s("head.2.bias", vec![1], &[0.05]),
        ];
        std::fs::write(dir.path().join(EMBEDDINGS), Tensors::write(&tensors).unwrap()).unwrap();
        let run = read(dir.path()).unwrap();
        assert_eq!((run.dim, run.users.len(), run.items.len()), (1, 3, 2));
        assert_eq!(run.spec.preset.as_deref(), Some("movielens"));
        let head = run.head.clone().expect("the old head reads");
        assert_eq!((head.w1_user, head.w1_item, head.b3), (vec![0.1, 0.2], vec![0.3, 0.4], 0.05));
        assert_eq!((head.w2, head.w3), (vec![1.0, -1.0], vec![0.7]));

        // Written again, it reads back the same under the bundle's names.
        let out = tempfile::tempdir().unwrap();
        write(out.path(), &run.spec, &run.users, &run.items, 1, run.head.as_ref()).unwrap();
        let again = read(out.path()).unwrap();
        assert_eq!((again.head, again.spec), (run.head, run.spec));
    }
}
