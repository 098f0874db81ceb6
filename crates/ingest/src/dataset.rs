//! A catalogue data set described by a TOML file, a preset, or detected from its files'
//! header lines: items (+ interactions, + tags) → filters → dense ids → per-user random
//! split. A catalogue may have no interactions at all (items and their text only).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sections::{
    FileFormat, FileSection, FiltersSection, ItemsSection, RatingsSection, SplitSection, TagsSection,
};
use crate::{
    Field, FilterConfig, FilterReport, IdMap, IngestError, Item, ItemColumns, RatingColumns, Split,
    StageStats, Syntax, TableFormat, TagColumns, apply_filters, random_split, read_items, read_ratings,
    read_tags,
};

/// Built-in layouts, as TOML files relative to a data folder.
const PRESETS: [(&str, &str); 4] = [
    ("movielens", include_str!("../presets/movielens.toml")),
    ("movielens-100k", include_str!("../presets/movielens-100k.toml")),
    ("movielens-1m", include_str!("../presets/movielens-1m.toml")),
    ("amazon-books", include_str!("../presets/amazon-books.toml")),
];

/// A filter stage that removes more than this share of the interactions is warned about.
const WARN_SHARE: f64 = 0.2;
/// Rows named per kind of warning (the rest are counted).
const NAMED_ROWS: usize = 3;

/// Names of the built-in presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(name, _)| *name).collect()
}

/// How to read a catalogue data set (see `docs/dataset-config.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    #[serde(alias = "interactions")]
    pub(crate) ratings: Option<RatingsSection>,
    pub(crate) items: Option<ItemsSection>,
    pub(crate) tags: Option<TagsSection>,
    #[serde(default)]
    pub(crate) filters: FiltersSection,
    #[serde(default)]
    pub(crate) split: SplitSection,
    #[serde(skip)]
    pub(crate) base: PathBuf,
}

/// A loaded data set: dense users and items, the split, and what filtering did.
#[derive(Debug, Clone)]
pub struct CatalogDataset {
    /// External user ids by dense id (none for a catalogue without interactions).
    pub users: Vec<String>,
    /// Catalogue items by dense id (all items of the items file, with interactions or not).
    pub items: Vec<Item>,
    /// Per-user train/valid/test items.
    pub split: Split,
    /// Stage-by-stage statistics (empty without interactions).
    pub report: FilterReport,
    /// What was left out that a site owner should know about: stages that removed more than
    /// a fifth of the interactions, links that are not web links.
    pub warnings: Vec<String>,
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
        if config.ratings.is_none() && config.items.is_none() {
            let message = "needs an [items] section, a [ratings] (or [interactions]) section, or both".into();
            return Err(IngestError::InvalidSettings { path: origin.to_owned(), message });
        }
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

    /// Overrides the minimum rating (`None` keeps every rating).
    pub fn set_min_rating(&mut self, min_rating: Option<f32>) {
        self.filters.min_rating = min_rating;
    }

    /// Overrides the k-core threshold for users and items (1 keeps everything).
    pub fn set_k_core(&mut self, k_core: usize) {
        self.filters.k_core = k_core;
    }

    /// Overrides the split seed.
    pub fn set_split_seed(&mut self, seed: u64) {
        self.split.seed = seed;
    }

    /// Overrides the shares of each user's items held out for validation and test.
    pub fn set_split_fractions(&mut self, valid: f64, test: f64) {
        (self.split.valid, self.split.test) = (valid, test);
    }

