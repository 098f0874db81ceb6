//! What one LightGCN++ training step costs and what that cost follows, per split: the
//! step as `train-cli train` takes it (burn-ndarray, batch-neighbourhood propagation, fused
//! Adam), split into its parts. Prints a Markdown table.
//!
//! `cargo bench -p gnnrec-train --bench step_cost -- [--data lastfm,ml-1m,…]
//! [--batch-size 2048] [--steps 40]`. Splits come from `data/lightgcnpp`, else
//! `../shared/data/lightgcnpp`; each uses its recommended LightGCN++ settings.
//!
//! Columns: the graph's nodes and directed edges; the layer products a step multiplies
//! (its batch's K-hop neighbourhood, or the whole graph above the 85 % rule) and their
//! share of the whole graph's; the rows the layers are computed at; the mean time of a
//! whole step, of the propagation alone (forward + backward on the same batches'
//! neighbourhoods, host functions timed separately), of the rest of the loss and its
//! gradient (the difference: scoring, L2 term, autodiff bookkeeping, the dense gradient of
//! the embedding table) and of the Adam step; the propagation in ns per product and Adam
//! in ns per embedding entry (nodes × 64). A cost that follows edges shows as a steady ns
//! per product; one that follows nodes as a steady ns per entry.

use std::time::Instant;

use burn::backend::{Autodiff, NdArray};
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use gnnrec_graph::batch_mix::{MAX_EDGE_SHARE, Neighbourhood, batch_backward, batch_forward};
use gnnrec_graph::layer_mix::{host_backward, host_forward};
use gnnrec_graph::{BipartiteGraph, LayerMix, SparseOperator, Strategy};
use gnnrec_models::{GraphInputs, LightGcnConfig};
use gnnrec_train::{AdamSettings, BprBatch, BprSampler, Interactions, TrainConfig};

#[path = "../../graph/benches/common/mod.rs"]
mod common;

type Ad = Autodiff<NdArray>;

/// train-cli's allocator: node-sized buffers are reused between steps, not faulted back in.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Embedding width, as `train-cli train` uses by default.
const DIM: usize = 64;

/// One split's LightGCN++ settings: α, β, γ and layers (the LightGCN++ repository's).
fn settings(name: &str) -> (f32, f32, f32, usize) {
    match name {
        "ml-1m" => (0.5, 0.0, 0.0, 2),
        "lastfm" => (0.6, -0.1, 0.2, 3),
        "amazon-beauty" => (0.5, 0.0, 0.2, 3),
        "amazon-sports" => (0.6, -0.1, 0.0, 3),
        "citeulike" => (0.5, -0.1, 0.4, 3),
        other => panic!("no LightGCN++ settings for {other}"),
    }
}

/// Mean seconds of each part of a step, and the products a step multiplies.
#[derive(Default)]
struct Costs {
    step: f64,
    loss_and_gradient: f64,
    adam: f64,
    propagation: f64,
    products: f64,
    rows: f64,
}

/// The batch's nodes in the order the model requests them: users, positives, negatives.
fn batch_nodes(batch: &BprBatch, n_users: usize) -> Vec<u32> {
    let items = batch.positives.iter().chain(&batch.negatives).map(|&i| i + n_users as u32);
    batch.users.iter().copied().chain(items).collect()
}

/// Times the fused mix alone (forward and backward) on `nodes`' neighbourhood, or on the
/// whole graph where the trainer would take it; returns seconds, products and the rows the
/// layers are computed at.
fn propagation(op: &SparseOperator, x: &[f32], mix: LayerMix, nodes: &[u32]) -> (f64, usize, usize) {
    let matrix = op.matrix();
    let start = Instant::now();
    let hood = Neighbourhood::new(matrix, nodes, mix.layers);
    let share = hood.edge_share(matrix);
    let transposed = op.transposed();
    if share > MAX_EDGE_SHARE {
        let (out, tape) = host_forward(matrix, x, DIM, mix);
        std::hint::black_box(host_backward(transposed.matrix(), &tape, &out, DIM, mix));
        return (start.elapsed().as_secs_f64(), mix.layers * matrix.nnz(), mix.layers * matrix.n_rows());
    }
    let products = (share * (mix.layers * matrix.nnz()) as f64).round() as usize;
    let rows = (1..=mix.layers).map(|k| hood.reach(k)).sum();
    let (out, tape) = batch_forward(matrix, hood, x, DIM, mix);
    std::hint::black_box(batch_backward(transposed.matrix(), &tape, &out, DIM, mix));
    (start.elapsed().as_secs_f64(), products, rows)
}

