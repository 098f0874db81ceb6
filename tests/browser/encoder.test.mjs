// The wasm encoder in Debian's headless Chromium: CPU and WebGPU parity with the
// native encoder, fallback to the CPU without WebGPU, and clear errors on bad files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cosine, encodeInPage, launch, nativeEmbeddings, openEncoderPage, reference, serveRoot,
} from './harness.mjs';

let server;
const texts = reference().map((item) => item.text);
before(async () => { server = await serveRoot(); });
after(() => server.close());

function assertParity(browserRows, nativeRows, label) {
  browserRows.forEach((row, i) => {
    assert.equal(row.length, 384);
    const cos = cosine(row, nativeRows[i]);
    assert.ok(cos >= 0.9999, `${label}: ${JSON.stringify(texts[i])} cosine ${cos}`);
  });
}

describe('wasm CPU backend', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(() => browser.close());

  test('without WebGPU, auto falls back to the CPU and says why', async () => {
    const { page, state, errors } = await openEncoderPage(browser, server.url, { backend: 'auto' });
    assert.equal(state.backend, 'cpu', JSON.stringify(state));
    assert.match(state.fallbackReason, /WebGPU unavailable/);
    assert.match(await page.textContent('#status'), /Ready on cpu — WebGPU unavailable/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('f32 weights: every fixture sentence matches train-cli encode (the same CPU path)', async () => {
    const { page, state } = await openEncoderPage(browser, server.url,
      { backend: 'cpu', weights: 'model.safetensors' });
    assert.equal(state.backend, 'cpu', JSON.stringify(state));
    assertParity(await encodeInPage(page, texts), nativeEmbeddings(texts), 'cpu f32');
    const ids = await page.evaluate(async (t) => Array.from((await window.gnnrecEncoder).tokenIds(t)), texts[0]);
    assert.deepEqual(ids, reference()[0].input_ids);
    await page.close();
  });

  test('int8 weights: the browser computes what train-cli encode --quantized computes', async () => {
    const { page, state } = await openEncoderPage(browser, server.url, { backend: 'cpu' });
    assert.equal(state.backend, 'cpu', JSON.stringify(state));
    const rows = await encodeInPage(page, texts);
    assertParity(rows, nativeEmbeddings(texts, { quantized: true }), 'cpu int8');
    // Fidelity against sentence-transformers itself (the fixture), as docs/int8-weights.md states.
    const cosines = rows.map((row, i) => cosine(row, reference()[i].embedding));
    const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
    assert.ok(mean >= 0.999 && Math.min(...cosines) >= 0.995, `mean ${mean}, min ${Math.min(...cosines)}`);
    await page.close();
  });

  test('corrupt, truncated and mismatched files are rejected with the file named', async () => {
    const { page } = await openEncoderPage(browser, server.url, { backend: 'cpu' });
    const errors = await page.evaluate(async () => {
      const { Encoder, fetchBytes } = window.gnnrecModule;
      const base = '../../models/all-MiniLM-L6-v2/';
      const [config, weights, tokenizer] = await Promise.all(
        ['config.json', 'model.int8.safetensors', 'tokenizer.json'].map((f) => fetchBytes(base + f)));
      const attempt = (c, w, t, name = 'model.int8.safetensors') =>
        Encoder.load(c, w, t, name, 'cpu').then(() => 'loaded', (e) => e.message);
      const brokenTokenizer = new TextEncoder().encode('{"model": 42}');
      const fewerHeads = new TextEncoder().encode(
        new TextDecoder().decode(config).replace('"num_attention_heads": 12', '"num_attention_heads": 7'));
      return {
        truncated: await attempt(config, weights.slice(0, 1000), tokenizer),
        tokenizer: await attempt(config, weights, brokenTokenizer),
        config: await attempt(fewerHeads, weights, tokenizer),
        backend: await Encoder.load(config, weights, tokenizer, 'w', 'tpu').then(() => 'loaded', (e) => e.message),
        stillWorks: (await (await window.gnnrecEncoder).encode('still alive')).length,
      };
    });
    assert.match(errors.truncated, /model\.int8\.safetensors: not a valid safetensors file/);
    assert.match(errors.tokenizer, /tokenizer\.json/);
    assert.match(errors.config, /config\.json: hidden_size 384 is not divisible by num_attention_heads 7/);
    assert.match(errors.backend, /unknown backend `tpu`/);
    assert.equal(errors.stillWorks, 384, 'the module survives bad input');
    await page.close();
  });
});

describe('wasm WebGPU backend (--enable-unsafe-webgpu, SwiftShader adapter)', () => {
  let browser;
  before(async () => { browser = await launch({ webgpu: true }); });
  after(() => browser.close());

  test('f32 weights on WebGPU match train-cli encode --exact (f32 on burn-ndarray)', async () => {
    const { page, state, errors } = await openEncoderPage(browser, server.url,
      { backend: 'webgpu', weights: 'model.safetensors' });
    assert.equal(state.backend, 'webgpu', JSON.stringify({ state, errors }));
    assert.equal(state.fallbackReason, null);
    // SwiftShader runs WGSL on the CPU (~1 s a query): a few sentences, short and long.
    const sample = [texts[0], texts[7], texts[11], texts[14]];
    const native = nativeEmbeddings(sample, { exact: true });
    const rows = await encodeInPage(page, sample);
    rows.forEach((row, i) => {
      const cos = cosine(row, native[i]);
      assert.ok(cos >= 0.9999, `webgpu: ${JSON.stringify(sample[i])} cosine ${cos}`);
    });
    await page.close();
  });
});
