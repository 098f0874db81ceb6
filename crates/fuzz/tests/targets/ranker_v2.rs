//! A v2 bundle (the frozen `v2-lightgcn`) with one file edited and re-signed (the manifest,
//! a core file, a shard or a directory bucket), or none, loaded and driven as a page drives
//! it: whole requests, single steps left unfinished, files handed over (any bytes, any path)
//! or reported unavailable, in any privacy mode with any decoy seed. Each call gives a typed
//! error or at most `k` catalogue items.

use std::collections::HashMap;

use bolero::check;
use gnnrec_bundle::{
    BundleError, CoreContent, DirectoryBucket, FileEntry, ShardEntry, ShardedManifest, file_names,
    read_listed,
};
use gnnrec_fuzz::{BytesEdit, Edit, Tally, fixture};
use gnnrec_ranking::{Privacy, RankError, Ranked, ShardedRanker, Step};

use crate::calls::{Count, Event, Vector, check_ranked, history};

const BUNDLE: &str = "v2-lightgcn";

/// One call of the page.
#[derive(Debug, Clone, bolero::TypeGenerator)]
enum Call {
    Recommend(Vec<Event>, Count),
    Search(Vector, Vec<Event>, Count),
    /// One step of a recommendation, not completed.
    RecommendStep(Vec<Event>, Count),
    /// The stored bytes of shard or bucket `n`, edited and not re-signed, under its path or
    /// under any path.
    AddFile(u8, Vec<BytesEdit>, Option<String>),
    MarkUnavailable(u8, String),
    BeginRequest,
    /// A privacy mode (strict, balanced, off by `mode % 3`) and a decoy seed.
    Privacy(u8, Vec<u8>),
}

/// The shard and directory files of the bundle, by path.
fn shard_files(manifest: &ShardedManifest) -> HashMap<String, Vec<u8>> {
    let entries = manifest.gnn_shards.iter().chain(&manifest.text_shards).chain(&manifest.directory);
    entries.map(|e| (e.path.clone(), fixture::stored(BUNDLE, &e.path))).collect()
}

/// The `n`-th file of `manifest` (modulo its files and itself; `None`: the manifest): its
/// name among the core files (a shard or bucket has none), its stored path and its entry.
fn entry_mut(manifest: &mut ShardedManifest, n: usize) -> Option<(Option<String>, String, &mut FileEntry)> {
    let core =
        manifest.core.iter_mut().map(|(name, e)| (Some(name.clone()), e.stored_path(name).to_string(), e));
    let shards =
        manifest.gnn_shards.iter_mut().chain(&mut manifest.text_shards).chain(&mut manifest.directory);
    let mut all: Vec<_> = core.chain(shards.map(|s| (None, s.path.clone(), &mut s.file))).collect();
    let n = n % (all.len() + 1);
    (n < all.len()).then(|| all.swap_remove(n))
}

/// The catalogue's ids, from the directory buckets.
fn item_ids(manifest: &ShardedManifest) -> Vec<String> {
    let shard_items: Vec<usize> = manifest.gnn_shards.iter().map(|s| s.items).collect();
    let (buckets, n) = (manifest.directory.len(), manifest.model.n_items);
    let read = |(b, entry): (usize, &ShardEntry)| {
        let content = fixture::content(BUNDLE, &entry.path, &entry.file);
        DirectoryBucket::from_bytes(&content, b, buckets, n, &shard_items).unwrap().entries
    };
    manifest.directory.iter().enumerate().flat_map(read).map(|entry| entry.id).collect()
}

#[test]
fn ranker_v2() {
    let manifest_bytes = fixture::stored(BUNDLE, file_names::MANIFEST);
    let manifest = ShardedManifest::parse(&manifest_bytes).unwrap();
    let core =
        read_listed(&fixture::dir(BUNDLE), &manifest.core, CoreContent::required_files(&manifest)).unwrap();
    let shards = shard_files(&manifest);
    let ids = item_ids(&manifest);
    let encoder_dim = manifest.text.as_ref().map_or(384, |t| t.encoder_dim);
    let paths: Vec<String> = shards.keys().cloned().collect();
    let tally = Tally::new("ranker_v2");
    check!().with_type::<(Option<(u8, Edit)>, Vec<Call>)>().with_test_time(super::CI_TIME).for_each(
        |(edit, calls)| {
            let (mut manifest, mut core, mut shards) = (manifest.clone(), core.clone(), shards.clone());
            if let Some((which, edit)) = edit {
                match entry_mut(&mut manifest, usize::from(*which)) {
                    None => match ShardedManifest::parse(&edit.apply(&manifest_bytes)) {
                        Ok(edited) => manifest = edited,
                        Err(_) => return tally.count(false),
                    },
                    Some((name, path, entry)) => {
                        let content = fixture::content(BUNDLE, &path, entry);
                        let stored = fixture::resign(entry, &edit.apply(&content));
                        match name {
                            Some(name) => core.insert(name, stored),
                            None => shards.insert(path, stored),
                        };
                    }
                }
            }
            let ranker = ShardedRanker::new(manifest, &core);
            tally.count(ranker.is_ok());
            let Ok(mut ranker) = ranker else { return };
            let n_items = ranker.manifest().model.n_items;
            let fetch =
                |path: &str| shards.get(path).cloned().ok_or(BundleError::Missing { file: path.into() });
            for call in calls {
                let answer: Option<(Result<Ranked, RankError>, usize)> = match call {
                    Call::Recommend(events, k) => {
                        let history = history(events, &ids);
                        let done = ranker.complete(|r| r.recommend(&history, k.get()), fetch);
                        Some((done.map(|(ranked, _)| ranked), k.get()))
                    }
                    Call::Search(vector, events, k) => {
                        let (query, history) = (vector.get(encoder_dim), history(events, &ids));
                        let done = ranker.complete(|r| r.search(&query, &history, k.get()), fetch);
                        Some((done.map(|(ranked, _)| ranked), k.get()))
                    }
                    Call::RecommendStep(events, k) => match ranker.recommend(&history(events, &ids), k.get())
                    {
                        Ok(Step::Done(ranked)) => Some((Ok(ranked), k.get())),
                        _ => None,
                    },
                    Call::AddFile(n, edits, path) => {
                        let own = &paths[usize::from(*n) % paths.len()];
                        let mut bytes = shards[own].clone();
                        edits.iter().for_each(|edit| edit.apply(&mut bytes));
                        let _ = ranker.add_file(path.as_deref().unwrap_or(own), &bytes);
                        None
                    }
                    Call::MarkUnavailable(n, reason) => {
                        ranker.mark_unavailable(&paths[usize::from(*n) % paths.len()], reason.clone());
                        None
                    }
                    Call::BeginRequest => {
                        ranker.begin_request();
                        None
                    }
                    Call::Privacy(mode, seed) => {
                        let mode = [Privacy::Strict, Privacy::Balanced, Privacy::Off][usize::from(*mode) % 3];
                        ranker.set_privacy(mode, seed);
                        None
                    }
                };
                if let Some((Ok(ranked), k)) = answer {
                    check_ranked(&ranked, k, n_items);
                }
            }
        },
    );
}
