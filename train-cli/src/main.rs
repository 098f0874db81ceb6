//! `train-cli`: gnnrec's native command line.

mod backend;
mod dataset;
mod encode;
mod features;
mod quantize;
mod train;

use clap::{Parser, Subcommand};

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
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Encode(args) => encode::run(&args),
        Command::QuantizeEncoder(args) => quantize::run(&args),
        Command::Train(args) => train::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
