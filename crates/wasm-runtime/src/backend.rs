//! Choosing the compute backend: WebGPU when an adapter exists, else the CPU.

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "auto" => Ok(Self::Auto),
            "webgpu" => Ok(Self::WebGpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!("unknown backend `{other}` (expected auto, webgpu or cpu)")),
        }
    }
}

/// Asks `navigator.gpu` for an adapter, so that burn's own (panicking) adapter
/// request only runs when it will succeed. Fallback (software) adapters count.
/// Returns why WebGPU cannot be used, or `Ok(())`.
pub async fn probe_webgpu() -> Result<(), String> {
    let global = js_sys::global();
    let navigator = Reflect::get(&global, &"navigator".into()).map_err(describe)?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).map_err(describe)?;
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser exposes no navigator.gpu".into());
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into()).map_err(describe)?;
    let request: js_sys::Function =
        request.dyn_into().map_err(|_| "navigator.gpu.requestAdapter is not a function")?;
    let promise: Promise = request.call0(&gpu).map_err(describe)?.dyn_into().map_err(describe)?;
    let adapter = JsFuture::from(promise).await.map_err(describe)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("navigator.gpu.requestAdapter() found no adapter".into());
    }
    Ok(())
}

fn describe(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
