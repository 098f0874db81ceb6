//! Browser runtime of gnnrec, exported to JavaScript with wasm-bindgen.
//!
//! [`Recommender`] loads a bundle (checked against its manifest) and answers `search`
//! and `recommend` with the shared `gnnrec-ranking` crate; [`ShardedRecommender`] does the
//! same for a sharded (v2) bundle whose shards the page fetches on demand. [`Encoder`] loads all-MiniLM-L6-v2 from the bytes of its three files and
//! encodes text on WebGPU (burn-wgpu) when the browser offers an adapter, or on
//! the CPU otherwise (int8 kernels on wasm SIMD128, without burn) — and says which, and why.
//! Every failure reaches JavaScript as a rejected promise or a thrown `Error`;
//! nothing here panics on bad input.

mod backend;
mod encoder;
mod encoder_slot;
mod error;
mod js_values;
mod recommender;
mod sharded;

pub use encoder::Encoder;
pub use recommender::Recommender;
pub use sharded::ShardedRecommender;

/// Routes Rust panic messages (which would be bugs) to the browser console.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
