//! The stages of [`train`](crate::train()): start or resume, one epoch of BPR steps (with
//! the non-finite loss check), validation (best model, plateau learning-rate schedule),
//! early stopping and the outcome.

use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::GraphBackend;
use gnnrec_models::{GraphInputs, Recommender};
use indicatif::{ProgressBar, ProgressStyle};

use crate::adam::{AdamBackend, AdamSettings, FusedAdam};
use crate::checkpoint::{LoopState, RunDir};
use crate::loss::batch_loss;
use crate::outcome::{EpochRecord, TrainOutcome};
use crate::run_options::RunOptions;
use crate::{BprSampler, Interactions, TrainConfig, TrainError, evaluate_split, metric_map};

/// Refuses data without training or validation interactions.
pub(crate) fn check_data(data: &Interactions) -> Result<(), TrainError> {
    if data.n_train() == 0 {
        return Err(TrainError::Empty("training"));
    }
    if data.valid.iter().all(Vec::is_empty) {
        return Err(TrainError::Empty("validation"));
    }
    Ok(())
}

/// Adam with the configured ε and weight decay, gradients clipped to norm 1.
pub(crate) fn adam<B, M>(config: &TrainConfig) -> OptimizerAdaptor<FusedAdam, M, B>
where
    B: AutodiffBackend,
    B::InnerBackend: AdamBackend,
    M: AutodiffModule<B>,
{
    AdamSettings { weight_decay: config.weight_decay as f32, ..AdamSettings::new(config.adam_epsilon as f32) }
        .init::<B, M>()
}

/// A fresh loop state, or the last checkpoint's model, optimizer and state with
/// `options.resume` (whose fingerprint must match).
pub(crate) fn start_or_resume<B, M, O>(
    model: M,
    optimizer: O,
    options: &RunOptions,
    config: &TrainConfig,
    run: &RunDir,
    device: &B::Device,
) -> Result<(M, O, LoopState), TrainError>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    if !options.resume {
        let state = LoopState {
            fingerprint: options.fingerprint.clone(),
            epoch: 0,
            learning_rate: config.learning_rate,
            best: None,
            evals_since_best: 0,
            evals_since_lr_change: 0,
            history: Vec::new(),
        };
        return Ok((model, optimizer, state));
    }
    let Some((model, optimizer, state)) = run.load_last(model, optimizer, device)? else {
        return Err(TrainError::Checkpoint {
            path: run.state_file(),
            message: "--resume given but there is no checkpoint to resume".into(),
        });
    };
    if state.fingerprint != options.fingerprint {
        return Err(TrainError::ResumeMismatch {
            path: run.state_file(),
            what: "model, data or training configuration",
        });
    }
    eprintln!("resuming after epoch {} (best so far: {:?})", state.epoch, state.best);
    Ok((model, optimizer, state))
}

/// What every epoch works on.
pub(crate) struct Epochs<'a, B>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
{
    /// The training graph.
    pub graph: &'a GraphInputs<B>,
    /// The graph without autodiff, for evaluation.
    pub inner_graph: GraphInputs<B::InnerBackend>,
    /// Interactions.
    pub data: &'a Interactions,
    /// Settings.
    pub config: &'a TrainConfig,
    /// Checkpoints.
    pub run: &'a RunDir,
    /// Device.
    pub device: &'a B::Device,
    /// BPR triples.
    pub sampler: BprSampler<'a>,
}

