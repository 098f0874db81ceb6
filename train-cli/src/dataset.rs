//! Loading the training data from a LightGCN split folder or a catalogue data set, and
//! preparing it as a run saw it (held-out cold items, item text features).

use std::path::PathBuf;

use anyhow::Context;
use gnnrec_ingest::{DatasetConfig, Item};
use gnnrec_train::{ColdItems, Interactions, hold_out_items};

use crate::features::{ItemFeatures, item_features};
use crate::run_spec::{ModelChoice, RunSpec};

/// Where the data comes from (the `--split-dir` / `--preset` / `--dataset` options).
#[derive(Debug, Clone)]
pub enum Source {
    /// LightGCN split folder.
    Split(PathBuf),
    /// Built-in preset over a folder.
    Preset(String, PathBuf),
    /// TOML data-set description.
    Config(PathBuf),
}

/// Interactions plus, for catalogue data sets, the items with their text.
pub struct TrainingData {
    /// Per-user train/valid/test items.
    pub interactions: Interactions,
    /// Catalogue items by dense id (catalogue data sets only).
    pub items: Option<Vec<Item>>,
    /// Human-readable origin.
    pub description: String,
    /// The ingest stage table (catalogue data sets only).
    pub filter_report: Option<String>,
}

impl Source {
    /// The source a run was given (`--split-dir`, `--preset` with `--data-dir`, or
    /// `--dataset`); `None` when the spec names none.
    pub fn of(spec: &RunSpec) -> Option<Source> {
        match (&spec.split_dir, &spec.preset, &spec.dataset) {
            (Some(dir), _, _) => Some(Source::Split(dir.clone())),
            (_, Some(name), _) => Some(Source::Preset(name.clone(), spec.data_dir.clone()?)),
            (_, _, Some(path)) => Some(Source::Config(path.clone())),
            _ => None,
        }
    }

    /// Reads the data; filter overrides apply to catalogue data sets.
    pub fn load(
        &self,
        min_rating: Option<f32>,
        k_core: Option<usize>,
        seed: u64,
    ) -> anyhow::Result<TrainingData> {
        let config = match self {
            Source::Split(dir) => {
                let split = gnnrec_ingest::read_lightgcn_split(dir)?;
                return Ok(TrainingData {
                    interactions: Interactions::new(
                        split.n_users,
                        split.n_items,
                        split.train,
                        split.valid,
                        split.test,
                    ),
                    items: None,
                    description: dir.display().to_string(),
                    filter_report: None,
                });
            }
            Source::Preset(name, dir) => DatasetConfig::preset(name, dir)?,
            Source::Config(path) => DatasetConfig::from_file(path)?,
        };
        let mut config = config;
        if let Some(min_rating) = min_rating {
            config.set_min_rating(Some(min_rating));
        }
        if let Some(k_core) = k_core {
            config.set_k_core(k_core);
        }
        config.set_split_seed(seed);
        anyhow::ensure!(
            config.has_interactions(),
            "{} has no interactions ([ratings]): the models learn from them; `train-cli site` serves a catalogue of items alone",
            self.describe()
        );
        let data = config.load().with_context(|| format!("loading {}", self.describe()))?;
        eprintln!("{}", data.report);
        for warning in &data.warnings {
            eprintln!("warning: {warning}");
        }
        Ok(TrainingData {
            interactions: Interactions::new(
                data.users.len(),
                data.items.len(),
                data.split.train,
                data.split.valid,
                data.split.test,
            ),
            items: Some(data.items),
            description: self.describe(),
            filter_report: Some(data.report.to_string()),
        })
    }

    fn describe(&self) -> String {
        match self {
            Source::Split(dir) => dir.display().to_string(),
            Source::Preset(name, dir) => format!("preset {name} in {}", dir.display()),
            Source::Config(path) => path.display().to_string(),
        }
    }
}

/// Data ready for training: interactions (cold items removed), held-out cold items and
/// item text features.
pub struct Prepared {
    /// Per-user train/valid/test items.
    pub data: Interactions,
    /// Catalogue items with their text (catalogue data sets only).
    pub items: Option<Vec<Item>>,
    /// Items held out of training (`--cold-start-items`).
    pub cold: Option<ColdItems>,
    /// Item text features (catalogue data sets, sage).
    pub features: Option<ItemFeatures>,
    /// Human-readable origin.
    pub description: String,
    /// The ingest stage table (catalogue data sets only).
    pub filter_report: Option<String>,
}

/// Loads the data as the run saw it (same filters, split and held-out items).
pub fn prepare(spec: &RunSpec) -> anyhow::Result<Prepared> {
    let source = Source::of(spec).context("run.json names no data source (split_dir, preset or dataset)")?;
    let loaded = source.load(spec.min_rating, spec.k_core, spec.seed)?;
    let (data, cold) = if spec.cold_start_items > 0.0 {
        let (data, cold) = hold_out_items(&loaded.interactions, spec.cold_start_items, spec.seed);
        eprintln!("cold start: {} items held out of training", cold.items.len());
        (data, Some(cold))
    } else {
        (loaded.interactions, None)
    };
    let features = match (&loaded.items, spec.model) {
        (Some(items), ModelChoice::Sage) => {
            Some(item_features(items, &spec.encoder_dir, &spec.cache_dir, spec.feature_dim)?)
        }
        _ => None,
    };
    eprintln!(
        "{}: {} users, {} items, {} train / {} valid / {} test interactions",
        loaded.description,
        data.n_users,
        data.n_items,
        data.n_train(),
        data.valid.iter().map(Vec::len).sum::<usize>(),
        data.test.iter().map(Vec::len).sum::<usize>()
    );
    Ok(Prepared {
        data,
        items: loaded.items,
        cold,
        features,
        description: loaded.description,
        filter_report: loaded.filter_report,
    })
}
