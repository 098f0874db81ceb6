// Loads the wasm encoder and exposes it as `window.gnnrecEncoder` (a promise) for
// the page's form, the browser tests and the benchmarks.
import init, { Encoder } from '../../pkg/gnnrec_wasm.js';

const params = new URLSearchParams(location.search);
const backend = params.get('backend') ?? 'auto';
const weights = params.get('weights') ?? 'model.int8.safetensors';
const modelBase = new URL(params.get('model') ?? '../../models/all-MiniLM-L6-v2/', location.href);
const status = document.getElementById('status');

/** Fetches a file as bytes; an HTTP error names the URL. */
export async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function load() {
  const wasm = await init();
  // Linear memory only grows, so its size is the peak the module needed.
  window.gnnrecWasmMemoryBytes = () => wasm.memory.buffer.byteLength;
  const file = (name) => fetchBytes(new URL(name, modelBase));
  const [config, weightBytes, tokenizer] = await Promise.all([
    file('config.json'), file(weights), file('tokenizer.json'),
  ]);
  return Encoder.load(config, weightBytes, tokenizer, weights, backend);
}

window.gnnrecModule = { Encoder, fetchBytes };
window.gnnrecEncoder = load();
window.gnnrecEncoder.then(
  (encoder) => {
    status.textContent = `Ready on ${encoder.backend}` +
      (encoder.fallbackReason ? ` — ${encoder.fallbackReason}` : '') +
      ` (${Math.round(performance.now())} ms after page load).`;
  },
  (error) => { status.textContent = `Could not load the encoder: ${error.message}`; },
);

document.getElementById('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const encoder = await window.gnnrecEncoder;
  const text = document.getElementById('text').value;
  const start = performance.now();
  const embedding = await encoder.encode(text);
  const ms = (performance.now() - start).toFixed(1);
  const head = Array.from(embedding.slice(0, 8), (v) => v.toFixed(4)).join(', ');
  document.getElementById('result').textContent =
    `${embedding.length} dims in ${ms} ms on ${encoder.backend}\n[${head}, …]`;
});
