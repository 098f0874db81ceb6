//! The training loop.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use gnnrec_graph::GraphBackend;
use gnnrec_models::{GraphInputs, Recommender};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::adam::{AdamBackend, AdamSettings};
use crate::checkpoint::{LoopState, RunDir};
use crate::loss::batch_loss;
use crate::{BprSampler, Interactions, TrainConfig, TrainError, evaluate_split, metric_map};

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
/// model.
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
    if data.n_train() == 0 {
        return Err(TrainError::Empty("training"));
    }
    if data.valid.iter().all(Vec::is_empty) {
        return Err(TrainError::Empty("validation"));
    }
    let run = RunDir(options.out.clone());
    let mut optimizer = AdamSettings {
        weight_decay: config.weight_decay as f32,
        ..AdamSettings::new(config.adam_epsilon as f32)
    }
    .init::<B, M>();
    let mut model = model;
    let mut state = LoopState {
        fingerprint: options.fingerprint.clone(),
        epoch: 0,
        learning_rate: config.learning_rate,
        best: None,
        evals_since_best: 0,
        evals_since_lr_change: 0,
        history: Vec::new(),
    };
    if options.resume {
        if let Some((m, o, s)) = run.load_last(model.clone(), optimizer, device)? {
            if s.fingerprint != options.fingerprint {
                return Err(TrainError::ResumeMismatch {
                    path: run.state_file(),
                    what: "model, data or training configuration",
                });
            }
            eprintln!("resuming after epoch {} (best so far: {:?})", s.epoch, s.best);
            (model, optimizer, state) = (m, o, s);
        } else {
            return Err(TrainError::Checkpoint {
                path: run.state_file(),
                message: "--resume given but there is no checkpoint to resume".into(),
            });
        }
    }

    let sampler = BprSampler::new(data, config.seed);
    let inner_graph = graph.inner();
    let mut stopped_early = false;
    while state.epoch < config.epochs {
        let epoch = state.epoch + 1;
        B::seed(device, config.seed.wrapping_add(epoch as u64));
        let batches = sampler.epoch(epoch, config.batch_size);
        let bar = ProgressBar::new(batches.len() as u64).with_style(
            ProgressStyle::with_template(
                "epoch {prefix} {bar:30} {pos}/{len} steps  loss {msg}  {elapsed}<{eta}",
            )
            .expect("valid template"),
        );
        bar.set_prefix(epoch.to_string());
        let start = Instant::now();
        let mut loss_sum = 0.0;
        for (step, batch) in batches.iter().enumerate() {
            let embeddings = model.embed(graph);
            let loss = batch_loss(&model, &embeddings, batch, data, config, device);
            let value: f32 = loss.clone().into_scalar().elem();
            if !value.is_finite() {
                bar.abandon();
                let checkpoint = match state.epoch {
                    0 => "No epoch completed, so there is no checkpoint; lower the learning rate.".to_owned(),
                    done => format!(
                        "The last good checkpoint (epoch {done}) is in {}; lower the learning rate and --resume.",
                        run.0.join("last").display()
                    ),
                };
                return Err(TrainError::NonFiniteLoss { value, epoch, step, checkpoint });
            }
            loss_sum += f64::from(value);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(state.learning_rate, model, grads);
            bar.inc(1);
            bar.set_message(format!("{:.4}", loss_sum / (step + 1) as f64));
        }
        bar.finish_and_clear();
        let seconds = start.elapsed().as_secs_f64();
        let mut record = EpochRecord {
            epoch,
            loss: loss_sum / batches.len().max(1) as f64,
            learning_rate: state.learning_rate,
            seconds,
            valid: None,
            test: None,
            elapsed: 0.0,
        };

        if epoch.is_multiple_of(config.eval_every.max(1)) || epoch == config.epochs {
            let inner = model.valid();
            let embeddings = inner.embed(&inner_graph);
            let metrics =
                metric_map(&evaluate_split(&inner, &embeddings, &data.train, &data.valid, &config.ks));
            let value = metrics.get(config.select.key()).copied().unwrap_or(0.0);
            if state.best.is_none_or(|(best, _)| value > best) {
                state.best = Some((value, epoch));
                state.evals_since_best = 0;
                state.evals_since_lr_change = 0;
                run.save_best(&model)?;
            } else {
                state.evals_since_best += 1;
                state.evals_since_lr_change += 1;
                if state.evals_since_lr_change >= config.plateau_patience {
                    state.learning_rate =
                        (state.learning_rate * config.plateau_factor).max(config.min_learning_rate);
                    state.evals_since_lr_change = 0;
                }
            }
            record.valid = Some(metrics);
            if config.monitor_test {
                let test = evaluate_split(&inner, &embeddings, &data.train, &data.test, &config.ks);
                record.test = Some(metric_map(&test));
            }
        }
        record.elapsed = options.started.elapsed().as_secs_f64();
        eprintln!(
            "epoch {epoch:>4}  loss {:.5}  lr {:.2e}  {:.2}s{}",
            record.loss,
            record.learning_rate,
            seconds,
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
        state.history.push(record);
        state.epoch = epoch;
        run.save_last(&model, &optimizer, &state)?;
        if state.evals_since_best >= config.patience {
            eprintln!(
                "early stop: no improvement of {} in {} evaluations",
                config.select.key(),
                config.patience
            );
            stopped_early = true;
            break;
        }
    }

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
