// Shared set-up of the browser tests: the static server, Debian's Chromium and
// native reference outputs from `train-cli`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const modelDir = join(root, 'models/all-MiniLM-L6-v2');
export const trainCli = join(root, 'target/release/train-cli');
/** The demo bundle `scripts/test.sh` exports for the browser tests. */
export const testBundle = join(root, 'out/test-bundle');
/** The test bundle with item URLs (`writeUrlBundle`), served as /out/test-bundle-urls/. */
export const urlBundle = join(root, 'out/test-bundle-urls');

/** The URL `writeUrlBundle` gives the item at `index`: a `javascript:` URL for item 0 (Toy
 *  Story), a root-relative link to the tests' blank page for the other even ones, an absolute
 *  https URL on a host that does not exist (tests answer it with request routing) for odd ones. */
export function itemUrl(index, id) {
  if (index === 0) return '  JavaScript:window.injected = 1';
  return index % 2 === 0 ? `/tests/browser/page.html?item=${encodeURIComponent(id)}` : `https://movies.example/items/${encodeURIComponent(id)}`;
}

/** Where the bundle file `name` of the bundle folder `dir` is stored (its manifest's
 *  content-addressed `stored_as`, or its name in bundles written before). */
export function storedFile(dir, name) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const entry = (manifest.files ?? manifest.core)[name];
  return join(dir, entry?.stored_as ?? name);
}

/** Writes a copy of the test bundle whose items have URLs (`itemUrl`; the exporter writes no
 *  URL for MovieLens), with its manifest's size and SHA-256 of items.json.gz to match;
 *  returns the items. */
export function writeUrlBundle() {
  rmSync(urlBundle, { recursive: true, force: true });
  cpSync(testBundle, urlBundle, { recursive: true });
  const items = JSON.parse(gunzipSync(readFileSync(storedFile(testBundle, 'items.json.gz'))));
  items.forEach((item, index) => { item.url = itemUrl(index, item.id); });
  const stored = gzipSync(Buffer.from(JSON.stringify(items)));
  writeFileSync(join(urlBundle, 'items.json.gz'), stored);
  const manifest = JSON.parse(readFileSync(join(urlBundle, 'manifest.json'), 'utf8'));
  // Stored under its name (no `stored_as`), as bundles written before content addressing.
  manifest.files['items.json.gz'] = { bytes: stored.length, sha256: createHash('sha256').update(stored).digest('hex'), encoding: 'gzip' };
  writeFileSync(join(urlBundle, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return items;
}

/** Chromium flags for a headless, sandbox-less, offline-quiet browser (we run as root). */
const BASE_ARGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Launches Debian's Chromium; `webgpu` adds --enable-unsafe-webgpu (SwiftShader adapter). */
export function launch({ webgpu = false } = {}) {
  const args = webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan'] : BASE_ARGS;
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
}

/** Serves the repository root; resolves to `{ url, close }`. */
export const serveRoot = () => serve({ root });

/** The sentence-transformers fixture. */
export const reference = () =>
  JSON.parse(readFileSync(join(root, 'tests/fixtures/minilm_reference.json'), 'utf8')).items;

/** Native embeddings of `texts` from `train-cli encode` (one per line): the browser's CPU
 *  path, or with `exact` the f32 reference on burn-ndarray. */
export function nativeEmbeddings(texts, { quantized = false, exact = false } = {}) {
  const args = ['encode', '--model-dir', modelDir, ...(quantized ? ['--quantized'] : []), ...(exact ? ['--exact'] : [])];
  const out = execFileSync(trainCli, args, { input: texts.join('\n') + '\n', maxBuffer: 1 << 28 });
  return out.toString().trim().split('\n').map((line) => JSON.parse(line).embedding);
}

/** `train-cli query` on the test bundle: the native ranking every browser must match. */
export const nativeQuery = (args) =>
  JSON.parse(execFileSync(trainCli, ['query', '--bundle', testBundle, ...args]).toString());

/** Cosine similarity. */
export function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

/** Opens web/demo/encoder.html with `query` options and waits for the encoder (or its error). */
export async function openEncoderPage(browser, url, query) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/web/demo/encoder.html?${new URLSearchParams(query)}`);
  const state = await page.evaluate(() => window.gnnrecEncoder.then(
    (e) => ({ backend: e.backend, fallbackReason: e.fallbackReason ?? null }),
    (e) => ({ error: e.message }),
  ));
  return { page, state, errors };
}

/** Encodes `texts` one by one in the page; returns plain arrays. */
export const encodeInPage = (page, texts) => page.evaluate(async (texts) => {
  const encoder = await window.gnnrecEncoder;
  const out = [];
  for (const text of texts) out.push(Array.from(await encoder.encode(text)));
  return out;
}, texts);

const axeScript = join(root, 'node_modules/axe-core/axe.min.js');
/** axe-core's impact levels, worst first. */
export const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];

/** axe-core violations on a Playwright page (open shadow roots included), counted by impact. */
export async function audit(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeScript });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
    .violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })));
  const counts = Object.fromEntries(IMPACTS.map((impact) => [impact, violations.filter((v) => v.impact === impact).length]));
  return { counts, violations };
}

/** Evaluates `fn(shadowRoot, arg)` in a Playwright page, on the widget's shadow root. */
export const inWidget = (page, fn, arg) => page.evaluate(
  ([source, arg]) => new Function(`return (${source})`)()(document.querySelector('gnn-recommender').shadowRoot, arg),
  [fn.toString(), arg]);

/** Waits until `fn(shadowRoot, arg)` is truthy in a Playwright page (the widget's shadow root). */
export const waitForWidget = (page, fn, arg, timeout = 60000) => page.waitForFunction(
  ([source, arg]) => {
    const shadow = document.querySelector('gnn-recommender')?.shadowRoot;
    return shadow && new Function(`return (${source})`)()(shadow, arg);
  }, [fn.toString(), arg], { timeout });
