//! The evaluation of a sharded (v2) bundle.

use std::path::Path;

use gnnrec_ranking::ShardedRanker;
use serde::Serialize;

use crate::error::EvalError;
use crate::eval_users::EvalUsers;
use crate::gnn_probes::{GnnProbe, gnn_probes};
use crate::semantic_precision::EncodedQuery;
use crate::sharded_semantic::{ShardedSemantic, sharded_semantic_search};
use crate::text_recall::{TextRecall, text_recall};

/// How many shards [`evaluate_sharded`] probes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeCounts {
    /// GNN shards a recommendation probes, each measured (none: the manifest's); every
    /// shard is always measured too, as the reference.
    pub gnn: Vec<usize>,
    /// Text shards a search probes, each measured (none: 1, 2, 4, 8 and 16).
    pub text: Vec<usize>,
}

/// What [`evaluate_sharded`] measures.
#[derive(Debug, Clone, Serialize)]
pub struct ShardedReport {
    /// Text search recall per text probe (bundles with text; `null` otherwise).
    pub text_recall: Option<TextRecall>,
    /// Precision@10 of search on a query set, when one is given (`null` otherwise).
    pub semantic_search: Option<ShardedSemantic>,
    /// How the users and recommendations were chosen.
    pub protocol: &'static str,
    /// Users evaluated.
    pub users: usize,
    /// GNN shards in the bundle.
    pub gnn_shards: usize,
    /// Recommendation quality per GNN probe, ascending.
    pub probes: Vec<GnnProbe>,
}

