//! Folding a visitor's history into a user vector, on the device.
//!
//! The trained models have a vector per training user; a visitor has only a history.
//! Their vector starts from the history sum `s = Σ_h w_h · d_h^e · e_h` (recency weights
//! `w_h`, item degree `d_h`, exponent `e`; see [`history_sum`]). For dot-product models
//! this is what one propagation step gives a user (with `e = −β`, the source exponent of
//! the normalised adjacency). When the bundle has a fold-in map (always for the MLP-head
//! model, whose user and item spaces differ; for dot models when it measured better at
//! export), the vector is `map(s)`, an affine map fitted on the training users. `e` and
//! the map are chosen at export on held-out training users (see `gnnrec-export`). Without
//! history, MLP models use the mean training user.

use serde::{Deserialize, Serialize};

use crate::error::ManifestError;
use crate::history::ResolvedHistory;
use crate::history_sum::history_sum_blocks;
use crate::scorer::Scorer;
use crate::text_space::AffineMap;

/// Fold-in settings (stored in the manifest).
///
/// Manifests written before the gradient refinement was removed also hold `steps`,
/// `learning_rate`, `l2` and `negatives` (with `steps` 0); readers ignore them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldInConfig {
    /// Exponent of the item degree in the history sum (chosen at export).
    pub degree_exponent: f32,
    /// Blocks of columns with their own exponents, in column order (models made of
    /// parts, e.g. the graph-filter blend); empty = every column uses `degree_exponent`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<FoldInBlock>,
}

/// `history sum with degree exponent -1`, or one `columns 0..512: exponent -0.3` per block.
impl std::fmt::Display for FoldInConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.blocks.is_empty() {
            return write!(f, "history sum with degree exponent {}", self.degree_exponent);
        }
        f.write_str("history sum per block of columns:")?;
        let mut start = 0;
        for (k, block) in self.blocks.iter().enumerate() {
            let separator = if k == 0 { " " } else { ", " };
            write!(f, "{separator}{start}..{} exponent {}", start + block.width, block.degree_exponent)?;
            start += block.width;
        }
        Ok(())
    }
}

/// A block of columns of the item vectors and the degree exponent of its history sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoldInBlock {
    /// Columns in the block.
    pub width: usize,
    /// Exponent of the item degree for these columns.
    pub degree_exponent: f32,
}

impl FoldInConfig {
    /// One exponent for every column.
    pub fn uniform(degree_exponent: f32) -> Self {
        Self { degree_exponent, blocks: Vec::new() }
    }

    /// For dot-product models, before export picks the exponent.
    pub fn dot() -> Self {
        Self::uniform(-1.0)
    }

    /// For MLP-head models, before export picks the exponent.
    pub fn mlp() -> Self {
        Self::uniform(0.0)
    }

    /// `(width, exponent)` per block over `dim` columns, or the error if the blocks'
    /// widths do not add up to `dim`.
    pub fn column_blocks(&self, dim: usize) -> Result<Vec<(usize, f32)>, ManifestError> {
        if self.blocks.is_empty() {
            return Ok(vec![(dim, self.degree_exponent)]);
        }
        let total = self.blocks.iter().map(|b| b.width).sum::<usize>();
        if total != dim {
            return Err(ManifestError::FoldInBlocks { total, dim });
        }
        Ok(self.blocks.iter().map(|b| (b.width, b.degree_exponent)).collect())
    }
}

/// The folded-in user vector for `history` over the row-major `items` (`[n, d]`);
/// `history_map` and `mean_user` give the MLP model's vector, `degrees` are the items'
/// training interactions.
pub fn fold_in(
    scorer: &Scorer,
    items: &[f32],
    mean_user: &[f32],
    history_map: Option<&AffineMap>,
    degrees: &[u32],
    history: &ResolvedHistory,
    config: &FoldInConfig,
) -> Vec<f32> {
    let d = mean_user.len();
    // Bundles are checked when loaded (`column_blocks` is `Ok` for their dimension).
    let blocks = config.column_blocks(d).unwrap_or_else(|_| vec![(d, config.degree_exponent)]);
    let sum = || history_sum_blocks(items, d, degrees, history.items.iter().copied(), &blocks);
    match (scorer, history_map) {
        (_, Some(map)) if !history.is_empty() => map.apply(&sum()),
        (Scorer::Dot, _) => sum(),
        (Scorer::Mlp { .. }, _) => mean_user.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_in_ranks_the_history_and_its_neighbours_first() {
        // Two groups of items in 2-d: around (1, 0) and around (0, 1).
        let items = [1.0, 0.1, 0.9, -0.1, 1.1, 0.0, 0.1, 1.0, -0.1, 0.9, 0.0, 1.1];
        let history = ResolvedHistory::uniform(&[3, 4]);
        let user = fold_in(&Scorer::Dot, &items, &[0.0, 0.0], None, &[1; 6], &history, &FoldInConfig::dot());
        let scores = Scorer::Dot.score_all(&user, &items);
        let best = gnnrec_eval::top_k_excluding(&scores, &[3, 4], 1);
        assert_eq!(best, vec![5], "the unseen item of the liked group wins: {scores:?}");
        assert!(scores[..3].iter().all(|s| *s < scores[5]));
    }

    #[test]
    fn a_fold_in_config_with_the_removed_gradient_fields_still_reads() {
        let old =
            r#"{ "steps": 0, "learning_rate": 0.5, "l2": 0.1, "negatives": 256, "degree_exponent": -0.5 }"#;
        let config: FoldInConfig = serde_json::from_str(old).unwrap();
        assert_eq!(config, FoldInConfig::uniform(-0.5));
    }

    #[test]
    fn blocks_must_cover_the_columns() {
        let block = |width, degree_exponent| FoldInBlock { width, degree_exponent };
        let config = FoldInConfig { degree_exponent: -0.3, blocks: vec![block(2, -0.3), block(1, -1.0)] };
        assert_eq!(config.column_blocks(3).unwrap(), vec![(2, -0.3), (1, -1.0)]);
        let error = config.column_blocks(4).unwrap_err().to_string();
        assert!(error.contains("3 columns") && error.contains("4"), "{error}");
        assert_eq!(FoldInConfig::uniform(-0.5).column_blocks(4).unwrap(), vec![(4, -0.5)]);
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<FoldInConfig>(&text).unwrap(), config);
        assert!(!serde_json::to_string(&FoldInConfig::dot()).unwrap().contains("blocks"));
    }

    #[test]
    fn the_config_reads_as_its_exponents() {
        assert_eq!(FoldInConfig::uniform(-0.5).to_string(), "history sum with degree exponent -0.5");
        let blocks = FoldInConfig {
            degree_exponent: -0.3,
            blocks: vec![
                FoldInBlock { width: 512, degree_exponent: -0.3 },
                FoldInBlock { width: 64, degree_exponent: -1.0 },
            ],
        };
        assert_eq!(
            blocks.to_string(),
            "history sum per block of columns: 0..512 exponent -0.3, 512..576 exponent -1"
        );
    }
}
