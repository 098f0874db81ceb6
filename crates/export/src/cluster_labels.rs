//! Cluster labels a visitor can read ("popular with fans of crime · thriller").
//!
//! A cluster is named by its most distinctive catalogue terms: the genre/tag-like terms of
//! its items' subtitles, scored by TF-IDF against the whole catalogue (the share of the
//! cluster's items that carry a term × `ln(items / items with the term)`), so that a term
//! every item shares ("drama") loses to one that sets the cluster apart ("film-noir").
//! Clusters whose items have no usable text are named by titles instead: the most popular
//! of their most central items. Everything is deterministic (ties break by term, then by
//! cluster and item index), and labels are kept distinct across clusters where the terms
//! allow it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use gnnrec_bundle::{ClusterTensors as Clusters, ItemMeta};

/// Separator between the terms of a label.
const SEPARATOR: &str = " · ";
/// Longest label, in characters (longer ones lose terms, or are cut with "…").
const MAX_LABEL_CHARS: usize = 60;
/// Terms a label is made of when they are distinctive enough to be told apart.
const TERMS_PER_LABEL: usize = 2;
/// Best terms of a cluster that labels are combined from when the best pair is taken.
const CANDIDATE_TERMS: usize = 5;
/// Most central items among which the title fallback picks the most popular.
const CENTRAL_ITEMS: usize = 10;
/// Subtitle pieces of more words than this are prose: only their words become terms.
const MAX_TERM_WORDS: usize = 3;
/// Words too common to name anything, for prose subtitles.
const STOPWORDS: &[&str] = &[
    "about", "after", "also", "and", "been", "from", "have", "into", "more", "over", "that", "their", "them",
    "then", "there", "they", "this", "when", "where", "which", "while", "with", "who", "will", "film",
    "movie", "story",
];

/// One label per cluster of `clusters` (as many as `clusters.labels`), from the subtitles
/// (genres, tags, authors, …) of `items` and, as a fallback, their titles and `popularity`
/// (training interactions per item).
pub fn label_clusters(items: &[ItemMeta], clusters: &Clusters, popularity: &[u32]) -> Vec<String> {
    let k = clusters.labels.len();
    let item_terms: Vec<Vec<String>> = items.iter().map(|item| terms(&item.subtitle)).collect();
    let mut document_frequency: BTreeMap<&str, usize> = BTreeMap::new();
    for term in item_terms.iter().flatten() {
        *document_frequency.entry(term).or_default() += 1;
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for &item in &clusters.order {
        if let Some(group) = members.get_mut(clusters.assignment[item as usize] as usize) {
            group.push(item as usize);
        }
    }
    let n = items.len() as f64;
    let candidates: Vec<Vec<&str>> = members
        .iter()
        .map(|group| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &item in group {
                for term in &item_terms[item] {
                    *counts.entry(term).or_default() += 1;
                }
            }
            let min_count = group.len().min(2);
            let mut scored: Vec<(f64, &str)> = counts
                .into_iter()
                .filter(|&(_, count)| count >= min_count)
                .map(|(term, count)| {
                    let idf = (n / document_frequency[term] as f64).ln();
                    (count as f64 / group.len() as f64 * idf, term)
                })
                .filter(|&(score, _)| score > 0.0)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            scored.into_iter().take(CANDIDATE_TERMS).map(|(_, term)| term).collect()
        })
        .collect();

    // Larger clusters choose first (ties by index): they are the ones most visitors see.
    let mut by_size: Vec<usize> = (0..k).collect();
    by_size.sort_by_key(|&c| (std::cmp::Reverse(members[c].len()), c));
    // Labels are told apart by their set of terms: "crime · thriller" and "thriller · crime"
    // say the same thing.
    let mut used: HashSet<String> = HashSet::new();
    let mut labels = vec![String::new(); k];
    for c in by_size {
        let options = term_labels(&candidates[c]);
        let label = options
            .iter()
            .find(|label| !used.contains(&term_set(label)))
            .or(options.first())
            .cloned()
            .unwrap_or_else(|| title_label(items, &members[c], popularity, c));
        used.insert(term_set(&label));
        labels[c] = label;
    }
    labels
}

/// A label's terms in sorted order, as one string.
fn term_set(label: &str) -> String {
    let mut terms: Vec<&str> = label.split(SEPARATOR).collect();
    terms.sort_unstable();
    terms.join(SEPARATOR)
}

