//! The device kernel against the host CSR product, on burn-wgpu (Mesa lavapipe where
//! there is no GPU).

use burn::backend::wgpu::WgpuDevice;
use burn::backend::{Autodiff, Wgpu};
use burn::tensor::{Tensor, TensorData, TensorPrimitive};

use crate::row_segments::SEGMENT_NNZ;
use crate::{Csr, GraphBackend, LayerMix, SparseOperator};

/// A deterministic stream of values in [-1, 1).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn index(&mut self, n: usize) -> u32 {
        (((self.next() + 1.0) / 2.0 * n as f32) as usize).min(n - 1) as u32
    }

    fn matrix(&mut self, rows: usize, cols: usize, degrees: impl Fn(usize) -> usize) -> Csr {
        let triplets: Vec<(u32, u32, f32)> = (0..rows)
            .flat_map(|r| (0..degrees(r)).map(move |_| r))
            .map(|r| (r as u32, self.index(cols), self.next()))
            .collect();
        Csr::from_triplets(rows, cols, &triplets)
    }

    fn values(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// `matrix` with each row divided by its number of entries, like the normalised
/// adjacency operators the models use: row sums stay O(1) however long the row.
fn row_averaged(matrix: &Csr) -> Csr {
    let triplets: Vec<(u32, u32, f32)> = (0..matrix.n_rows())
        .flat_map(|r| {
            let degree = matrix.row(r).count() as f32;
            matrix.row(r).map(move |(c, v)| (r as u32, c, v / degree))
        })
        .collect();
    Csr::from_triplets(matrix.n_rows(), matrix.n_cols(), &triplets)
}

fn device_product(op: &SparseOperator, x: &[f32], dim: usize) -> Vec<f32> {
    let device = WgpuDevice::default();
    let rows = op.matrix().n_cols();
    let x = Tensor::<Wgpu, 2>::from_data(TensorData::new(x.to_vec(), [rows, dim]), &device);
    let y = Tensor::<Wgpu, 2>::from_primitive(TensorPrimitive::Float(<Wgpu>::spmm(
        op,
        x.into_primitive().tensor(),
    )));
    assert_eq!(y.dims(), [op.matrix().n_rows(), dim]);
    y.into_data().to_vec::<f32>().expect("f32 output")
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= 1e-5 * e.abs().max(1.0), "{what}[{i}]: device {a}, host {e}");
    }
}

/// Checks `matrix × x` for a random `x` of width `dim`.
fn check(matrix: Csr, dim: usize, noise: &mut Noise, what: &str) {
    let x = noise.values(matrix.n_cols() * dim);
    let expected = matrix.matmul_dense(&x, dim);
    let op = SparseOperator::new(matrix);
    assert_close(&device_product(&op, &x, dim), &expected, what);
    // The cached upload gives the same answer, and so does the transpose.
    assert_close(&device_product(&op, &x, dim), &expected, what);
    let t = op.transposed();
    let xt = noise.values(t.matrix().n_cols() * dim);
    assert_close(&device_product(&t, &xt, dim), &t.matrix().matmul_dense(&xt, dim), what);
}

#[test]
fn matches_the_host_product_on_random_matrices() {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    check(noise.matrix(300, 200, |_| 12), 64, &mut noise, "uniform 300×200, d 64");
    check(noise.matrix(50, 1000, |r| r % 5), 7, &mut noise, "ragged, d 7");
}

#[test]
fn matches_on_power_law_rows_longer_than_a_segment() {
    let mut noise = Noise(42);
    // Degrees ~ 3000 / (r + 1): the first rows split into many segments.
    let matrix = row_averaged(&noise.matrix(400, 5000, |r| 3000 / (r + 1)));
    assert!(matrix.indptr()[1] > 10 * SEGMENT_NNZ);
    check(matrix, 64, &mut noise, "power law");
}

#[test]
fn handles_empty_rows_a_single_row_and_wide_features() {
    let mut noise = Noise(7);
    check(noise.matrix(20, 30, |r| if r % 3 == 0 { 0 } else { 4 }), 16, &mut noise, "empty rows");
    check(noise.matrix(1, 30, |_| 300), 5, &mut noise, "single split row");
    // 300 features = 75 four-wide vectors: more than one workgroup's 64 lanes, so lanes
    // stride over the row.
    check(noise.matrix(70, 90, |_| 9), 300, &mut noise, "300 columns");
    check(Csr::from_triplets(5, 4, &[]), 8, &mut noise, "no entries");
}

