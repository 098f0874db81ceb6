#![allow(missing_docs)] // criterion_main! generates an undocumented `main`.

//! Propagation speed on the real LightGCN++ graphs: one forward + backward pass of
//! `Â·X` (X: 64 columns) with the sparse (host CSR autodiff op) and the dense (device
//! matmul) strategies on burn-ndarray. `cargo bench -p gnnrec-graph --bench propagate`.

use std::path::PathBuf;

use burn::backend::{Autodiff, NdArray};
use burn::tensor::{Distribution, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};
mod common;

use gnnrec_graph::{BipartiteGraph, Propagator, Strategy};

type Ad = Autodiff<NdArray>;

fn graph(name: &str) -> BipartiteGraph {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lightgcnpp").join(name);
    common::split_graph(&dir)
}

fn bench(c: &mut Criterion) {
    let device = Default::default();
    let mut group = c.benchmark_group("propagate forward+backward, 64 columns");
    group.sample_size(10);
    for name in ["lastfm", "ml-1m"] {
        let g = graph(name);
        let matrix = g.normalized_adjacency(0.5, 0.5);
        let x = Tensor::<Ad, 2>::random([matrix.n_cols(), 64], Distribution::Default, &device);
        for strategy in [Strategy::Sparse, Strategy::Dense] {
            let p = Propagator::<Ad>::new(matrix.clone(), strategy, 64, usize::MAX, &device)
                .expect("fits in host memory");
            group.bench_function(
                format!("{name} ({} nodes, {} nnz) {strategy:?}", matrix.n_rows(), matrix.nnz()),
                |b| {
                    b.iter(|| {
                        let input = x.clone().require_grad();
                        let grads = p.apply(input.clone()).sum().backward();
                        input.grad(&grads).expect("tracked")
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
