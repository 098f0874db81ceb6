//! A large catalogue in parts small enough to shard in memory.
//!
//! One pass over the catalogue takes a [`Survey`] (a sample of item directions in each
//! space, every item's popularity, the first items for size estimates). A catalogue of more
//! than [`super::ShardConfig::part_items`] items is then cut, in each space, into that many
//! parts by k-means on the sample, and a second pass writes each item into the catalogue
//! files of its part (in a work folder). Each part is later loaded and sharded on its own,
//! so memory follows the largest part, not the catalogue.

use std::path::Path;
use std::rc::Rc;

use super::catalogue::{Catalogue, ItemRow, ItemSource};
use super::catalogue_files::CatalogueWriter;
use super::plan::{fit_centroids, nearest};
use crate::error::ExportError;
use crate::vectors::unit;

/// Most sampled directions per space.
const SAMPLE: usize = 20_000;
/// Items kept for shard size estimates.
pub(crate) const SIZE_SAMPLE: usize = 2000;

/// The sharder's work folder, removed when dropped (also when sharding fails part-way).
pub(crate) struct WorkDir(pub std::path::PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        // Best effort: a folder that cannot be removed is only left-over scratch space.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The vector space a shard is grouped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    /// GNN vectors (recommend; shards hold no text).
    Gnn,
    /// Text vectors (search; shards hold text and GNN vectors).
    Text,
}

impl Space {
    /// The unit direction of a row in this space.
    pub fn direction(self, row: &ItemRow<'_>) -> Vec<f32> {
        let values = match self {
            Space::Gnn => row.gnn,
            Space::Text => row.text.unwrap_or(&[]),
        };
        unit(values.iter().map(|&v| f32::from(v)).collect())
    }

    /// Width of the directions of `source` in this space.
    pub fn dim(self, source: &dyn ItemSource) -> usize {
        match self {
            Space::Gnn => source.dim(),
            Space::Text => source.text_dim().unwrap_or(0),
        }
    }
}

/// What one pass over the catalogue learns.
pub(crate) struct Survey {
    /// Popularity of every item, by catalogue-wide index.
    pub popularity: Vec<u32>,
    /// The first items (for shard size estimates).
    pub head: Catalogue,
    /// Evenly spaced unit directions, row-major, GNN then text space.
    pub directions: [Vec<f32>; 2],
}

impl Survey {
    /// Surveys `source`.
    pub fn take(source: &dyn ItemSource, spaces: &[Space]) -> Result<Self, ExportError> {
        let step = source.len().div_ceil(SAMPLE).max(1);
        let mut survey = Survey {
            popularity: vec![0; source.len()],
            head: Catalogue::empty(source.dim(), source.text_dim()),
            directions: [Vec::new(), Vec::new()],
        };
        let mut seen = 0usize;
        source.scan(&mut |index, row| {
            let slot = survey.popularity.get_mut(index as usize).ok_or_else(|| {
                ExportError::Input(format!(
                    "item {} has index {index}, beyond the catalogue's {}",
                    row.meta.id,
                    source.len()
                ))
            })?;
            *slot = row.popularity;
            if seen < SIZE_SAMPLE {
                survey.head.push(index, row);
            }
            if seen.is_multiple_of(step) {
                for &space in spaces {
                    survey.directions[space as usize].extend(space.direction(&row));
                }
            }
            seen += 1;
            Ok(())
        })?;
        Ok(survey)
    }
}

/// One part of the catalogue in one space.
pub(crate) enum Part {
    /// The whole catalogue, loaded once and shared by both spaces (small enough to shard
    /// in one piece).
    Whole(Rc<Catalogue>),
    /// Catalogue files in the work folder.
    Files(crate::CatalogueFiles),
}

impl Part {
    /// The part's items, in memory.
    pub fn load(&self) -> Result<Rc<Catalogue>, ExportError> {
        match self {
            Part::Whole(catalogue) => Ok(Rc::clone(catalogue)),
            Part::Files(files) => Catalogue::load(files).map(Rc::new),
        }
    }
}

/// Cuts `source` into `parts` parts per space (by k-means on the survey's directions),
/// writing them under `work`; returns the parts of each space (GNN, text).
pub(crate) fn cut(
    source: &dyn ItemSource,
    survey: &Survey,
    spaces: &[Space],
    parts: usize,
    seed: u64,
    work: &Path,
) -> Result<[Vec<Part>; 2], ExportError> {
    if parts <= 1 {
        let catalogue = Rc::new(Catalogue::load(source)?);
        let whole = |space: &Space| {
            if spaces.contains(space) { vec![Part::Whole(Rc::clone(&catalogue))] } else { Vec::new() }
        };
        return Ok([whole(&Space::Gnn), whole(&Space::Text)]);
    }
    let centroids: Vec<Vec<f32>> = [Space::Gnn, Space::Text]
        .iter()
        .map(|&space| {
            let dim = space.dim(source);
            if spaces.contains(&space) {
                fit_centroids(&survey.directions[space as usize], dim, parts, seed)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut writers: [Vec<CatalogueWriter>; 2] = [Vec::new(), Vec::new()];
    for &space in spaces {
        let text_dim = if space == Space::Text { source.text_dim() } else { None };
        for p in 0..centroids[space as usize].len() / space.dim(source).max(1) {
            let dir = work.join(format!("{}-{p}", if space == Space::Gnn { "g" } else { "t" }));
            writers[space as usize].push(CatalogueWriter::create(&dir, source.dim(), text_dim, true)?);
        }
    }
    source.scan(&mut |index, row| {
        for &space in spaces {
            let part = nearest(&space.direction(&row), &centroids[space as usize], space.dim(source));
            let row = if space == Space::Gnn { ItemRow { text: None, ..row } } else { row };
            writers[space as usize][part].push(index, row)?;
        }
        Ok(())
    })?;
    let [gnn, text] = writers;
    let finish = |list: Vec<CatalogueWriter>| -> Result<Vec<Part>, ExportError> {
        list.into_iter()
            .filter(|w| !w.is_empty())
            .map(|w| w.finish("a part of the catalogue being sharded").map(Part::Files))
            .collect()
    };
    Ok([finish(gnn)?, finish(text)?])
}