impl<B> Epochs<'_, B>
where
    B: AutodiffBackend + GraphBackend,
    B::InnerBackend: GraphBackend,
{
    /// One pass over the BPR batches of `epoch`; stops with an error on a non-finite loss.
    pub fn train_epoch<M, O>(
        &self,
        mut model: M,
        optimizer: &mut O,
        state: &LoopState,
        epoch: usize,
    ) -> Result<(M, EpochRecord), TrainError>
    where
        M: Recommender<B> + AutodiffModule<B>,
        O: Optimizer<M, B>,
    {
        B::seed(self.device, self.config.seed.wrapping_add(epoch as u64));
        let batches = self.sampler.epoch(epoch, self.config.batch_size);
        let bar = progress_bar(batches.len(), epoch);
        let start = std::time::Instant::now();
        let mut loss_sum = 0.0;
        for (step, batch) in batches.iter().enumerate() {
            let loss = batch_loss(&model, self.graph, batch, self.config, self.device);
            let value: f32 = loss.clone().into_scalar().elem();
            if !value.is_finite() {
                bar.abandon();
                return Err(non_finite_loss(value, epoch, step, state, self.run));
            }
            loss_sum += f64::from(value);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(state.learning_rate, model, grads);
            bar.inc(1);
            bar.set_message(format!("{:.4}", loss_sum / (step + 1) as f64));
        }
        bar.finish_and_clear();
        let record = EpochRecord {
            epoch,
            loss: loss_sum / batches.len().max(1) as f64,
            learning_rate: state.learning_rate,
            seconds: start.elapsed().as_secs_f64(),
            valid: None,
            test: None,
            elapsed: 0.0,
        };
        Ok((model, record))
    }

    /// Whether `epoch` is validated (every `eval_every` epochs, and the last).
    pub fn evaluates(&self, epoch: usize) -> bool {
        epoch.is_multiple_of(self.config.eval_every.max(1)) || epoch == self.config.epochs
    }

    /// Validates the model: records the metrics (and the monitored test metrics), saves
    /// a new best model, and applies the plateau schedule to the learning rate.
    pub fn validate<M>(
        &self,
        model: &M,
        state: &mut LoopState,
        record: &mut EpochRecord,
    ) -> Result<(), TrainError>
    where
        M: Recommender<B> + AutodiffModule<B>,
        M::InnerModule: Recommender<B::InnerBackend>,
    {
        let (data, config) = (self.data, self.config);
        let inner = model.valid();
        let embeddings = inner.embed(&self.inner_graph);
        let metrics = metric_map(&evaluate_split(&inner, &embeddings, &data.train, &data.valid, &config.ks));
        let value = metrics.get(config.select.key()).copied().unwrap_or(0.0);
        if record_validation(state, value, record.epoch, config) {
            self.run.save_best(model)?;
        }
        record.valid = Some(metrics);
        if config.monitor_test {
            let test = evaluate_split(&inner, &embeddings, &data.train, &data.test, &config.ks);
            record.test = Some(metric_map(&test));
        }
        Ok(())
    }
}

fn progress_bar(steps: usize, epoch: usize) -> ProgressBar {
    let bar = ProgressBar::new(steps as u64).with_style(
        ProgressStyle::with_template(
            "epoch {prefix} {bar:30} {pos}/{len} steps  loss {msg}  {elapsed}<{eta}",
        )
        .expect("valid template"),
    );
    bar.set_prefix(epoch.to_string());
    bar
}

/// The error for a non-finite loss, pointing at the last good checkpoint.
fn non_finite_loss(value: f32, epoch: usize, step: usize, state: &LoopState, run: &RunDir) -> TrainError {
    let checkpoint = match state.epoch {
        0 => "No epoch completed, so there is no checkpoint; lower the learning rate.".to_owned(),
        done => format!(
            "The last good checkpoint (epoch {done}) is in {}; lower the learning rate and --resume.",
            run.0.join("last").display()
        ),
    };
    TrainError::NonFiniteLoss { value, epoch, step, checkpoint }
}

