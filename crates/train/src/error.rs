//! Training errors.

use std::path::PathBuf;

/// What can stop a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A checkpoint could not be saved or loaded.
    #[error("{path}: checkpoint: {message}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `--resume` found a checkpoint from a different configuration.
    #[error("{path}: cannot resume: the checkpoint was made with a different {what}")]
    ResumeMismatch {
        /// The checkpoint state file.
        path: PathBuf,
        /// Which part differs.
        what: &'static str,
    },
    /// The loss became NaN or infinite.
    #[error("loss became {value} at epoch {epoch}, step {step}; training stopped. {checkpoint}")]
    NonFiniteLoss {
        /// The offending value.
        value: f32,
        /// 1-based epoch.
        epoch: usize,
        /// 0-based step within the epoch.
        step: usize,
        /// Where the last good checkpoint is (or that there is none yet).
        checkpoint: String,
    },
    /// There is nothing to train on or nothing to validate against.
    #[error("no {0} interactions: cannot train")]
    Empty(&'static str),
}
