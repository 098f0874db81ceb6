//! HNSW (instant-distance, as shipped in bundles) against exact search, on a 100,000-vector
//! set: build time, recall@10 and time per query. Prints a table.
//!
//! `cargo bench -p gnnrec-bundle --bench hnsw [-- --vectors N --queries Q]`
//!
//! The vectors are synthetic and stated as such: a mixture of 1,000 Gaussian clusters in
//! the bundle's 128-d text space (unit-normalised, int8 like bundle points), because no
//! catalogue with 100k texts ships with the repository. The demo catalogue's own index
//! is measured on its real text vectors by `train-cli evaluate-bundle`.

use std::time::Instant;

use gnnrec_bundle::{TextIndex, TextPoint};

const DIM: usize = 128;
const CLUSTERS: usize = 1000;

/// Deterministic standard-normal-ish numbers (sum of 4 uniforms from splitmix64).
fn gaussian(seed: u64) -> f32 {
    (0..4u64)
        .map(|k| {
            let mut z = (seed * 4 + k).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .sum::<f32>()
        * 1.732
}

fn vectors(n: usize, seed: u64) -> Vec<f32> {
    let centre = |c: usize, j: usize| gaussian(1_000_000 + (c * DIM + j) as u64);
    (0..n)
        .flat_map(|i| {
            let c = i * 7 % CLUSTERS;
            (0..DIM).map(move |j| centre(c, j) + 0.6 * gaussian(seed + (i * DIM + j) as u64))
        })
        .collect()
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(default)
}

fn main() {
    let (n, queries, ef) = (arg("--vectors", 100_000), arg("--queries", 500), arg("--ef-search", 100));
    let data = vectors(n, 7);
    let started = Instant::now();
    let index = TextIndex::build(&data, DIM, 200, ef, 2024);
    let build = started.elapsed().as_secs_f64();
    let bytes = index.to_bytes().len();
    let query_vectors = vectors(queries, 99_000_000);
    let (mut hits, mut approx_s, mut exact_s) = (0, 0.0, 0.0);
    for q in query_vectors.chunks_exact(DIM) {
        let point = TextPoint::new(q);
        let t = Instant::now();
        let approx: Vec<u32> = index.search(&point).into_iter().take(10).map(|h| h.0).collect();
        approx_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let exact = index.exact_search(&point, 10);
        exact_s += t.elapsed().as_secs_f64();
        hits += exact.iter().filter(|(i, _)| approx.contains(i)).count();
    }
    let recall = hits as f64 / (10 * queries) as f64;
    let (hnsw_us, exact_us) = (1e6 * approx_s / queries as f64, 1e6 * exact_s / queries as f64);
    println!(
        "| vectors | dim | ef_search | build (s) | index bytes | recall@10 | HNSW µs/query | exact µs/query | speed-up |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} (synthetic, {CLUSTERS} clusters) | {DIM} int8 | {ef} | {build:.1} | {bytes} | {recall:.4} | {hnsw_us:.0} | {exact_us:.0} | {:.1}× |",
        exact_us / hnsw_us
    );
}
