#!/usr/bin/env node
// Browser benchmark of the whole widget (web/demo/index.html: Web Worker, wasm runtime, bundle) in
// Debian's headless Chromium; prints a table. Per backend: cold start (navigation → first
// search result) on the first visit and on a repeat visit (files in the service-worker cache),
// warm query latency p50/p95 through the main-thread API (worker round trip, encoding, ranking),
// recommend latency, peak wasm memory; and the bytes a first visit transfers per file, as
// scripts/serve.mjs sends them (brotli or gzip where a precompressed variant exists, see the
// README's "Hosting"), next to their size on disk.
// Usage: node scripts/bench-widget.mjs [--bundle=/bundles/movielens/] [--queries=100] [--webgpu-queries=5 (0: CPU only)]
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { launch, root, serveRoot } from '../tests/browser/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const bundle = args.bundle ?? '/bundles/movielens/';
const QUERIES = ['animated film for kids', 'scary horror movie with ghosts', 'romantic comedy in Paris',
  'science fiction space adventure', 'cowboys in the wild west'];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Opens the demo, waits for the first search result; returns ms since navigation start. */
async function firstResult(page, url) {
  await page.goto(url);
  return page.evaluate(async (query) => {
    const widget = await new Promise((ok) => {
      const poll = () => { const w = document.querySelector('gnn-recommender'); if (w?.recommender) ok(w); else setTimeout(poll, 5); };
      poll();
    });
    await widget.recommender.search(query, { k: 10 });
    return performance.now();
  }, QUERIES[0]);
}

async function measure(browser, server, backend, queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const transferred = new Map();
  page.on('response', async (response) => {
    const headers = await response.allHeaders();
    const length = Number(headers['content-length']);
    if (length > 0) transferred.set(new URL(response.url()).pathname, { length, encoding: headers['content-encoding'] ?? '–' });
  });
  const url = `${server.url}/web/demo/index.html?bundle=${bundle}&backend=${backend}`;
  const coldMs = await firstResult(page, url);
  const firstVisit = new Map(transferred);
  const repeatMs = await firstResult(page, url);
  const result = await page.evaluate(async ({ QUERIES, queries }) => {
    const r = document.querySelector('gnn-recommender').recommender;
    for (let i = 0; i < 10; i++) await r.search(QUERIES[i % QUERIES.length], { k: 10 });
    const times = [];
    for (let i = 0; i < queries; i++) {
      const start = performance.now();
      await r.search(QUERIES[i % QUERIES.length], { k: 10 });
      times.push(performance.now() - start);
    }
    await r.like('1');
    const recommendTimes = [];
    for (let i = 0; i < Math.min(queries, 20); i++) {
      const start = performance.now();
      await r.recommend({ k: 10 });
      recommendTimes.push(performance.now() - start);
    }
    await r.clearHistory();
    return { backend: r.backend, times, recommendTimes, ...(await r.stats()) };
  }, { QUERIES, queries });
  await context.close();
  return { ...result, coldMs, repeatMs, firstVisit };
}

const server = await serveRoot();
const rows = [];
const cpu = await launch();
rows.push(await measure(cpu, server, 'cpu', Number(args.queries ?? 100)));
await cpu.close();
// --webgpu-queries=0 skips the WebGPU row.
const webgpuQueries = Number(args['webgpu-queries'] ?? 5);
if (webgpuQueries > 0) {
  const gpu = await launch({ webgpu: true });
  rows.push(await measure(gpu, server, 'webgpu', webgpuQueries));
  await gpu.close();
}
await server.close();

const mb = (b) => (b / 1e6).toFixed(2);
console.log(`\n<gnn-recommender> on ${bundle} in headless Chromium (${process.platform}); queries: ${QUERIES.join(' | ')}\n`);
console.log('| backend | cold start → first result (first visit) | repeat visit | search p50 | search p95 | recommend p50 | searches | peak wasm memory |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.backend} | ${r.coldMs.toFixed(0)} ms | ${r.repeatMs.toFixed(0)} ms | ${percentile(r.times, 0.5).toFixed(1)} ms | ` +
    `${percentile(r.times, 0.95).toFixed(1)} ms | ${percentile(r.recommendTimes, 0.5).toFixed(1)} ms | ${r.times.length} | ${mb(r.wasmMemoryBytes)} MB |`);
}
const files = [...rows[0].firstVisit.entries()].sort((a, b) => b[1].length - a[1].length);
let onDisk = 0, sent = 0;
console.log('\n| file (first visit, CPU) | on disk | sent | content-encoding |\n|---|---|---|---|');
for (const [path, { length, encoding }] of files) {
  const bytes = statSync(join(root, decodeURIComponent(path))).size;
  onDisk += bytes; sent += length;
  console.log(`| ${path} | ${bytes} | ${length} | ${encoding} |`);
}
console.log(`| total | ${mb(onDisk)} MB | ${mb(sent)} MB | |`);
