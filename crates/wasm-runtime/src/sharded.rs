//! The `ShardedRecommender` class exported to JavaScript: a sharded (v2) bundle whose
//! shards the page fetches on demand. Each request is a step function: it returns either
//! the answer or `{need: [paths]}`; the caller fetches those files (in parallel, from the
//! Cache API or the network), hands them over with `addFile` (or reports them with
//! `markUnavailable`), and calls the step again.

use std::rc::Rc;

use gnnrec_ranking::{Ranked, Ranker, Step};
use gnnrec_runtime::v2::{self, Sharded};
use js_sys::{Array, Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::encoder_slot::EncoderSlot;
use crate::js_values::{named_files, parse_history, to_js};

/// A sharded bundle in the browser: its core is loaded, its shards arrive on demand.
#[wasm_bindgen]
pub struct ShardedRecommender {
    ranker: Sharded,
    encoder: Rc<EncoderSlot>,
}

/// A step's result as JavaScript sees it.
#[derive(Serialize)]
#[serde(untagged)]
enum StepJs<'a> {
    Need { need: &'a [String] },
    Done(&'a Ranked),
}

fn step_to_js(step: &Step<Ranked>) -> Result<JsValue, JsError> {
    let js = match step {
        Step::Need(paths) => StepJs::Need { need: paths },
        Step::Done(ranked) => StepJs::Done(ranked),
    };
    Ok(to_js(&js)?)
}

#[wasm_bindgen]
impl ShardedRecommender {
    /// The core files (paths relative to the manifest) to fetch before `load`.
    #[wasm_bindgen(js_name = requiredFiles)]
    pub fn required_files(manifest: &[u8]) -> Result<Vec<String>, JsError> {
        Ok(v2::required_files(manifest)?)
    }

    /// Checks and loads the core from the bytes of `manifest.json` and of the files listed
    /// by `requiredFiles` (`names[i]` ↔ `contents[i]`), then the encoder on `backend`; as
    /// `Recommender.load`, the encoder's files may be left out for `fetchEncoder`.
    pub async fn load(
        manifest: Vec<u8>,
        names: Vec<String>,
        contents: Array,
        backend: String,
        fetch_encoder: Option<Function>,
    ) -> Result<ShardedRecommender, JsError> {
        let ranker = v2::load(&manifest, &named_files(names, &contents)?)?;
        let (has_text, listed) = (ranker.manifest().text.is_some(), &ranker.manifest().core);
        let encoder = EncoderSlot::new(ranker.encoder(), has_text, listed, &backend, fetch_encoder).await?;
        Ok(Self { ranker: Sharded::from(ranker), encoder })
    }

    /// The query encoder's backend: `"webgpu"`, `"cpu"`, or `"none"` (no text).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.encoder.backend()
    }

    /// Why the encoder runs on this backend when it was not simply the one asked for.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.encoder.fallback_reason()
    }

    /// Number of catalogue items.
    #[wasm_bindgen(getter, js_name = itemCount)]
    pub fn item_count(&self) -> usize {
        self.ranker.item_count()
    }

    /// Bytes of decoded shards held in memory.
    #[wasm_bindgen(getter, js_name = residentBytes)]
    pub fn resident_bytes(&self) -> usize {
        self.ranker.resident_bytes()
    }

    /// Every shard and directory file of the bundle, in the fixed order strict privacy
    /// downloads them (and the offline copy stores them).
    #[wasm_bindgen(js_name = shardFiles)]
    pub fn shard_files(&self) -> Vec<String> {
        self.ranker.shard_files()
    }

    /// Sets the privacy mode (`"strict"`, `"balanced"`, `"off"`; `""` or `"auto"`: strict for
    /// bundles whose shards total at most `STRICT_DEFAULT_MAX_BYTES`, else balanced) with
    /// random `seed` bytes for the decoys; returns the mode in force.
    #[wasm_bindgen(js_name = setPrivacy)]
    pub fn set_privacy(&self, mode: String, seed: &[u8]) -> Result<String, JsError> {
        Ok(self.ranker.set_privacy(&mode, seed)?)
    }

    /// Resolves to the query's MiniLM embedding (a `Float32Array`), for `searchStep`.
    #[wasm_bindgen(js_name = encodeQuery)]
    pub fn encode_query(&self, query: String) -> Promise {
        let encoder = Rc::clone(&self.encoder);
        future_to_promise(async move {
            let encoder = encoder.get().await?;
            let query = Ranker::prepare_query(&query).map_err(JsError::from)?;
            let mut rows = encoder.encode(&[query]).await.map_err(JsError::from)?;
            Ok(js_sys::Float32Array::from(rows.remove(0).as_slice()).into())
        })
    }

    /// One step of a search: `{need: [paths]}` or `{results, ignoredHistory, notices?}`.
    #[wasm_bindgen(js_name = searchStep)]
    pub fn search_step(&self, embedding: Vec<f32>, history: JsValue, k: usize) -> Result<JsValue, JsError> {
        let history = parse_history(history)?;
        step_to_js(&self.ranker.search_step(&embedding, &history, k)?)
    }

    /// One step of a recommendation: `{need: [paths]}` or `{results, ignoredHistory, notices?}`.
    #[wasm_bindgen(js_name = recommendStep)]
    pub fn recommend_step(&self, history: JsValue, k: usize) -> Result<JsValue, JsError> {
        let history = parse_history(history)?;
        step_to_js(&self.ranker.recommend_step(&history, k)?)
    }

    /// Checks a fetched file against the manifest (size, SHA-256, shape) and keeps it;
    /// the error names the file.
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&self, path: String, stored: &[u8]) -> Result<(), JsError> {
        Ok(self.ranker.add_file(&path, stored)?)
    }

    /// Reports a file that cannot be had (`reason`: offline, HTTP 404, …); the request under
    /// way then answers from the other files and says so in `notices`.
    #[wasm_bindgen(js_name = markUnavailable)]
    pub fn mark_unavailable(&self, path: String, reason: String) {
        self.ranker.mark_unavailable(&path, reason);
    }

    /// Starts a new request: files reported unavailable before are asked for again.
    #[wasm_bindgen(js_name = beginRequest)]
    pub fn begin_request(&self) {
        self.ranker.begin_request();
    }
}
