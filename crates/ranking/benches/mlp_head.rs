//! The GraphSAGE MLP head (`[u; i] → 128 → 64 → 1`) scoring every item for users: as a
//! candidate list (the items' parts gathered first), one user at a time and in blocks of
//! users (how evaluations rank a catalogue). One thread; prints ns per pair and GFLOP/s of the
//! second layer, which dominates (`2·128·64` flops a pair).
//!
//! `cargo bench -p gnnrec-ranking --bench mlp_head [-- --items N --users U --block B]`
//!
//! The head and embeddings are synthetic and stated as such (deterministic waves): the
//! time does not depend on the values, only on the shapes (amazon-beauty's item count by
//! default, GraphSAGE's width 128).

use std::time::Instant;

use gnnrec_bundle::MlpHead;
use gnnrec_ranking::Scorer;

const DIM: usize = 128;
const H1: usize = 128;
const H2: usize = 64;

fn wave(n: usize, phase: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32 * 0.37 + phase).sin()) * 0.2).collect()
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(default)
}

fn main() {
    let (n_items, n_users, block) = (arg("--items", 57_289), arg("--users", 128), arg("--block", 64));
    let head = MlpHead {
        dim: DIM,
        w1_user: wave(DIM * H1, 0.1),
        w1_item: wave(DIM * H1, 0.7),
        b1: wave(H1, 1.3),
        w2: wave(H1 * H2, 2.1),
        b2: wave(H2, 0.2),
        w3: wave(H2, 0.9),
        b3: 0.05,
    };
    let (items, users) = (wave(n_items * DIM, 0.5), wave(n_users * DIM, 3.0));
    let scorer = Scorer::new(Some(head), &items);
    let all: Vec<u32> = (0..n_items as u32).collect();
    let pairs = (n_users * n_items) as f64;
    let mut checksum = 0.0f64;
    let mut time = |name: &str, score: &dyn Fn(&[f32]) -> Vec<f32>, per_call: usize| {
        let started = Instant::now();
        for chunk in users.chunks(per_call * DIM) {
            checksum += score(chunk).iter().map(|&s| f64::from(s)).sum::<f64>();
        }
        let seconds = started.elapsed().as_secs_f64();
        let gflops = pairs * (2 * H1 * H2) as f64 / seconds / 1e9;
        println!("| {name} | {:.1} | {gflops:.1} |", seconds * 1e9 / pairs);
    };
    println!("{n_users} users × {n_items} items, d {DIM}, head {H1} → {H2} → 1, one thread\n");
    println!("| path | ns/pair | GFLOP/s |\n|---|---|---|");
    time("candidate list of every item (`score_some`)", &|user| scorer.score_some(user, &items, &all), 1);
    time("one user, tiled (`score_all`)", &|user| scorer.score_all(user, &items), 1);
    time(&format!("blocks of {block} users (`score_users`)"), &|u| scorer.score_users(u, &items, DIM), block);
    println!("\n(checksum {checksum:.3})");
}
