//! Choosing between sparse (device kernel or host CSR) and dense (device matmul)
//! propagation.

use std::ops::Range;
use std::time::{Duration, Instant};

use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor, TensorData, TensorPrimitive};

use crate::layer_mix::{LayerMix, composed_forward};
use crate::{Csr, GraphBackend, SparseOperator};

/// Size of the block of dense rows [`Strategy::Auto`] times before committing to the
/// whole dense matrix (64 MiB).
const DENSE_PROBE_BYTES: usize = 64 << 20;

/// How a [`Propagator`] multiplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// CSR product where the backend computes it best: a device kernel on the CubeCL
    /// backends (wgpu, CUDA), the host on ndarray (custom autodiff op either way).
    Sparse,
    /// CSR product on the host even for a device backend (copies the operand to the host
    /// and back in every product; the same as [`Strategy::Sparse`] on ndarray).
    Host,
    /// Dense matrix on the device, multiplied with `matmul`.
    Dense,
    /// Time the candidates on the actual graph (dense estimated from a block of rows
    /// scaled to the whole matrix, and only where it fits the limit) and keep the fastest.
    Auto,
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sparse => "sparse",
            Self::Host => "host",
            Self::Dense => "dense",
            Self::Auto => "auto",
        })
    }
}

/// What a [`Propagator`] was built with, and why: the strategy in use, the forward
/// product times [`Strategy::Auto`] measured, and why a candidate was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The strategy in use.
    pub chosen: Strategy,
    /// Whether it was asked for (rather than chosen by [`Strategy::Auto`]).
    pub asked: bool,
    /// Best-of-three forward product time per measured candidate.
    pub timings: Vec<(Strategy, Duration)>,
    /// Why a candidate was not measured.
    pub skipped: Option<String>,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.chosen)?;
        if self.asked {
            return f.write_str(" (asked for)");
        }
        let timings: Vec<String> = self
            .timings
            .iter()
            .map(|(strategy, time)| format!("{strategy} {:.2} ms", time.as_secs_f64() * 1e3))
            .collect();
        write!(f, " (fastest measured: {}", timings.join(", "))?;
        if let Some(skipped) = &self.skipped {
            write!(f, "; {skipped}")?;
        }
        f.write_str(")")
    }
}

/// A propagation path the device cannot hold.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PropagationError {
    /// One buffer of the path is larger than the device allocates at once.
    #[error(
        "--propagation {strategy}: the {what} needs {needed_mib} MiB in one buffer, more than the \
         {limit_mib} MiB this device allocates at once; use --propagation {instead}"
    )]
    TooLarge {
        /// The path asked for.
        strategy: Strategy,
        /// The buffer that does not fit.
        what: &'static str,
        /// Its size.
        needed_mib: u64,
        /// The device's largest allocation.
        limit_mib: u64,
        /// The path to use instead.
        instead: &'static str,
    },
}

/// The largest single device buffer `strategy` needs for `matrix` with `dim` columns,
/// and what it is.
fn largest_buffer(matrix: &Csr, strategy: Strategy, dim: usize) -> (u64, &'static str) {
    let (rows, cols) = (matrix.n_rows() as u64, matrix.n_cols() as u64);
    match strategy {
        Strategy::Dense => (rows * cols * 4, "dense adjacency matrix"),
        Strategy::Sparse => {
            let entries = matrix.nnz() as u64 * 4;
            let output = rows.max(cols) * dim as u64 * 4;
            if entries >= output { (entries, "sparse operator's entries") } else { (output, "product") }
        }
        Strategy::Host | Strategy::Auto => (rows.max(cols) * dim as u64 * 4, "product"),
    }
}

/// Checks that `strategy`'s largest buffer fits the device's largest allocation.
fn check_fits<B: GraphBackend>(
    matrix: &Csr,
    strategy: Strategy,
    dim: usize,
    device: &B::Device,
) -> Result<(), PropagationError> {
    let Some(limit) = B::max_allocation_bytes(device) else { return Ok(()) };
    let (needed, what) = largest_buffer(matrix, strategy, dim);
    if needed <= limit {
        return Ok(());
    }
    Err(PropagationError::TooLarge {
        strategy,
        what,
        needed_mib: needed.div_ceil(1 << 20),
        limit_mib: limit >> 20,
        instead: match strategy {
            Strategy::Dense => "sparse (the device kernel) or host",
            _ => "host, or train on the CPU backend (--backend cpu)",
        },
    })
}

/// A fixed graph operator applied to node features, differentiable w.r.t. the features.
#[derive(Debug, Clone)]
pub enum Propagator<B: Backend> {
    /// CSR product (on the device or the host, see [`SparseOperator::on_host`]).
    Sparse(SparseOperator),
    /// Dense device matrix.
    Dense(Tensor<B, 2>),
}

