//! Propagation on burn-wgpu, one forward + backward pass of `Â·X` (X: 64 columns) on the
//! LightGCN++ graphs with each path: `sparse` (the CubeCL kernel, embeddings stay on the
//! device), `host` (the CSR product on the CPU, operand copied each way) and `dense`
//! (the adjacency as a dense device matrix). Prints the median time and the device bytes
//! the operator holds (cubecl's allocator, bytes in use after a warm-up pass minus before).
//!
//! `cargo bench -p gnnrec-graph --features wgpu --bench device_propagate -- [--data
//! ml-1m,amazon-beauty] [--runs 5]`. Splits come from `data/lightgcnpp`, else
//! `../shared/data/lightgcnpp`. Without a GPU this runs on Mesa lavapipe, a CPU
//! emulation: the table then shows that every path runs and what it holds, not GPU speed.

use std::time::{Duration, Instant};

use burn::backend::wgpu::{WgpuDevice, WgpuRuntime};
use burn::backend::{Autodiff, Wgpu};
use burn::tensor::{Distribution, Tensor};
use cubecl::Runtime;
mod common;

use gnnrec_graph::{BipartiteGraph, Propagator, Strategy};

type Ad = Autodiff<Wgpu>;

fn graph(name: &str) -> BipartiteGraph {
    common::split_graph(&common::split_dir(name))
}

fn bytes_in_use(device: &WgpuDevice) -> u64 {
    WgpuRuntime::client(device).memory_usage().expect("allocator statistics").bytes_in_use
}

/// One forward + backward pass, waited for by reading one gradient value back.
fn pass(p: &Propagator<Ad>, x: &Tensor<Ad, 2>) -> Duration {
    let started = Instant::now();
    let input = x.clone().require_grad();
    let grads = p.apply(input.clone()).sum().backward();
    let _ = input.grad(&grads).expect("tracked").slice([0..1, 0..1]).into_data();
    started.elapsed()
}

fn main() {
    let device = WgpuDevice::default();
    let runs: usize = common::flag("--runs", "5").parse().expect("--runs N");
    println!("| graph | nodes | nnz | path | fwd+bwd median (ms) | operator on device (MiB) |");
    println!("|---|---|---|---|---|---|");
    for name in common::flag("--data", "ml-1m,amazon-beauty").split(',') {
        let matrix = graph(name).normalized_adjacency(0.5, 0.5);
        let (n, nnz) = (matrix.n_rows(), matrix.nnz());
        let x = Tensor::<Ad, 2>::random([n, 64], Distribution::Default, &device);
        for strategy in [Strategy::Sparse, Strategy::Host, Strategy::Dense] {
            let row = format!("| {name} | {n} | {nnz} | {strategy} |");
            let before = bytes_in_use(&device);
            let p = match Propagator::<Ad>::new(matrix.clone(), strategy, 64, usize::MAX, &device) {
                Ok(p) => p,
                Err(e) => {
                    println!("{row} refused: {e} | – |");
                    continue;
                }
            };
            pass(&p, &x);
            let held = bytes_in_use(&device).saturating_sub(before);
            let mut times: Vec<Duration> = (0..runs).map(|_| pass(&p, &x)).collect();
            times.sort();
            let median = times[times.len() / 2].as_secs_f64() * 1e3;
            println!("{row} {median:.1} | {:.1} |", held as f64 / (1u64 << 20) as f64);
        }
    }
}
