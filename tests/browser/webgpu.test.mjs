// The Recommender and the widget on WebGPU (Chromium's SwiftShader adapter with
// --enable-unsafe-webgpu): the same top-10 as `train-cli query`; `auto` refuses the
// software adapter and `measure` keeps the faster backend; without the flag the widget
// falls back to the CPU and says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, nativeQuery, serveRoot } from './harness.mjs';

let server;
before(async () => { server = await serveRoot(); });
after(() => server.close());

const bundleUrl = '/out/test-bundle/';
const cli = nativeQuery;

test('on WebGPU, search returns the same top-10 as train-cli query', async (t) => {
  const browser = await launch({ webgpu: true });
  t.after(() => browser.close()); // also when an assertion fails: an open browser keeps node alive
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  const cases = [
    { query: 'animated film for kids', history: [] },
    { query: 'a gritty crime thriller', history: [{ id: '1', timestampMs: 0 }, { id: '588', timestampMs: 86400000 }] },
  ];
  const inBrowser = await page.evaluate(async ([url, cases]) => {
    const { loadWasmRecommender } = await import('/pkg/wasm-loader.js');
    const r = await loadWasmRecommender(url, { backend: 'webgpu' });
    const out = [];
    for (const { query, history } of cases) out.push((await r.search(query, history, 10)).results.map((x) => x.id));
    const webgpuModule = performance.getEntriesByType('resource').some((e) => e.name.endsWith('/gnnrec_webgpu_bg.wasm'));
    return { backend: r.backend, fallbackReason: r.fallbackReason ?? null, out, webgpuModule };
  }, [bundleUrl, cases]);
  assert.equal(inBrowser.backend, 'webgpu', JSON.stringify(inBrowser));
  assert.equal(inBrowser.webgpuModule, true, 'the WebGPU module is imported when the encoder runs on WebGPU');
  cases.forEach(({ query, history }, i) => {
    const args = history.length ? ['--history', history.map((h) => `${h.id}@${h.timestampMs}`).join(',')] : [];
    // `--exact`: f32 as WebGPU computes it (the CPU path's int16 activations can swap near-ties).
    assert.deepEqual(inBrowser.out[i], cli([...args, '--exact', '--k', '10', query]).results.map((r) => r.id), query);
  });
});

/** Loads the test bundle with `backend` in a page of `browser`; resolves to its choice and
 *  whether the WebGPU module (pkg/gnnrec_webgpu_bg.wasm) was downloaded. */
async function choice(browser, backend) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  return page.evaluate(async ([url, backend]) => {
    const { loadWasmRecommender } = await import('/pkg/wasm-loader.js');
    const r = await loadWasmRecommender(url, { backend });
    const webgpuModule = performance.getEntriesByType('resource').some((e) => e.name.endsWith('/gnnrec_webgpu_bg.wasm'));
    return { backend: r.backend, fallbackReason: r.fallbackReason ?? null, webgpuModule };
  }, [bundleUrl, backend]);
}

test('auto never picks a software adapter; measure times both backends and keeps the faster', async (t) => {
  const browser = await launch({ webgpu: true });
  t.after(() => browser.close());
  // Chromium's only adapter here is SwiftShader, which reports isFallbackAdapter.
  const auto = await choice(browser, 'auto');
  assert.equal(auto.backend, 'cpu', JSON.stringify(auto));
  assert.match(auto.fallbackReason, /^the WebGPU adapter \(google swiftshader\) is a software fallback; using the CPU backend$/);
  assert.equal(auto.webgpuModule, false, 'refusing the adapter costs no download');
  const measured = await choice(browser, 'measure');
  const [, gpuMs, cpuMs] = measured.fallbackReason.match(/^measured at load: webgpu (\d+) ms, cpu (\d+) ms per query; using/) ?? [];
  assert.ok(gpuMs && cpuMs, JSON.stringify(measured));
  assert.equal(measured.backend, Number(gpuMs) <= Number(cpuMs) ? 'webgpu' : 'cpu', JSON.stringify(measured));
  assert.equal(measured.webgpuModule, true);
});

test('without WebGPU the widget falls back to the CPU and says so', async (t) => {
  const browser = await launch();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(`${server.url}/web/demo/index.html?bundle=${bundleUrl}&backend=webgpu`);
  await page.waitForFunction(() => document.querySelector('gnn-recommender')?.shadowRoot
    ?.getElementById('status')?.textContent.startsWith('Ready'), null, { timeout: 90000 });
  assert.equal(await page.textContent('#backend'), 'CPU');
  assert.match(await page.getAttribute('#backend', 'title'), /WebGPU unavailable .*using the CPU backend/);
  assert.match(await page.textContent('#status'), /^Ready: 9125 items — WebGPU unavailable .*using the CPU backend/);
  // The worker's requests are seen (its wasm), and the WebGPU module is not among them.
  assert.ok(requests.includes('/pkg/gnnrec_wasm_bg.wasm'), requests.join(' '));
  assert.deepEqual(requests.filter((p) => p.includes('gnnrec_webgpu')), []);
});
