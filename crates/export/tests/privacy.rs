//! Privacy modes of a sharded bundle: which files each request fetches, and that the mode
//! never changes an answer that has its files.

use std::path::Path;

use gnnrec_bundle::read_file;
use gnnrec_ranking::{DECOYS, HistoryEvent, Privacy, Ranked, STRICT_DEFAULT_MAX_BYTES, ShardedRanker};

mod common;

use common::*;

/// A visitor's request: a search (the text vector of a catalogue item as the query) or a
/// recommendation.
enum Request {
    Search(usize, Vec<HistoryEvent>),
    Recommend(Vec<HistoryEvent>),
}

/// Two visitors with nothing in common: other topics, other likes.
fn visitors() -> [Vec<Request>; 2] {
    [
        vec![
            Request::Search(2, vec![]),
            Request::Recommend(vec![like("m1", 0.0), like("m5", 1.0)]),
            Request::Search(6, vec![like("m1", 0.0)]),
        ],
        vec![
            Request::Recommend(vec![like("m3", 0.0)]),
            Request::Search(8, vec![like("m3", 0.0), like("m7", 2.0)]),
            Request::Search(11, vec![]),
            Request::Recommend(vec![]),
        ],
    ]
}

fn ranker(v2: &Path, privacy: Privacy) -> ShardedRanker {
    let mut ranker = ShardedRanker::read_dir(v2).unwrap();
    // Probe fewer shards than there are, so that what a request needs depends on it.
    ranker.set_gnn_probe(2);
    ranker.set_text_probe(2);
    ranker.set_privacy(privacy, b"a seed from the browser");
    ranker
}

/// Answers `request`, fetching what the ranker asks for from `v2`; the answer and the paths.
fn answer(ranker: &mut ShardedRanker, v2: &Path, request: &Request) -> (Ranked, Vec<String>) {
    let text = fixture().text;
    let fetch = |path: &str| read_file(v2, path);
    match request {
        Request::Search(row, history) => ranker.complete(|r| r.search(&text[*row], history, 10), fetch),
        Request::Recommend(history) => ranker.complete(|r| r.recommend(history, 10), fetch),
    }
    .unwrap()
}

/// Strict mode's background download of `paths` (in order), logged.
fn arrive(ranker: &mut ShardedRanker, v2: &Path, paths: &[String], log: &mut Vec<String>) {
    for path in paths {
        ranker.add_file(path, &read_file(v2, path).unwrap()).unwrap();
        log.push(path.clone());
    }
}

#[test]
fn strict_fetches_the_same_files_in_the_same_order_whatever_the_visitor_does() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let logs: Vec<Vec<String>> = visitors()
        .iter()
        .map(|requests| {
            let mut ranker = ranker(&v2, Privacy::Strict);
            let order = ranker.fetch_order();
            let mut log = Vec::new();
            // Requests before anything, halfway, and after everything has arrived.
            for arrived in [0, order.len() / 2, order.len()] {
                let already = log.len();
                arrive(&mut ranker, &v2, &order[already..arrived], &mut log);
                for request in requests {
                    let (ranked, fetched) = answer(&mut ranker, &v2, request);
                    assert!(fetched.is_empty(), "a request fetched {fetched:?}");
                    assert!(ranked.ignored_history.is_empty(), "{:?}", ranked.ignored_history);
                }
            }
            log
        })
        .collect();
    assert_eq!(logs[0], logs[1]);
    let manifest = ShardedRanker::read_dir(&v2).unwrap().manifest().clone();
    let files = manifest.directory.len() + manifest.gnn_shards.len() + manifest.text_shards.len();
    let mut unique = logs[0].clone();
    unique.sort();
    unique.dedup();
    assert_eq!((logs[0].len(), unique.len()), (files, files), "every file once");
}

#[test]
fn strict_answers_from_what_has_arrived_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let mut strict = ranker(&v2, Privacy::Strict);
    let history = vec![like("m1", 0.0), like("m5", 1.0)];
    let (before, _) = answer(&mut strict, &v2, &Request::Recommend(history.clone()));
    assert!(!before.results.is_empty(), "the core's popular items answer");
    assert!(before.notices.iter().any(|n| n.contains("privacy=strict: 0 of")), "{:?}", before.notices);
    // Once everything has arrived, strict answers as a reader that fetches on demand.
    let order = strict.fetch_order();
    arrive(&mut strict, &v2, &order, &mut Vec::new());
    let mut off = ranker(&v2, Privacy::Off);
    for requests in visitors() {
        for request in &requests {
            let (strict_answer, _) = answer(&mut strict, &v2, request);
            let (off_answer, _) = answer(&mut off, &v2, request);
            assert_eq!(strict_answer, off_answer);
        }
    }
}

#[test]
fn balanced_hides_each_needed_group_among_decoys_and_answers_as_off() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let mut padded = 0;
    for requests in visitors() {
        for request in &requests {
            // A first visit for each request (nothing resident yet), against a reader that has
            // every file already and so fetches no decoys.
            let mut fresh = ranker(&v2, Privacy::Balanced);
            let (answer_with_decoys, fetched) = answer(&mut fresh, &v2, request);
            let mut whole = ranker(&v2, Privacy::Balanced);
            whole.set_memory_cap(usize::MAX);
            let order = whole.fetch_order();
            arrive(&mut whole, &v2, &order, &mut Vec::new());
            let (answer_alone, none) = answer(&mut whole, &v2, request);
            assert_eq!(answer_with_decoys, answer_alone);
            assert!(none.is_empty(), "{none:?}");
            // What the request alone needs is among what it fetched, with at most DECOYS groups
            // of the same size beside it.
            let (off_answer, needed) = answer(&mut ranker(&v2, Privacy::Off), &v2, request);
            assert_eq!(answer_alone, off_answer);
            let groups = needed.len().max(1);
            assert!(fetched.len() <= (DECOYS + 1) * groups * 2, "{fetched:?} for {needed:?}");
            padded += usize::from(fetched.len() > needed.len());
        }
    }
    assert!(padded >= 5, "only {padded} requests fetched decoys");
}

#[test]
fn balanced_decoys_depend_on_the_seed_not_on_the_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = sharded(dir.path(), None, 600);
    let request = Request::Search(2, vec![]);
    let fetched = |seed: &[u8]| {
        let mut ranker = ranker(&v2, Privacy::Off);
        ranker.set_privacy(Privacy::Balanced, seed);
        answer(&mut ranker, &v2, &request).1
    };
    assert_eq!(fetched(b"one"), fetched(b"one"));
    let seeds: [&[u8]; 4] = [b"one", b"two", b"three", b"four"];
    let distinct: std::collections::BTreeSet<Vec<String>> = seeds.iter().map(|s| fetched(s)).collect();
    assert!(distinct.len() > 1, "the decoys never changed with the seed");
}

#[test]
fn modes_parse_and_default_by_bundle_size() {
    assert_eq!("strict".parse::<Privacy>().unwrap(), Privacy::Strict);
    assert_eq!("balanced".parse::<Privacy>().unwrap(), Privacy::Balanced);
    assert_eq!("off".parse::<Privacy>().unwrap(), Privacy::Off);
    let error = "none".parse::<Privacy>().unwrap_err().to_string();
    assert!(error.contains("\"none\"") && error.contains("strict"), "{error}");
    assert_eq!(Privacy::default_for(STRICT_DEFAULT_MAX_BYTES), Privacy::Strict);
    assert_eq!(Privacy::default_for(STRICT_DEFAULT_MAX_BYTES + 1), Privacy::Balanced);
    assert_eq!(Privacy::Balanced.to_string(), "balanced");
}
