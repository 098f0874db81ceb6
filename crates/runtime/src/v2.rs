//! `ShardedRecommender` (a v2 bundle): the core files to fetch, loading, and the ranker behind
//! its `&self` calls ([`Sharded`]). Each call borrows the ranker for its own length only and
//! returns owned values: no JavaScript runs while it is borrowed (converting a result may run
//! a page's code, a setter on `Object.prototype`, which may call again), and a failed call
//! leaves nothing borrowed.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

use gnnrec_bundle::{CoreContent, ShardedManifest};
use gnnrec_ranking::{HistoryEvent, Privacy, Ranked, ShardedRanker, Step};

use crate::error::CallError;

/// A sharded bundle whose core is loaded and whose shards arrive on demand.
pub struct Sharded {
    ranker: RefCell<ShardedRanker>,
}

/// The core files (paths relative to the manifest) to fetch for this `manifest.json`.
pub fn required_files(manifest: &[u8]) -> Result<Vec<String>, CallError> {
    let manifest = ShardedManifest::parse(manifest)?;
    Ok(CoreContent::required_files(&manifest).into_iter().map(String::from).collect())
}

/// Checks and loads the core of `manifest.json` from its files' stored bytes, by name.
pub fn load(manifest: &[u8], files: &HashMap<String, Vec<u8>>) -> Result<ShardedRanker, CallError> {
    Ok(ShardedRanker::new(ShardedManifest::parse(manifest)?, files)?)
}

impl From<ShardedRanker> for Sharded {
    fn from(ranker: ShardedRanker) -> Self {
        Self { ranker: RefCell::new(ranker) }
    }
}

impl Sharded {
    /// The ranker, for one call: no JavaScript runs in any call, so no other call can hold it.
    fn ranker(&self) -> RefMut<'_, ShardedRanker> {
        self.ranker.borrow_mut()
    }

    /// Number of catalogue items.
    pub fn item_count(&self) -> usize {
        self.ranker().manifest().model.n_items
    }

    /// Bytes of decoded shards held in memory.
    pub fn resident_bytes(&self) -> usize {
        self.ranker().resident_bytes()
    }

    /// Every shard and directory file of the bundle (in strict mode's order).
    pub fn shard_files(&self) -> Vec<String> {
        self.ranker().fetch_order()
    }

    /// One step of a search for a query embedding.
    pub fn search_step(
        &self,
        embedding: &[f32],
        history: &[HistoryEvent],
        k: usize,
    ) -> Result<Step<Ranked>, CallError> {
        Ok(self.ranker().search(embedding, history, k)?)
    }

    /// One step of a recommendation.
    pub fn recommend_step(&self, history: &[HistoryEvent], k: usize) -> Result<Step<Ranked>, CallError> {
        Ok(self.ranker().recommend(history, k)?)
    }

    /// Checks a fetched file against the manifest and keeps it.
    pub fn add_file(&self, path: &str, stored: &[u8]) -> Result<(), CallError> {
        Ok(self.ranker().add_file(path, stored)?)
    }

    /// Reports a file that cannot be had.
    pub fn mark_unavailable(&self, path: &str, reason: String) {
        self.ranker().mark_unavailable(path, reason);
    }

    /// Starts a new request.
    pub fn begin_request(&self) {
        self.ranker().begin_request();
    }

    /// Sets the privacy mode by name (`strict`, `balanced`, `off`; `""` or `auto`: the default
    /// for the bundle's size) with the decoys' random `seed`; returns the mode in force.
    pub fn set_privacy(&self, mode: &str, seed: &[u8]) -> Result<String, CallError> {
        let mut ranker = self.ranker();
        let privacy = match mode {
            "" | "auto" => Privacy::default_for(ranker.shard_bytes()),
            name => name.parse()?,
        };
        ranker.set_privacy(privacy, seed);
        Ok(privacy.to_string())
    }
}
