//! The `Encoder` class exported to JavaScript.

use std::rc::Rc;

use gnnrec_text_encoder::{CpuEncoder, EncoderFiles, NamedBytes};
use js_sys::{Array, Float32Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::backend::{Requested, js_message, probe_webgpu};
use crate::error::RuntimeError;

#[wasm_bindgen(module = "/src/webgpu-module.js")]
extern "C" {
    /// `WebGpuEncoder` of the WebGPU module (`crates/wasm-webgpu`), imported on first use.
    pub(crate) type WebGpuEncoder;

    #[wasm_bindgen(js_name = loadWebGpuEncoder, catch)]
    async fn load_webgpu_encoder(
        config: Uint8Array,
        weights: Uint8Array,
        tokenizer: Uint8Array,
        weights_name: &str,
    ) -> Result<WebGpuEncoder, JsValue>;

    #[wasm_bindgen(method, catch, js_name = encodeBatch)]
    fn encode_batch(this: &WebGpuEncoder, texts: Vec<String>) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = tokenIds)]
    fn token_ids(this: &WebGpuEncoder, text: &str) -> Result<Vec<u32>, JsValue>;
}

/// The encoder on whichever backend was chosen.
pub(crate) enum Loaded {
    /// The burn-free CPU path (int8 × int16 on wasm SIMD128).
    Cpu(Box<CpuEncoder>),
    /// burn-wgpu in the WebGPU module.
    WebGpu(WebGpuEncoder),
}

impl Loaded {
    pub(crate) async fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, RuntimeError> {
        match self {
            Loaded::Cpu(encoder) => Ok(encoder.encode(texts)?),
            Loaded::WebGpu(encoder) => {
                let texts = texts.iter().map(|t| t.to_string()).collect();
                let rows = JsFuture::from(encoder.encode_batch(texts).map_err(webgpu_error)?)
                    .await
                    .map_err(webgpu_error)?;
                Ok(Array::from(&rows).iter().map(|row| Float32Array::from(row).to_vec()).collect())
            }
        }
    }

    fn token_ids(&self, text: &str) -> Result<Vec<u32>, RuntimeError> {
        match self {
            Loaded::Cpu(encoder) => Ok(encoder.token_ids(text)?),
            Loaded::WebGpu(encoder) => encoder.token_ids(text).map_err(webgpu_error),
        }
    }
}

/// A failure inside the WebGPU module, with its JavaScript message.
fn webgpu_error(value: JsValue) -> RuntimeError {
    RuntimeError::WebGpu(js_message(&value))
}

/// The sentence [`Requested::Measure`] and [`Requested::Auto`] time on each backend.
const PROBE_QUERY: &str = "a quiet romantic comedy set in Paris tonight";

/// Builds the encoder on the requested backend (see [`Requested`]); returns it with the
/// reason for the choice whenever the backend was not simply the one asked for (no
/// WebGPU, a software adapter, a WebGPU module that cannot start, or a measurement).
pub(crate) async fn load_encoder(
    files: &EncoderFiles<'_>,
    backend: &str,
) -> Result<(Loaded, Option<String>), RuntimeError> {
    let requested = Requested::parse(backend)?;
    if requested == Requested::Cpu {
        return Ok((cpu(files)?, None));
    }
    let adapter = match probe_webgpu().await {
        Ok(adapter) => adapter,
        Err(reason) => {
            return Ok((cpu(files)?, Some(format!("WebGPU unavailable ({reason}); using the CPU backend"))));
        }
    };
    match requested {
        Requested::WebGpu => Ok((webgpu(files).await?, None)),
        Requested::Auto if adapter.fallback => Ok((
            cpu(files)?,
            Some(format!(
                "the WebGPU adapter ({}) is a software fallback; using the CPU backend",
                adapter.name
            )),
        )),
        // `auto` and `measure` fall back to the CPU when the WebGPU module cannot start (a
        // package built without it, or a host that fails to serve it); `webgpu` does not.
        _ => match faster_of_both(files).await {
            Err(RuntimeError::WebGpu(reason)) => Ok((
                cpu(files)?,
                Some(format!("the WebGPU encoder could not start ({reason}); using the CPU backend")),
            )),
            chosen => chosen,
        },
    }
}

fn cpu(files: &EncoderFiles<'_>) -> Result<Loaded, RuntimeError> {
    Ok(Loaded::Cpu(Box::new(CpuEncoder::from_files(files)?)))
}

/// The encoder in the WebGPU module (imported now if this is its first use).
async fn webgpu(files: &EncoderFiles<'_>) -> Result<Loaded, RuntimeError> {
    let bytes = |b: &[u8]| Uint8Array::from(b);
    let encoder = load_webgpu_encoder(
        bytes(files.config.bytes),
        bytes(files.weights.bytes),
        bytes(files.tokenizer.bytes),
        files.weights.name,
    )
    .await
    .map_err(webgpu_error)?;
    Ok(Loaded::WebGpu(encoder))
}

/// Milliseconds one query takes on `loaded`, after one untimed warm-up query (the first
/// compiles shaders or warms caches).
async fn query_ms(loaded: &Loaded) -> Result<f64, RuntimeError> {
    loaded.encode(&[PROBE_QUERY]).await?;
    let started = js_sys::Date::now();
    loaded.encode(&[PROBE_QUERY]).await?;
    Ok(js_sys::Date::now() - started)
}

/// Builds both encoders, times a query on each and keeps the faster.
async fn faster_of_both(files: &EncoderFiles<'_>) -> Result<(Loaded, Option<String>), RuntimeError> {
    let gpu = webgpu(files).await?;
    let gpu_ms = query_ms(&gpu).await?;
    let cpu = cpu(files)?;
    let cpu_ms = query_ms(&cpu).await?;
    let measured = format!("measured at load: webgpu {gpu_ms:.0} ms, cpu {cpu_ms:.0} ms per query");
    Ok(if gpu_ms <= cpu_ms {
        (gpu, Some(format!("{measured}; using WebGPU")))
    } else {
        (cpu, Some(format!("{measured}; using the CPU backend")))
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
    /// `backend` is `"auto"`, `"measure"`, `"webgpu"` or `"cpu"` (see `fallbackReason`
    /// for why the backend in use was chosen).
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

    /// Why this backend was chosen when it was not simply the one asked for: no WebGPU, a
    /// software adapter, or the load-time measurement (`undefined` otherwise).
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