impl<B: GraphBackend> Propagator<B> {
    /// Prepares `matrix` with the given strategy. `dense_limit_bytes` caps the dense
    /// matrix size considered by [`Strategy::Auto`]; `dim` is the feature width used
    /// to time the candidates.
    ///
    /// # Errors
    /// If a buffer of the asked-for path is larger than the device allocates at once.
    pub fn new(
        matrix: Csr,
        strategy: Strategy,
        dim: usize,
        dense_limit_bytes: usize,
        device: &B::Device,
    ) -> Result<Self, PropagationError> {
        Ok(Self::choose(matrix, strategy, dim, dense_limit_bytes, device)?.0)
    }

    /// [`Self::new`], also saying what was chosen and why. [`Strategy::Auto`] leaves out
    /// the candidates the device cannot hold.
    ///
    /// # Errors
    /// If a buffer of the asked-for path (or, for `Auto`, of every path) is larger than
    /// the device allocates at once.
    pub fn choose(
        matrix: Csr,
        strategy: Strategy,
        dim: usize,
        dense_limit_bytes: usize,
        device: &B::Device,
    ) -> Result<(Self, Choice), PropagationError> {
        if strategy != Strategy::Auto {
            check_fits::<B>(&matrix, strategy, dim, device)?;
        }
        let asked = |p: Self| {
            let chosen = p.strategy();
            (p, Choice { chosen, asked: true, timings: Vec::new(), skipped: None })
        };
        let host = |matrix: Csr| match B::has_device_sparse() {
            true => Self::Sparse(SparseOperator::new(matrix).on_host()),
            false => Self::Sparse(SparseOperator::new(matrix)),
        };
        Ok(match strategy {
            Strategy::Sparse => asked(Self::Sparse(SparseOperator::new(matrix))),
            Strategy::Host => asked(host(matrix)),
            Strategy::Dense => asked(Self::dense_rows(&matrix, 0..matrix.n_rows(), device)),
            Strategy::Auto => {
                let x = Tensor::<B, 2>::random([matrix.n_cols(), dim], Distribution::Default, device);
                let mut candidates = Vec::new();
                let mut skipped = Vec::new();
                match check_fits::<B>(&matrix, Strategy::Sparse, dim, device) {
                    Ok(()) => candidates.push(Self::Sparse(SparseOperator::new(matrix.clone()))),
                    Err(e) => skipped.push(format!("sparse does not fit ({e})")),
                }
                if B::has_device_sparse() {
                    check_fits::<B>(&matrix, Strategy::Host, dim, device)?;
                    candidates.push(host(matrix.clone()));
                }
                let mut timings: Vec<(Strategy, Duration)> =
                    candidates.iter().map(|c| (c.strategy(), c.time(&x))).collect();
                let dense_bytes = matrix.n_rows() * matrix.n_cols() * 4;
                let dense_fits = check_fits::<B>(&matrix, Strategy::Dense, dim, device);
                if dense_bytes > dense_limit_bytes {
                    skipped.push(format!(
                        "dense needs {} MiB, over the {} MiB limit",
                        dense_bytes >> 20,
                        dense_limit_bytes >> 20
                    ));
                } else if let Err(e) = dense_fits {
                    skipped.push(format!("dense does not fit ({e})"));
                } else if matrix.n_rows() > 0 {
                    let probe_rows =
                        (DENSE_PROBE_BYTES / (matrix.n_cols() * 4).max(1)).clamp(1, matrix.n_rows());
                    let probe = Self::dense_rows(&matrix, 0..probe_rows, device);
                    let estimate = probe.time(&x).mul_f64(matrix.n_rows() as f64 / probe_rows as f64);
                    timings.push((Strategy::Dense, estimate));
                }
                let (chosen, _) =
                    *timings.iter().min_by_key(|(_, time)| *time).expect("host or sparse was timed");
                let propagator = match chosen {
                    Strategy::Dense => Self::dense_rows(&matrix, 0..matrix.n_rows(), device),
                    _ => candidates.into_iter().find(|c| c.strategy() == chosen).expect("a timed candidate"),
                };
                let skipped = (!skipped.is_empty()).then(|| skipped.join("; "));
                (propagator, Choice { chosen, asked: false, timings, skipped })
            }
        })
    }

    /// Rows `rows` of `matrix` as a dense device matrix.
    fn dense_rows(matrix: &Csr, rows: Range<usize>, device: &B::Device) -> Self {
        let shape = [rows.len(), matrix.n_cols()];
        Self::Dense(Tensor::from_data(TensorData::new(matrix.rows_to_dense(rows), shape), device))
    }

