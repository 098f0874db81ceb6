#![allow(missing_docs)] // criterion_main! generates an undocumented `main`.

//! Native encoder throughput on the CPU: 256 demo catalogue texts (what catalogue encoding
//! does), batch 32 of ~64-token texts and one 8-word query,
//! with burn-ndarray (f32 and int8 weights) and with the burn-free CPU path (`CpuEncoder`)
//! on each kernel this machine runs. Run: `cargo bench -p gnnrec-text-encoder`.

use std::path::PathBuf;

use burn::backend::NdArray;
use burn::backend::ndarray::NdArrayDevice;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gnnrec_text_encoder::cpu::simd::available_kernels;
use gnnrec_text_encoder::{CpuEncoder, TextEncoder, WeightFormat};

const QUERY: &str = "a quiet romantic comedy set in Paris tonight";
/// About 64 tokens once tokenised.
const PASSAGE: &str = "A retired detective returns to the small coastal town where he grew up \
    to investigate the disappearance of a young musician, uncovering old family secrets, a \
    corrupt mayor and a love story that never ended, while a storm cuts the town off from \
    the rest of the world for three days";

fn bench(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    let batch: Vec<String> = (0..32).map(|i| format!("{PASSAGE} {i}")).collect();
    for (label, format) in [("f32", WeightFormat::F32), ("int8", WeightFormat::Int8)] {
        let encoder =
            TextEncoder::<NdArray>::load_dir(&dir, format, &NdArrayDevice::Cpu).expect("model loads");
        let tokens = encoder.token_ids(&batch[0]).unwrap().len();
        let mut group = c.benchmark_group(format!("cpu-{label}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(32));
        group.bench_function(format!("batch32x{tokens}tok"), |b| {
            b.iter(|| encoder.encode_many(&batch, 32).unwrap())
        });
        group.throughput(Throughput::Elements(1));
        group.sample_size(50);
        group.bench_function("query-8-words", |b| b.iter(|| encoder.encode(&[QUERY]).unwrap()));
        group.finish();
    }
}

/// The first 256 MovieLens demo items as catalogue texts: "title genre genre …" (what
/// `train-cli train` encodes, without the tags).
fn catalogue_titles() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/movielens-small/movies.csv");
    let text = std::fs::read_to_string(path).expect("data/movielens-small/movies.csv");
    text.lines()
        .skip(1)
        .take(256)
        .map(|line| {
            let (rest, genres) = line.rsplit_once(',').expect("movieId,title,genres");
            let title = rest.split_once(',').expect("movieId,title").1.trim_matches('"');
            format!("{title} {}", genres.replace('|', " "))
        })
        .collect()
}

fn bench_cpu_path(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    let load =
        |name: &str| CpuEncoder::load_dir_with_kernel(&dir, WeightFormat::Int8, name).expect("model loads");
    let batch: Vec<String> = (0..32).map(|i| format!("{PASSAGE} {i}")).collect();
    let titles = catalogue_titles();
    let burn =
        TextEncoder::<NdArray>::load_dir(&dir, WeightFormat::F32, &NdArrayDevice::Cpu).expect("model loads");
    let mut group = c.benchmark_group("catalogue-256-titles");
    group.sample_size(10);
    group.throughput(Throughput::Elements(titles.len() as u64));
    group.bench_function("burn-ndarray-f32", |b| b.iter(|| burn.encode_many(&titles, 32).unwrap()));
    for name in available_kernels().into_iter().skip(1) {
        let encoder = load(name);
        group.bench_function(format!("cpu-path-{name}-all-cores"), |b| {
            b.iter(|| encoder.encode_many(&titles, 32).unwrap())
        });
    }
    group.finish();
    for name in available_kernels() {
        let encoder = load(name);
        let mut group = c.benchmark_group(format!("cpu-path-{name}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(32));
        group.bench_function("batch32x64tok-all-cores", |b| {
            b.iter(|| encoder.encode_many(&batch, 8).unwrap())
        });
        group.throughput(Throughput::Elements(1));
        group.sample_size(50);
        group.bench_function("query-8-words", |b| b.iter(|| encoder.encode(&[QUERY]).unwrap()));
        group.finish();
    }
}

criterion_group!(benches, bench_cpu_path, bench);
criterion_main!(benches);
