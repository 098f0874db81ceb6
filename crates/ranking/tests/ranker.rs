//! A ranker built in memory: parts that do not fit together are refused by variant, a
//! ranker without text refuses to search, and results serialize as the browser reads them.

use gnnrec_ranking::{
    AffineMap, ClusterIndex, HistoryEvent, ItemMeta, PartsError, RankError, Ranker, RankerParts,
    RankingConfig, Scorer, TextIndex, TextProjection, TextSide,
};

const N: usize = 3;
const D: usize = 2;

/// Three items in two clusters, dot-product scoring, no text.
fn parts() -> RankerParts {
    let items = (0..N)
        .map(|i| ItemMeta {
            id: format!("i{i}"),
            title: format!("Item {i}"),
            subtitle: String::new(),
            url: None,
        })
        .collect();
    RankerParts {
        config: RankingConfig::for_model(false),
        items,
        embeddings: vec![1.0, 0.0, 0.0, 1.0, 0.7, 0.7],
        dim: D,
        scorer: Scorer::Dot,
        mean_user: vec![0.5, 0.5],
        history_map: None,
        popularity: vec![3, 1, 2],
        clusters: ClusterIndex::from_assignment(
            vec![1.0, 0.0, 0.0, 1.0],
            D,
            &[0, 1, 0],
            &[0, 2, 1],
            vec!["a".into(), "b".into()],
        )
        .unwrap(),
        text: None,
    }
}

fn error(edit: impl FnOnce(&mut RankerParts)) -> PartsError {
    let mut parts = parts();
    edit(&mut parts);
    Ranker::new(parts).err().expect("the parts must not fit together")
}

#[test]
fn parts_that_do_not_fit_are_refused() {
    let shape = error(|p| {
        p.popularity.pop();
    });
    assert_eq!(shape, PartsError::Shape { items: N, dim: D });
    assert_eq!(
        error(|p| p.history_map = Some(AffineMap { weight: vec![0.0; D * D], bias: vec![0.0; D + 1] })),
        PartsError::FoldInMap
    );
    assert_eq!(error(|p| p.clusters.centroids.push(0.0)), PartsError::Centroids);
    let text = |items: usize| TextSide {
        projection: TextProjection { mean: vec![0.0; 4], components: vec![0.0; 8] },
        index: TextIndex::build(&(0..items * 2).map(|v| v as f32 + 1.0).collect::<Vec<_>>(), 2, 10, 10, 1),
        tower: AffineMap { weight: vec![0.0; 2 * D], bias: vec![0.0; D] },
    };
    assert!(Ranker::new(RankerParts { text: Some(text(N)), ..parts() }).is_ok());
    assert_eq!(error(|p| p.text = Some(text(N - 1))), PartsError::TextSide);
    assert_eq!(error(|p| p.items[2].id = "i0".into()), PartsError::DuplicateId { id: "i0".into() });
}

#[test]
fn without_text_only_recommend_works() {
    let ranker = Ranker::new(parts()).unwrap();
    assert!(!ranker.has_text());
    assert!(matches!(ranker.search(&[0.0; 4], &[], 2), Err(RankError::NoTextIndex)));
    assert_eq!(ranker.recommend(&[], 2).unwrap().results.len(), 2);
}

#[test]
fn results_serialize_with_the_browser_field_names() {
    let ranker = Ranker::new(parts()).unwrap();
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
