//! The training loop.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::GraphBackend;
use gnnrec_models::{GraphInputs, Recommender};
use serde::{Deserialize, Serialize};

use crate::adam::AdamBackend;
use crate::checkpoint::RunDir;
use crate::epochs::{Epochs, adam, check_data, finish, log_epoch, patience_exhausted, start_or_resume};
use crate::{BprSampler, Interactions, TrainConfig, TrainError};

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Wall-clock seconds of the training steps (evaluation excluded).
    pub seconds: f64,
    /// Validation metrics, on evaluation epochs.
    pub valid: Option<BTreeMap<String, f64>>,
    /// Test metrics on evaluation epochs when [`TrainConfig::monitor_test`] is set
    /// (recorded for time-to-quality curves; never used for selection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<BTreeMap<String, f64>>,
    /// Wall-clock seconds from [`RunOptions::started`] to the end of this epoch,
    /// evaluation included.
    #[serde(default)]
    pub elapsed: f64,
}

/// The result of [`train`]: the best model and how the run went.
#[derive(Debug, Clone)]
pub struct TrainOutcome<M> {
    /// The model at the best validation epoch.
    pub best_model: M,
    /// The best validation epoch.
    pub best_epoch: usize,
    /// Epochs trained in total (including before a resume).
    pub epochs: usize,
    /// Mean seconds per training epoch.
    pub seconds_per_epoch: f64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
}

/// Where a run keeps its checkpoints and whether it continues an earlier one.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run directory (checkpoints).
    pub out: PathBuf,
    /// Continue the last checkpoint in `out`.
    pub resume: bool,
    /// What the run is made of (model, data shape, settings); `resume` requires a match.
    pub fingerprint: serde_json::Value,
    /// When the command started (data loading included), for [`EpochRecord::elapsed`].
    pub started: Instant,
}

/// Trains `model` on `data.train` over `graph`, selecting on `data.valid`.
///
/// Checkpoints go to `run.out` (see the checkpoint module); with `run.resume` an
/// existing last checkpoint whose fingerprint matches is continued. Returns the best
/// model. The stages (resume, epoch, validation with the plateau schedule, early stop)
/// are the functions of [`crate::epochs`].
pub fn train<B, M>(
    model: M,
    graph: &GraphInputs<B>,
    data: &Interactions,
    config: &TrainConfig,
    options: &RunOptions,
    device: &B::Device,
) -> Result<TrainOutcome<M>, TrainError>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend + AdamBackend,
    M: Recommender<B> + AutodiffModule<B>,
    M::InnerModule: Recommender<B::InnerBackend>,
{
    check_data(data)?;
    let run = RunDir(options.out.clone());
    let (mut model, mut optimizer, mut state) =
        start_or_resume(model, adam(config), options, config, &run, device)?;
    let epochs = Epochs {
        graph,
        inner_graph: graph.inner(),
        data,
        config,
        run: &run,
        device,
        sampler: BprSampler::new(data, config.seed),
    };
    let mut stopped_early = false;
    while state.epoch < config.epochs {
        let epoch = state.epoch + 1;
        let (trained, mut record) = epochs.train_epoch(model, &mut optimizer, &state, epoch)?;
        model = trained;
        if epochs.evaluates(epoch) {
            epochs.validate(&model, &mut state, &mut record)?;
        }
        record.elapsed = options.started.elapsed().as_secs_f64();
        log_epoch(&record);
        state.history.push(record);
        state.epoch = epoch;
        run.save_last(&model, &optimizer, &state)?;
        if patience_exhausted(&state, config) {
            stopped_early = true;
            break;
        }
    }
    finish(model, state, stopped_early, &run, device)
}