/// Labels from a cluster's candidate terms (best first), most preferred first: the best
/// pair, then the other pairs of candidates (by rank sum), then the best pair plus a third
/// term; a single term when there is only one.
fn term_labels(candidates: &[&str]) -> Vec<String> {
    let mut options: Vec<Vec<&str>> = Vec::new();
    if candidates.len() < TERMS_PER_LABEL {
        options.extend(candidates.first().map(|&t| vec![t]));
    } else {
        let mut pairs: Vec<(usize, usize)> =
            (0..candidates.len()).flat_map(|i| (i + 1..candidates.len()).map(move |j| (i, j))).collect();
        pairs.sort_by_key(|&(i, j)| (i + j, i));
        options.extend(pairs.into_iter().map(|(i, j)| vec![candidates[i], candidates[j]]));
        options.extend(candidates[TERMS_PER_LABEL..].iter().map(|&t| vec![candidates[0], candidates[1], t]));
    }
    options.into_iter().map(|terms| bounded(&terms)).filter(|label| !label.is_empty()).collect()
}

/// `terms` joined with [`SEPARATOR`], dropping trailing terms (and cutting a lone one) to
/// stay within [`MAX_LABEL_CHARS`].
fn bounded(terms: &[&str]) -> String {
    for keep in (1..=terms.len()).rev() {
        let label = terms[..keep].join(SEPARATOR);
        if label.chars().count() <= MAX_LABEL_CHARS {
            return label;
        }
    }
    cut(terms.first().copied().unwrap_or_default())
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    format!("{}…", kept.trim_end())
}

/// The fallback for clusters without text: the two most popular of the cluster's most
/// central items (ties: the more central), "A and B", or the first alone when both do not
/// fit.
fn title_label(items: &[ItemMeta], group: &[usize], popularity: &[u32], cluster: usize) -> String {
    let mut central: Vec<(usize, usize)> = group.iter().take(CENTRAL_ITEMS).copied().enumerate().collect();
    central
        .sort_by_key(|&(rank, item)| (std::cmp::Reverse(popularity.get(item).copied().unwrap_or(0)), rank));
    let mut titles: Vec<&str> = Vec::new();
    for (_, item) in central {
        let meta = &items[item];
        let title = [meta.title.trim(), meta.id.trim()].into_iter().find(|t| !t.is_empty());
        if let Some(title) = title.filter(|t| !titles.contains(t)) {
            titles.push(title);
        }
        if titles.len() == 2 {
            break;
        }
    }
    match titles.as_slice() {
        [] => format!("group {}", cluster + 1),
        [first, second] if first.chars().count() + second.chars().count() + 5 <= MAX_LABEL_CHARS => {
            format!("{first} and {second}")
        }
        [first, ..] => cut(first),
    }
}

