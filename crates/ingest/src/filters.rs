//! The original design's filters: minimum rating, duplicate pairs, iterative k-core.

use std::collections::HashMap;
use std::fmt;

use crate::{IngestError, Rating};

/// Filter settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterConfig {
    /// Keep ratings ≥ this (`None` keeps all; implicit data is 1.0).
    pub min_rating: Option<f32>,
    /// Users need at least this many interactions (k-core).
    pub min_user_interactions: usize,
    /// Items need at least this many interactions (k-core).
    pub min_item_interactions: usize,
}

/// Keep every interaction (see `DatasetConfig`'s defaults).
impl Default for FilterConfig {
    fn default() -> Self {
        Self { min_rating: None, min_user_interactions: 1, min_item_interactions: 1 }
    }
}

/// Size of the data after one stage, and what the stage removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageStats {
    /// Stage name.
    pub stage: String,
    /// Distinct users left.
    pub users: usize,
    /// Distinct items left.
    pub items: usize,
    /// Interactions left.
    pub interactions: usize,
    /// Interactions this stage removed.
    pub removed: usize,
}

/// Per-stage statistics, printable as a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterReport {
    /// Stages in order, starting with the raw input.
    pub stages: Vec<StageStats>,
}

impl fmt::Display for FilterReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<28} {:>9} {:>9} {:>13} {:>9} {:>11}",
            "stage", "users", "items", "interactions", "density", "removed"
        )?;
        for s in &self.stages {
            let density = s.interactions as f64 / (s.users.max(1) * s.items.max(1)) as f64;
            writeln!(
                f,
                "{:<28} {:>9} {:>9} {:>13} {:>8.4}% {:>11}",
                s.stage,
                s.users,
                s.items,
                s.interactions,
                density * 100.0,
                s.removed
            )?;
        }
        Ok(())
    }
}

fn stage(name: &str, ratings: &[Rating], before: usize) -> StageStats {
    let users: std::collections::HashSet<&str> = ratings.iter().map(|r| r.user.as_str()).collect();
    let items: std::collections::HashSet<&str> = ratings.iter().map(|r| r.item.as_str()).collect();
    StageStats {
        stage: name.into(),
        users: users.len(),
        items: items.len(),
        interactions: ratings.len(),
        removed: before - ratings.len(),
    }
}

/// Applies the minimum rating, keeps one row per user–item pair (the highest rating,
/// then the latest timestamp), then removes users and items below the k-core
/// thresholds until none is left. An empty result is an error.
pub fn apply_filters(
    ratings: Vec<Rating>,
    config: &FilterConfig,
) -> Result<(Vec<Rating>, FilterReport), IngestError> {
    let mut report = FilterReport::default();
    let n = ratings.len();
    report.stages.push(stage("input", &ratings, n));

    // Stages that cannot remove anything (no minimum rating, a 1-core) are not reported.
    let mut kept: Vec<Rating> = match config.min_rating {
        Some(min) => {
            let kept: Vec<Rating> = ratings.into_iter().filter(|r| r.value >= min).collect();
            report.stages.push(stage(&format!("rating >= {min}"), &kept, n));
            kept
        }
        None => ratings,
    };

    let before = kept.len();
    let mut best: HashMap<(String, String), Rating> = HashMap::with_capacity(kept.len());
    for r in kept {
        let key = (r.user.clone(), r.item.clone());
        match best.get(&key) {
            Some(b) if (b.value, b.timestamp) >= (r.value, r.timestamp) => {}
            _ => {
                best.insert(key, r);
            }
        }
    }
    kept = best.into_values().collect();
    kept.sort_by_key(|r| r.line);
    report.stages.push(stage("duplicate pairs (keep max)", &kept, before));

    let before = kept.len();
    let mut rounds = 0;
    loop {
        let mut user_count: HashMap<&str, usize> = HashMap::new();
        let mut item_count: HashMap<&str, usize> = HashMap::new();
        for r in &kept {
            *user_count.entry(&r.user).or_default() += 1;
            *item_count.entry(&r.item).or_default() += 1;
        }
        let keep: Vec<bool> = kept
            .iter()
            .map(|r| {
                user_count[r.user.as_str()] >= config.min_user_interactions
                    && item_count[r.item.as_str()] >= config.min_item_interactions
            })
            .collect();
        if keep.iter().all(|&k| k) {
            break;
        }
        let mut flags = keep.into_iter();
        kept.retain(|_| flags.next().unwrap_or(true));
        rounds += 1;
    }
    if config.min_user_interactions > 1 || config.min_item_interactions > 1 {
        let label = format!(
            "{}/{}-core ({rounds} rounds)",
            config.min_user_interactions, config.min_item_interactions
        );
        report.stages.push(stage(&label, &kept, before));
    }

    if kept.is_empty() {
        return Err(IngestError::EmptyAfterFiltering(report.to_string()));
    }
    Ok((kept, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(user: &str, item: &str, value: f32, timestamp: i64) -> Rating {
        Rating {
            user: user.into(),
            item: item.into(),
            value,
            timestamp: Some(timestamp),
            line: timestamp as usize,
        }
    }

    #[test]
    fn min_rating_then_duplicates_keep_the_maximum() {
        let rows = vec![r("u", "a", 2.0, 1), r("u", "a", 4.0, 2), r("u", "a", 3.5, 3), r("u", "b", 1.0, 4)];
        let config =
            FilterConfig { min_rating: Some(3.0), min_user_interactions: 1, min_item_interactions: 1 };
        let (kept, report) = apply_filters(rows, &config).unwrap();
        assert_eq!(kept, vec![r("u", "a", 4.0, 2)]);
        let removed: Vec<(&str, usize)> =
            report.stages.iter().map(|s| (s.stage.as_str(), s.removed)).collect();
        // A 1-core cannot remove anything: it is not reported.
        assert_eq!(removed, vec![("input", 0), ("rating >= 3", 2), ("duplicate pairs (keep max)", 1)]);
    }

    #[test]
    fn k_core_iterates_until_stable() {
        // u1 has 2 items; with a 2-core, item c (only u2) goes, then u2 (1 left) goes,
        // then item b (only u1) is below 2 and goes, then u1 goes: nothing is left.
        let rows =
            vec![r("u1", "a", 5.0, 1), r("u1", "b", 5.0, 2), r("u2", "a", 5.0, 3), r("u2", "c", 5.0, 4)];
        let config = FilterConfig { min_rating: None, min_user_interactions: 2, min_item_interactions: 2 };
        let err = apply_filters(rows.clone(), &config).unwrap_err().to_string();
        assert!(err.starts_with("no interactions left after filtering") && err.contains("2/2-core"), "{err}");
        // A 2×2 complete block survives a 2-core unchanged.
        let block =
            vec![r("u1", "a", 5.0, 1), r("u1", "b", 5.0, 2), r("u2", "a", 5.0, 3), r("u2", "b", 5.0, 4)];
        let (kept, report) = apply_filters(block, &config).unwrap();
        assert_eq!(kept.len(), 4);
        assert!(report.to_string().contains("2/2-core (0 rounds)"));
    }
}