    /// Best of three runs (after one warm-up), synchronised by reading one value back.
    fn time(&self, x: &Tensor<B, 2>) -> Duration {
        let run = || {
            let start = Instant::now();
            let y = self.apply(x.clone());
            let _ = y.slice([0..1, 0..1]).into_data();
            start.elapsed()
        };
        run();
        (0..3).map(|_| run()).min().expect("three runs")
    }

    /// Which strategy this propagator ended up with.
    pub fn strategy(&self) -> Strategy {
        match self {
            Self::Sparse(op) if op.is_on_host() => Strategy::Host,
            Self::Sparse(_) => Strategy::Sparse,
            Self::Dense(_) => Strategy::Dense,
        }
    }

    /// LightGCN's layer mix of `x` over this (square) operator: fused on the host for a
    /// sparse operator, matrix products for a dense one.
    pub fn mix_layers(&self, x: Tensor<B, 2>, mix: LayerMix) -> Tensor<B, 2> {
        match self {
            Self::Sparse(op) => Tensor::from_primitive(TensorPrimitive::Float(B::mix_layers(
                op,
                x.into_primitive().tensor(),
                mix,
            ))),
            Self::Dense(matrix) => composed_forward(x, mix, |t| matrix.clone().matmul(t)),
        }
    }

    /// [`Self::mix_layers`] at the nodes `rows` only and `x` at the same rows (each
    /// `[rows.len(), dim]`, repeats allowed): the final and the layer-0 embeddings. For a
    /// sparse operator on a host backend, propagated over the rows' neighbourhood alone (see
    /// [`crate::batch_mix`]); otherwise the whole graph is mixed and both are selected.
    pub fn mix_layers_at(
        &self,
        x: Tensor<B, 2>,
        mix: LayerMix,
        rows: &[u32],
    ) -> (Tensor<B, 2>, Tensor<B, 2>) {
        if let Self::Sparse(op) = self
            && let Some(both) = B::mix_layers_at(op, x.clone().into_primitive().tensor(), mix, rows)
        {
            let both = Tensor::<B, 2>::from_primitive(TensorPrimitive::Float(both));
            let n = rows.len();
            return (both.clone().narrow(0, 0, n), both.narrow(0, n, n));
        }
        let index = crate::index_tensor(rows, &x.device());
        (self.mix_layers(x.clone(), mix).select(0, index.clone()), x.select(0, index))
    }

    /// `operator × x`.
    pub fn apply(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        match self {
            Self::Sparse(op) => {
                Tensor::from_primitive(TensorPrimitive::Float(B::spmm(op, x.into_primitive().tensor())))
            }
            Self::Dense(matrix) => matrix.clone().matmul(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, NdArray};

    type Ad = Autodiff<NdArray>;

    #[test]
    fn sparse_and_dense_agree_in_value_and_gradient() {
        let device = Default::default();
        let triplets: Vec<(u32, u32, f32)> =
            (0..40u32).map(|k| ((k * 7) % 13, (k * 5) % 11, 0.1 * k as f32 - 1.5)).collect();
        let matrix = Csr::from_triplets(13, 11, &triplets);
        let x0 = Tensor::<Ad, 2>::random([11, 4], Distribution::Default, &device);
        let w = Tensor::<Ad, 2>::random([13, 4], Distribution::Default, &device);
        let run = |strategy| {
            let x = x0.clone().require_grad();
            let p = Propagator::<Ad>::new(matrix.clone(), strategy, 4, usize::MAX, &device).unwrap();
            let y = p.apply(x.clone());
            let grads = (y.clone() * w.clone()).sum().backward();
            (y.into_data(), x.grad(&grads).unwrap().into_data())
        };
        let (ys, gs) = run(Strategy::Sparse);
        let (yd, gd) = run(Strategy::Dense);
        ys.assert_approx_eq::<f32>(&yd, Default::default());
        gs.assert_approx_eq::<f32>(&gd, Default::default());
    }

    #[test]
    fn auto_respects_the_dense_limit() {
        let matrix = Csr::from_triplets(3, 3, &[(0, 1, 1.0)]);
        let p = Propagator::<NdArray>::new(matrix, Strategy::Auto, 8, 0, &Default::default()).unwrap();
        assert_eq!(p.strategy(), Strategy::Sparse);
    }

    #[test]
    fn auto_keeps_sparse_for_a_very_sparse_graph() {
        // 3,000 × 3,000 with 3,000 entries: the dense product does 3,000× the work.
        let n = 3000u32;
        let triplets: Vec<(u32, u32, f32)> = (0..n).map(|i| (i, (i * 7) % n, 1.0)).collect();
        let matrix = Csr::from_triplets(n as usize, n as usize, &triplets);
        let p =
            Propagator::<NdArray>::new(matrix, Strategy::Auto, 16, usize::MAX, &Default::default()).unwrap();
        assert_eq!(p.strategy(), Strategy::Sparse);
    }
}
