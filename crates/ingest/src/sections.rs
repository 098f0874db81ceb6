//! The sections of a data-set description (`docs/dataset-config.md`), as TOML spells them.

use std::path::PathBuf;

use serde::Deserialize;

use crate::{Column, FlagColumns, TextColumn};

/// What kind of text a file holds.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileFormat {
    /// Fields separated by a delimiter.
    #[default]
    Delimited,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSection {
    pub(crate) file: PathBuf,
    #[serde(default)]
    pub(crate) format: FileFormat,
    pub(crate) delimiter: Option<String>,
    pub(crate) header: Option<bool>,
    #[serde(default = "utf8")]
    pub(crate) encoding: String,
}

fn utf8() -> String {
    "utf-8".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RatingsSection {
    #[serde(flatten)]
    pub(crate) file: FileSection,
    pub(crate) user: Column,
    pub(crate) item: Column,
    pub(crate) rating: Option<Column>,
    pub(crate) timestamp: Option<Column>,
    #[serde(default)]
    pub(crate) skip_missing_ids: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsSection {
    #[serde(flatten)]
    pub(crate) file: FileSection,
    pub(crate) id: Column,
    pub(crate) title: Column,
    pub(crate) url: Option<Column>,
    #[serde(default)]
    pub(crate) text: Vec<TextColumn>,
    pub(crate) list_separator: Option<String>,
    pub(crate) flags: Option<FlagColumns>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagsSection {
    #[serde(flatten)]
    pub(crate) file: FileSection,
    pub(crate) item: Column,
    pub(crate) tag: Column,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FiltersSection {
    pub(crate) min_rating: Option<f32>,
    pub(crate) k_core: usize,
}

/// Keep every interaction: a minimum rating only applies to a file with ratings, and a
/// k-core would remove the items and visitors a small catalogue has few interactions for.
impl Default for FiltersSection {
    fn default() -> Self {
        Self { min_rating: None, k_core: 1 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct SplitSection {
    pub(crate) valid: f64,
    pub(crate) test: f64,
    pub(crate) seed: u64,
}

impl Default for SplitSection {
    fn default() -> Self {
        Self { valid: 0.1, test: 0.1, seed: 42 }
    }
}
