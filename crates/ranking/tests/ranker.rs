//! A ranker built in memory: content whose parts do not fit together is refused, a ranker
//! without text refuses to search, and results serialize as the browser reads them.

use std::collections::BTreeMap;

use gnnrec_bundle::{
    BundleError, ClusterTensors, ContentError, FORMAT_NAME, FORMAT_VERSION, Int8Matrix, ItemMeta, Manifest,
    ModelInfo, ModelTensors, RankingConfig, V1Content,
};
use gnnrec_ranking::{HistoryEvent, RankError, Ranker};

const N: usize = 3;
const D: usize = 2;

/// Three items in two clusters, dot-product scoring, no text.
fn content() -> (Manifest, V1Content) {
    let items = (0..N)
        .map(|i| ItemMeta {
            id: format!("i{i}"),
            title: format!("Item {i}"),
            subtitle: String::new(),
            url: None,
        })
        .collect();
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        created_by: "test".into(),
        model: ModelInfo {
            kind: "lightgcn".into(),
            dim: D,
            n_items: N,
            n_users_trained: 1,
            mlp_head: false,
            fold_in_map: false,
        },
        text: None,
        cluster_labels: vec!["a".into(), "b".into()],
        ranking: RankingConfig::for_model(false),
        report: serde_json::Value::Null,
        files: BTreeMap::new(),
    };
    let content = V1Content {
        items,
        embeddings: Int8Matrix::quantize(&[1.0, 0.0, 0.0, 1.0, 0.7, 0.7], D),
        popularity: vec![3, 1, 2],
        clusters: ClusterTensors {
            centroids: vec![1.0, 0.0, 0.0, 1.0],
            assignment: vec![0, 1, 0],
            order: vec![0, 2, 1],
            labels: vec!["a".into(), "b".into()],
        },
        model: ModelTensors { mean_user: vec![0.5, 0.5], head: None, fold_in_map: None, text: None },
        text_index: None,
    };
    (manifest, content)
}

#[test]
fn content_that_does_not_fit_is_refused_by_name() {
    let (manifest, mut content) = content();
    content.clusters.order = vec![0, 1];
    let error = Ranker::new(&manifest, content).err().expect("an item in no cluster");
    assert!(
        matches!(&error, BundleError::Content { error: ContentError::Inconsistent(m), .. } if m.contains("item 2")),
        "{error}"
    );
}

#[test]
fn without_text_only_recommend_works() {
    let (manifest, content) = content();
    let ranker = Ranker::new(&manifest, content).unwrap();
    assert!(!ranker.has_text());
    assert!(matches!(ranker.search(&[0.0; 4], &[], 2), Err(RankError::NoTextIndex)));
    assert_eq!(ranker.recommend(&[], 2).unwrap().results.len(), 2);
}

#[test]
fn results_serialize_with_the_browser_field_names() {
    let (manifest, content) = content();
    let ranker = Ranker::new(&manifest, content).unwrap();
    let history = [
        HistoryEvent { id: "i0".into(), timestamp_ms: 0.0 },
        HistoryEvent { id: "gone".into(), timestamp_ms: 0.0 },
    ];
    let json = serde_json::to_value(ranker.recommend(&history, 1).unwrap()).unwrap();
    assert_eq!(json["ignoredHistory"], serde_json::json!(["gone"]));
    let first = json["results"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["because", "id", "index", "score", "subtitle", "title", "why"], "no url: none given");
    assert_eq!(first["because"]["kind"], "liked");
    assert_eq!(first["because"]["id"], "i0");
}