/// The distinct, lower-cased terms of a subtitle: its pieces between `,` `|` `;` `/` `·`
/// (genre lists: "Crime, Thriller"), or, for pieces longer than [`MAX_TERM_WORDS`] words
/// (prose), their words of four letters or more that are not stopwords.
fn terms(subtitle: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for piece in subtitle.split([',', '|', ';', '/', '·']) {
        let piece = piece.to_lowercase();
        let words: Vec<&str> = piece
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .collect();
        let found: Vec<String> = if words.len() <= MAX_TERM_WORDS {
            (!words.is_empty()).then(|| words.join(" ")).into_iter().collect()
        } else {
            words
                .into_iter()
                .filter(|w| w.chars().count() >= 4 && !STOPWORDS.contains(w))
                .map(str::to_string)
                .collect()
        };
        for term in found {
            if seen.insert(term.clone()) {
                out.push(term);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(i: usize, title: &str, subtitle: &str) -> ItemMeta {
        ItemMeta { id: i.to_string(), title: title.into(), subtitle: subtitle.into(), url: None }
    }

    /// Clusters given as each item's cluster, items in index order (= centrality order).
    fn grouped(assignment: &[u32]) -> Clusters {
        let k = assignment.iter().max().map_or(0, |&m| m as usize + 1);
        let mut order: Vec<u32> = (0..assignment.len() as u32).collect();
        order.sort_by_key(|&i| assignment[i as usize]);
        Clusters { centroids: vec![], assignment: assignment.to_vec(), order, labels: vec![String::new(); k] }
    }

    fn genre_catalogue() -> (Vec<ItemMeta>, Clusters) {
        let subtitles = [
            "Crime, Thriller, Drama",
            "Crime|Thriller",
            "Drama, Crime, Thriller",
            "Comedy, Romance, Drama",
            "Comedy, Drama, Romance",
            "Romance, Comedy",
            "Drama",
            "Drama",
        ];
        let items = subtitles.iter().enumerate().map(|(i, s)| item(i, &format!("Film {i}"), s)).collect();
        (items, grouped(&[0, 0, 0, 1, 1, 1, 0, 1]))
    }

    fn check_readable(labels: &[String]) {
        for label in labels {
            assert!(!label.trim().is_empty(), "{labels:?}");
            assert!(label.chars().count() <= MAX_LABEL_CHARS, "{label}");
            let terms: Vec<&str> = label.split(SEPARATOR).collect();
            let distinct: BTreeSet<&str> = terms.iter().copied().collect();
            assert_eq!(distinct.len(), terms.len(), "a term repeats in {label}");
        }
    }

    #[test]
    fn names_clusters_by_their_distinctive_terms() {
        let (items, clusters) = genre_catalogue();
        let labels = label_clusters(&items, &clusters, &[0; 8]);
        // "drama" is everywhere, so it names nothing; equal scores break by term.
        assert_eq!(labels, ["crime · thriller", "comedy · romance"]);
    }

    #[test]
    fn labels_are_stable() {
        let (items, clusters) = genre_catalogue();
        let first = label_clusters(&items, &clusters, &[3, 1, 4, 1, 5, 9, 2, 6]);
        for _ in 0..5 {
            assert_eq!(label_clusters(&items, &clusters, &[3, 1, 4, 1, 5, 9, 2, 6]), first);
        }
    }

    #[test]
    fn labels_are_readable_and_distinct() {
        // Six clusters over the same few genres, with long and prose subtitles.
        let genres = ["Action", "Adventure", "Sci-Fi", "Horror", "Mystery", "Documentary"];
        let mut items = Vec::new();
        let mut assignment = Vec::new();
        for c in 0..6u32 {
            for j in 0..8usize {
                let i = items.len();
                let subtitle = match c {
                    4 => {
                        "A sweeping story about a family of travelling musicians and their long journey home"
                            .into()
                    }
                    5 => format!(
                        "{}, a very long genre name that goes on and on and on, {}",
                        genres[j % 2],
                        "x".repeat(90)
                    ),
                    _ => format!(
                        "{}, {}, {}",
                        genres[c as usize % 2],
                        genres[2 + (j % 3)],
                        genres[(c as usize + j) % 6]
                    ),
                };
                items.push(item(i, &format!("Title {i}"), &subtitle));
                assignment.push(c);
            }
        }
        let clusters = grouped(&assignment);
        let labels = label_clusters(&items, &clusters, &vec![1; items.len()]);
        check_readable(&labels);
        let distinct: BTreeSet<String> = labels.iter().map(|l| term_set(l)).collect();
        assert_eq!(distinct.len(), labels.len(), "same terms in two labels: {labels:?}");
        assert!(labels[4].contains("musicians") || labels[4].contains("family"), "{labels:?}");
    }

    #[test]
    fn without_text_the_most_popular_central_titles_name_a_cluster() {
        let items: Vec<ItemMeta> = (0..6).map(|i| item(i, &format!("Title {i}"), "")).collect();
        let clusters = grouped(&[0, 0, 0, 1, 1, 1]);
        let labels = label_clusters(&items, &clusters, &[1, 5, 5, 0, 0, 0]);
        assert_eq!(labels, ["Title 1 and Title 2", "Title 3 and Title 4"]);
        let long: Vec<ItemMeta> = (0..2).map(|i| item(i, &"Long title ".repeat(10), "")).collect();
        let labels = label_clusters(&long, &grouped(&[0, 0]), &[0, 0]);
        check_readable(&labels);
        assert!(labels[0].ends_with('…'), "{labels:?}");
    }

    #[test]
    fn terms_split_lists_and_prose() {
        assert_eq!(terms("Crime, Thriller|Film-Noir; crime"), ["crime", "thriller", "film-noir"]);
        assert_eq!(
            terms("The story of a lonely robot who cleans the earth"),
            ["lonely", "robot", "cleans", "earth"]
        );
        assert!(terms("").is_empty());
    }
}
