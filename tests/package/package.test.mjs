// The npm package (pkg/, built by scripts/build-wasm.mjs) as a site installs it: `npm pack`,
// `npm install` of the tarball in a scratch project (offline: the package has no
// dependencies), every file the runtime fetches is installed, every export and relative
// import resolves, and TypeScript (--strict) accepts typed uses of `gnnrec` and
// `gnnrec/widget` and rejects wrong ones (the `@ts-expect-error` lines must be errors).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkgDir = join(root, 'pkg');
const tsc = join(root, 'node_modules/.bin/tsc');

let scratch, installed, manifest;
before(() => {
  assert.ok(existsSync(join(pkgDir, 'package.json')), 'pkg/ is not built: run node scripts/build-wasm.mjs (--js-only when the wasm is up to date)');
  manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'gnnrec-package-'));
  scratch = join(dir, 'site');
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: pkgDir }).toString());
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-site', private: true, type: 'module' }));
  execFileSync('npm', ['install', join(dir, packed.filename), '--offline', '--no-audit', '--no-fund'], { cwd: scratch, stdio: 'pipe' });
  installed = join(scratch, 'node_modules', manifest.name);
});
after(() => { if (scratch) rmSync(dirname(scratch), { recursive: true, force: true }); });

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)));

test('the installed package holds what the runtime fetches and depends on nothing', () => {
  assert.equal(manifest.name, 'gnnrec');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.repository, undefined);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) assert.equal(manifest[field], undefined, field);
  const files = new Set(filesUnder(installed));
  for (const wasm of ['gnnrec_wasm_bg.wasm', 'gnnrec_webgpu_bg.wasm']) {
    for (const file of [wasm, `${wasm}.br`, `${wasm}.gz`]) assert.ok(files.has(file), `${file} is installed`);
  }
  for (const file of ['gnnrec_wasm.js', 'gnnrec_webgpu.js', 'worker-client.js', 'recommender-element.js', 'recommender-worker.js',
    'wasm-loader.js', 'sharded-bundle.js', 'history-store.js', 'strings.js', 'links.js', 'worker-client.d.ts',
    'recommender-element.d.ts', 'strings.d.ts', 'links.d.ts', 'gnnrec_wasm.d.ts', 'README.md', 'package.json']) {
    assert.ok(files.has(file), `${file} is installed`);
  }
  assert.ok([...files].some((f) => f.startsWith('snippets/') && f.endsWith('.js')), 'snippets/ is installed');
  assert.deepEqual([...files].filter((f) => /\.(js|wasm)$/.test(f) && !files.has(`${f}.br`)), [], 'every module has a brotli variant');
});

