//! Best-model and resumable last checkpoints.
//!
//! Layout under the run directory: `best/model.mpk` (the model at the best validation
//! epoch) and `last/{model.mpk, optimizer.mpk, state.json}` (everything `--resume`
//! needs). `state.json` is written last, through a rename, so a run killed while saving
//! resumes from the previous complete checkpoint.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::outcome::EpochRecord;

/// Loop state saved with the last checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoopState {
    /// What the run was started with (model, data shape, training settings).
    pub fingerprint: serde_json::Value,
    /// Last completed epoch (1-based).
    pub epoch: usize,
    /// Current learning rate.
    pub learning_rate: f64,
    /// Best validation value so far and its epoch.
    pub best: Option<(f64, usize)>,
    /// Evaluations since the best one.
    pub evals_since_best: usize,
    /// Evaluations since the learning rate last changed or the metric improved.
    pub evals_since_lr_change: usize,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
}

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

fn checkpoint_error(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint { path: path.to_owned(), message: e.to_string() }
}

/// Paths of a run directory's checkpoints.
#[derive(Debug, Clone)]
pub struct RunDir(pub PathBuf);

impl RunDir {
    /// The best model (without extension; the recorder adds `.mpk`).
    pub fn best_model(&self) -> PathBuf {
        self.0.join("best").join("model")
    }

    fn last(&self, name: &str) -> PathBuf {
        self.0.join("last").join(name)
    }

    /// The state file of the last checkpoint.
    pub fn state_file(&self) -> PathBuf {
        self.last("state.json")
    }

    fn create(&self, path: &Path) -> Result<(), TrainError> {
        let dir = path.parent().expect("checkpoint paths have a parent");
        std::fs::create_dir_all(dir).map_err(|source| TrainError::Io { path: dir.to_owned(), source })
    }

    /// Saves `model` as the best model.
    pub fn save_best<B: AutodiffBackend, M: Module<B>>(&self, model: &M) -> Result<(), TrainError> {
        let path = self.best_model();
        self.create(&path)?;
        model.clone().save_file(path.clone(), &recorder()).map_err(|e| checkpoint_error(&path, e))
    }

    /// Loads the best model into `model`.
    pub fn load_best<B: AutodiffBackend, M: Module<B>>(
        &self,
        model: M,
        device: &B::Device,
    ) -> Result<M, TrainError> {
        let path = self.best_model();
        model.load_file(path.clone(), &recorder(), device).map_err(|e| checkpoint_error(&path, e))
    }

    /// Saves model, optimizer and loop state as the last checkpoint.
    pub fn save_last<B, M, O>(&self, model: &M, optimizer: &O, state: &LoopState) -> Result<(), TrainError>
    where
        B: AutodiffBackend,
        M: burn::module::AutodiffModule<B>,
        O: Optimizer<M, B>,
    {
        let model_path = self.last("model");
        self.create(&model_path)?;
        model
            .clone()
            .save_file(model_path.clone(), &recorder())
            .map_err(|e| checkpoint_error(&model_path, e))?;
        let optim_path = self.last("optimizer");
        recorder()
            .record(optimizer.to_record(), optim_path.clone())
            .map_err(|e| checkpoint_error(&optim_path, e))?;
        let state_path = self.state_file();
        let temp = self.last("state.json.tmp");
        let json = serde_json::to_vec_pretty(state).expect("loop state serialises");
        std::fs::write(&temp, json).map_err(|source| TrainError::Io { path: temp.clone(), source })?;
        std::fs::rename(&temp, &state_path).map_err(|source| TrainError::Io { path: state_path, source })
    }

    /// Loads the last checkpoint, if there is one.
    pub fn load_last<B, M, O>(
        &self,
        model: M,
        optimizer: O,
        device: &B::Device,
    ) -> Result<Option<(M, O, LoopState)>, TrainError>
    where
        B: AutodiffBackend,
        M: burn::module::AutodiffModule<B>,
        O: Optimizer<M, B>,
    {
        let state_path = self.state_file();
        let bytes = match std::fs::read(&state_path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(TrainError::Io { path: state_path, source }),
        };
        let state: LoopState =
            serde_json::from_slice(&bytes).map_err(|e| checkpoint_error(&state_path, e))?;
        let model_path = self.last("model");
        let model = model
            .load_file(model_path.clone(), &recorder(), device)
            .map_err(|e| checkpoint_error(&model_path, e))?;
        let optim_path = self.last("optimizer");
        let record =
            recorder().load(optim_path.clone(), device).map_err(|e| checkpoint_error(&optim_path, e))?;
        Ok(Some((model, optimizer.load_record(record), state)))
    }
}
