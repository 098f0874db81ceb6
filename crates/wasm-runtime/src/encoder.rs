//! The `Encoder` class exported to JavaScript.

use std::rc::Rc;

use burn::backend::wgpu::{WgpuDevice, graphics, init_setup_async};
use burn::backend::{NdArray, WebGpu, ndarray::NdArrayDevice};
use gnnrec_text_encoder::{EncoderError, EncoderFiles, NamedBytes, TextEncoder};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{Requested, probe_webgpu};
use crate::error::RuntimeError;

/// The encoder on whichever backend was chosen.
// One encoder exists per page, created once: boxing the larger variant would only add an
// indirection to every call.
#[expect(clippy::large_enum_variant, reason = "a single long-lived value per page")]
pub(crate) enum Loaded {
    Cpu(TextEncoder<NdArray>),
    WebGpu(TextEncoder<WebGpu>),
}

impl Loaded {
    pub(crate) async fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        match self {
            Loaded::Cpu(encoder) => encoder.encode_async(texts).await,
            Loaded::WebGpu(encoder) => encoder.encode_async(texts).await,
        }
    }

    fn token_ids(&self, text: &str) -> Result<Vec<u32>, EncoderError> {
        match self {
            Loaded::Cpu(encoder) => encoder.token_ids(text),
            Loaded::WebGpu(encoder) => encoder.token_ids(text),
        }
    }
}

/// Builds the encoder on the requested backend (`"auto"`, `"webgpu"` or `"cpu"`); WebGPU
/// falls back to the CPU when the browser has no adapter, with the reason.
pub(crate) async fn load_encoder(
    files: &EncoderFiles<'_>,
    backend: &str,
) -> Result<(Loaded, Option<String>), RuntimeError> {
    let requested = Requested::parse(backend)?;
    let webgpu = match requested {
        Requested::Cpu => Err(None),
        Requested::Auto | Requested::WebGpu => probe_webgpu().await.map_err(Some),
    };
    Ok(match webgpu {
        Ok(()) => {
            let device = WgpuDevice::default();
            init_setup_async::<graphics::WebGpu>(&device, Default::default()).await;
            (Loaded::WebGpu(TextEncoder::from_files(files, &device)?), None)
        }
        Err(reason) => {
            let encoder = TextEncoder::from_files(files, &NdArrayDevice::Cpu)?;
            (Loaded::Cpu(encoder), reason.map(|r| format!("WebGPU unavailable ({r}); using the CPU backend")))
        }
    })
}

impl Loaded {
    /// `"webgpu"` or `"cpu"`.
    pub(crate) fn backend(&self) -> &'static str {
        match self {
            Loaded::Cpu(_) => "cpu",
            Loaded::WebGpu(_) => "webgpu",
        }
    }
}

/// all-MiniLM-L6-v2 sentence encoder running in the browser.
#[wasm_bindgen]
pub struct Encoder {
    loaded: Rc<Loaded>,
    fallback_reason: Option<String>,
}

#[wasm_bindgen]
impl Encoder {
    /// Builds the encoder from the bytes of `config.json`, the weights
    /// (`model.safetensors` or `model.int8.safetensors`) and `tokenizer.json`.
    /// `backend` is `"auto"`, `"webgpu"` or `"cpu"`; WebGPU falls back to the CPU
    /// when the browser has no adapter (see `fallbackReason`).
    pub async fn load(
        config: Vec<u8>,
        weights: Vec<u8>,
        tokenizer: Vec<u8>,
        weights_name: String,
        backend: String,
    ) -> Result<Encoder, JsError> {
        let files = EncoderFiles {
            config: NamedBytes { name: "config.json", bytes: &config },
            weights: NamedBytes { name: &weights_name, bytes: &weights },
            tokenizer: NamedBytes { name: "tokenizer.json", bytes: &tokenizer },
        };
        let (loaded, fallback_reason) = load_encoder(&files, &backend).await?;
        Ok(Encoder { loaded: Rc::new(loaded), fallback_reason })
    }

    /// The active backend: `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.loaded.backend().into()
    }

    /// Why WebGPU was not used although it was asked for (`undefined` otherwise).
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.fallback_reason.clone()
    }

    /// Token ids the model sees for `text`.
    #[wasm_bindgen(js_name = tokenIds)]
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, JsError> {
        Ok(self.loaded.token_ids(text)?)
    }

    /// Encodes one text into its 384-d, L2-normalised embedding.
    #[wasm_bindgen(unchecked_return_type = "Promise<Float32Array>")]
    pub fn encode(&self, text: String) -> Promise {
        let loaded = Rc::clone(&self.loaded);
        future_to_promise(async move {
            let mut rows = loaded.encode(&[&text]).await.map_err(JsError::from)?;
            Ok(js_sys::Float32Array::from(rows.remove(0).as_slice()).into())
        })
    }

    /// Encodes several texts as one padded batch; resolves to an array of `Float32Array`s.
    #[wasm_bindgen(js_name = encodeBatch, unchecked_return_type = "Promise<Float32Array[]>")]
    pub fn encode_batch(&self, texts: Vec<String>) -> Promise {
        let loaded = Rc::clone(&self.loaded);
        future_to_promise(async move {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let rows = loaded.encode(&refs).await.map_err(JsError::from)?;
            let out = js_sys::Array::new();
            for row in rows {
                out.push(&js_sys::Float32Array::from(row.as_slice()));
            }
            Ok(out.into())
        })
    }
}
