//! Precision@10 of search without history on queries with expected genres: a result is
//! relevant when its subtitle (the genre list) names one of them.

use gnnrec_ranking::Ranker;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;

/// Results judged per query.
pub(crate) const RESULTS: usize = 10;

/// A query with the genres its results should have.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GenreQuery {
    /// The query text.
    pub query: String,
    /// Genres a relevant result's subtitle names (one is enough).
    pub genres: Vec<String>,
}

/// A query set (`tests/fixtures/semantic-queries.json`: `{"queries": [{"query", "genres"}]}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GenreQueries {
    /// The queries.
    pub queries: Vec<GenreQuery>,
}

/// A query with its MiniLM embedding (the bundle's encoder's).
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedQuery {
    /// The query and its genres.
    pub query: GenreQuery,
    /// The query's sentence embedding.
    pub embedding: Vec<f32>,
}

/// Precision@10 of one query.
#[derive(Debug, Clone, Serialize)]
pub struct QueryPrecision {
    /// The query text.
    pub query: String,
    /// The genres expected.
    pub genres: Vec<String>,
    /// With the bundle's blend of text and GNN scores.
    #[serde(rename = "precision@10")]
    pub precision: f64,
    /// With text similarity alone (GNN weight 0).
    #[serde(rename = "text_only_precision@10")]
    pub text_only_precision: f64,
}

/// Precision@10 per query and on average.
#[derive(Debug, Clone, Serialize)]
pub struct SemanticPrecision {
    /// Per query, in the order given.
    pub queries: Vec<QueryPrecision>,
    /// Mean precision@10 with the bundle's blend.
    #[serde(rename = "mean_precision@10")]
    pub mean_precision: f64,
    /// Mean precision@10 with text similarity alone.
    #[serde(rename = "mean_text_only_precision@10")]
    pub mean_text_only_precision: f64,
}

/// Precision@10 of `search` for every query: `search(embedding, (text weight, GNN weight))`
/// returns the subtitles of its top 10, and is asked for the bundle's `blend` and for text
/// similarity alone.
pub(crate) fn semantic_precision<E>(
    queries: &[EncodedQuery],
    blend: (f32, f32),
    mut search: impl FnMut(&[f32], (f32, f32)) -> Result<Vec<String>, E>,
) -> Result<SemanticPrecision, E> {
    let mut rows = Vec::with_capacity(queries.len());
    for EncodedQuery { query, embedding } in queries {
        let mut precision = |blend| -> Result<f64, E> {
            let subtitles = search(embedding, blend)?;
            let relevant =
                subtitles.iter().filter(|s| query.genres.iter().any(|g| s.contains(g.as_str()))).count();
            Ok(relevant as f64 / RESULTS as f64)
        };
        let (precision, text_only_precision) = (precision(blend)?, precision((1.0, 0.0))?);
        rows.push(QueryPrecision {
            query: query.query.clone(),
            genres: query.genres.clone(),
            precision,
            text_only_precision,
        });
    }
    let n = rows.len().max(1) as f64;
    Ok(SemanticPrecision {
        mean_precision: rows.iter().map(|r| r.precision).sum::<f64>() / n,
        mean_text_only_precision: rows.iter().map(|r| r.text_only_precision).sum::<f64>() / n,
        queries: rows,
    })
}

/// [`semantic_precision`] of a v1 bundle's search; the ranker's settings are restored after.
pub(crate) fn semantic_search(
    ranker: &mut Ranker,
    queries: &[EncodedQuery],
) -> Result<SemanticPrecision, EvalError> {
    let config = ranker.config().clone();
    let measured =
        semantic_precision(queries, (config.text_weight, config.gnn_weight), |embedding, blend| {
            let settings = ranker.config_mut();
            (settings.text_weight, settings.gnn_weight) = blend;
            let ranked = ranker.search(embedding, &[], RESULTS)?;
            Ok::<_, EvalError>(ranked.results.into_iter().map(|r| r.subtitle).collect())
        });
    *ranker.config_mut() = config;
    measured
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str, genres: &[&str]) -> EncodedQuery {
        let query = GenreQuery { query: text.into(), genres: genres.iter().map(|g| g.to_string()).collect() };
        EncodedQuery { query, embedding: vec![text.len() as f32] }
    }

    #[test]
    fn a_result_is_relevant_when_its_subtitle_names_an_expected_genre() {
        let queries = [query("cartoons", &["Animation", "Children"]), query("war", &["War"])];
        let mut asked = Vec::new();
        let measured = semantic_precision(&queries, (0.7, 0.3), |embedding, blend| {
            asked.push((embedding[0], blend));
            let hits = if blend == (1.0, 0.0) { 10 } else { 4 };
            let subtitles = (0..10).map(|i| if i < hits { "Animation|Children" } else { "Drama" });
            Ok::<_, ()>(subtitles.map(String::from).collect())
        })
        .unwrap();
        assert_eq!(asked, [(8.0, (0.7, 0.3)), (8.0, (1.0, 0.0)), (3.0, (0.7, 0.3)), (3.0, (1.0, 0.0))]);
        let rows: Vec<(f64, f64)> =
            measured.queries.iter().map(|q| (q.precision, q.text_only_precision)).collect();
        assert_eq!(rows, [(0.4, 1.0), (0.0, 0.0)]);
        assert_eq!((measured.mean_precision, measured.mean_text_only_precision), (0.2, 0.5));
    }

    #[test]
    fn the_query_file_format_reads() {
        let text = r#"{"queries": [{"query": "space opera", "genres": ["Sci-Fi"]}]}"#;
        let file: GenreQueries = serde_json::from_str(text).unwrap();
        assert_eq!(file.queries, [GenreQuery { query: "space opera".into(), genres: vec!["Sci-Fi".into()] }]);
    }
}
