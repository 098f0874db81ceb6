#!/usr/bin/env node
// Bytes a page fetches before the visitor does anything, per way of embedding the widget:
// `train-cli site` builds the examples/films catalogue (600 films with purchases: a whole, v1
// bundle), `python3 -m http.server` serves it (no compression, as the plainest host), and
// Debian's Chromium opens each page and waits until the network has been idle for 2 s. Every
// response's size is counted (the page, the widget's scripts, the wasm, the bundle).
// Prints a table. Usage: node scripts/bench-first-bytes.mjs [--bin=target/release/train-cli]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/browser/harness.mjs';
import { servePython } from '../tests/browser/site.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const bin = join(root, args.bin ?? 'target/release/train-cli');
const work = mkdtempSync(join(tmpdir(), 'first-bytes-'));

const films = join(root, 'examples/films');
const run = spawnSync(bin, ['site', '--items', join(films, 'items.csv'), '--interactions', join(films, 'purchases.csv'),
  '--out', join(work, 'shop'), '--base-url', '/shop', '--encoder-dir', join(root, 'models/all-MiniLM-L6-v2'),
  '--package', join(root, 'pkg'), '--cache-dir', join(root, 'cache')], { encoding: 'utf8' });
if (run.status !== 0) throw new Error(`train-cli site failed:\n${run.stderr}`);

const modes = [
  ['search and recommendations (default)', ''],
  ['recommendations only (layout="recommendations")', 'layout="recommendations"'],
  ['"more like this" only (layout="related")', 'layout="related" related-to="1"'],
  ['below the fold, loading="lazy"', 'loading="lazy" style="display: block; margin-top: 300vh"'],
];
mkdirSync(join(work, 'pages'));
modes.forEach(([, attributes], i) => writeFileSync(join(work, 'pages', `${i}.html`), `<!doctype html><html lang="en">
<head><meta charset="utf-8"><title>Films</title><script type="module" src="/shop/gnnrec/recommender-element.js"></script></head>
<body><h1>Films</h1><gnn-recommender bundle="/shop/bundle/" backend="cpu" ${attributes}></gnn-recommender></body></html>
`));

const server = await servePython(work);
const browser = await launch();
const rows = [];
for (const [i, [mode]] of modes.entries()) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  let bytes = 0;
  let files = 0;
  let encoder = 0;
  page.on('response', async (response) => {
    // The host's Content-Length (python3 -m http.server always sends one, and compresses nothing).
    const length = Number((await response.allHeaders())['content-length'] ?? 0);
    bytes += length;
    files += 1;
    if (new URL(response.url()).pathname.includes('/bundle/encoder/')) encoder += length;
  });
  await page.goto(`${server.url}/pages/${i}.html`, { waitUntil: 'networkidle' });
  await page.waitForTimeout(2000);
  await page.waitForLoadState('networkidle');
  rows.push({ mode, files, bytes, encoder });
  await context.close();
}
await browser.close();
server.close();
rmSync(work, { recursive: true, force: true });

console.log(`Bytes before the first interaction, examples/films (600 items, v1 bundle), Chromium, python3 -m http.server; ${cpus().length} × ${cpus()[0].model}`);
console.log('| page | requests | bytes fetched | of which the query encoder |');
console.log('|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.files} | ${(r.bytes / 1e6).toFixed(2)} MB (${r.bytes} B) | ${(r.encoder / 1e6).toFixed(2)} MB |`);
}
