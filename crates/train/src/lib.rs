//! Training and evaluating graph recommenders.
//!
//! [`train`] runs BPR with uniform negatives, Adam, gradient clipping, ReduceLROnPlateau
//! and early stopping on a validation metric; it saves the best model and a resumable last
//! checkpoint, and stops with an error (keeping the last good checkpoint) on a non-finite
//! loss. [`rank_users`] and [`evaluate_split`]
//! implement the full-ranking LightGCN protocol on top of `gnnrec-eval`.

mod adam;
mod checkpoint;
mod cold_start;
mod config;
mod curve;
mod epochs;
mod error;
mod evaluate;
mod interactions;
mod loss;
mod memory;
mod outcome;
mod run_options;
mod sampler;
mod trainer;

pub use adam::{AdamBackend, AdamMoments, AdamSettings, AdamStep, FusedAdam, composed_step};
pub use cold_start::{ColdItems, evaluate_cold_items, hold_out_items};
pub use config::{SelectMetric, TrainConfig};
pub use curve::write_training_curve;
pub use error::TrainError;
pub use evaluate::{evaluate_split, metric_map, mlp_head, rank_users};
pub use interactions::Interactions;
pub use loss::batch_loss;
pub use memory::peak_rss_bytes;
pub use outcome::{EpochRecord, TrainOutcome};
pub use run_options::RunOptions;
pub use sampler::{BprBatch, BprSampler};
pub use trainer::train;
