//! Loading the training data from a LightGCN split folder or a catalogue data set.

use std::path::PathBuf;

use anyhow::Context;
use gnnrec_ingest::{DatasetConfig, Item};
use gnnrec_train::Interactions;

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
        let defaults = gnnrec_ingest::FilterConfig::default();
        if min_rating.is_some() || k_core.is_some() {
            config.set_filters(
                min_rating.or(defaults.min_rating),
                k_core.unwrap_or(defaults.min_user_interactions),
            );
        }
        config.set_split_seed(seed);
        let data = config.load().with_context(|| format!("loading {}", self.describe()))?;
        eprintln!("{}", data.report);
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
