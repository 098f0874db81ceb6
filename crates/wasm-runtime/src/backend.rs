//! Choosing the compute backend: `auto` measures a hardware WebGPU adapter against the CPU
//! and keeps the faster, and never picks a software (fallback) adapter.

use js_sys::{Promise, Reflect};
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A backend name other than `auto`, `measure`, `webgpu` or `cpu`.
#[derive(Debug, Error)]
#[error("unknown backend `{0}` (expected auto, measure, webgpu or cpu)")]
pub struct UnknownBackend(pub String);

/// Why WebGPU cannot be used (the fallback reason shown to the page).
#[derive(Debug, Error)]
pub enum WebGpuUnavailable {
    /// The browser has no WebGPU API.
    #[error("this browser exposes no navigator.gpu")]
    NoGpu,
    /// `navigator.gpu` lacks `requestAdapter`.
    #[error("navigator.gpu.requestAdapter is not a function")]
    NoRequestAdapter,
    /// The browser has WebGPU but no adapter.
    #[error("navigator.gpu.requestAdapter() found no adapter")]
    NoAdapter,
    /// A JavaScript call threw or rejected, with its message.
    #[error("{0}")]
    Js(String),
}

/// Which backend the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// The CPU on a software (fallback) WebGPU adapter or none; with a hardware adapter,
    /// whichever of WebGPU and the CPU encodes a query faster, measured at load.
    Auto,
    /// Whichever of WebGPU (any adapter, software ones included) and the CPU encodes a
    /// query faster, measured at load.
    Measure,
    /// WebGPU, falling back to CPU (with a reason) if it is unavailable.
    WebGpu,
    /// The wasm CPU backend.
    Cpu,
}

impl Requested {
    /// Parses `"auto"`, `"measure"`, `"webgpu"` or `"cpu"`.
    pub fn parse(name: &str) -> Result<Self, UnknownBackend> {
        match name {
            "auto" => Ok(Self::Auto),
            "measure" => Ok(Self::Measure),
            "webgpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(UnknownBackend(other.into())),
        }
    }
}

/// What the browser says about its WebGPU adapter (`GPUAdapterInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterInfo {
    /// `isFallbackAdapter`: a software implementation (e.g. SwiftShader).
    pub fallback: bool,
    /// Vendor and architecture, for messages (e.g. `google swiftshader`).
    pub name: String,
}

/// Asks `navigator.gpu` for an adapter, so that burn's own (panicking) adapter
/// request only runs when it will succeed. Returns the adapter's description, or why
/// WebGPU cannot be used.
pub async fn probe_webgpu() -> Result<AdapterInfo, WebGpuUnavailable> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).map_err(describe)?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).map_err(describe)?;
    if gpu.is_undefined() || gpu.is_null() {
        return Err(WebGpuUnavailable::NoGpu);
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into()).map_err(describe)?;
    let request: js_sys::Function = request.dyn_into().map_err(|_| WebGpuUnavailable::NoRequestAdapter)?;
    let promise: Promise = request.call0(&gpu).map_err(describe)?.dyn_into().map_err(describe)?;
    let adapter = JsFuture::from(promise).await.map_err(describe)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(WebGpuUnavailable::NoAdapter);
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field =
        |object: &JsValue, key: &str| Reflect::get(object, &key.into()).ok().filter(|v| !v.is_undefined());
    // `info.isFallbackAdapter` (current spec) or `adapter.isFallbackAdapter` (older browsers).
    let fallback = field(&info, "isFallbackAdapter")
        .or_else(|| field(&adapter, "isFallbackAdapter"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let name = ["vendor", "architecture"]
        .iter()
        .filter_map(|key| field(&info, key).and_then(|v| v.as_string()).filter(|s| !s.is_empty()))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(AdapterInfo { fallback, name: if name.is_empty() { "unnamed adapter".into() } else { name } })
}

fn describe(value: JsValue) -> WebGpuUnavailable {
    WebGpuUnavailable::Js(js_message(&value))
}

/// The message of a thrown JavaScript value: an `Error`'s message, a string, or its debug form.
pub(crate) fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