test('every export and every relative import or URL in the modules resolves to an installed file', () => {
  const resolved = execFileSync('node', ['--input-type=module', '-e',
    `for (const s of ${JSON.stringify(Object.keys(manifest.exports).map((e) => e.replace(/^\./, manifest.name)))}) console.log(import.meta.resolve(s));`],
  { cwd: scratch }).toString().trim().split('\n');
  assert.equal(resolved.length, Object.keys(manifest.exports).length);
  for (const url of resolved) assert.ok(existsSync(fileURLToPath(url)), url);
  const references = /(?:\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+|[\w-]+\.(?:js|wasm))['"]/g;
  let checked = 0;
  for (const file of filesUnder(installed).filter((f) => f.endsWith('.js'))) {
    for (const [, specifier] of readFileSync(join(installed, file), 'utf8').matchAll(references)) {
      assert.ok(existsSync(join(installed, dirname(file), specifier)), `${file} refers to ${specifier}, which is not installed`);
      checked += 1;
    }
  }
  assert.ok(checked >= 10, `${checked} references checked`);
});

/** A site's TypeScript using the client and the element; the `@ts-expect-error` lines must
 *  be type errors (an unused one is itself an error), so a type that became `any` or wrong fails. */
const SITE = `
import { RecommenderClient, type RankedItem, type HistoryEvent } from 'gnnrec';
import { DEFAULT_STRINGS, safeHref, type RecommenderElement, type SelectDetail, type Strings } from 'gnnrec/widget';
import init, { Recommender } from 'gnnrec/wasm';

const client = await RecommenderClient.load('/bundles/movielens/', {
  backend: 'cpu', storeName: 'site-likes', workerUrl: '/gnnrec-worker.js', onProgress: ({ stage, loaded }) => console.log(stage, loaded),
});
const count: number = client.itemCount;
const found = await client.search('animated film for kids', { k: 5 });
const first: RankedItem | undefined = found.results[0];
const titles: string[] = found.results.map((r) => r.title + (r.url ?? ''));
if (first?.because.kind === 'liked') console.log(first.because.title.toUpperCase());
const history: HistoryEvent[] = await client.like('1');
const when: number = history[0].timestampMs;
const recommended = await client.recommend({ k: 3 });
const similar = await client.related('1', { k: 3 });
console.log(similar.results.length, similar.ignoredHistory);
console.log(count, titles, when, recommended.ignoredHistory.length);
// @ts-expect-error: a query is a string
await client.search(42);
// @ts-expect-error: there is no such backend
await RecommenderClient.load('/bundles/movielens/', { backend: 'tpu' });

const widget = document.createElement('gnn-recommender');
const element: RecommenderElement = widget;
widget.setAttribute('bundle', '/bundles/movielens/');
widget.setAttribute('layout', 'recommendations');
widget.k = 5;
widget.layout = 'search';
widget.layout = 'related';
widget.relatedTo = '1';
widget.setAttribute('related-to', '2');
widget.debug = true;
// @ts-expect-error: not a layout
widget.layout = 'sideways';
widget.strings = { like: "J'aime", reasonLiked: 'parce que vous avez aimé {title}' };
// @ts-expect-error: texts are strings
widget.strings = { like: 1 };
const french: Strings = { ...DEFAULT_STRINGS, like: "J'aime" };
widget.strings = french;
const like: string = widget.strings.like;
widget.addEventListener('gnnrec-select', (event) => {
  const detail: SelectDetail = event.detail;
  const where: 'search' | 'recommendations' | 'related' = event.detail.source;
  console.log(detail.id, detail.url.length, detail.title, where);
  event.preventDefault();
});
widget.addEventListener('gnnrec-like', (event) => {
  const liked: boolean = event.detail.liked;
  console.log(event.detail.id, liked);
  // @ts-expect-error: liked is a boolean
  const wrong: string = event.detail.liked;
});
widget.addEventListener('gnnrec-ready', (event) => console.log(event.detail.backend, event.detail.fallbackReason));
widget.addEventListener('gnnrec-error', (event) => console.log(event.detail.toUpperCase()));
document.querySelector('gnn-recommender')?.addEventListener('gnnrec-select', (event) => {
  // @ts-expect-error: source is 'search', 'recommendations' or 'related'
  if (event.detail.source === 'elsewhere') console.log(event.detail.url);
});
const found2: RecommenderElement | null = document.querySelector('gnn-recommender');
const api: RecommenderClient | null | undefined = found2?.recommender;
const href: string | null = safeHref('javascript:alert(1)', location.href);
console.log(element, like, api, href);

await init();
const files: string[] = Recommender.requiredFiles(new Uint8Array());
console.log(files);
`;

for (const [module, moduleResolution] of [['esnext', 'bundler'], ['nodenext', 'nodenext']]) {
  test(`TypeScript --strict (module ${module}, resolution ${moduleResolution}) types the client and the element`, () => {
    writeFileSync(join(scratch, 'site.ts'), SITE);
    try {
      execFileSync(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--module', module, '--moduleResolution',
        moduleResolution, '--lib', 'es2022,esnext.disposable,dom', 'site.ts'], { cwd: scratch, stdio: 'pipe' });
    } catch (error) {
      assert.fail(`tsc reported errors:\n${error.stdout}${error.stderr}`);
    }
  });
}
