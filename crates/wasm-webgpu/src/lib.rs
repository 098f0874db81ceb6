//! The WebGPU half of gnnrec's browser runtime: all-MiniLM-L6-v2 on burn-wgpu, built as its
//! own wasm module (`gnnrec_webgpu.js`). `gnnrec-wasm` imports it on demand, only when it
//! runs the encoder on WebGPU, so pages on the CPU path never download or compile burn.
//! Backend choice (adapter probe, software adapters, measuring) stays in `gnnrec-wasm`.

use std::rc::Rc;

use burn::backend::WebGpu;
use burn::backend::wgpu::{WgpuDevice, graphics, init_setup_async};
use gnnrec_text_encoder::{EncoderFiles, NamedBytes, TextEncoder};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// all-MiniLM-L6-v2 on the browser's WebGPU adapter.
#[wasm_bindgen]
pub struct WebGpuEncoder {
    encoder: Rc<TextEncoder<WebGpu>>,
}

#[wasm_bindgen]
impl WebGpuEncoder {
    /// Sets up the WebGPU device and builds the encoder from the bytes of `config.json`,
    /// the weights (`weights_name`: f32 or int8 safetensors) and `tokenizer.json`.
    pub async fn load(
        config: Vec<u8>,
        weights: Vec<u8>,
        tokenizer: Vec<u8>,
        weights_name: String,
    ) -> Result<WebGpuEncoder, JsError> {
        let files = EncoderFiles {
            config: NamedBytes { name: "config.json", bytes: &config },
            weights: NamedBytes { name: &weights_name, bytes: &weights },
            tokenizer: NamedBytes { name: "tokenizer.json", bytes: &tokenizer },
        };
        let device = WgpuDevice::default();
        init_setup_async::<graphics::WebGpu>(&device, Default::default()).await;
        Ok(WebGpuEncoder { encoder: Rc::new(TextEncoder::from_files(&files, &device)?) })
    }

    /// Token ids the model sees for `text`.
    #[wasm_bindgen(js_name = tokenIds)]
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, JsError> {
        Ok(self.encoder.token_ids(text)?)
    }

    /// Encodes `texts` as one padded batch; resolves to an array of 384-d, L2-normalised
    /// `Float32Array`s.
    #[wasm_bindgen(js_name = encodeBatch, unchecked_return_type = "Promise<Float32Array[]>")]
    pub fn encode_batch(&self, texts: Vec<String>) -> Promise {
        let encoder = Rc::clone(&self.encoder);
        future_to_promise(async move {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let rows = encoder.encode_async(&refs).await.map_err(JsError::from)?;
            let out = js_sys::Array::new();
            for row in rows {
                out.push(&js_sys::Float32Array::from(row.as_slice()));
            }
            Ok(out.into())
        })
    }
}

/// Routes Rust panic messages (which would be bugs) to the browser console.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
