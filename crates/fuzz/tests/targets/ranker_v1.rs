//! A v1 bundle (the frozen `v1-sage`) with one file edited and re-signed, or none, loaded
//! and asked arbitrary `search`, `recommend` and query-text calls: each gives a typed error
//! or at most `k` items of the catalogue.

use bolero::check;
use gnnrec_bundle::{V1Content, file_names, parse_manifest};
use gnnrec_fuzz::{Edit, Tally, fixture};
use gnnrec_ranking::{LoadedBundle, Ranker};

use crate::calls::{Count, Event, Vector, check_ranked, history};

/// One call of the page.
#[derive(Debug, Clone, bolero::TypeGenerator)]
enum Call {
    Recommend(Vec<Event>, Count),
    Search(Vector, Vec<Event>, Count),
    PrepareQuery(String),
}

#[test]
fn ranker_v1() {
    let bundle = "v1-sage";
    let (manifest, files) = V1Content::read_stored(&fixture::dir(bundle)).unwrap();
    let manifest_bytes = fixture::stored(bundle, file_names::MANIFEST);
    let names: Vec<String> = manifest.files.keys().cloned().collect();
    let ids: Vec<String> = LoadedBundle::from_files(manifest.clone(), &files)
        .unwrap()
        .ranker
        .items()
        .iter()
        .map(|item| item.id.clone())
        .collect();
    let encoder_dim = manifest.text.as_ref().map_or(384, |t| t.encoder_dim);
    let tally = Tally::new("ranker_v1");
    check!().with_type::<(Option<(u8, Edit)>, Vec<Call>)>().with_test_time(super::CI_TIME).for_each(
        |(edit, calls)| {
            let (mut manifest, mut files) = (manifest.clone(), files.clone());
            if let Some((which, edit)) = edit {
                match names.get(usize::from(*which) % (names.len() + 1)) {
                    None => match parse_manifest(&edit.apply(&manifest_bytes)) {
                        Ok(edited) => manifest = edited,
                        Err(_) => return tally.count(false),
                    },
                    Some(name) => {
                        let entry = manifest.files.get_mut(name).unwrap();
                        let content = fixture::content(bundle, entry.stored_path(name), entry);
                        files.insert(name.clone(), fixture::resign(entry, &edit.apply(&content)));
                    }
                }
            }
            let loaded = LoadedBundle::from_files(manifest, &files);
            tally.count(loaded.is_ok());
            let Ok(loaded) = loaded else { return };
            let ranker = &loaded.ranker;
            let n_items = ranker.items().len();
            for call in calls {
                match call {
                    Call::Recommend(events, k) => {
                        if let Ok(ranked) = ranker.recommend(&history(events, &ids), k.get()) {
                            check_ranked(&ranked, k.get(), n_items);
                        }
                    }
                    Call::Search(vector, events, k) => {
                        let query = vector.get(encoder_dim);
                        if let Ok(ranked) = ranker.search(&query, &history(events, &ids), k.get()) {
                            check_ranked(&ranked, k.get(), n_items);
                        }
                    }
                    Call::PrepareQuery(text) => {
                        if let Ok(query) = Ranker::prepare_query(text) {
                            assert!(!query.is_empty() && text.contains(query));
                        }
                    }
                }
            }
        },
    );
}