/// Measures the v2 bundle in `dir` on `users`: each user's training items are the
/// on-device history (uniform weights) and the answer is the sharded ranker's
/// `recommend(history, 20)`, reading the directory buckets and shards it asks for from
/// `dir`, at the GNN probes of `probes`; with text, the text search's recall at the text
/// probes of `probes`; and semantic precision on `queries` when given.
pub fn evaluate_sharded(
    dir: &Path,
    users: &EvalUsers,
    probes: &ProbeCounts,
    queries: Option<&[EncodedQuery]>,
) -> Result<ShardedReport, EvalError> {
    let manifest = ShardedRanker::read_dir(dir)?.manifest().clone();
    let gnn = gnn_probes(dir, users, &probes.gnn)?;
    let text_recall = match manifest.text {
        Some(_) => Some(text_recall(dir, &probes.text)?),
        None => None,
    };
    let semantic_search = match queries {
        Some(queries) => Some(sharded_semantic_search(dir, queries)?),
        None => None,
    };
    Ok(ShardedReport {
        text_recall,
        semantic_search,
        protocol: "users with held-out items; history = the user's training items (uniform weights); \
                   sharded recommend(history, 20); training items excluded",
        users: users.len(),
        gnn_shards: manifest.gnn_shards.len(),
        probes: gnn,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use gnnrec_bundle::{ShardedManifest, file_names, read_file};
    use gnnrec_ranking::LoadedBundle;

    use super::*;
    use crate::bundle_report::evaluate_bundle;
    use crate::test_bundle::catalogue;

    fn keys(json: &serde_json::Value) -> BTreeSet<String> {
        json.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn probing_every_shard_answers_as_the_v1_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = catalogue();
        let (v1, v2) = catalogue.v1_and_v2(dir.path());
        let users = EvalUsers::new(&catalogue.train, &catalogue.held_out, None).unwrap();
        let queries = catalogue.topic_queries();
        let probes = ProbeCounts { gnn: vec![1, 2, 1000], text: vec![1, 1000] };
        let report = evaluate_sharded(&v2, &users, &probes, Some(&queries)).unwrap();

        let all = report.gnn_shards;
        assert!(all > 2, "{all} GNN shards");
        let probed: Vec<usize> = report.probes.iter().map(|p| p.probe).collect();
        assert_eq!(probed, [1, 2, all], "counts of every shard or more are measured once, last");
        let every = report.probes.last().unwrap();
        assert_eq!(every.ndcg_vs_all_shards, 1.0);
        assert!(every.fetches_per_user > 0.0);
        let mut v1_bundle = LoadedBundle::read_dir(&v1).unwrap();
        let whole = evaluate_bundle(&mut v1_bundle.ranker, &catalogue.trained(), &users, None).unwrap();
        let (sharded, unsharded) = (every.ndcg, whole.quality.fold_in_int8.ndcg);
        assert!((sharded - unsharded).abs() < 1e-9, "all shards {sharded}, v1 fold-in {unsharded}");

        let text = report.text_recall.as_ref().expect("the bundle has text");
        assert_eq!(text.queries, 240);
        assert_eq!(text.probes.iter().map(|p| p.probe).collect::<Vec<_>>(), [1, 1000]);
        assert_eq!(text.probes[1].recall, 1.0, "every text shard is exact search");
        assert!(text.probes[0].shard_bytes_per_query < text.probes[1].shard_bytes_per_query);
        let semantic = report.semantic_search.as_ref().expect("queries were given");
        assert_eq!(semantic.all_shards.probe, text.text_shards);
        assert!(semantic.all_shards.precision.mean_text_only_precision >= 0.9, "{semantic:?}");

        // The metrics file's keys, as `train-cli evaluate-bundle` wrote them before this crate.
        let json = serde_json::to_value(&report).unwrap();
        let expected = ["text_recall", "semantic_search", "protocol", "users", "gnn_shards", "probes"];
        assert_eq!(keys(&json), expected.map(String::from).into());
        let probe = ["probe", "ndcg@20", "recall@20", "ndcg_vs_all_shards", "ms_per_user"];
        assert_eq!(keys(&json["probes"][0]), probe.map(String::from).into());
        assert_eq!(keys(&json["text_recall"]), ["queries", "text_shards", "probes"].map(String::from).into());
        let text_probe = ["probe", "recall@10", "shard_bytes_per_query", "us_per_query"];
        assert_eq!(keys(&json["text_recall"]["probes"][0]), text_probe.map(String::from).into());
        let semantic = ["probe", "queries", "mean_precision@10", "mean_text_only_precision@10"];
        assert_eq!(keys(&json["semantic_search"]["default_probe"]), semantic.map(String::from).into());
        assert_eq!(keys(&json["semantic_search"]), ["default_probe", "all_shards"].map(String::from).into());
    }

    #[test]
    fn without_queries_the_semantic_search_is_null_and_defaults_apply() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = catalogue();
        let (_, v2) = catalogue.v1_and_v2(dir.path());
        let users = EvalUsers::new(&catalogue.train, &catalogue.held_out, Some(10)).unwrap();
        let report = evaluate_sharded(&v2, &users, &ProbeCounts::default(), None).unwrap();
        let manifest = ShardedManifest::parse(&read_file(&v2, file_names::MANIFEST).unwrap()).unwrap();
        let probed: Vec<usize> = report.probes.iter().map(|p| p.probe).collect();
        let all = report.gnn_shards;
        let expected: Vec<usize> =
            [manifest.probe.gnn].into_iter().filter(|&p| p < all).chain([all]).collect();
        assert_eq!(probed, expected, "the manifest's probe and every shard");
        let text_probes: Vec<usize> = report.text_recall.unwrap().probes.iter().map(|p| p.probe).collect();
        assert_eq!(text_probes, [1, 2, 4, 8, 16]);
        assert!(report.semantic_search.is_none());
        assert_eq!(report.users, 10);
    }

    #[test]
    fn a_file_that_cannot_be_read_stops_the_evaluation_by_user() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = catalogue();
        let (_, v2) = catalogue.v1_and_v2(dir.path());
        let manifest = ShardedManifest::parse(&read_file(&v2, file_names::MANIFEST).unwrap()).unwrap();
        // The directory buckets map a history's ids to shards.
        for entry in &manifest.directory {
            std::fs::remove_file(v2.join(&entry.path)).unwrap();
        }
        let users = EvalUsers::new(&catalogue.train, &catalogue.held_out, None).unwrap();
        let probes = ProbeCounts { gnn: vec![1], text: vec![1] };
        match evaluate_sharded(&v2, &users, &probes, None) {
            Err(EvalError::Incomplete { user, notices }) => {
                assert_eq!(user, users.users()[0]);
                assert!(notices.contains("directory/"), "{notices}");
            }
            other => panic!("{other:?}"),
        }
    }
}
