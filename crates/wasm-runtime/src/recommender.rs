//! The `Recommender` class exported to JavaScript: a bundle, its encoder, and the shared
//! ranking crate (the same code `train-cli query` runs).

use std::rc::Rc;

use gnnrec_bundle::ENCODER_FILES;
use gnnrec_ranking::Ranker;
use gnnrec_runtime::v1;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::encoder_slot::EncoderSlot;
use crate::js_values::{named_files, parse_history, to_js};

/// A loaded bundle ready to search and recommend, entirely in the browser.
#[wasm_bindgen]
pub struct Recommender {
    ranker: Rc<Ranker>,
    encoder: Rc<EncoderSlot>,
}

#[wasm_bindgen]
impl Recommender {
    /// The files (paths relative to the manifest) to fetch for this manifest, in order.
    #[wasm_bindgen(js_name = requiredFiles)]
    pub fn required_files(manifest: &[u8]) -> Result<Vec<String>, JsError> {
        Ok(v1::required_files(manifest)?)
    }

    /// The encoder's files among `requiredFiles`: a page that may never search leaves them
    /// out of `load` and passes `fetchEncoder` instead.
    #[wasm_bindgen(js_name = encoderFiles)]
    pub fn encoder_files() -> Vec<String> {
        ENCODER_FILES.iter().map(|name| name.to_string()).collect()
    }

    /// Checks (sizes, SHA-256, version, dimensions) and loads a bundle from the bytes of
    /// `manifest.json` and of the files listed by `requiredFiles` (`names[i]` ↔
    /// `contents[i]`), then the encoder on `backend` (`"auto"`, `"webgpu"`, `"cpu"`). Without
    /// the encoder's files, `fetchEncoder(names)` (resolving to their stored bytes) is called
    /// on the first search, and they are checked then.
    pub async fn load(
        manifest: Vec<u8>,
        names: Vec<String>,
        contents: Array,
        backend: String,
        fetch_encoder: Option<Function>,
    ) -> Result<Recommender, JsError> {
        let bundle = v1::load(&manifest, &named_files(names, &contents)?)?;
        let (has_text, listed) = (bundle.manifest.text.is_some(), &bundle.manifest.files);
        let encoder =
            EncoderSlot::new(bundle.encoder.as_ref(), has_text, listed, &backend, fetch_encoder).await?;
        Ok(Recommender { ranker: Rc::new(bundle.ranker), encoder })
    }

    /// The query encoder's backend: `"webgpu"`, `"cpu"`, `"none"` (no text in the bundle) or
    /// `"deferred"` (it loads on the first search).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.encoder.backend()
    }

    /// Why the query encoder runs on this backend when it was not simply the one asked for:
    /// no WebGPU, a software adapter, or the load-time measurement (`undefined` otherwise).
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.encoder.fallback_reason()
    }

    /// Number of catalogue items.
    #[wasm_bindgen(getter, js_name = itemCount)]
    pub fn item_count(&self) -> usize {
        self.ranker.items().len()
    }

    /// Resolves to `{results: [{index, id, title, subtitle, url?, score, why, because}],
    /// ignoredHistory}` for a text query and the visitor's history
    /// (`[{id, timestampMs}]`).
    pub fn search(&self, query: String, history: JsValue, k: usize) -> Promise {
        let (ranker, encoder) = (Rc::clone(&self.ranker), Rc::clone(&self.encoder));
        let history = parse_history(history);
        future_to_promise(async move {
            let history = history.map_err(JsError::from)?;
            let encoder = encoder.get().await?;
            let query = Ranker::prepare_query(&query).map_err(JsError::from)?;
            let mut rows = encoder.encode(&[query]).await.map_err(JsError::from)?;
            let ranked = ranker.search(&rows.remove(0), &history, k).map_err(JsError::from)?;
            Ok(to_js(&ranked).map_err(JsError::from)?)
        })
    }

    /// `{results, ignoredHistory}`: the best unseen items for the history.
    pub fn recommend(&self, history: JsValue, k: usize) -> Result<JsValue, JsError> {
        let ranked = self.ranker.recommend(&parse_history(history)?, k)?;
        Ok(to_js(&ranked)?)
    }
}
