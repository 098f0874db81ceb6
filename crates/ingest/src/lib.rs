//! Ingest: turning interaction files into dense user/item id lists, with errors
//! that name the file, line and field, and counts of everything that was dropped.
//!
//! Two sources: LightGCN split folders ([`read_lightgcn_split`]) and catalogue data sets
//! described by a TOML file or a preset ([`DatasetConfig`]): ratings (CSV/TSV, `::`-separated
//! or JSON Lines; with or without a header; any encoding) + item metadata + tags → filters
//! (minimum rating, duplicate pairs, k-core) → per-user random split.

mod catalog;
mod column;
mod dataset;
mod delimited;
mod detect;
mod error;
mod filters;
mod json_lines;
mod lightgcn;
mod link;
mod ratings;
mod records;
mod sections;
mod split;
mod table;

pub use catalog::{
    FlagColumns, Item, ItemColumns, ItemsFile, SkippedLink, TagColumns, read_items, read_tags,
};
pub use column::{Column, TextColumn};
pub use dataset::{CatalogDataset, DatasetConfig, preset_names};
pub use error::{Field, IngestError};
pub use filters::{FilterConfig, FilterReport, StageStats, apply_filters};
pub use lightgcn::{SPLIT_FILES, SplitDataset, read_lightgcn_split};
pub use link::{LinkProblem, checked_link};
pub use ratings::{IdMap, Rating, RatingColumns, RatingsFile, read_ratings};
pub use split::{Split, random_split};
pub use table::{Syntax, Table, TableFormat};
