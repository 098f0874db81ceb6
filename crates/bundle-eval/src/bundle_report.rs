//! The evaluation of a v1 bundle against its run.

use gnnrec_ranking::Ranker;
use serde::Serialize;

use crate::bundle_quality::{BundleQuality, bundle_quality};
use crate::error::EvalError;
use crate::eval_users::EvalUsers;
use crate::hnsw_recall::{HnswRecall, hnsw_recall};
use crate::semantic_precision::{EncodedQuery, SemanticPrecision, semantic_search};
use crate::trained::TrainedVectors;

/// What [`evaluate_bundle`] measures.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    /// How the users and rankings were chosen.
    pub protocol: &'static str,
    /// Users evaluated.
    pub users: usize,
    /// The trained, int8 and fold-in rankings.
    #[serde(flatten)]
    pub quality: BundleQuality,
    /// HNSW against exact text search (bundles with text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hnsw: Option<HnswRecall>,
    /// Precision@10 of search on a query set, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_search: Option<SemanticPrecision>,
}

/// Measures a v1 bundle's `ranker` against the `trained` vectors it was exported from, on
/// `users`: the rankings of [`BundleQuality`], the HNSW index's recall when the bundle has
/// text, and semantic precision on `queries` when given (the ranker's settings are left as
/// they were).
pub fn evaluate_bundle(
    ranker: &mut Ranker,
    trained: &TrainedVectors,
    users: &EvalUsers,
    queries: Option<&[EncodedQuery]>,
) -> Result<BundleReport, EvalError> {
    let quality = bundle_quality(trained, users, ranker)?;
    let hnsw = ranker.text_index().map(hnsw_recall);
    let semantic_search = match queries {
        Some(queries) => Some(semantic_search(ranker, queries)?),
        None => None,
    };
    Ok(BundleReport {
        protocol: "users with held-out items in the run's split; full ranking, training items excluded; \
                   fold-in history = the user's training items, uniform weights",
        users: users.len(),
        quality,
        hnsw,
        semantic_search,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use gnnrec_ranking::{Scorer, top_k_excluding};

    use super::*;
    use crate::eval_users::CUTOFF;
    use crate::test_bundle::catalogue;

    #[test]
    fn the_bundle_keeps_the_trained_quality_and_every_metric_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = catalogue();
        let mut bundle = catalogue.v1(dir.path());
        let users = EvalUsers::new(&catalogue.train, &catalogue.held_out, None).unwrap();
        assert_eq!(users.len(), 48);
        let settings = bundle.ranker.config().clone();
        let queries = catalogue.topic_queries();
        let trained = catalogue.trained();
        let report = evaluate_bundle(&mut bundle.ranker, &trained, &users, Some(&queries)).unwrap();
        assert_eq!(bundle.ranker.config(), &settings, "the search settings are restored");

        // The f32 baseline ranks as one user at a time would.
        let one_by_one = users
            .users()
            .iter()
            .map(|&u| {
                let scores = Scorer::Dot.score_all(trained.user(u), trained.items);
                top_k_excluding(&scores, &catalogue.train[u], CUTOFF)
            })
            .collect();
        let quality = &report.quality;
        assert_eq!(quality.trained_f32, users.metrics(one_by_one));
        assert!(quality.trained_f32.ndcg > 0.1, "{:?}", quality.trained_f32);
        assert!(quality.int8_ndcg_change.abs() < 0.05, "int8 changes NDCG by {}", quality.int8_ndcg_change);
        assert!(quality.fold_in_ndcg_ratio > 0.5, "fold-in keeps {}", quality.fold_in_ndcg_ratio);
        assert_eq!(quality.fold_in_config, settings.fold_in);
        let hnsw = report.hnsw.as_ref().expect("the bundle has text");
        assert_eq!((hnsw.items, hnsw.queries), (240, 240));
        assert!(hnsw.recall > 0.9, "HNSW recall@10 {}", hnsw.recall);
        let semantic = report.semantic_search.as_ref().expect("queries were given");
        assert_eq!(semantic.queries.len(), 4);
        assert!(semantic.mean_text_only_precision >= 0.9, "{semantic:?}");

        // The metrics file's keys, as `train-cli evaluate-bundle` wrote them before this crate.
        let json = serde_json::to_value(&report).unwrap();
        let keys: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let expected = [
            "protocol",
            "users",
            "trained_f32",
            "trained_int8",
            "fold_in_int8",
            "int8_ndcg_change",
            "fold_in_ndcg_ratio",
            "fold_in_ms_per_user",
            "fold_in_config",
            "hnsw",
            "semantic_search",
        ];
        assert_eq!(keys, expected.into_iter().collect());
        assert_eq!(json["users"], 48);
        let hnsw_keys: BTreeSet<&str> =
            json["hnsw"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(hnsw_keys, ["items", "queries", "recall@10", "hnsw_us", "exact_us"].into_iter().collect());
        let query = &json["semantic_search"]["queries"][0];
        assert_eq!(query["genres"][0], "topic 0");
        assert!(query["precision@10"].is_number() && query["text_only_precision@10"].is_number());
        assert!(json["semantic_search"]["mean_text_only_precision@10"].is_number());
        assert!(json["trained_f32"]["ndcg"].is_number());
    }

    #[test]
    fn vectors_of_another_catalogue_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = catalogue();
        let mut bundle = catalogue.v1(dir.path());
        let users = EvalUsers::new(&catalogue.train, &catalogue.held_out, None).unwrap();
        let trained = TrainedVectors { items: &catalogue.items[8..], ..catalogue.trained() };
        let refused = evaluate_bundle(&mut bundle.ranker, &trained, &users, None);
        assert!(
            matches!(
                refused,
                Err(EvalError::Mismatch { what: "trained item values", expected: 1920, found: 1912 })
            ),
            "{refused:?}"
        );
    }
}