/// Records a validation value of `epoch`: a new best resets the counters (returns
/// true); otherwise the counters grow and, after `plateau_patience` evaluations without
/// improvement, the learning rate is multiplied by `plateau_factor` (not below
/// `min_learning_rate`).
pub(crate) fn record_validation(
    state: &mut LoopState,
    value: f64,
    epoch: usize,
    config: &TrainConfig,
) -> bool {
    if state.best.is_none_or(|(best, _)| value > best) {
        state.best = Some((value, epoch));
        state.evals_since_best = 0;
        state.evals_since_lr_change = 0;
        return true;
    }
    state.evals_since_best += 1;
    state.evals_since_lr_change += 1;
    if state.evals_since_lr_change >= config.plateau_patience {
        state.learning_rate = (state.learning_rate * config.plateau_factor).max(config.min_learning_rate);
        state.evals_since_lr_change = 0;
    }
    false
}

/// Prints the epoch's line.
pub(crate) fn log_epoch(record: &EpochRecord) {
    eprintln!(
        "epoch {:>4}  loss {:.5}  lr {:.2e}  {:.2}s{}",
        record.epoch,
        record.loss,
        record.learning_rate,
        record.seconds,
        record.valid.as_ref().map_or(String::new(), |v| format!(
            "  valid recall@20 {:.4} ndcg@20 {:.4}{}",
            v.get("recall@20").unwrap_or(&0.0),
            v.get("ndcg@20").unwrap_or(&0.0),
            record.test.as_ref().map_or(String::new(), |t| format!(
                "  (monitor: test ndcg@20 {:.4})",
                t.get("ndcg@20").unwrap_or(&0.0)
            ))
        ))
    );
}

/// Early stopping: whether `patience` evaluations passed without improvement (says so).
pub(crate) fn patience_exhausted(state: &LoopState, config: &TrainConfig) -> bool {
    let exhausted = state.evals_since_best >= config.patience;
    if exhausted {
        eprintln!("early stop: no improvement of {} in {} evaluations", config.select.key(), config.patience);
    }
    exhausted
}

/// The outcome: the best checkpoint's model and the run's summary.
pub(crate) fn finish<B: AutodiffBackend, M: AutodiffModule<B>>(
    model: M,
    state: LoopState,
    stopped_early: bool,
    run: &RunDir,
    device: &B::Device,
) -> Result<TrainOutcome<M>, TrainError> {
    let Some((_, best_epoch)) = state.best else {
        return Err(TrainError::Checkpoint {
            path: run.state_file(),
            message: "no epoch was evaluated (epochs = 0?)".into(),
        });
    };
    let best_model = run.load_best(model, device)?;
    let trained = &state.history;
    let seconds_per_epoch = trained.iter().map(|r| r.seconds).sum::<f64>() / trained.len().max(1) as f64;
    Ok(TrainOutcome {
        best_model,
        best_epoch,
        epochs: state.epoch,
        seconds_per_epoch,
        stopped_early,
        history: state.history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> LoopState {
        LoopState {
            fingerprint: serde_json::Value::Null,
            epoch: 0,
            learning_rate: 1e-3,
            best: None,
            evals_since_best: 0,
            evals_since_lr_change: 0,
            history: Vec::new(),
        }
    }

    #[test]
    fn the_plateau_schedule_halves_the_rate_and_a_new_best_resets_it() {
        let config = TrainConfig { plateau_patience: 2, patience: 3, ..TrainConfig::default() };
        let mut state = state();
        assert!(record_validation(&mut state, 0.5, 1, &config));
        assert!(!record_validation(&mut state, 0.4, 2, &config));
        assert_eq!(state.learning_rate, 1e-3);
        assert!(!record_validation(&mut state, 0.5, 3, &config));
        assert_eq!(state.learning_rate, 1e-3 * config.plateau_factor);
        assert_eq!((state.evals_since_best, state.evals_since_lr_change), (2, 0));
        assert!(!patience_exhausted(&state, &config));
        assert!(!record_validation(&mut state, 0.1, 4, &config));
        assert!(patience_exhausted(&state, &config));
        assert!(record_validation(&mut state, 0.6, 5, &config));
        assert_eq!((state.best, state.evals_since_best), (Some((0.6, 5)), 0));
    }
}
