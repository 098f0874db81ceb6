//! `train-cli`: gnnrec's native command line.

mod backend;
mod dataset;
mod encode;
mod evaluate_bundle;
mod evaluate_privacy;
mod evaluate_tables;
mod export;
mod features;
mod progress;
mod quantize;
mod query;
mod run_files;
mod run_spec;
mod shard_bundle;
mod site;
mod synth_catalogue;
mod train;
mod versions;

use clap::{Parser, Subcommand};

/// mimalloc reuses freed memory instead of returning it to the kernel after every training step.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// gnnrec's native tools: train graph recommenders, encode text with MiniLM, prepare the encoder for browsers.
#[derive(Parser)]
#[command(name = "train-cli", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Encode one text per stdin line into JSON lines `{"text", "embedding"}`.
    Encode(encode::EncodeArgs),
    /// Write model.int8.safetensors (int8 weights, per-row scales) next to model.safetensors.
    QuantizeEncoder(quantize::QuantizeArgs),
    /// Train a graph recommender (LightGCN split folder or catalogue data set); writes OUT/metrics.json.
    Train(Box<train::TrainArgs>),
    /// Write the static bundle (int8 embeddings, clusters, HNSW, query tower, encoder) of a run.
    Export(export::ExportArgs),
    /// Rewrite a v1 bundle as a sharded (v2) bundle, or re-shard a bundle at another size.
    ShardBundle(shard_bundle::ShardBundleArgs),
    /// Write a catalogue of any size grown from a bundle's items (benchmark data for `shard-bundle --catalogue`).
    SynthCatalogue(synth_catalogue::SynthArgs),
    /// Build the folder a static site serves (bundle, widget, snippet) from a catalogue file and, if any, interactions.
    Site(Box<site::SiteArgs>),
    /// Search (with a query) or recommend (without) from a bundle; prints JSON results.
    Query(query::QueryArgs),
    /// Measure a bundle against its run: fold-in and int8 quality, HNSW recall and speed.
    EvaluateBundle(evaluate_bundle::EvaluateArgs),
    /// Measure what a host's access log reveals of a visitor's searches and likes in each privacy mode.
    EvaluatePrivacy(evaluate_privacy::PrivacyArgs),
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Encode(args) => encode::run(&args),
        Command::QuantizeEncoder(args) => quantize::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Export(args) => export::run(&args),
        Command::ShardBundle(args) => shard_bundle::run(&args),
        Command::SynthCatalogue(args) => synth_catalogue::run(&args),
        Command::Site(args) => site::run(&args),
        Command::Query(args) => query::run(&args),
        Command::EvaluateBundle(args) => evaluate_bundle::run(&args),
        Command::EvaluatePrivacy(args) => evaluate_privacy::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
