//! Typed errors of the browser runtime. `#[wasm_bindgen]` methods turn them (and the
//! ranking crate's errors) into a JavaScript `Error` with the same message.

use gnnrec_runtime::CallError;
use gnnrec_text_encoder::EncoderError;
use thiserror::Error;

use crate::backend::UnknownBackend;

/// Why a runtime helper failed.
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// The requested backend name is unknown.
    #[error(transparent)]
    Backend(#[from] UnknownBackend),
    /// The encoder files are unusable, or encoding failed.
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    /// The WebGPU module failed to load or to encode (its JavaScript message).
    #[error("WebGPU encoder: {0}")]
    WebGpu(String),
    /// The history argument is not `[{id, timestampMs}]`.
    #[error("history must be an array of {{id, timestampMs}}: {0}")]
    History(serde_wasm_bindgen::Error),
    /// The results could not be converted to JavaScript values.
    #[error("cannot convert the results: {0}")]
    Results(serde_wasm_bindgen::Error),
    /// The callback that fetches a deferred encoder's files misbehaved.
    #[error("the encoder files' fetch callback {0}")]
    EncoderFetch(&'static str),
    /// A call failed (a bundle or file that cannot be used, a request that cannot be answered,
    /// files that are not bytes).
    #[error(transparent)]
    Call(#[from] CallError),
}
