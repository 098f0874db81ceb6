#!/usr/bin/env node
// Browser benchmark of sharded (format v2) bundles at several catalogue sizes, against the
// whole (v1) demo bundle in the same Chromium run; prints a table.
//
// For each bundle, in a fresh browser (a first visit: empty caches, CPU backend;
// the demo's service worker caches the core, never shards): bytes transferred before the first result
// (core files and shards), the first result from a cold cache (navigation → first search
// result; for a bundle without text, → first recommendation after one like), warm search
// p50/p95 over queries whose shards are loaded (and its ratio to the v1 bundle's p50 in this
// run), shard bytes fetched per query in a region not seen before (mean and max over fresh
// queries; likes for bundles without text), and peak wasm memory.
// Recall@10 against nprobe is measured natively: `train-cli evaluate-bundle --text-probe`.
// Every bundle is measured in each of `--rounds` rounds (bundle order reversed every other
// round); the table gives per-bundle medians over the rounds, and the p50 ratio is the median
// of the per-round ratios (this machine is shared and noisy: only paired ratios are stable).
// Usage: node scripts/bench-sharded.mjs [--bundles=/bundles/movielens-v1/,/bundles/movielens/,...] [--queries=50] [--rounds=3]
// The default bundles (README, "Sharded bundles at scale", says how each is made): the demo as
// v1 (`export --format v1`), the demo (v2), amazon-beauty (graph filter, v2, no text) and the
// 1M-item catalogue (`synth-catalogue` + `shard-bundle --catalogue`).
import { launch, serveRoot } from '../tests/browser/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const bundles = (args.bundles ?? '/bundles/movielens-v1/,/bundles/movielens/,/bundles/beauty/,/bundles/synth-1m/').split(',');
const QUERIES = ['animated film for kids', 'scary horror movie with ghosts', 'romantic comedy in Paris',
  'science fiction space adventure', 'cowboys in the wild west'];
// Regions not touched by QUERIES: each is a first visit to its part of the catalogue.
const FRESH = ['documentary about jazz musicians', 'samurai sword fighting in old japan', 'submarine war thriller',
  'high school musical with dancing', 'detective solving a murder in london', 'talking animals on a farm',
  'heist crew robbing a casino', 'zombie apocalypse survival', 'biography of a boxer', 'vampires in a gothic castle'];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function measure(browser, server, bundle, queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const responses = [];
  page.on('response', (response) => {
    const length = Number(response.headers()['content-length'] ?? 0);
    responses.push({ path: new URL(response.url()).pathname, length });
  });
  const isShard = (r) => /\/(shards|directory)\//.test(r.path);
  const sum = (list) => list.reduce((s, r) => s + r.length, 0);
  await page.goto(`${server.url}/web/demo/index.html?bundle=${bundle}&backend=cpu`);
  const first = await page.evaluate(async (query) => {
    const w = await new Promise((ok) => {
      const poll = () => { const e = document.querySelector('gnn-recommender'); if (e?.recommender) ok(e); else setTimeout(poll, 5); };
      poll();
    });
    const r = w.recommender;
    const popular = (await r.recommend({ k: 10 })).results;
    try {
      await r.search(query, { k: 10 });
      return { ms: performance.now(), text: true, popular: popular.map((p) => p.id) };
    } catch {
      await r.like(popular[0].id);
      await r.recommend({ k: 10 });
      return { ms: performance.now(), text: false, popular: popular.map((p) => p.id) };
    }
  }, QUERIES[0]);
  const beforeFirst = [...responses];
  const r = 'document.querySelector("gnn-recommender").recommender';
  // Shard bytes of one request in a region not seen before.
  const fresh = [];
  const probes = first.text ? FRESH : first.popular.slice(1, 11);
  for (const probe of probes) {
    const start = responses.length;
    await page.evaluate(([source, probe, text]) => {
      const rec = eval(source);
      return text ? rec.search(probe, { k: 10 }) : rec.like(probe).then(() => rec.recommend({ k: 10 }));
    }, [r, probe, first.text]);
    fresh.push(sum(responses.slice(start).filter(isShard)));
  }
  const timed = await page.evaluate(async ([source, QUERIES, queries, text]) => {
    const rec = eval(source);
    const call = (i) => (text ? rec.search(QUERIES[i % QUERIES.length], { k: 10 }) : rec.recommend({ k: 10 }));
    for (let i = 0; i < 10; i++) await call(i);
    const times = [];
    for (let i = 0; i < queries; i++) {
      const start = performance.now();
      await call(i);
      times.push(performance.now() - start);
    }
    return { times, ...(await rec.stats()) };
  }, [r, first.text ? QUERIES : [], queries, first.text]);
  await context.close();
  return {
    bundle, text: first.text, coldMs: first.ms,
    coreBytes: sum(beforeFirst.filter((x) => !isShard(x))), shardBytesFirst: sum(beforeFirst.filter(isShard)),
    fresh, times: timed.times, wasmMemoryBytes: timed.wasmMemoryBytes,
  };
}

const server = await serveRoot();
const rounds = Number(args.rounds ?? 3);
const runs = new Map(bundles.map((b) => [b, []]));
for (let round = 0; round < rounds; round++) {
  for (const bundle of round % 2 ? [...bundles].reverse() : bundles) {
    // A fresh browser per measurement: later pages in a long-lived browser ran slower.
    const browser = await launch();
    runs.get(bundle).push(await measure(browser, server, bundle, Number(args.queries ?? 50)));
    await browser.close();
  }
}
server.close();

const mb = (b) => (b / 1e6).toFixed(2);
const median = (xs) => percentile(xs, 0.5);
const p50 = (run) => percentile(run.times, 0.5);
const reference = bundles.find((b) => runs.get(b)[0].text);
console.log(`\nSharded bundles in headless Chromium (${process.platform}, CPU backend, localhost, a fresh browser (first visit) per bundle and round), ${rounds} rounds × ${args.queries ?? 50} warm requests; medians over the rounds.`);
console.log(`p50 ratio: median over rounds of p50 / the p50 of ${reference} in the same round. Fresh region: ${FRESH.length} new-topic searches (bundles without text: likes of popular items, then recommend).\n`);
console.log('| bundle | requests | before first result: core + other files | + shards | cold first result | warm p50 | warm p95 | p50 ratio | fresh-region shard bytes mean / max | peak wasm memory |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const bundle of bundles) {
  const list = runs.get(bundle);
  const r = list[0];
  const ratio = r.text && reference ? median(list.map((x, i) => p50(x) / p50(runs.get(reference)[i]))).toFixed(2) : '–';
  const fresh = list.flatMap((x) => x.fresh);
  const mean = fresh.reduce((a, b) => a + b, 0) / Math.max(1, fresh.length);
  console.log(`| ${bundle} | ${r.text ? 'search' : 'recommend'} | ${mb(median(list.map((x) => x.coreBytes)))} MB | ` +
    `${mb(median(list.map((x) => x.shardBytesFirst)))} MB | ${median(list.map((x) => x.coldMs)).toFixed(0)} ms | ` +
    `${median(list.map(p50)).toFixed(1)} ms | ${median(list.map((x) => percentile(x.times, 0.95))).toFixed(1)} ms | ${ratio} | ` +
    `${mb(mean)} / ${mb(Math.max(...fresh))} MB | ${mb(Math.max(...list.map((x) => x.wasmMemoryBytes)))} MB |`);
}
