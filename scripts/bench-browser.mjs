#!/usr/bin/env node
// Browser benchmark of the wasm encoder in Debian's headless Chromium; prints a table.
// Per backend: cold start (navigation → first embedding), single-query latency p50/p95 for an
// 8-word query after warm-up, peak wasm memory and JS heap. Also the wasm size raw/gzip.
// Usage: node scripts/bench-browser.mjs [--queries=200] [--webgpu-queries=10 (0: CPU only)]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { launch, root, serveRoot } from '../tests/browser/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const QUERY = 'a quiet romantic comedy set in Paris tonight'; // 8 words
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function measure(browser, url, backend, weights, warmup, queries) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${url}/web/demo/encoder.html?backend=${backend}&weights=${weights}`);
  const result = await page.evaluate(async ({ QUERY, warmup, queries }) => {
    const encoder = await window.gnnrecEncoder;
    await encoder.encode(QUERY);
    const coldMs = performance.now();
    for (let i = 0; i < warmup; i++) await encoder.encode(`${QUERY} ${i}`);
    const times = [];
    for (let i = 0; i < queries; i++) {
      const start = performance.now();
      await encoder.encode(QUERY);
      times.push(performance.now() - start);
    }
    return { backend: encoder.backend, coldMs, times, wasmBytes: window.gnnrecWasmMemoryBytes() };
  }, { QUERY, warmup, queries });
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapTotalSize').value;
  await page.close();
  return { ...result, weights, heap };
}

const server = await serveRoot();
const rows = [];
const cpu = await launch();
rows.push(await measure(cpu, server.url, 'cpu', 'model.int8.safetensors', 60, Number(args.queries ?? 200)));
await cpu.close();
const webgpuQueries = Number(args['webgpu-queries'] ?? 10);
if (webgpuQueries > 0) {
  const gpu = await launch({ webgpu: true });
  rows.push(await measure(gpu, server.url, 'webgpu', 'model.int8.safetensors', 3, webgpuQueries));
  await gpu.close();
}
await server.close();

const wasm = readFileSync(join(root, 'pkg/gnnrec_wasm_bg.wasm'));
const mb = (b) => (b / 1e6).toFixed(1);
console.log(`\nMiniLM in headless Chromium (${process.platform}, 8-word query "${QUERY}")\n`);
console.log('| backend | weights | cold start → first embedding | p50 | p95 | queries | peak wasm memory | JS heap |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.backend} | ${r.weights} | ${r.coldMs.toFixed(0)} ms | ${percentile(r.times, 0.5).toFixed(1)} ms | ` +
    `${percentile(r.times, 0.95).toFixed(1)} ms | ${r.times.length} | ${mb(r.wasmBytes)} MB | ${mb(r.heap)} MB |`);
}
console.log(`\nwasm: ${mb(wasm.length)} MB raw, ${mb(gzipSync(wasm, { level: 9 }).length)} MB gzip -9`);
