//! A bundle's query encoder: loaded with the bundle, or on the first query when the page
//! loaded the bundle without the encoder's files (a page that only recommends never needs the
//! ~18 MB encoder). The files then come from a JavaScript callback and are checked against the
//! manifest like every other file.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use gnnrec_bundle::{ENCODER_FILES, EncoderBytes, FileEntry};
use gnnrec_ranking::RankError;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::encoder::{Loaded, load_encoder};
use crate::error::RuntimeError;
use crate::js_values::named_files;

/// How to load the encoder on the first query.
struct Deferred {
    /// The manifest's entries of the encoder files.
    listed: BTreeMap<String, FileEntry>,
    /// `fetch(names) → Promise<Uint8Array[]>`: the stored bytes of the named files.
    fetch: Function,
    backend: String,
}

/// The encoder of a bundle, shared by the requests that use it.
pub(crate) struct EncoderSlot {
    loaded: RefCell<Option<Rc<Loaded>>>,
    fallback_reason: RefCell<Option<String>>,
    deferred: Option<Deferred>,
}

impl EncoderSlot {
    /// The slot of a bundle whose encoder files `bytes` were given at load (none: a bundle
    /// without text, or one whose encoder `fetch` loads on the first query).
    pub(crate) async fn new(
        bytes: Option<&EncoderBytes>,
        has_text: bool,
        listed: &BTreeMap<String, FileEntry>,
        backend: &str,
        fetch: Option<Function>,
    ) -> Result<Rc<Self>, RuntimeError> {
        let (loaded, reason) = match bytes {
            Some(bytes) => {
                let (loaded, reason) = load_encoder(&bytes.files(), backend).await?;
                (Some(Rc::new(loaded)), reason)
            }
            None => (None, None),
        };
        let deferred = match (loaded.is_none() && has_text, fetch) {
            (true, Some(fetch)) => Some(Deferred {
                listed: ENCODER_FILES
                    .iter()
                    .filter_map(|name| listed.get(*name).map(|entry| (name.to_string(), entry.clone())))
                    .collect(),
                fetch,
                backend: backend.to_string(),
            }),
            _ => None,
        };
        Ok(Rc::new(Self { loaded: RefCell::new(loaded), fallback_reason: RefCell::new(reason), deferred }))
    }

    /// The encoder's backend: `"webgpu"`, `"cpu"`, `"none"` (no text), or `"deferred"` (it
    /// loads on the first query).
    pub(crate) fn backend(&self) -> String {
        match (&*self.loaded.borrow(), &self.deferred) {
            (Some(loaded), _) => loaded.backend().into(),
            (None, Some(_)) => "deferred".into(),
            (None, None) => "none".into(),
        }
    }

    /// Why the encoder runs on its backend when that was not simply the one asked for.
    pub(crate) fn fallback_reason(&self) -> Option<String> {
        self.fallback_reason.borrow().clone()
    }

    /// The encoder, loaded now if it was deferred; a bundle without text has none. Errors
    /// are JavaScript `Error`s (a failed fetch's own error, or a typed one naming the file).
    pub(crate) async fn get(self: Rc<Self>) -> Result<Rc<Loaded>, JsValue> {
        if let Some(loaded) = self.loaded.borrow().clone() {
            return Ok(loaded);
        }
        let js = |e: RuntimeError| JsValue::from(JsError::from(e));
        let deferred =
            self.deferred.as_ref().ok_or_else(|| JsValue::from(JsError::from(RankError::NoTextIndex)))?;
        let names: Vec<String> = ENCODER_FILES.iter().map(|name| name.to_string()).collect();
        let asked = Array::from_iter(names.iter().map(|name| JsValue::from_str(name)));
        let promise: Promise = deferred
            .fetch
            .call1(&JsValue::NULL, &asked)?
            .dyn_into()
            .map_err(|_| js(RuntimeError::EncoderFetch("did not return a promise")))?;
        let contents: Array = JsFuture::from(promise)
            .await?
            .dyn_into()
            .map_err(|_| js(RuntimeError::EncoderFetch("did not resolve to an array")))?;
        let files: HashMap<String, Vec<u8>> = named_files(names, &contents).map_err(js)?;
        let bytes = EncoderBytes::from_listed(&deferred.listed, &files)
            .map_err(|e| JsValue::from(JsError::from(e)))?;
        let (loaded, reason) = load_encoder(&bytes.files(), &deferred.backend).await.map_err(js)?;
        let loaded = Rc::new(loaded);
        *self.loaded.borrow_mut() = Some(Rc::clone(&loaded));
        *self.fallback_reason.borrow_mut() = reason;
        Ok(loaded)
    }
}
