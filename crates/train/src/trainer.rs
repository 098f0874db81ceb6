//! The training loop.

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::GraphBackend;
use gnnrec_models::{GraphInputs, Recommender};

use crate::adam::AdamBackend;
use crate::checkpoint::RunDir;
use crate::epochs::{Epochs, adam, check_data, finish, log_epoch, patience_exhausted, start_or_resume};
use crate::outcome::TrainOutcome;
use crate::run_options::RunOptions;
use crate::{BprSampler, Interactions, TrainConfig, TrainError};

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
