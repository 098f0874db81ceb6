//! Values crossing the JavaScript boundary: results out as plain objects, a visitor's history
//! and a bundle's files in.

use std::collections::HashMap;

use gnnrec_ranking::HistoryEvent;
use js_sys::{Array, ArrayBuffer, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::RuntimeError;

/// Results as plain JS objects (camelCase fields).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, RuntimeError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(RuntimeError::Results)
}

pub(crate) fn parse_history(history: JsValue) -> Result<Vec<HistoryEvent>, RuntimeError> {
    if history.is_undefined() || history.is_null() {
        return Ok(Vec::new());
    }
    serde_wasm_bindgen::from_value(history).map_err(RuntimeError::History)
}

/// The stored bytes of the files `load` was given, by name (`names[i]` ↔ `contents[i]`); a
/// content that is neither a `Uint8Array` nor an `ArrayBuffer` is an error naming the file.
pub(crate) fn named_files(
    names: Vec<String>,
    contents: &Array,
) -> Result<HashMap<String, Vec<u8>>, RuntimeError> {
    let bytes = |value: JsValue| match value.dyn_into::<Uint8Array>() {
        Ok(array) => Some(array.to_vec()),
        Err(value) => value.dyn_into::<ArrayBuffer>().ok().map(|buffer| Uint8Array::new(&buffer).to_vec()),
    };
    Ok(gnnrec_runtime::named_files(names, contents.iter().map(bytes).collect())?)
}
