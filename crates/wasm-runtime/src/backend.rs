//! Choosing the compute backend: WebGPU when an adapter exists, else the CPU.

use js_sys::{Promise, Reflect};
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A backend name other than `auto`, `webgpu` or `cpu`.
#[derive(Debug, Error)]
#[error("unknown backend `{0}` (expected auto, webgpu or cpu)")]
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
    /// WebGPU if available, else CPU.
    Auto,
    /// WebGPU, falling back to CPU (with a reason) if it is unavailable.
    WebGpu,
    /// The wasm CPU backend.
    Cpu,
}

impl Requested {
    /// Parses `"auto"`, `"webgpu"` or `"cpu"`.
    pub fn parse(name: &str) -> Result<Self, UnknownBackend> {
        match name {
            "auto" => Ok(Self::Auto),
            "webgpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(UnknownBackend(other.into())),
        }
    }
}

/// Asks `navigator.gpu` for an adapter, so that burn's own (panicking) adapter
/// request only runs when it will succeed. Fallback (software) adapters count.
/// Returns why WebGPU cannot be used, or `Ok(())`.
pub async fn probe_webgpu() -> Result<(), WebGpuUnavailable> {
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
    Ok(())
}

fn describe(value: JsValue) -> WebGpuUnavailable {
    WebGpuUnavailable::Js(
        value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}")),
    )
}
