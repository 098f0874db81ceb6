//! The visitor's on-device history and its recency weights.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One liked (or clicked) item with the time it happened (`{id, timestampMs}` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// The item's catalogue id.
    pub id: String,
    /// Milliseconds since the Unix epoch (JavaScript `Date.now()`).
    pub timestamp_ms: f64,
}

/// History mapped onto the bundle's items.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResolvedHistory {
    /// `(item index, weight)`, weights summing to 1, most recent first.
    pub items: Vec<(u32, f32)>,
    /// Ids not in the catalogue (ignored, reported back to the caller).
    pub unknown: Vec<String>,
}

impl ResolvedHistory {
    /// Weights events by recency: an event `age` milliseconds older than the newest one
    /// gets `max(0.5^(age / half_life), floor)`; repeated ids count once, at their latest
    /// time; weights are then normalised to sum to 1. Ages are relative to the newest
    /// event, so the same history always gives the same vector.
    pub fn resolve(
        events: &[HistoryEvent],
        index_of: &HashMap<String, u32>,
        half_life_ms: f64,
        floor: f32,
    ) -> Self {
        let mut latest: HashMap<u32, f64> = HashMap::new();
        let mut unknown = Vec::new();
        for event in events {
            match index_of.get(&event.id) {
                Some(&item) => {
                    let t = latest.entry(item).or_insert(event.timestamp_ms);
                    *t = t.max(event.timestamp_ms);
                }
                None if !unknown.contains(&event.id) => unknown.push(event.id.clone()),
                None => {}
            }
        }
        let newest = latest.values().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut items: Vec<(u32, f32, f64)> = latest
            .into_iter()
            .map(|(item, t)| {
                let age = (newest - t).max(0.0);
                let w = if half_life_ms > 0.0 { 0.5f64.powf(age / half_life_ms) as f32 } else { 1.0 };
                (item, w.max(floor), t)
            })
            .collect();
        items.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let total: f32 = items.iter().map(|x| x.1).sum();
        Self { items: items.into_iter().map(|(i, w, _)| (i, w / total)).collect(), unknown }
    }

    /// Equal weights for a plain list of item indices (offline evaluation).
    pub fn uniform(items: &[u32]) -> Self {
        let w = 1.0 / items.len().max(1) as f32;
        Self { items: items.iter().map(|&i| (i, w)).collect(), unknown: Vec::new() }
    }

    /// Whether no known item remains.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item indices.
    pub fn indices(&self) -> Vec<u32> {
        self.items.iter().map(|x| x.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_weights_dedupe_and_unknown_ids() {
        let index: HashMap<String, u32> =
            [("a", 0), ("b", 1), ("c", 2)].map(|(k, v)| (k.to_string(), v)).into();
        let day = 86_400_000.0;
        let events = [
            HistoryEvent { id: "a".into(), timestamp_ms: 0.0 },
            HistoryEvent { id: "b".into(), timestamp_ms: 30.0 * day },
            HistoryEvent { id: "zzz".into(), timestamp_ms: 31.0 * day },
            HistoryEvent { id: "a".into(), timestamp_ms: 60.0 * day },
            HistoryEvent { id: "c".into(), timestamp_ms: -1000.0 * day },
            HistoryEvent { id: "zzz".into(), timestamp_ms: 1.0 },
        ];
        let h = ResolvedHistory::resolve(&events, &index, 30.0 * day, 0.05);
        assert_eq!(h.unknown, vec!["zzz".to_string()]);
        assert_eq!(h.indices(), vec![0, 1, 2], "most recent first; a counts once, at day 60");
        let raw = [1.0f32, 0.5, 0.05];
        let total: f32 = raw.iter().sum();
        for ((_, w), r) in h.items.iter().zip(raw) {
            assert!((w - r / total).abs() < 1e-6);
        }
        assert!(ResolvedHistory::resolve(&[], &index, day, 0.05).is_empty());
    }
}
