//! A catalogue data set described by a TOML file or a preset: ratings (+ items, + tags)
//! → filters → dense ids → per-user random split.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{
    Column, Field, FilterConfig, FilterReport, FlagColumns, IdMap, IngestError, Item, ItemColumns,
    RatingColumns, Split, StageStats, Syntax, TableFormat, TagColumns, TextColumn, apply_filters,
    random_split, read_items, read_ratings, read_tags,
};

/// Built-in layouts, as TOML files relative to a data folder.
const PRESETS: [(&str, &str); 4] = [
    ("movielens", include_str!("../presets/movielens.toml")),
    ("movielens-100k", include_str!("../presets/movielens-100k.toml")),
    ("movielens-1m", include_str!("../presets/movielens-1m.toml")),
    ("amazon-books", include_str!("../presets/amazon-books.toml")),
];

/// Names of the built-in presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(name, _)| *name).collect()
}

/// What kind of text a file holds.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FileFormat {
    /// Fields separated by a delimiter.
    #[default]
    Delimited,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    file: PathBuf,
    #[serde(default)]
    format: FileFormat,
    delimiter: Option<String>,
    header: Option<bool>,
    #[serde(default = "utf8")]
    encoding: String,
}

fn utf8() -> String {
    "utf-8".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingsSection {
    #[serde(flatten)]
    file: FileSection,
    user: Column,
    item: Column,
    rating: Option<Column>,
    timestamp: Option<Column>,
    #[serde(default)]
    skip_missing_ids: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsSection {
    #[serde(flatten)]
    file: FileSection,
    id: Column,
    title: Column,
    #[serde(default)]
    text: Vec<TextColumn>,
    list_separator: Option<String>,
    flags: Option<FlagColumns>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsSection {
    #[serde(flatten)]
    file: FileSection,
    item: Column,
    tag: Column,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FiltersSection {
    min_rating: Option<f32>,
    k_core: usize,
}

impl Default for FiltersSection {
    fn default() -> Self {
        Self { min_rating: Some(3.0), k_core: 5 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SplitSection {
    valid: f64,
    test: f64,
    seed: u64,
}

impl Default for SplitSection {
    fn default() -> Self {
        Self { valid: 0.1, test: 0.1, seed: 42 }
    }
}

/// How to read a catalogue data set (see `docs/dataset-config.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    ratings: RatingsSection,
    items: Option<ItemsSection>,
    tags: Option<TagsSection>,
    #[serde(default)]
    filters: FiltersSection,
    #[serde(default)]
    split: SplitSection,
    #[serde(skip)]
    base: PathBuf,
}

/// A loaded data set: dense users and items, the split, and what filtering did.
#[derive(Debug, Clone)]
pub struct CatalogDataset {
    /// External user ids by dense id.
    pub users: Vec<String>,
    /// Catalogue items by dense id (all items of the items file, rated or not).
    pub items: Vec<Item>,
    /// Per-user train/valid/test items.
    pub split: Split,
    /// Stage-by-stage statistics.
    pub report: FilterReport,
}

impl DatasetConfig {
    /// Parses a TOML description; relative file names are resolved against `base`.
    pub fn from_toml(text: &str, origin: &Path, base: &Path) -> Result<Self, IngestError> {
        let mut config: Self = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |span| 1 + text[..span.start].matches('\n').count());
            IngestError::Parse {
                path: origin.to_owned(),
                line,
                field: Field::Number(0),
                message: e.message().to_owned(),
            }
        })?;
        config.base = base.to_owned();
        Ok(config)
    }

    /// Reads a TOML file (files relative to its folder).
    pub fn from_file(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
        Self::from_toml(&text, path, path.parent().unwrap_or(Path::new(".")))
    }

    /// A built-in preset over the files in `dir`.
    pub fn preset(name: &str, dir: &Path) -> Result<Self, IngestError> {
        let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            IngestError::UnknownPreset { name: name.to_owned(), known: preset_names().join(", ") }
        })?;
        Self::from_toml(text, Path::new(&format!("preset {name}")), dir)
    }

    /// Overrides the filters (minimum rating; k-core threshold for users and items).
    pub fn set_filters(&mut self, min_rating: Option<f32>, k_core: usize) {
        self.filters = FiltersSection { min_rating, k_core };
    }

    /// Overrides the split seed.
    pub fn set_split_seed(&mut self, seed: u64) {
        self.split.seed = seed;
    }

    /// The file's path and how to read it: a one-byte delimiter goes to the CSV reader
    /// (with quoting), a longer one such as `::` splits each line.
    fn format(&self, file: &FileSection) -> Result<(PathBuf, TableFormat), IngestError> {
        let path = self.base.join(&file.file);
        let invalid =
            |message: &str| IngestError::InvalidSettings { path: path.clone(), message: message.into() };
        let header = file.header.unwrap_or(true);
        let syntax = match (file.format, file.delimiter.as_deref().unwrap_or(",")) {
            (FileFormat::Jsonl, _) if file.delimiter.is_some() || file.header.is_some() => {
                return Err(invalid("JSON Lines files take no delimiter or header setting"));
            }
            (FileFormat::Jsonl, _) => Syntax::JsonLines,
            (FileFormat::Delimited, "") => return Err(invalid("empty delimiter")),
            (FileFormat::Delimited, "\\t" | "tab") => Syntax::Delimited { delimiter: b'\t', header },
            (FileFormat::Delimited, d) if d.len() == 1 => {
                Syntax::Delimited { delimiter: d.as_bytes()[0], header }
            }
            (FileFormat::Delimited, d) => Syntax::Separated { separator: d.to_owned(), header },
        };
        Ok((path, TableFormat { syntax, encoding: file.encoding.clone() }))
    }

    /// Reads, filters and splits the data set.
    pub fn load(&self) -> Result<CatalogDataset, IngestError> {
        let r = &self.ratings;
        let (path, format) = self.format(&r.file)?;
        let columns = RatingColumns {
            user: r.user.clone(),
            item: r.item.clone(),
            rating: r.rating.clone(),
            timestamp: r.timestamp.clone(),
            skip_missing_ids: r.skip_missing_ids,
        };
        let file = read_ratings(&path, &format, &columns)?;
        let mut ratings = file.ratings;
        let mut extra_stages = Vec::new();
        if file.skipped_missing_ids > 0 {
            extra_stages.push(("rows without user/item id", file.skipped_missing_ids));
        }

        let mut item_ids = IdMap::default();
        let mut items = Vec::new();
        if let Some(section) = &self.items {
            let (path, format) = self.format(&section.file)?;
            let columns = ItemColumns {
                id: section.id.clone(),
                title: section.title.clone(),
                text: section.text.clone(),
                list_separator: section.list_separator.clone(),
                flags: section.flags.clone(),
            };
            items = read_items(&path, &format, &columns)?;
            for item in &items {
                item_ids.intern(&item.id);
            }
            let before = ratings.len();
            ratings.retain(|rating| item_ids.get(&rating.item).is_some());
            if ratings.len() < before {
                extra_stages.push(("ratings of unknown items", before - ratings.len()));
            }
        }
        if let Some(section) = &self.tags {
            let (path, format) = self.format(&section.file)?;
            let tags = read_tags(
                &path,
                &format,
                &TagColumns { item: section.item.clone(), tag: section.tag.clone() },
            )?;
            for item in &mut items {
                if let Some(list) = tags.get(&item.id) {
                    item.fields.push(("tags".into(), list.join(", ")));
                }
            }
        }

        let filters = FilterConfig {
            min_rating: self.filters.min_rating,
            min_user_interactions: self.filters.k_core,
            min_item_interactions: self.filters.k_core,
        };
        let (kept, mut report) = apply_filters(ratings, &filters)?;
        for (at, (stage, removed)) in extra_stages.into_iter().enumerate() {
            let mut stats: StageStats = report.stages[0].clone();
            stats.stage = stage.into();
            stats.removed = removed;
            report.stages.insert(1 + at, stats);
        }
        if self.items.is_none() {
            for rating in &kept {
                item_ids.intern(&rating.item);
            }
            items = item_ids
                .names()
                .iter()
                .map(|id| Item { id: id.clone(), title: id.clone(), fields: Vec::new() })
                .collect();
        }
        let mut user_ids = IdMap::default();
        let mut per_user: Vec<Vec<u32>> = Vec::new();
        for rating in &kept {
            let user = user_ids.intern(&rating.user) as usize;
            if per_user.len() <= user {
                per_user.push(Vec::new());
            }
            per_user[user].push(item_ids.get(&rating.item).expect("interned above"));
        }
        let split = random_split(&per_user, self.split.valid, self.split.test, self.split.seed);
        Ok(CatalogDataset { users: user_ids.names().to_vec(), items, split, report })
    }
}