    /// Whether the data set has interactions (else items and their text only).
    pub fn has_interactions(&self) -> bool {
        self.ratings.is_some()
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

    /// The items of the items file (with tags), and warnings about left-out links.
    fn read_catalogue(&self, warnings: &mut Vec<String>) -> Result<Option<Vec<Item>>, IngestError> {
        let Some(section) = &self.items else { return Ok(None) };
        let (path, format) = self.format(&section.file)?;
        let columns = ItemColumns {
            id: section.id.clone(),
            title: section.title.clone(),
            text: section.text.clone(),
            list_separator: section.list_separator.clone(),
            flags: section.flags.clone(),
            url: section.url.clone(),
        };
        let file = read_items(&path, &format, &columns)?;
        if !file.skipped_links.is_empty() {
            let named: Vec<String> = file
                .skipped_links
                .iter()
                .take(NAMED_ROWS)
                .map(|s| format!("line {}: {:?}: {}", s.line, s.url, s.problem))
                .collect();
            warnings.push(format!(
                "{}: {} link(s) left out (the items are kept, without a link): {}",
                path.display(),
                file.skipped_links.len(),
                named.join("; ")
            ));
        }
        let mut items = file.items;
        if let Some(section) = &self.tags {
            let (path, format) = self.format(&section.file)?;
            let columns = TagColumns { item: section.item.clone(), tag: section.tag.clone() };
            let tags = read_tags(&path, &format, &columns)?;
            for item in &mut items {
                if let Some(list) = tags.get(&item.id) {
                    item.fields.push(("tags".into(), list.join(", ")));
                }
            }
        }
        Ok(Some(items))
    }

    /// Reads, filters and splits the data set.
    pub fn load(&self) -> Result<CatalogDataset, IngestError> {
        let mut warnings = Vec::new();
        let Some(r) = &self.ratings else {
            let items = self.read_catalogue(&mut warnings)?.unwrap_or_default();
            let split = Split { train: Vec::new(), valid: Vec::new(), test: Vec::new() };
            return Ok(CatalogDataset {
                users: Vec::new(),
                items,
                split,
                report: FilterReport::default(),
                warnings,
            });
        };
        let (path, format) = self.format(&r.file)?;
        let mut min_rating = self.filters.min_rating;
        if min_rating.is_some() && r.rating.is_none() {
            // Implicit feedback: every row counts 1.0, so a minimum would only remove them all.
            warnings
                .push(format!("{}: no rating column, so filters.min_rating is not applied", path.display()));
            min_rating = None;
        }
        let columns = RatingColumns {
            user: r.user.clone(),
            item: r.item.clone(),
            rating: r.rating.clone(),
            timestamp: r.timestamp.clone(),
            skip_missing_ids: r.skip_missing_ids,
        };
        let file = read_ratings(&path, &format, &columns)?;
        let catalogue = self.read_catalogue(&mut warnings)?;
        let mut ratings = file.ratings;
        let mut extra_stages = Vec::new();
        if file.skipped_missing_ids > 0 {
            extra_stages.push(("rows without user/item id", file.skipped_missing_ids));
        }

        let mut item_ids = IdMap::default();
        if let Some(items) = &catalogue {
            for item in items {
                item_ids.intern(&item.id);
            }
            let before = ratings.len();
            let unknown: Vec<String> = ratings
                .iter()
                .filter(|rating| item_ids.get(&rating.item).is_none())
                .take(NAMED_ROWS)
                .map(|rating| format!("line {}: {:?}", rating.line, rating.item))
                .collect();
            ratings.retain(|rating| item_ids.get(&rating.item).is_some());
            if ratings.len() < before {
                extra_stages.push(("ratings of unknown items", before - ratings.len()));
                warnings.push(format!(
                    "{}: {} interaction(s) name an item the items file does not have, left out: {}",
                    path.display(),
                    before - ratings.len(),
                    unknown.join("; ")
                ));
            }
        }

        let filters = FilterConfig {
            min_rating,
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
        warnings.extend(heavy_stages(&report, &path));
        let items = match catalogue {
            Some(items) => items,
            None => {
                for rating in &kept {
                    item_ids.intern(&rating.item);
                }
                let id_only =
                    |id: &String| Item { id: id.clone(), title: id.clone(), fields: Vec::new(), url: None };
                item_ids.names().iter().map(id_only).collect()
            }
        };
        let mut user_ids = IdMap::default();
        let mut per_user: Vec<Vec<u32>> = Vec::new();
        for rating in &kept {
            let user = user_ids.intern(&rating.user) as usize;
            if per_user.len() <= user {
                per_user.push(Vec::new());
            }
            // Every kept rating names an interned item (unknown items were removed above).
            if let Some(item) = item_ids.get(&rating.item) {
                per_user[user].push(item);
            }
        }
        let split = random_split(&per_user, self.split.valid, self.split.test, self.split.seed);
        Ok(CatalogDataset { users: user_ids.names().to_vec(), items, split, report, warnings })
    }
}

/// A warning for each stage after the input that removed more than [`WARN_SHARE`] of the
/// interactions the input had.
fn heavy_stages(report: &FilterReport, path: &Path) -> Vec<String> {
    let Some(input) = report.stages.first() else { return Vec::new() };
    let total = input.interactions.max(1) as f64;
    report.stages[1..]
        .iter()
        .filter(|s| s.removed as f64 / total > WARN_SHARE)
        .map(|s| {
            format!(
                "{}: the stage \"{}\" removed {} of {} interactions ({:.0} %); see [filters] in docs/dataset-config.md",
                path.display(),
                s.stage,
                s.removed,
                input.interactions,
                100.0 * s.removed as f64 / total
            )
        })
        .collect()
}