fn measure(name: &str, batch_size: usize, steps: usize) -> (BipartiteGraph, Costs) {
    let split = gnnrec_ingest::read_lightgcn_split(&common::split_dir(name)).expect("a LightGCN split");
    let data = Interactions::new(split.n_users, split.n_items, split.train, split.valid, split.test);
    let graph = BipartiteGraph::new(data.n_users, data.n_items, &data.train_edges());
    let (alpha, beta, gamma, layers) = settings(name);
    let model_config = LightGcnConfig { layers, ..LightGcnConfig::lightgcn_pp(DIM, alpha, beta, gamma) };
    let device = Default::default();
    let inputs =
        GraphInputs::<Ad>::build(&graph, model_config.operators(), None, Strategy::Sparse, DIM, &device)
            .expect("the operator fits");
    let config = TrainConfig { batch_size, ..TrainConfig::default() };
    let mut model = model_config.init_seeded::<Ad>(data.n_users, data.n_items, 1, &device);
    let mut adam = AdamSettings::new(config.adam_epsilon as f32).init::<Ad, _>();
    let batches = BprSampler::new(&data, 1).epoch(1, batch_size);
    let warm_up = 3;
    let timed = &batches[..(warm_up + steps).min(batches.len())];
    let mut costs = Costs::default();
    for (i, batch) in timed.iter().enumerate() {
        let start = Instant::now();
        let loss = gnnrec_train::batch_loss(&model, &inputs, batch, &config, &device);
        let _: f32 = loss.clone().into_scalar().elem();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let gradient_done = Instant::now();
        model = adam.step(config.learning_rate, model, grads);
        let end = Instant::now();
        if i >= warm_up {
            costs.step += (end - start).as_secs_f64();
            costs.loss_and_gradient += (gradient_done - start).as_secs_f64();
            costs.adam += (end - gradient_done).as_secs_f64();
        }
    }
    let Some(gnnrec_graph::Propagator::Sparse(op)) = &inputs.adjacency else { panic!("a sparse adjacency") };
    let x: Vec<f32> = model.embedding.val().into_data().to_vec().expect("f32 embeddings");
    let mix = LayerMix { layers, first: gamma, rest: (1.0 - gamma) / layers as f32, normalize_inputs: true };
    for batch in &timed[warm_up..] {
        let (seconds, products, rows) = propagation(op, &x, mix, &batch_nodes(batch, data.n_users));
        costs.propagation += seconds;
        costs.products += products as f64;
        costs.rows += rows as f64;
    }
    let n = (timed.len() - warm_up) as f64;
    for value in [&mut costs.step, &mut costs.loss_and_gradient, &mut costs.adam, &mut costs.propagation] {
        *value /= n;
    }
    costs.products /= n;
    costs.rows /= n;
    (graph, costs)
}

fn main() {
    let batch_size: usize = common::flag("--batch-size", "2048").parse().expect("--batch-size: a number");
    let steps: usize = common::flag("--steps", "40").parse().expect("--steps: a number");
    println!(
        "LightGCN++ training step on burn-ndarray, batch {batch_size}, mean of {steps} steps after 3 warm-up steps"
    );
    println!();
    println!(
        "| data | nodes | edges | products per step (share) | layer rows per step | step | propagation | rest of loss + gradient | Adam | propagation per product | Adam per entry |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for name in common::flag("--data", "lastfm,ml-1m,citeulike,amazon-sports,amazon-beauty").split(',') {
        let (graph, c) = measure(name, batch_size, steps);
        let nodes = graph.n_users() + graph.n_items();
        let (_, _, _, layers) = settings(name);
        let whole = (layers * 2 * graph.n_edges()) as f64;
        let entries = (nodes * DIM) as f64;
        let ms = |s: f64| format!("{:.1} ms", s * 1e3);
        println!(
            "| {name} | {nodes} | {} | {:.2} M ({:.0} %) | {:.0} k | {} | {} | {} | {} | {:.1} ns | {:.2} ns |",
            2 * graph.n_edges(),
            c.products / 1e6,
            100.0 * c.products / whole,
            c.rows / 1e3,
            ms(c.step),
            ms(c.propagation),
            ms(c.loss_and_gradient - c.propagation),
            ms(c.adam),
            c.propagation * 1e9 / c.products,
            c.adam * 1e9 / entries,
        );
    }
}