#[test]
fn on_host_operators_take_the_host_path_with_the_same_result() {
    let mut noise = Noise(11);
    let matrix = noise.matrix(40, 30, |_| 5);
    let x = noise.values(30 * 8);
    let expected = matrix.matmul_dense(&x, 8);
    let op = SparseOperator::new(matrix).on_host();
    assert!(op.is_on_host() && op.transposed().is_on_host());
    assert_close(&device_product(&op, &x, 8), &expected, "host path");
}

/// The loss `Σ w ⊙ mix(x)²` over a square operator, and its gradient, on `Autodiff<Wgpu>`.
fn loss_and_gradient(op: &SparseOperator, x: &[f32], w: &[f32], dim: usize) -> (f64, Vec<f32>) {
    type Ad = Autodiff<Wgpu>;
    let device = WgpuDevice::default();
    let n = op.matrix().n_rows();
    let x = Tensor::<Ad, 2>::from_data(TensorData::new(x.to_vec(), [n, dim]), &device).require_grad();
    let w = Tensor::<Ad, 2>::from_data(TensorData::new(w.to_vec(), [n, dim]), &device);
    let mix = LayerMix { layers: 2, first: 0.5, rest: 0.25, normalize_inputs: true };
    let y = Tensor::<Ad, 2>::from_primitive(TensorPrimitive::Float(Ad::mix_layers(
        op,
        x.clone().into_primitive().tensor(),
        mix,
    )));
    let loss = (y.clone() * y * w).sum();
    let value = loss.clone().into_data().to_vec::<f32>().expect("f32")[0] as f64;
    let grads = loss.backward();
    (value, x.grad(&grads).expect("x is tracked").into_data().to_vec::<f32>().expect("f32"))
}

#[test]
fn gradient_matches_finite_differences() {
    let mut noise = Noise(3);
    let (n, dim) = (60, 6);
    // A non-symmetric square operator with a split row, so the backward pass needs the
    // transposed upload.
    let op = SparseOperator::new(noise.matrix(n, n, |r| if r == 0 { 2 * SEGMENT_NNZ + 3 } else { 4 }));
    let (x, w) = (noise.values(n * dim), noise.values(n * dim));
    let (_, gradient) = loss_and_gradient(&op, &x, &w, dim);
    let eps = 1e-2f32;
    for k in [0, 7, 61, 200, n * dim - 1] {
        let shifted = |delta: f32| {
            let mut x = x.clone();
            x[k] += delta;
            loss_and_gradient(&op, &x, &w, dim).0
        };
        let numeric = (shifted(eps) - shifted(-eps)) / (2.0 * eps as f64);
        let analytic = gradient[k] as f64;
        assert!(
            (numeric - analytic).abs() <= 2e-2 * analytic.abs().max(1.0),
            "d loss / d x[{k}]: finite differences {numeric}, autodiff {analytic}"
        );
    }
}

#[test]
fn a_dense_matrix_beyond_the_largest_allocation_is_refused_with_advice() {
    use crate::{PropagationError, Propagator, Strategy};
    let device = WgpuDevice::default();
    let limit = <Wgpu>::max_allocation_bytes(&device).expect("a GPU backend has a limit");
    // A diagonal matrix whose dense form is just over the limit.
    let n = ((limit / 4) as f64).sqrt() as usize + 2;
    let diagonal: Vec<(u32, u32, f32)> = (0..n as u32).map(|i| (i, i, 1.0)).collect();
    let matrix = Csr::from_triplets(n, n, &diagonal);
    let refused =
        Propagator::<Wgpu>::new(matrix.clone(), Strategy::Dense, 8, usize::MAX, &device).unwrap_err();
    assert!(matches!(refused, PropagationError::TooLarge { strategy: Strategy::Dense, .. }));
    assert!(refused.to_string().contains("use --propagation sparse"), "{refused}");
    // Auto leaves dense out and says why.
    let (p, choice) = Propagator::<Wgpu>::choose(matrix, Strategy::Auto, 8, usize::MAX, &device).unwrap();
    assert_ne!(p.strategy(), Strategy::Dense);
    assert!(choice.skipped.as_deref().unwrap_or("").contains("dense does not fit"), "{choice}");
}
