// Imports gnnrec's WebGPU module (gnnrec_webgpu.js, next to gnnrec_wasm.js in pkg/) the
// first time an encoder runs on WebGPU; pages on the CPU path never fetch it. wasm-bindgen
// copies this file to pkg/snippets/<crate-id>/src/, three levels below pkg/.
let webgpuModule = null;

/** Resolves to a WebGpuEncoder built from the three encoder files. */
export async function loadWebGpuEncoder(config, weights, tokenizer, weightsName) {
  webgpuModule ??= import(new URL('../../../gnnrec_webgpu.js', import.meta.url).href)
    .then(async (module) => { await module.default(); return module; });
  const { WebGpuEncoder } = await webgpuModule;
  return WebGpuEncoder.load(config, weights, tokenizer, weightsName);
}
